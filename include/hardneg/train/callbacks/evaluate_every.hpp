// EvaluateEvery: full-ranking evaluation after every k-th epoch.
//
// Puts every metric of EvalResult::metrics() into TrainContext::metrics under
// its name (recall@20, ndcg@20, auc, ...), so that EarlyStopping, Progress
// and TrainingLog placed after it see them in the same epoch.
#pragma once

#include <chrono>
#include <utility>

#include "hardneg/core/error.hpp"
#include "hardneg/data/interactions.hpp"
#include "hardneg/eval/evaluator.hpp"
#include "hardneg/train/context.hpp"

namespace hardneg {

class EvaluateEvery {
 public:
  /// `train` items are excluded from the ranking; `test` holds the positives.
  /// Both must outlive the callback.
  EvaluateEvery(int every, const Interactions& train, const Interactions& test,
                EvalOptions options = {})
      : every_(every), train_(&train), test_(&test), options_(std::move(options)) {
    detail::require(every >= 1, "hardneg::EvaluateEvery: every must be >= 1");
  }

  template <class Trainer>
  void on_epoch_end(Trainer& trainer, TrainContext& ctx) {
    const int done = ctx.epoch + 1;
    if (done % every_ != 0) return;
    const auto start = std::chrono::steady_clock::now();
    last_ = evaluate(trainer.model().block_scorer(), *train_, *test_, options_, &trainer.pool());
    seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ++evaluations_;
    for (const auto& [name, value] : last_.metrics()) ctx.metrics[name] = value;
  }

  /// The latest evaluation (empty before the first).
  const EvalResult& last() const noexcept { return last_; }
  /// Total seconds spent evaluating, and the number of evaluations.
  double seconds() const noexcept { return seconds_; }
  int evaluations() const noexcept { return evaluations_; }

 private:
  int every_;
  const Interactions* train_;
  const Interactions* test_;
  EvalOptions options_;
  EvalResult last_;
  double seconds_ = 0;
  int evaluations_ = 0;
};

}  // namespace hardneg
