// Calling a trainer's callbacks: every hook of a callback is optional, and
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

}  // namespace hardneg::detail
