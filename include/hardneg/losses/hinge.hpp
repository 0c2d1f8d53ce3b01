// Hinge: pairwise margin ranking loss (RecBox's PairwiseMarginLoss,
// spec/algorithms.md 3.6; the hinge of WARP, Weston et al. IJCAI 2011).
//
//   L = sum_j w_j * max(0, m + s_j - s_i)
//
//   dL/ds_j = w_j if m + s_j - s_i > 0, else 0;   dL/ds_i = -sum_j dL/ds_j
//
// At the kink (m + s_j - s_i == 0 exactly) the subgradient 0 is used, as
// PyTorch's relu does. Pairwise: the weights (sum 1, see losses.hpp)
// average the pair losses.
//
// Params: margin m (default 1, RecBox's default; SimpleX's MF configs use 0.9).
//   Hinge{}  or  Hinge{{.margin = 0.5}}
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

class Hinge {
 public:
  struct Params {
    real margin = 1;  ///< m: a negative is penalised until it scores m below the positive
  };

  Hinge() = default;
  explicit Hinge(Params p) : params_(p) {
    detail::require(std::isfinite(p.margin),
                    "hardneg::Hinge: margin must be finite, got " + std::to_string(p.margin));
  }

  static constexpr std::string_view name() noexcept { return "hinge"; }
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
    const T margin = static_cast<T>(params_.margin);
    T loss = 0;
    T d_sum = 0;
    for (std::size_t j = 0; j < neg.size(); ++j) {
      const T violation = margin + neg[j] - pos;
      const bool active = violation > T(0);
      loss += active ? w[j] * violation : T(0);
      d_neg[j] = active ? w[j] : T(0);
      d_sum += d_neg[j];
    }
    d_pos = -d_sum;
    return loss;
  }

 private:
  Params params_{};
};

}  // namespace hardneg
