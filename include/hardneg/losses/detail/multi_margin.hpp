// The kernel shared by CCL (losses/ccl.hpp) and MML (losses/mml.hpp):
//
//   L = w_pos relu(1 - s_i) + w_neg sum_j w_j sum_k c_k relu(s_j - m_k)
//   dL/ds_i = -w_pos [s_i < 1],   dL/ds_j = w_neg w_j sum_k c_k [s_j > m_k]
//
// One kernel for both, so that MML with one margin of weight 1 is CCL bit for
// bit whatever the compiler fuses (with -march=native it contracts a * b + c
// into FMAs, and two differently written loops round differently). At a kink
// the subgradient 0 is used, as relu does; zero-weight negatives get none.
#pragma once

#include <cassert>
#include <concepts>
#include <cstddef>
#include <span>

#include "hardneg/core/types.hpp"

namespace hardneg::detail {

template <std::floating_point T>
T multi_margin_loss(T pos, std::span<const T> neg, std::span<const T> w, T& d_pos,
                    std::span<T> d_neg, std::span<const real> margins,
                    std::span<const real> margin_weights, real positive_weight,
                    real negative_weight) noexcept {
  assert(w.size() == neg.size() && d_neg.size() == neg.size());
  assert(margins.size() == margin_weights.size());
  const T w_neg = static_cast<T>(negative_weight);
  T neg_sum = 0;
  for (std::size_t j = 0; j < neg.size(); ++j) {
    T value = 0;  // sum_k c_k relu(s_j - m_k)
    T slope = 0;  // sum_k c_k [s_j > m_k]
    if (w[j] > T(0)) {
      for (std::size_t k = 0; k < margins.size(); ++k) {
        const T x = neg[j] - static_cast<T>(margins[k]);
        const T c = static_cast<T>(margin_weights[k]);
        value += x > T(0) ? c * x : T(0);
        slope += x > T(0) ? c : T(0);
      }
    }
    neg_sum += slope > T(0) ? w[j] * value : T(0);
    d_neg[j] = slope > T(0) ? w_neg * (w[j] * slope) : T(0);
  }
  const T w_pos = static_cast<T>(positive_weight);
  const T gap = T(1) - pos;
  d_pos = gap > T(0) ? -w_pos : T(0);
  return (gap > T(0) ? w_pos * gap : T(0)) + w_neg * neg_sum;
}

}  // namespace hardneg::detail
