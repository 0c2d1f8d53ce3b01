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

#include <cassert>
#include <concepts>
#include <span>
#include <string_view>

#include "hardneg/core/types.hpp"
#include "hardneg/losses/detail/stable_math.hpp"

namespace hardneg {

class BPR {
 public:
  static constexpr std::string_view name() noexcept { return "bpr"; }

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
};

}  // namespace hardneg
