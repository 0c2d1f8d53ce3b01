// MSE: squared error towards label 1 for the positive and 0 for each negative
// (pointwise; RecBox's MSELoss, spec/algorithms.md 3.7).
//
//   L = (s_i - 1)^2 / 2 + sum_j n w_j * s_j^2 / 2
//
//   dL/ds_i = s_i - 1,   dL/ds_j = n w_j * s_j
//
// Pointwise: each negative counts with multiplicity n * w_j (n = number of
// negatives), so uniform weights give the plain sum over the sampled
// negatives (see losses.hpp). No hyper-parameters.
#pragma once

#include <cassert>
#include <concepts>
#include <span>
#include <string_view>

#include "hardneg/core/types.hpp"

namespace hardneg {

class MSE {
 public:
  static constexpr std::string_view name() noexcept { return "mse"; }

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
    const T e = pos - T(1);
    T loss = e * e / T(2);
    d_pos = e;
    for (std::size_t j = 0; j < neg.size(); ++j) {
      const T c = n * w[j];
      loss += c * neg[j] * neg[j] / T(2);
      d_neg[j] = c * neg[j];
    }
    return loss;
  }
};

}  // namespace hardneg
