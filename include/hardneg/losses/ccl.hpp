// CCL: cosine contrastive loss of SimpleX (Mao et al., CIKM 2021;
// reczoo/RecBox cosine_contrastive_loss.py, spec/algorithms.md 3.8).
//
//   paper:    L = relu(1 - s_i) + W/N * sum_j relu(s_j - m)
//   here:     L = relu(1 - s_i) + W * sum_j w_j relu(s_j - m)
//
// The paper's 1/N average over the negatives is an expectation, so with the
// sampler's weights (sum 1, losses.hpp) it becomes sum_j w_j: uniform
// weights (1/N each) give the paper's formula exactly, and in the set-wise
// convention of losses.hpp it is (W/n) * sum_j n w_j relu(...), the same thing.
// RecBox with negative_weight unset sums over the negatives instead
// (relu(1 - s_i) + sum_j relu(s_j - m)): set negative_weight = N for that.
// Scores are meant to be cosines (the model normalises), but any score works.
//
//   dL/ds_i = -1 if s_i < 1, else 0;   dL/ds_j = W w_j if s_j > m, else 0
//
// At the kinks (s_i == 1, s_j == m) the subgradient 0 is used, as relu does.
//
// Params: margin m (default 0.9) and negative_weight W (default 150), the
// SimpleX MF_CCL Gowalla and Yelp settings (spec/algorithms.md 7.2).
//   CCL{}   CCL{{.margin = 0.2f, .negative_weight = 250}}   (Amazon-Books)
#pragma once

#include <cmath>
#include <concepts>
#include <span>
#include <string>
#include <string_view>

#include "hardneg/core/error.hpp"
#include "hardneg/core/types.hpp"
#include "hardneg/losses/detail/multi_margin.hpp"

namespace hardneg {

class CCL {
 public:
  struct Params {
    real margin = real(0.9);         ///< m: negatives scoring above m are pushed down
    real negative_weight = 150;      ///< W: weight of the negatives' average
  };

  CCL() = default;
  explicit CCL(Params p) : params_(p) {
    detail::require(std::isfinite(p.margin),
                    "hardneg::CCL: margin must be finite, got " + std::to_string(p.margin));
    detail::require(std::isfinite(p.negative_weight) && p.negative_weight >= 0,
                    "hardneg::CCL: negative_weight must be finite and >= 0, got " +
                        std::to_string(p.negative_weight));
  }

  static constexpr std::string_view name() noexcept { return "ccl"; }
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
    // MML's kernel with one margin of weight 1 (so the two agree bit for bit).
    static constexpr real one = 1;
    return detail::multi_margin_loss<T>(pos, neg, w, d_pos, d_neg,
                                        std::span<const real>(&params_.margin, 1),
                                        std::span<const real>(&one, 1), real(1),
                                        params_.negative_weight);
  }

 private:
  Params params_{};
};

}  // namespace hardneg
