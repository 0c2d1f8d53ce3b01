// BSL: bilateral softmax loss (Wu et al., "BSL: Understanding and Improving
// Softmax Loss for Recommendation", ICDE 2024; junkangwu/BSL utils/losses.py,
// spec/algorithms.md 3.5), in its per-row form, as the code computes it:
//
//   L = -log( e^{s_i/tau1} / P^{tau2} ) = -s_i/tau1 + tau2 log P
//   P = sum_j n w_j e^{s_j/tau1}   (mean_negatives = false: the code's mode "reweight")
//   P = sum_j   w_j e^{s_j/tau1}   (mean_negatives = true: the mean over the
//                                   negatives, as in the code's mode "multi")
//
// tau2 is an exponent on the negatives' partition (the scripts' 1.10, 1.22,
// ...), both terms use tau1; tau2 = 1 with the sum is InfoNCE without the
// positive in the denominator (losses/infonce.hpp). The mean differs from the
// sum by the constant tau2 log n: same gradient, different value. With the
// mean, the weights average (an expectation over the sampler, like CCL);
// with the sum, each negative counts n w_j times (set-wise, losses.hpp).
//
//   dL/ds_j = (tau2/tau1) p_j,  p_j = w_j e^{s_j/tau1} / sum_k w_k e^{s_k/tau1}
//   dL/ds_i = -1/tau1
//
// Computed as L = tau2 (log sum_j c_j e^{x_j}) + (tau2 - 1) s_i/tau1 with
// x_j = (s_j - s_i)/tau1, log-sum-exp around the largest counted x_j
// (zero-weight negatives are left out). A row with no counted negative has no
// partition: its loss is defined as 0, with zero gradient.
//
// Not per-row: mode "multi" also replaces the positive's e^{s_i/tau1} by its
// average over the rows of the mini-batch that have the same user,
//   L_r = -log( mean_{r' in R(u)} e^{s_{u,i(r')}/tau1} ) + tau2 log P_r,
// R(u) = the batch's rows of user u, so row r's loss depends on, and sends
// gradient to, the other rows' positives. The per-row interface cannot express
// it; it needs the trainer to hand the loss the positive scores of all rows of
// a user in the batch (see the report / docs). When every user has one row in
// the batch, the two forms are the same.
//
// Params: tau1 (default 0.08), tau2 (default 1.22), mean_negatives (default
// true): the BSL Gowalla MF setting (spec/algorithms.md 7.4).
//   BSL{}   BSL{{.tau1 = 0.11f, .tau2 = 1.10f}}   (Yelp2018)
#pragma once

#include <algorithm>
#include <cassert>
#include <cmath>
#include <concepts>
#include <limits>
#include <span>
#include <string>
#include <string_view>

#include "hardneg/core/error.hpp"
#include "hardneg/core/types.hpp"

namespace hardneg {

class BSL {
 public:
  struct Params {
    real tau1 = real(0.08);       ///< temperature of both the positive and the negatives
    real tau2 = real(1.22);       ///< exponent on the negatives' partition
    bool mean_negatives = true;   ///< mean (true) or sum (false) over the negatives
  };

  BSL() = default;
  explicit BSL(Params p) : params_(p) {
    detail::require(std::isfinite(p.tau1) && p.tau1 > 0,
                    "hardneg::BSL: tau1 must be finite and > 0, got " + std::to_string(p.tau1));
    detail::require(std::isfinite(p.tau2) && p.tau2 > 0,
                    "hardneg::BSL: tau2 must be finite and > 0, got " + std::to_string(p.tau2));
  }

  static constexpr std::string_view name() noexcept { return "bsl"; }
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
    const T count = params_.mean_negatives ? T(1) : static_cast<T>(neg.size());
    const T inv_tau1 = T(1) / static_cast<T>(params_.tau1);
    const T tau2 = static_cast<T>(params_.tau2);
    T m = -std::numeric_limits<T>::infinity();
    for (std::size_t j = 0; j < neg.size(); ++j)
      if (w[j] > T(0)) m = std::max(m, (neg[j] - pos) * inv_tau1);
    if (!(m > -std::numeric_limits<T>::infinity())) {  // no counted negative
      d_pos = 0;
      for (T& d : d_neg) d = 0;
      return 0;
    }
    // z = sum_j c_j e^{x_j - m}; d_neg holds the terms until normalised.
    T z = 0;
    for (std::size_t j = 0; j < neg.size(); ++j) {
      const T term =
          w[j] > T(0) ? count * w[j] * std::exp((neg[j] - pos) * inv_tau1 - m) : T(0);
      d_neg[j] = term;
      z += term;
    }
    const T scale = tau2 * inv_tau1;
    for (std::size_t j = 0; j < neg.size(); ++j) d_neg[j] = scale * (d_neg[j] / z);
    d_pos = -inv_tau1;
    return tau2 * (m + std::log(z)) + (tau2 - T(1)) * (pos * inv_tau1);
  }

 private:
  Params params_{};
};

}  // namespace hardneg
