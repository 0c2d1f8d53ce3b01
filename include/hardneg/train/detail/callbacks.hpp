// Calling a trainer's callbacks, and the epoch loop around them: every hook of a callback is optional, and
// on_epoch_end may return bool (false stops training). Shared by Trainer and
// InverseGradient, whose callbacks receive the trainer and its TrainContext.
#pragma once

#include <concepts>

#include "hardneg/train/context.hpp"

namespace hardneg::detail {

template <class T, class C>
void call_train_begin(T& trainer, C& c, TrainContext& ctx) {
  if constexpr (requires { c.on_train_begin(trainer, ctx); }) c.on_train_begin(trainer, ctx);
}

template <class T, class C>
void call_epoch_begin(T& trainer, C& c, TrainContext& ctx) {
  if constexpr (requires { c.on_epoch_begin(trainer, ctx); }) c.on_epoch_begin(trainer, ctx);
}

/// Whether training goes on after this callback's on_epoch_end.
template <class T, class C>
bool call_epoch_end(T& trainer, C& c, TrainContext& ctx) {
  if constexpr (requires { { c.on_epoch_end(trainer, ctx) } -> std::convertible_to<bool>; })
    return c.on_epoch_end(trainer, ctx);
  else if constexpr (requires { c.on_epoch_end(trainer, ctx); })
    c.on_epoch_end(trainer, ctx);
  return true;
}

template <class T, class C>
void call_train_end(T& trainer, C& c, TrainContext& ctx) {
  if constexpr (requires { c.on_train_end(trainer, ctx); }) c.on_train_end(trainer, ctx);
}

/// The epoch loop of fit(): training mode on, on_train_begin, then per epoch
/// on_epoch_begin, run_epoch(epoch) and on_epoch_end (any false stops), then
/// training mode off and on_train_end.
template <class T, class M, class RunEpoch, class... Callbacks>
void run_epochs(T& trainer, M& model, TrainContext& ctx, int epochs, RunEpoch&& run_epoch,
                Callbacks&... callbacks) {
  // Training mode (e.g. dropout) is on inside fit() only.
  if constexpr (requires { model.set_training(true); }) model.set_training(true);
  (call_train_begin(trainer, callbacks, ctx), ...);
  for (int epoch = 0; epoch < epochs; ++epoch) {
    ctx.epoch = epoch;
    ctx.metrics.clear();
    (call_epoch_begin(trainer, callbacks, ctx), ...);
    run_epoch(epoch);
    bool go_on = true;
    ((go_on = call_epoch_end(trainer, callbacks, ctx) && go_on), ...);
    if (!go_on) break;
  }
  if constexpr (requires { model.set_training(false); }) model.set_training(false);
  (call_train_end(trainer, callbacks, ctx), ...);
}

}  // namespace hardneg::detail
