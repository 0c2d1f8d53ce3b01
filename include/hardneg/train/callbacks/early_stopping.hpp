// EarlyStopping: stops training when a metric has not improved for
// `patience` evaluations, and optionally restores the best parameters.
//
// It can also act on every evaluation without improvement (a plateau), as
// the SimpleX / RecZoo pipeline does: multiply the trainer's base learning
// rate by `lr_factor` (not below `min_lr`) and put the best parameters back
// before training on. The optimizer's state (Adam's moments) is kept.
//
// It reads the metric from TrainContext::metrics, so put it after the
// callback that measures it (EvaluateEvery) in fit()'s argument list. Epochs
// without that metric (no evaluation ran) are ignored.
#pragma once

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "hardneg/core/error.hpp"
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
    double min_delta = 0;        ///< an improvement must exceed the best by more than this
    /// On a plateau (an evaluation without improvement): base learning rate
    /// times this, but not below min_lr (1: leave the rate alone).
    double lr_factor = 1;
    double min_lr = 0;
    bool reload_on_plateau = false;  ///< on a plateau, go back to the best parameters
  };
  EarlyStopping() : EarlyStopping(Params{}) {}
  explicit EarlyStopping(Params p) : p_(std::move(p)) {
    detail::require(p_.patience >= 1, "hardneg::EarlyStopping: patience must be >= 1, got " +
                                          std::to_string(p_.patience));
    detail::require(p_.lr_factor > 0 && p_.lr_factor <= 1,
                    "hardneg::EarlyStopping: lr_factor must be in (0, 1], got " +
                        std::to_string(p_.lr_factor));
    detail::require(p_.min_delta >= 0 && p_.min_lr >= 0,
                    "hardneg::EarlyStopping: min_delta and min_lr must be >= 0");
  }

  /// A decay needs a trainer whose base rate can be set: say so before
  /// training, not at the first plateau.
  template <class Trainer>
  void on_train_begin(Trainer&, TrainContext&) const {
    if constexpr (!requires(Trainer& t) { t.set_base_learning_rate(1.0); })
      detail::require(p_.lr_factor == 1,
                      "hardneg::EarlyStopping: lr_factor needs a trainer with set_base_learning_rate()");
  }

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
    const bool better = best_epoch_ < 0 || (p_.maximize ? value > best_ + p_.min_delta
                                                        : value < best_ - p_.min_delta);
    if (better) {
      best_ = value;
      best_epoch_ = ctx.epoch;
      waited_ = 0;
      if (keeps_best()) {
        const auto params = trainer.model().parameters();
        best_params_.assign(params.begin(), params.end());
      }
      return true;
    }
    if (++waited_ >= p_.patience) return false;
    on_plateau(trainer);
    return true;
  }

  template <class Trainer>
  void on_train_end(Trainer& trainer, TrainContext&) {
    if (p_.restore_best) restore(trainer);
  }

  double best() const noexcept { return best_; }
  /// 0-based epoch of the best value, -1 before any.
  int best_epoch() const noexcept { return best_epoch_; }
  /// Plateaus acted on (learning-rate decays or reloads) so far.
  int plateaus() const noexcept { return plateaus_; }

 private:
  bool keeps_best() const noexcept { return p_.restore_best || p_.reload_on_plateau; }

  template <class Trainer>
  void on_plateau(Trainer& trainer) {
    if (p_.lr_factor == 1 && !p_.reload_on_plateau) return;
    ++plateaus_;
    if constexpr (requires { trainer.set_base_learning_rate(1.0); }) {
      if (p_.lr_factor != 1)
        trainer.set_base_learning_rate(
            std::max(trainer.base_learning_rate() * p_.lr_factor, p_.min_lr));
    }
    if (p_.reload_on_plateau) restore(trainer);
  }

  template <class Trainer>
  void restore(Trainer& trainer) {
    if (best_params_.empty()) return;
    auto params = trainer.model().parameters();
    for (std::size_t t = 0; t < params.size(); ++t) params[t] = best_params_[t];
    if constexpr (requires { trainer.model().on_parameters_changed(); })
      trainer.model().on_parameters_changed();
  }

  Params p_;
  double best_ = 0;
  int best_epoch_ = -1;
  int waited_ = 0;
  int plateaus_ = 0;
  std::vector<RowMatrix> best_params_;
};

}  // namespace hardneg
