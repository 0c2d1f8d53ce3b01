// BCE: binary cross-entropy on logits, the positive labelled 1 and each
// negative labelled 0 (pointwise; e.g. NCF, He et al. WWW 2017).
//
//   L = softplus(-s_i) + sum_j n w_j * softplus(s_j)
//     = -log sigmoid(s_i) - sum_j n w_j * log(1 - sigmoid(s_j))
//
//   dL/ds_i = -sigmoid(-s_i),   dL/ds_j = n w_j * sigmoid(s_j)
//
// Pointwise: each negative counts with multiplicity n * w_j (n = number of
// negatives), so uniform weights give the paper's plain sum over the sampled
// negatives (see losses.hpp). No hyper-parameters.
#pragma once

#include <cassert>
#include <concepts>
#include <span>
#include <string_view>

#include "hardneg/core/types.hpp"
#include "hardneg/losses/detail/stable_math.hpp"

namespace hardneg {

class BCE {
 public:
  static constexpr std::string_view name() noexcept { return "bce"; }

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
    T loss = detail::softplus(-pos);
    d_pos = -detail::sigmoid(-pos);
    for (std::size_t j = 0; j < neg.size(); ++j) {
      const T c = n * w[j];
      loss += c * detail::softplus(neg[j]);
      d_neg[j] = c * detail::sigmoid(neg[j]);
    }
    return loss;
  }
};

}  // namespace hardneg
