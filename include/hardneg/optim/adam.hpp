// Adam (Kingma & Ba, ICLR 2015) with coupled L2 weight decay, in two flavours.
//
//   g     = grad + wd * theta
//   m     = b1 * m + (1 - b1) * g
//   v     = b2 * v + (1 - b2) * g^2
//   theta = theta - (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
//
// computed in float in torch.optim.Adam's order (single-tensor form: mul_ and
// add_ for m, mul_ and addcmul_ for v, sqrt / sqrt(bc2) + eps, then
// addcdiv's (-step_size * m) / denominator; the scalars b1^t, lr / bc1 and
// sqrt(bc2) in double, rounded to float once). The division by sqrt(bc2) is
// a product with its reciprocal plus one FMA correction, which gives the
// same correctly rounded quotient (AdamRule::divide_by_bias2_sqrt). PyTorch
// 2's lerp_ for m and the compiler's FMA contraction make last-bit
// differences only.
//
//  - Adam (AdamFlavour::dense): exactly what torch.optim.Adam does to an
//    embedding table whose gradient is dense (nn.Embedding without
//    sparse=True, as in the WWW'23 and RecBox code): every row of every table
//    advances every step. An untouched row gets g = wd * theta, its moments
//    decay and it keeps moving with its old momentum. This costs a pass over
//    all parameters per step; it is parallel over row ranges and vectorised
//    with xsimd, streaming theta, m and v once.
//  - LazyAdam (AdamFlavour::lazy): only the rows the batch touched update
//    their moments and weights (weight decay included); untouched rows do not
//    change at all. The step count t is global (one per step() call), so a
//    row's bias correction uses the global step, not the number of times the
//    row was touched (as TensorFlow's LazyAdamOptimizer). Cost: the touched
//    rows only. Not equivalent to the papers' training when wd > 0 or when
//    momentum matters.
//
// The moments m and v are allocated at the first step, shaped like the
// parameter tables (RowMatrix: the padding stays zero).
//
// Params: lr (default 1e-3), beta1 (0.9), beta2 (0.999), eps (1e-8),
// weight_decay (0): PyTorch's defaults.
//   Adam{}  or  Adam{{.lr = 1e-3, .weight_decay = 1e-4}}  or  LazyAdam{{.lr = 1e-2}}
#pragma once

#include <cmath>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "hardneg/core/gradient.hpp"
#include "hardneg/core/matrix.hpp"
#include "hardneg/core/thread_pool.hpp"
#include "hardneg/core/types.hpp"
#include "hardneg/optim/detail/row_update.hpp"

namespace hardneg {

/// Which rows an Adam step updates: all of them (PyTorch with dense
/// gradients) or the touched ones.
enum class AdamFlavour { dense, lazy };

struct AdamParams {
  double lr = 1e-3;         ///< learning rate
  double beta1 = 0.9;       ///< decay of the first moment
  double beta2 = 0.999;     ///< decay of the second moment
  double eps = 1e-8;        ///< added to the bias-corrected sqrt(v)
  double weight_decay = 0;  ///< coupled L2 coefficient (g += wd * theta)
};

namespace detail {
/// One Adam step on one element (T = real or a SIMD batch of reals), with the
/// step's scalars rounded to float.
struct AdamRule {
  real beta1, one_minus_beta1, beta2, one_minus_beta2;
  real weight_decay;
  real bias2_sqrt;      // sqrt(1 - beta2^t)
  real inv_bias2_sqrt;  // 1 / bias2_sqrt, rounded to float
  real eps;
  real neg_step;  // -lr / (1 - beta1^t)

  /// The scalars of step t (1-based), computed in double as PyTorch does.
  static AdamRule at(const AdamParams& p, std::int64_t t) noexcept {
    const double steps = static_cast<double>(t);
    const double bc1 = 1.0 - std::pow(p.beta1, steps);
    const double bc2 = 1.0 - std::pow(p.beta2, steps);
    const auto bias2_sqrt = static_cast<real>(std::sqrt(bc2));
    return {static_cast<real>(p.beta1),        static_cast<real>(1.0 - p.beta1),
            static_cast<real>(p.beta2),        static_cast<real>(1.0 - p.beta2),
            static_cast<real>(p.weight_decay), bias2_sqrt,
            real(1) / bias2_sqrt,              static_cast<real>(p.eps),
            static_cast<real>(-(p.lr / bc1))};
  }

