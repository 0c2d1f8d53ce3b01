// EarlyStopping: stops training when a metric has not improved for
// `patience` evaluations, and optionally restores the best parameters.
//
// It reads the metric from TrainContext::metrics, so put it after the
// callback that measures it (EvaluateEvery) in fit()'s argument list. Epochs
// without that metric (no evaluation ran) are ignored.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "hardneg/core/matrix.hpp"
#include "hardneg/train/context.hpp"

namespace hardneg {

class EarlyStopping {
 public:
  struct Params {
    std::string metric = "ndcg@20";  ///< empty: never stop
    int patience = 5;            ///< evaluations without improvement before stopping
    bool restore_best = true;    ///< put the best parameters back at the end
    bool maximize = true;        ///< false for a metric to minimise (e.g. "loss")
  };
  EarlyStopping() : EarlyStopping(Params{}) {}
  explicit EarlyStopping(Params p) : p_(std::move(p)) {}

  template <class Trainer>
  bool on_epoch_end(Trainer& trainer, const TrainContext& ctx) {
    double value;
    if (p_.metric.empty()) return true;  // disabled
    if (p_.metric == "loss") {
      value = ctx.loss;
    } else {
      const auto it = ctx.metrics.find(p_.metric);
      if (it == ctx.metrics.end()) return true;
      value = it->second;
    }
    const bool better = best_epoch_ < 0 || (p_.maximize ? value > best_ : value < best_);
    if (better) {
      best_ = value;
      best_epoch_ = ctx.epoch;
      waited_ = 0;
      if (p_.restore_best) {
        const auto params = trainer.model().parameters();
        best_params_.assign(params.begin(), params.end());
      }
      return true;
    }
    return ++waited_ < p_.patience;
  }

  template <class Trainer>
  void on_train_end(Trainer& trainer, TrainContext&) {
    if (!p_.restore_best || best_params_.empty()) return;
    auto params = trainer.model().parameters();
    for (std::size_t t = 0; t < params.size(); ++t) params[t] = best_params_[t];
    if constexpr (requires { trainer.model().on_parameters_changed(); })
      trainer.model().on_parameters_changed();
  }

  double best() const noexcept { return best_; }
  /// 0-based epoch of the best value, -1 before any.
  int best_epoch() const noexcept { return best_epoch_; }

 private:
  Params p_;
  double best_ = 0;
  int best_epoch_ = -1;
  int waited_ = 0;
  std::vector<RowMatrix> best_params_;
};

}  // namespace hardneg
