// CCE: categorical cross-entropy over the positive and its sampled negatives
// (sampled softmax with the positive in the denominator; RecBox's
// SoftmaxCrossEntropyLoss, spec/algorithms.md 3.3 and 3.14, arXiv 2411.07770).
//
//   L = -log( e^{s_i} / (e^{s_i} + sum_j n w_j e^{s_j}) )
//     = log(1 + sum_j n w_j e^{x_j}),   x_j = s_j - s_i
//
//   dL/ds_j = n w_j e^{s_j} / Z,   dL/ds_i = -sum_j dL/ds_j = p_i - 1
//   with Z = e^{s_i} + sum_j n w_j e^{s_j} and p_i = e^{s_i} / Z
//
// Set-wise: each negative counts with multiplicity n * w_j (n = number of
// negatives), so uniform weights give the paper's sum over the sampled
// negatives (see losses.hpp). Computed with log-sum-exp stabilisation around
// m = max(0, max_j x_j) (negatives of weight 0 are left out). With one
// negative of weight 1 it is BPR: same value and gradient, bit for bit
// (the code below is arranged so that the float operations coincide).
// No hyper-parameters; no log q correction of the sampling distribution.
#pragma once

#include <algorithm>
#include <cassert>
#include <cmath>
#include <concepts>
#include <span>
#include <string_view>

#include "hardneg/core/types.hpp"

namespace hardneg {

class CCE {
 public:
  static constexpr std::string_view name() noexcept { return "cce"; }

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
    // Shift: the largest of 0 (the positive) and the x_j that count.
    T m = 0;
    for (std::size_t j = 0; j < neg.size(); ++j)
      if (w[j] > T(0)) m = std::max(m, neg[j] - pos);
    // z = sum_j n w_j e^{x_j - m}; d_neg holds the terms until normalised.
    T z = 0;
    for (std::size_t j = 0; j < neg.size(); ++j) {
      const T term = w[j] > T(0) ? n * w[j] * std::exp((neg[j] - pos) - m) : T(0);
      d_neg[j] = term;
      z += term;
    }
    const T pos_term = std::exp(-m);  // e^{0 - m}
    const T total = pos_term + z;     // Z / e^{s_i + m}
    T loss;
    if (m == T(0)) {
      loss = std::log1p(z);  // total = 1 + z
    } else if (z >= T(0.5)) {
      // log(total) = log1p((z - 1) + e^{-m}); z - 1 is exact for z in [0.5, 2]
      // (Sterbenz), and with one negative of weight 1 this is BPR's
      // x + log1p(e^{-x}) operation for operation.
      loss = m + std::log1p((z - T(1)) + pos_term);
    } else {
      loss = m + std::log(total);
    }
    for (std::size_t j = 0; j < neg.size(); ++j) d_neg[j] = d_neg[j] / total;
    d_pos = -(z / total);
    return loss;
  }
};

}  // namespace hardneg
