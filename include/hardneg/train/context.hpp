// What callbacks see of a training run, epoch after epoch.
#pragma once

#include <cstddef>
#include <map>
#include <string>

namespace hardneg {

/// The state of a run as the Trainer reports it to callbacks. Callbacks that
/// measure something (evaluation) add it to `metrics`, so that callbacks after
/// them in the list (early stopping, logs) see it in the same epoch.
struct TrainContext {
  int epoch = 0;               ///< 0-based epoch that just ran (or is about to)
  int epochs = 0;              ///< planned number of epochs
  double loss = 0;             ///< mean loss per training pair in this epoch
  double learning_rate = 0;    ///< learning rate used in this epoch
  double epoch_seconds = 0;    ///< training time of this epoch (no callbacks)
  double train_seconds = 0;    ///< training time so far (no callbacks)
  double pairs_per_second = 0; ///< training pairs per second in this epoch
  std::size_t pairs = 0;       ///< training pairs per epoch
  std::size_t batches = 0;     ///< mini-batches per epoch
  /// The negatives the sampler returned in this epoch, and how many of them
  /// scored above their positive, and at or above zero, when sampled.
  std::size_t negatives = 0;
  std::size_t negatives_above_positive = 0;
  std::size_t negatives_nonnegative = 0;
  std::map<std::string, double> metrics;  ///< metrics measured at this epoch
};

}  // namespace hardneg
