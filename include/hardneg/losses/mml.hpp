// MML: multi-margin cosine contrastive loss (MMCL; Ozsoy, "Multi-Margin
// Cosine Loss", mgulcin/mmcl multi_cosine_contrastive_loss.py,
// spec/algorithms.md 3.9). CCL (losses/ccl.hpp) with K margins m_k of
// weights c_k on each negative:
//
//   paper:  L = w_pos relu(1 - s_i) + w_neg/N * sum_j sum_k c_k relu(s_j - m_k)
//   here:   L = w_pos relu(1 - s_i) + w_neg * sum_j w_j sum_k c_k relu(s_j - m_k)
//
// The 1/N average over the negatives becomes the sampler's weights w_j
// (sum 1; uniform gives the paper's formula), as for CCL. With one margin m
// of weight 1 and w_pos = 1 it is CCL(m, w_neg), bit for bit.
//
//   dL/ds_i = -w_pos if s_i < 1, else 0
//   dL/ds_j = w_neg w_j sum_k c_k [s_j > m_k]
//
// Template parameter K: the number of margins, fixed (std::array, like
// std::span<T, K>) or std::dynamic_extent (std::vector, chosen at run time).
// Params: margins, weights (the c_k; the author's lists sum to 1, which is not
// required), positive_weight w_pos (1), negative_weight w_neg (700).
// Defaults (spec/algorithms.md 3.9): MML<> and MML<3> use the author's Gowalla
// setting, margins {0.7, 0.8, 0.9}, weights {0.10, 0.15, 0.75}, w_neg 700;
// MML<4> the Yelp margins {0.6, 0.7, 0.8, 0.9}, weights {0.05, 0.15, 0.20,
// 0.60} (with w_neg 350 in the author's yaml: pass it); MML<1> margin 0.9,
// weight 1. Other K have no default lists: pass margins and weights.
//   MML<>{}   MML<>{{.margins = {0.5f, 0.9f}, .weights = {0.5f, 0.5f}}}   MML<3>{}
#pragma once

#include <array>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "hardneg/core/error.hpp"
#include "hardneg/core/types.hpp"
#include "hardneg/losses/detail/multi_margin.hpp"

namespace hardneg {

namespace detail {

template <std::size_t K>
using mml_list = std::conditional_t<K == std::dynamic_extent, std::vector<real>, std::array<real, K>>;

template <std::size_t K>
inline constexpr bool mml_has_defaults = K == std::dynamic_extent || K == 1 || K == 3 || K == 4;

/// The author's margins (which = 0) or weights (which = 1) for K margins.
template <std::size_t K>
mml_list<K> mml_default(int which) {
  static_assert(mml_has_defaults<K>,
                "hardneg::MML<K>: there are default margins only for K = 1, 3, 4 and "
                "std::dynamic_extent; pass Params{.margins = ..., .weights = ...}");
  if constexpr (K == 1) {
    return which == 0 ? mml_list<K>{real(0.9)} : mml_list<K>{real(1)};
  } else if constexpr (K == 4) {
    return which == 0 ? mml_list<K>{real(0.6), real(0.7), real(0.8), real(0.9)}
                      : mml_list<K>{real(0.05), real(0.15), real(0.20), real(0.60)};
  } else {
    return which == 0 ? mml_list<K>{real(0.7), real(0.8), real(0.9)}
                      : mml_list<K>{real(0.10), real(0.15), real(0.75)};
  }
}

}  // namespace detail

template <std::size_t K = std::dynamic_extent>
class MML {
  static_assert(K > 0, "hardneg::MML<K>: needs at least one margin");

 public:
  using List = detail::mml_list<K>;

  struct Params {
    List margins = detail::mml_default<K>(0);  ///< m_k: a negative above m_k is pushed down
    List weights = detail::mml_default<K>(1);  ///< c_k: weight of margin k
    real positive_weight = 1;                  ///< w_pos
    real negative_weight = 700;                ///< w_neg: weight of the negatives' average
  };

  MML() = default;
  explicit MML(Params p) : params_(std::move(p)) {
    const Params& q = params_;
    detail::require(q.margins.size() == q.weights.size(),
                    "hardneg::MML: " + std::to_string(q.margins.size()) + " margins but " +
                        std::to_string(q.weights.size()) + " weights");
    detail::require(!q.margins.empty(), "hardneg::MML: needs at least one margin");
    for (std::size_t k = 0; k < q.margins.size(); ++k) {
      detail::require(std::isfinite(q.margins[k]), "hardneg::MML: margin " + std::to_string(k) +
                                                       " must be finite, got " +
                                                       std::to_string(q.margins[k]));
      detail::require(std::isfinite(q.weights[k]) && q.weights[k] >= 0,
                      "hardneg::MML: weight " + std::to_string(k) +
                          " must be finite and >= 0, got " + std::to_string(q.weights[k]));
    }
    detail::require(std::isfinite(q.positive_weight) && q.positive_weight >= 0,
                    "hardneg::MML: positive_weight must be finite and >= 0, got " +
                        std::to_string(q.positive_weight));
    detail::require(std::isfinite(q.negative_weight) && q.negative_weight >= 0,
                    "hardneg::MML: negative_weight must be finite and >= 0, got " +
                        std::to_string(q.negative_weight));
  }

  static constexpr std::string_view name() noexcept { return "mml"; }
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
    return detail::multi_margin_loss<T>(pos, neg, w, d_pos, d_neg, params_.margins,
                                        params_.weights, params_.positive_weight,
                                        params_.negative_weight);
  }

 private:
  Params params_{};
};

}  // namespace hardneg
