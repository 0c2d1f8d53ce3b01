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
// The same-user form (same_user = true; with mean_negatives, the code's mode
// "multi", used for Gowalla and Yelp). The positive's e^{s_i/tau1} is
// replaced by its average over the rows of the mini-batch that have the same
// user, R(u):
//   L_r = -log( mean_{r' in R(u)} e^{s_{r'}/tau1} ) + tau2 log P_r
//       = -(A_u - log |R(u)|) + tau2 log P_r,   A_u = log sum_{r' in R(u)} e^{s_{r'}/tau1}
// (s_{r'} = the score of row r''s positive), so a row's loss depends on the
// other rows' positives. The gradient of the batch's summed loss on row q's
// positive is -|R(u)| e^{s_q/tau1 - A_u} / tau1, which evaluate_row(q) writes
// as q's d_pos: the rows' derivatives add up to the exact gradient of the sum
// (each of the |R(u)| rows carries the group's term once). With one row per
// user it is the per-row form. This is a batch loss (core/loss_batch.hpp):
// begin_batch computes A_u per user of the batch; evaluate() alone, outside a
// batch, is the per-row form. A row with no counted negative keeps the
// positive's term -(A_u - log |R(u)|).
//
// Params: tau1 (default 0.08), tau2 (default 1.22), mean_negatives (default
// true), same_user (default true): the BSL Gowalla MF setting
// (spec/algorithms.md 7.4).
//   BSL{}   BSL{{.tau1 = 0.11f, .tau2 = 1.10f}}   (Yelp2018)
//   BSL{{.mean_negatives = false, .same_user = false}}   (mode "reweight", Amazon)
#pragma once

#include <algorithm>
#include <cassert>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <limits>
#include <numeric>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hardneg/core/error.hpp"
#include "hardneg/core/loss_batch.hpp"
#include "hardneg/core/types.hpp"

namespace hardneg {

class BSL {
 public:
  struct Params {
    real tau1 = real(0.08);       ///< temperature of both the positive and the negatives
    real tau2 = real(1.22);       ///< exponent on the negatives' partition
    bool mean_negatives = true;   ///< mean (true) or sum (false) over the negatives
    bool same_user = true;        ///< the positive term averaged over the batch's rows of a user
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

  /// Whether the trainer must hand this loss each batch (the same-user form).
  bool uses_batch() const noexcept { return params_.same_user; }

  /// The same-user form: computes A_u for each user of the batch.
  void begin_batch(const LossBatch& batch) {
    const std::size_t rows = batch.rows();
    assert(batch.positive_scores.size() == rows);
    order_.resize(rows);
    std::iota(order_.begin(), order_.end(), std::size_t{0});
    std::sort(order_.begin(), order_.end(), [&](std::size_t a, std::size_t b) {
      const index_t ua = batch.pairs[a].user, ub = batch.pairs[b].user;
      return ua < ub || (ua == ub && a < b);
    });
    group_lse_.resize(rows);
    group_size_.resize(rows);
    const double inv_tau1 = 1.0 / static_cast<double>(params_.tau1);
    for (std::size_t lo = 0; lo < rows;) {
      const index_t user = batch.pairs[order_[lo]].user;
      std::size_t hi = lo;
      double m = -std::numeric_limits<double>::infinity();
      for (; hi < rows && batch.pairs[order_[hi]].user == user; ++hi)
        m = std::max(m, static_cast<double>(batch.positive_scores[order_[hi]]) * inv_tau1);
      double z = 0;
      for (std::size_t q = lo; q < hi; ++q)
        z += std::exp(static_cast<double>(batch.positive_scores[order_[q]]) * inv_tau1 - m);
      for (std::size_t q = lo; q < hi; ++q) {
        group_lse_[order_[q]] = m + std::log(z);
        group_size_[order_[q]] = static_cast<double>(hi - lo);
      }
      lo = hi;
    }
  }

  /// Loss of row `row` of the current batch in the same-user form (the
  /// per-row form when same_user is off); writes d(loss)/d(score). Safe
  /// from several threads.
  real evaluate_row(std::size_t row, real pos, std::span<const real> neg, std::span<const real> w,
                    real& d_pos, std::span<real> d_neg) const noexcept {
    const real per_row = evaluate(pos, neg, w, d_pos, d_neg);
    if (!params_.same_user) return per_row;
    assert(row < group_lse_.size());
    const double inv_tau1 = 1.0 / static_cast<double>(params_.tau1);
    const double a = static_cast<double>(pos) * inv_tau1;
    const double n = group_size_[row], lse = group_lse_[row];
    // per_row = tau2 log P - a when the row has a counted negative (d_pos
    // = -1/tau1), else 0: swap its positive term -a for -(A_u - log n).
    const double positive_term = std::log(n) - lse;
    const double loss = d_pos != 0 ? static_cast<double>(per_row) + a + positive_term : positive_term;
    d_pos = static_cast<real>(-n * std::exp(a - lse) * inv_tau1);
    return static_cast<real>(loss);
  }

  /// Loss of one row in the per-row form; writes d(loss)/d(score) into
  /// d_pos and d_neg.
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
  // begin_batch of the same-user form, per row of the batch: A_u and |R(u)|
  // of its user, and scratch.
  std::vector<double> group_lse_;
  std::vector<double> group_size_;
  std::vector<std::size_t> order_;
};

}  // namespace hardneg
