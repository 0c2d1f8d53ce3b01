// Learning-rate schedules: the learning rate of each epoch from the
// optimizer's base rate. A schedule is any type with
//
//   double lr(double base, int epoch) const;     // epoch is 0-based
//
// (the LearningRateSchedule concept). The trainer sets the optimizer's rate
// once at the start of every epoch, as a PyTorch LR scheduler stepped once
// per epoch does; Schedule holds any of them at run time.
//
//   ConstantLR                 lr(e) = base
//   StepDecay{every, gamma}    lr(e) = base * gamma^floor(e / every)
//                              (torch.optim.lr_scheduler.StepLR(step_size =
//                              every, gamma) stepped per epoch, closed form;
//                              WWW'23 uses every = 5, gamma = 0.95)
#pragma once

#include <cmath>
#include <concepts>
#include <functional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "hardneg/core/error.hpp"

namespace hardneg {

/// A type that gives the learning rate of a 0-based epoch from a base rate.
template <class S>
concept LearningRateSchedule = requires(const S& s, double base, int epoch) {
  { s.lr(base, epoch) } -> std::convertible_to<double>;
};

/// The base learning rate in every epoch.
struct ConstantLR {
  static constexpr std::string_view name() noexcept { return "constant"; }
  double lr(double base, int /*epoch*/) const noexcept { return base; }
};

/// Multiplies the learning rate by gamma every `every` epochs.
class StepDecay {
 public:
  struct Params {
    int every = 5;        ///< epochs between two decays (>= 1)
    double gamma = 0.95;  ///< factor applied at each decay (> 0)
  };

  StepDecay() = default;
  explicit StepDecay(Params p) : params_(p) {
    detail::require(p.every >= 1,
                    "hardneg::StepDecay: every must be >= 1, got " + std::to_string(p.every));
    detail::require(
        std::isfinite(p.gamma) && p.gamma > 0,
        "hardneg::StepDecay: gamma must be finite and > 0, got " + std::to_string(p.gamma));
  }
  StepDecay(int every, double gamma) : StepDecay(Params{every, gamma}) {}

  static constexpr std::string_view name() noexcept { return "step"; }
  const Params& params() const noexcept { return params_; }

  double lr(double base, int epoch) const {
    detail::require(epoch >= 0,
                    "hardneg::StepDecay::lr: epoch must be >= 0, got " + std::to_string(epoch));
    return base * std::pow(params_.gamma, epoch / params_.every);
  }

 private:
  Params params_{};
};

/// Any LearningRateSchedule, held by value and chosen at run time (called
/// once per epoch, so the indirection costs nothing). Default: ConstantLR.
class Schedule {
 public:
  Schedule() : Schedule(ConstantLR{}) {}

  template <LearningRateSchedule S>
  requires(!std::same_as<std::remove_cvref_t<S>, Schedule>)
      Schedule(S schedule)  // NOLINT: implicit, so `.schedule = StepDecay{5, 0.95}` reads well
      : lr_([s = std::move(schedule)](double base, int epoch) {
          return static_cast<double>(s.lr(base, epoch));
        }) {}

  double lr(double base, int epoch) const { return lr_(base, epoch); }

 private:
  std::function<double(double, int)> lr_;
};

}  // namespace hardneg