  /// s / bias2_sqrt without a division (dense Adam does this for every
  /// parameter every step, and the divider is its bottleneck): the product
  /// with the reciprocal, corrected by one fused multiply-add of its
  /// residual. For s = sqrt(v), v any positive float, this equals the
  /// correctly rounded quotient: checked for every such s (each float in
  /// [2.5e-23, 1.9e19]) at t = 1..499, then t = 500 + 997 j up to 200000
  /// (beta2 = 0.999, 700 step counts); tests/optim/adam_test.cpp checks random
  /// s at five beta2 values.
  template <class T>
  T divide_by_bias2_sqrt(T s) const noexcept {
    using std::fma;
    const T q = s * inv_bias2_sqrt;
    return fma(fma(-q, T(bias2_sqrt), s), T(inv_bias2_sqrt), q);
  }

  template <class T>
  void operator()(T& theta, T& m, T& v, T g) const noexcept {
    using std::sqrt;
    g = g + weight_decay * theta;
    m = m * beta1 + one_minus_beta1 * g;
    v = v * beta2 + (one_minus_beta2 * g) * g;
    const T denom = divide_by_bias2_sqrt(sqrt(v)) + eps;
    theta = theta + (neg_step * m) / denom;
  }
};
}  // namespace detail

template <AdamFlavour Flavour>
class BasicAdam {
 public:
  using Params = AdamParams;
  static constexpr AdamFlavour flavour = Flavour;

  BasicAdam() = default;
  explicit BasicAdam(Params p) : params_(p) {
    detail::require_param(std::isfinite(p.lr) && p.lr >= 0, who, "lr", "finite and >= 0", p.lr);
    detail::require_param(p.beta1 >= 0 && p.beta1 < 1, who, "beta1", "in [0, 1)", p.beta1);
    detail::require_param(p.beta2 >= 0 && p.beta2 < 1, who, "beta2", "in [0, 1)", p.beta2);
    detail::require_param(std::isfinite(p.eps) && p.eps > 0, who, "eps", "finite and > 0", p.eps);
    detail::require_param(std::isfinite(p.weight_decay) && p.weight_decay >= 0, who, "weight_decay",
                          "finite and >= 0", p.weight_decay);
  }

  static constexpr std::string_view name() noexcept {
    return Flavour == AdamFlavour::dense ? "adam" : "lazy-adam";
  }
  const Params& params() const noexcept { return params_; }
  double learning_rate() const noexcept { return params_.lr; }
  void set_learning_rate(double lr) {
    detail::require_param(std::isfinite(lr) && lr >= 0, who, "lr", "finite and >= 0", lr);
    params_.lr = lr;
  }

  /// Steps taken so far (t of the bias corrections).
  std::int64_t steps() const noexcept { return t_; }
  /// The moments m and v, one table per parameter table (empty before the
  /// first step).
  std::span<const RowMatrix> first_moments() const noexcept { return m_; }
  std::span<const RowMatrix> second_moments() const noexcept { return v_; }
  /// Forgets the state: the next step is step 1 with zero moments.
  void reset() {
    m_.clear();
    v_.clear();
    t_ = 0;
  }

  /// One Adam step. grad's tables match `params` (or grad is empty: a step
  /// with zero gradient, which still moves the dense flavour).
  void step(std::span<RowMatrix> params, const SparseGradient& grad, ThreadPool& pool) {
    detail::check_gradient(who, params, grad);
    detail::shape_state(who, params, m_);
    detail::shape_state(who, params, v_);
    ++t_;
    const detail::AdamRule rule = detail::AdamRule::at(params_, t_);
    auto update = [&](std::size_t t, std::size_t row, const real* g) {
      detail::update_row(rule, params[t].stride(), g, params[t].row_ptr(row), m_[t].row_ptr(row),
                         v_[t].row_ptr(row));
    };
    if constexpr (Flavour == AdamFlavour::dense)
      detail::for_all_rows(params, grad, pool, update);
    else
      detail::for_touched_rows(params, grad, pool, update, [&](std::size_t t, std::size_t row) {
        // The row and both its moments are read at random: fetch all three.
        detail::prefetch_row_for_write(params[t].row_ptr(row), params[t].dim());
        detail::prefetch_row_for_write(m_[t].row_ptr(row), params[t].dim());
        detail::prefetch_row_for_write(v_[t].row_ptr(row), params[t].dim());
      });
  }

 private:
  static constexpr std::string_view who =
      Flavour == AdamFlavour::dense ? "hardneg::Adam" : "hardneg::LazyAdam";

  Params params_{};
  std::vector<RowMatrix> m_;
  std::vector<RowMatrix> v_;
  std::int64_t t_ = 0;
};

/// Adam with PyTorch's dense semantics: every row advances every step.
using Adam = BasicAdam<AdamFlavour::dense>;
/// Adam that updates only the touched rows (global step count).
using LazyAdam = BasicAdam<AdamFlavour::lazy>;

}  // namespace hardneg
