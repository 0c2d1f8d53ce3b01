// RCE: reweighted cross-entropy, R-CE of Wang et al., "Denoising Implicit
// Feedback for Recommendation" (WSDM 2021; WenjieWWJ/DenoisingRec R_CE/loss.py,
// spec/algorithms.md 3.11). BCE (losses/bce.hpp) with each term scaled by a
// stop-gradient weight that shrinks the loss of samples the model finds hard
// (likely noisy interactions):
//
//   L = a_i softplus(-s_i) + sum_j n w_j b_j softplus(s_j)
//   a_i = sg[sigmoid(s_i)]^alpha,   b_j = sg[1 - sigmoid(s_j)]^alpha = sg[sigmoid(-s_j)]^alpha
//
//   dL/ds_i = -a_i sigmoid(-s_i),   dL/ds_j = n w_j b_j sigmoid(s_j)
//
// sg[.] = stop-gradient: a_i and b_j are constants of the gradient, as the
// reference code's .detach(); so the gradient above is not the derivative of
// L as a function of the scores. surrogate_as() gives the function whose
// derivative it is (the weights computed at fixed scores); the tests
// differentiate that. sigmoid(x)^alpha is computed as e^{-alpha softplus(-x)},
// finite for any score. alpha = 0 is BCE.
//
// Pointwise: each negative counts n w_j times (n = number of negatives), as
// in BCE (losses.hpp). The reference averages w * BCE over the mixed batch of
// positives and sampled negatives (1 + N samples per positive); the trainer's
// mean reduction averages over positive pairs, a factor 1 + N apart.
//
// Params: alpha (default 0.2: the Yelp GMF and NeuMF setting; Amazon-Books
// uses 0.3 / 0.25, Adressa 0.2 / 0.25).
//   RCE{}   RCE{{.alpha = 0.25f}}
#pragma once

#include <cassert>
#include <cmath>
#include <concepts>
#include <span>
#include <string>
#include <string_view>

#include "hardneg/core/error.hpp"
#include "hardneg/core/types.hpp"
#include "hardneg/losses/detail/stable_math.hpp"

namespace hardneg {

class RCE {
 public:
  struct Params {
    real alpha = real(0.2);  ///< exponent of the weights; 0 gives BCE
  };

  RCE() = default;
  explicit RCE(Params p) : params_(p) {
    detail::require(std::isfinite(p.alpha) && p.alpha >= 0,
                    "hardneg::RCE: alpha must be finite and >= 0, got " + std::to_string(p.alpha));
  }

  static constexpr std::string_view name() noexcept { return "rce"; }
  const Params& params() const noexcept { return params_; }

  /// Loss of one row; writes d(loss)/d(score) into d_pos and d_neg (the
  /// weights held constant).
  real evaluate(real pos, std::span<const real> neg, std::span<const real> w, real& d_pos,
                std::span<real> d_neg) const noexcept {
    return evaluate_as<real>(pos, neg, w, d_pos, d_neg);
  }

  /// The same in any floating type (the tests use double).
  template <std::floating_point T>
  T evaluate_as(T pos, std::span<const T> neg, std::span<const T> w, T& d_pos,
                std::span<T> d_neg) const noexcept {
    assert(w.size() == neg.size() && d_neg.size() == neg.size());
    const T n = static_cast<T>(neg.size());
    const T a = power_sigmoid(pos);
    T loss = a * detail::softplus(-pos);
    d_pos = -a * detail::sigmoid(-pos);
    for (std::size_t j = 0; j < neg.size(); ++j) {
      const T c = w[j] > T(0) ? n * w[j] * power_sigmoid(-neg[j]) : T(0);
      loss += c > T(0) ? c * detail::softplus(neg[j]) : T(0);
      d_neg[j] = c > T(0) ? c * detail::sigmoid(neg[j]) : T(0);
    }
    return loss;
  }

  /// The loss with its stop-gradient weights computed at the scores sg_pos,
  /// sg_neg and the BCE terms at pos, neg: equal to evaluate's value when
  /// sg = the scores, and its derivative there is evaluate's gradient.
  template <std::floating_point T>
  T surrogate_as(T pos, std::span<const T> neg, std::span<const T> w, T sg_pos,
                 std::span<const T> sg_neg) const noexcept {
    assert(w.size() == neg.size() && sg_neg.size() == neg.size());
    const T n = static_cast<T>(neg.size());
    T loss = power_sigmoid(sg_pos) * detail::softplus(-pos);
    for (std::size_t j = 0; j < neg.size(); ++j)
      if (w[j] > T(0)) loss += n * w[j] * power_sigmoid(-sg_neg[j]) * detail::softplus(neg[j]);
    return loss;
  }

  /// sigmoid(x)^alpha = e^{-alpha softplus(-x)}: the weight of a positive
  /// scored x, and (with -x) of a negative scored x.
  template <std::floating_point T>
  T power_sigmoid(T x) const noexcept {
    return std::exp(-static_cast<T>(params_.alpha) * detail::softplus(-x));
  }

 private:
  Params params_{};
};

}  // namespace hardneg
