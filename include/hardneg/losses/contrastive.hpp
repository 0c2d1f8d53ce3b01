// Contrastive: the margin contrastive loss of Hadsell, Chopra and LeCun
// (CVPR 2006), written on similarity scores instead of distances.
//
// Hadsell et al. pull similar pairs to distance 0 with D^2/2 and push
// dissimilar pairs to distance >= m_D with max(0, m_D - D)^2/2. With the
// cosine distance D = 1 - s, a positive is pulled to score 1 and a negative
// pushed below the score margin m = 1 - m_D:
//
//   L = (1 - s_i)^2 / 2 + sum_j n w_j * relu(s_j - m)^2 / 2
//
//   dL/ds_i = s_i - 1,   dL/ds_j = n w_j * relu(s_j - m)
//
// Each (user, negative) is a pair of Hadsell's sum, so the loss is pointwise:
// each negative counts n w_j times (n = number of negatives; uniform weights
// give the plain sum over the sampled negatives, see losses.hpp). The loss is
// once differentiable everywhere (no kink). The positive term is two-sided:
// with unnormalised scores a positive above 1 is pulled back, as by MSE.
// Its linear, one-margin-per-side cousin is CCL (losses/ccl.hpp).
//
// Params: margin m (default 0.5, i.e. the common cosine-distance margin 0.5).
//   Contrastive{}   Contrastive{{.margin = 0.2f}}
#pragma once

#include <cassert>
#include <cmath>
#include <concepts>
#include <span>
#include <string>
#include <string_view>

#include "hardneg/core/error.hpp"
#include "hardneg/core/types.hpp"

namespace hardneg {

class Contrastive {
 public:
  struct Params {
    real margin = real(0.5);  ///< m: negatives scoring above m are pushed down
  };

  Contrastive() = default;
  explicit Contrastive(Params p) : params_(p) {
    detail::require(std::isfinite(p.margin), "hardneg::Contrastive: margin must be finite, got " +
                                                 std::to_string(p.margin));
  }

  static constexpr std::string_view name() noexcept { return "contrastive"; }
  const Params& params() const noexcept { return params_; }

  /// Loss of one row; writes d(loss)/d(score) into d_pos and d_neg.
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
    const T margin = static_cast<T>(params_.margin);
    const T e = pos - T(1);
    T loss = e * e / T(2);
    d_pos = e;
    for (std::size_t j = 0; j < neg.size(); ++j) {
      const T x = neg[j] - margin;
      const bool active = x > T(0) && w[j] > T(0);
      const T c = n * w[j];
      loss += active ? c * (x * x / T(2)) : T(0);
      d_neg[j] = active ? c * x : T(0);
    }
    return loss;
  }

 private:
  Params params_{};
};

}  // namespace hardneg
