// BPR: Bayesian Personalized Ranking loss (Rendle et al., UAI 2009).
//
//   L = sum_j w_j * softplus(s_j - s_i)  =  -sum_j w_j * log sigmoid(s_i - s_j)
//
//   dL/ds_j = w_j * sigmoid(s_j - s_i),   dL/ds_i = -sum_j dL/ds_j
//
// Pairwise: the weights w_j (sum 1, see losses.hpp) average the pair losses,
// so uniform k negatives give the mean over the k pairs and DNS(M, N) the
// mean over its M picks. No hyper-parameters.
#pragma once

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <concepts>
#include <span>
#include <string_view>

#include "hardneg/core/types.hpp"
#include "hardneg/losses/detail/stable_math.hpp"
#include "hardneg/simd/logistic.hpp"

namespace hardneg {

class BPR {
 public:
  static constexpr std::string_view name() noexcept { return "bpr"; }

  /// Loss of one row; writes d(loss)/d(score) into d_pos and d_neg. Rows of
  /// a SIMD batch of negatives or more (Softmax-v returns all N) take the
  /// SIMD path, shorter ones the scalar loop of evaluate_as.
  real evaluate(real pos, std::span<const real> neg, std::span<const real> w, real& d_pos,
                std::span<real> d_neg) const noexcept {
    if (neg.size() >= simd::real_batch::size) return evaluate_simd(pos, neg, w, d_pos, d_neg);
    return evaluate_as<real>(pos, neg, w, d_pos, d_neg);
  }

  /// The same in any floating type (the tests use double).
  template <std::floating_point T>
  T evaluate_as(T pos, std::span<const T> neg, std::span<const T> w, T& d_pos,
                std::span<T> d_neg) const noexcept {
    assert(w.size() == neg.size() && d_neg.size() == neg.size());
    T loss = 0;
    T d_sum = 0;
    for (std::size_t j = 0; j < neg.size(); ++j) {
      const T x = neg[j] - pos;
      loss += w[j] * detail::softplus(x);
      d_neg[j] = w[j] * detail::sigmoid(x);
      d_sum += d_neg[j];
    }
    d_pos = -d_sum;
    return loss;
  }

  /// evaluate() with xsimd over the negatives; the tail is padded with
  /// weight 0, which adds nothing. Not inlined: inlined into a caller with a
  /// known short row, g++ 12 warns about the (dead) SIMD loop's bounds.
  [[gnu::noinline]] static real evaluate_simd(real pos, std::span<const real> neg, std::span<const real> w,
                            real& d_pos, std::span<real> d_neg) noexcept {
    using batch = simd::real_batch;
    constexpr std::size_t width = batch::size;
    const std::size_t n = neg.size();
    const batch p(pos);
    batch loss(real(0)), d_sum(real(0));
    auto row = [&](batch s, batch wj) {
      const auto [softplus, sigmoid] = simd::softplus_sigmoid(s - p);
      loss = xsimd::fma(wj, softplus, loss);
      const batch d = wj * sigmoid;
      d_sum += d;
      return d;
    };
    std::size_t j = 0;
    for (; j + width <= n; j += width)
      row(batch::load_unaligned(neg.data() + j), batch::load_unaligned(w.data() + j))
          .store_unaligned(d_neg.data() + j);
    if (j < n) {
      alignas(64) real s_tail[width], w_tail[width], d_tail[width];
      std::fill_n(s_tail, width, pos);
      std::fill_n(w_tail, width, real(0));
      std::copy(neg.begin() + static_cast<std::ptrdiff_t>(j), neg.end(), s_tail);
      std::copy(w.begin() + static_cast<std::ptrdiff_t>(j), w.end(), w_tail);
      row(batch::load_aligned(s_tail), batch::load_aligned(w_tail)).store_aligned(d_tail);
      std::copy_n(d_tail, n - j, d_neg.data() + j);
    }
    d_pos = -xsimd::hadd(d_sum);
    return xsimd::hadd(loss);
  }
};

}  // namespace hardneg
