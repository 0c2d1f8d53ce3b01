// IDL: inverse dual loss (Lin et al., "Inverse Learning with Extremely
// Sparse Feedback for Recommendation", WSDM 2024; Guanyu-Lin/InverseLearning
// InverseDualLoss/loss.py, spec/algorithms.md 3.12).
//
// The observed positive gets plain BCE towards label 1; each sampled
// unlabelled item gets the "dual" loss, BCE towards both labels weighted so
// that the item is pushed towards the label it already leans to:
//
//   L = softplus(-s_i) + sum_j n w_j dual(s_j)
//   dual(y) = v1 l1 + v0 l0,   l1 = softplus(-y) = BCE(y, 1),  l0 = softplus(y) = BCE(y, 0)
//   r = sg[l0] / (sg[l1] + eps),  r' = sg[l1] / (sg[l0] + eps),  eps = 1e-9
//   v1 = r / (r + r'),  v0 = r' / (r + r')      (~ l0^2 / (l0^2 + l1^2) and l1^2 / (...))
//
//   dL/ds_i = -sigmoid(-s_i),   dL/ds_j = n w_j (v0 sigmoid(s_j) - v1 sigmoid(-s_j))
//
// sg[.] = stop-gradient: v0, v1 are constants of the gradient, as the
// reference's .detach(); surrogate_as() gives the function whose derivative
// the gradient is (the tests differentiate that). The weights are computed as
// v1 = 1 / (1 + q) with q = (l1/l0) (l1 + eps)/(l0 + eps) when l0 >= l1 (and
// symmetrically), the same value as the formula without its overflow for
// huge scores. At y = 0 both weights are 1/2 and the dual gradient is 0.
//
// Pointwise: each unlabelled item counts n w_j times (n = number of
// negatives), as BCE (losses.hpp). Differences from the reference: its
// observed rows carry a label t = [rating > 2] (genuine rows with t = 0 get
// BCE towards 0); here the positive is always labelled 1, because the loss
// sees no labels. The reference averages over the mixed batch of observed and
// sampled rows (1 + N per observed row); the trainer's mean reduction
// averages over observed pairs, a factor 1 + N apart. No hyper-parameters
// (the reference's 1 sampled item per observed row is the sampler's k = 1).
//   IDL{}
#pragma once

#include <cassert>
#include <concepts>
#include <span>
#include <string_view>

#include "hardneg/core/types.hpp"
#include "hardneg/losses/detail/stable_math.hpp"

namespace hardneg {

class IDL {
 public:
  /// The dual weights of an unlabelled item: v1 towards label 1, v0 towards 0.
  template <std::floating_point T>
  struct DualWeights {
    T v1;
    T v0;
  };

  static constexpr std::string_view name() noexcept { return "idl"; }

  /// The stop-gradient weights of an unlabelled item scored y (they sum to 1).
  template <std::floating_point T>
  static DualWeights<T> dual_weights(T y) noexcept {
    const T eps = T(1e-9);
    const T l1 = detail::softplus(-y);
    const T l0 = detail::softplus(y);
    // The larger of l0, l1 is >= log 2, so no division by zero.
    if (l0 >= l1) {
      const T q = (l1 / l0) * ((l1 + eps) / (l0 + eps));
      return {T(1) / (T(1) + q), q / (T(1) + q)};
    }
    const T q = (l0 / l1) * ((l0 + eps) / (l1 + eps));
    return {q / (T(1) + q), T(1) / (T(1) + q)};
  }

  /// Loss of one row; writes d(loss)/d(score) into d_pos and d_neg (the dual
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
    T loss = detail::softplus(-pos);
    d_pos = -detail::sigmoid(-pos);
    for (std::size_t j = 0; j < neg.size(); ++j) {
      if (!(w[j] > T(0))) {
        d_neg[j] = 0;
        continue;
      }
      const T c = n * w[j];
      const T y = neg[j];
      const DualWeights<T> v = dual_weights(y);
      loss += c * (v.v1 * detail::softplus(-y) + v.v0 * detail::softplus(y));
      d_neg[j] = c * (v.v0 * detail::sigmoid(y) - v.v1 * detail::sigmoid(-y));
    }
    return loss;
  }

  /// The loss with its stop-gradient weights computed at the scores sg_neg
  /// and the BCE terms at pos, neg: equal to evaluate's value when sg = the
  /// scores, and its derivative there is evaluate's gradient. (sg_pos is
  /// unused: the positive has no weight; it is there for a uniform signature.)
  template <std::floating_point T>
  T surrogate_as(T pos, std::span<const T> neg, std::span<const T> w, T /*sg_pos*/,
                 std::span<const T> sg_neg) const noexcept {
    assert(w.size() == neg.size() && sg_neg.size() == neg.size());
    const T n = static_cast<T>(neg.size());
    T loss = detail::softplus(-pos);
    for (std::size_t j = 0; j < neg.size(); ++j) {
      if (!(w[j] > T(0))) continue;
      const DualWeights<T> v = dual_weights(sg_neg[j]);
      loss += n * w[j] * (v.v1 * detail::softplus(-neg[j]) + v.v0 * detail::softplus(neg[j]));
    }
    return loss;
  }
};

}  // namespace hardneg
