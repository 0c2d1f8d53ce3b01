// Adagrad (Duchi, Hazan & Singer, JMLR 2011), as torch.optim.Adagrad with
// coupled L2 weight decay and no learning-rate decay:
//
//   g     = grad + wd * theta
//   s     = s + g^2                       (s starts at initial_accumulator)
//   theta = theta - lr * g / (sqrt(s) + eps)
//
// Float operations in PyTorch's order (addcmul, then sqrt + eps, then
// addcdiv's (-lr * g) / denominator).
//
// Sparse semantics: only the rows the batch touched are updated, weight decay
// included. With wd = 0 this is what PyTorch does with a dense gradient too
// (a zero gradient leaves s and theta unchanged); with wd > 0 PyTorch would
// also decay untouched rows. The accumulator s is allocated at the first
// step, shaped like the parameter tables.
//
// Params: lr (default 0.01), eps (1e-10), weight_decay (0),
// initial_accumulator (0).
//   Adagrad{}  or  Adagrad{{.lr = 0.05}}
#pragma once

#include <cmath>
#include <span>
#include <string_view>
#include <vector>

#include "hardneg/core/gradient.hpp"
#include "hardneg/core/matrix.hpp"
#include "hardneg/core/thread_pool.hpp"
#include "hardneg/core/types.hpp"
#include "hardneg/optim/detail/row_update.hpp"

namespace hardneg {

namespace detail {
/// One Adagrad step on one element (T = real or a SIMD batch of reals).
struct AdagradRule {
  real weight_decay;
  real eps;
  real neg_lr;

  template <class T>
  void operator()(T& theta, T& sum, T g) const noexcept {
    using std::sqrt;
    g = g + weight_decay * theta;
    sum = sum + g * g;
    const T denom = sqrt(sum) + eps;
    theta = theta + (neg_lr * g) / denom;
  }
};
}  // namespace detail

class Adagrad {
 public:
  struct Params {
    double lr = 0.01;                ///< learning rate
    double eps = 1e-10;              ///< added to sqrt(s)
    double weight_decay = 0;         ///< coupled L2 coefficient, touched rows only
    double initial_accumulator = 0;  ///< starting value of s
  };

  Adagrad() = default;
  explicit Adagrad(Params p) : params_(p) {
    constexpr std::string_view who = "hardneg::Adagrad";
    detail::require_param(std::isfinite(p.lr) && p.lr >= 0, who, "lr", "finite and >= 0", p.lr);
    detail::require_param(std::isfinite(p.eps) && p.eps > 0, who, "eps", "finite and > 0", p.eps);
    detail::require_param(std::isfinite(p.weight_decay) && p.weight_decay >= 0, who, "weight_decay",
                          "finite and >= 0", p.weight_decay);
    detail::require_param(std::isfinite(p.initial_accumulator) && p.initial_accumulator >= 0, who,
                          "initial_accumulator", "finite and >= 0", p.initial_accumulator);
  }

  static constexpr std::string_view name() noexcept { return "adagrad"; }
  const Params& params() const noexcept { return params_; }
  double learning_rate() const noexcept { return params_.lr; }
  void set_learning_rate(double lr) {
    detail::require_param(std::isfinite(lr) && lr >= 0, "hardneg::Adagrad", "lr", "finite and >= 0",
                          lr);
    params_.lr = lr;
  }

  /// The accumulators s, one table per parameter table (empty before the
  /// first step).
  std::span<const RowMatrix> accumulators() const noexcept { return sum_; }
  /// Forgets the state; the next step starts from initial_accumulator.
  void reset() { sum_.clear(); }

  /// Updates the rows `grad` touched; grad's tables match `params`.
  void step(std::span<RowMatrix> params, const SparseGradient& grad, ThreadPool& pool) {
    detail::check_gradient("hardneg::Adagrad", params, grad);
    detail::shape_state("hardneg::Adagrad", params, sum_,
                        static_cast<real>(params_.initial_accumulator));
    const detail::AdagradRule rule{static_cast<real>(params_.weight_decay),
                                   static_cast<real>(params_.eps), static_cast<real>(-params_.lr)};
    detail::for_touched_rows(params, grad, pool,
                             [&](std::size_t t, std::size_t row, const real* g) {
                               detail::update_row(rule, params[t].stride(), g,
                                                  params[t].row_ptr(row), sum_[t].row_ptr(row));
                             });
  }

 private:
  Params params_{};
  std::vector<RowMatrix> sum_;
};

}  // namespace hardneg
