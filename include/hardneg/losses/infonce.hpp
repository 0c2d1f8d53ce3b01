// InfoNCE: sampled softmax cross-entropy with a temperature tau
// (spec/algorithms.md 3.4; van den Oord et al. 2018; "SL" in Wu et al.,
// "Effectiveness of Sampled Softmax Loss for Item Recommendation", the BSL repo).
//
// With a = s_i / tau, b_j = s_j / tau and c_j = n w_j (set-wise convention,
// losses.hpp: uniform weights give the paper's sum over the sampled negatives):
//
//   include_positive = true  (conventional InfoNCE; RecBox's
//   SoftmaxCrossEntropyLoss and easy_rec's CE are the case tau = 1, i.e. CCE):
//     L = -log( e^a / (e^a + sum_j c_j e^{b_j}) )
//   include_positive = false (the BSL repo's SL, junkangwu/BSL utils/losses.py
//   mode "reweight" with tau2 = 1):
//     L = -log( e^a / sum_j c_j e^{b_j} )
//
//   dL/ds_j = p_j / tau,  p_j = c_j e^{b_j} / Z  (Z = the denominator)
//   dL/ds_i = -(1 - p_i) / tau with the positive in Z, and -1 / tau without.
//
// The two differ by a term that fades as n grows, but their gradients
// differ: without the positive, the positive is pushed up at the constant
// rate 1/tau however well it already ranks. Computed as log-sum-exp of
// x_j = b_j - a around its largest counted term (zero-weight negatives are
// left out). A row with no counted negative has nothing to contrast: without
// the positive in the denominator its loss is defined as 0, with zero
// gradient (with it, the formula already gives 0).
//
// Params: tau (default 0.1; the BSL scripts use 0.08-0.17 on cosine scores),
// include_positive (default true).
//   InfoNCE{}   InfoNCE{{.tau = 0.08f, .include_positive = false}}
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

class InfoNCE {
 public:
  struct Params {
    real tau = real(0.1);          ///< temperature: scores are divided by tau
    bool include_positive = true;  ///< whether e^{s_i/tau} is in the denominator
  };

  InfoNCE() = default;
  explicit InfoNCE(Params p) : params_(p) {
    detail::require(std::isfinite(p.tau) && p.tau > 0,
                    "hardneg::InfoNCE: tau must be finite and > 0, got " + std::to_string(p.tau));
  }

  static constexpr std::string_view name() noexcept { return "infonce"; }
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
    const T n = static_cast<T>(neg.size());
    const T inv_tau = T(1) / static_cast<T>(params_.tau);
    const bool with_pos = params_.include_positive;
    // Shift: the largest counted x_j (and 0, the positive's own x, if it counts).
    T m = with_pos ? T(0) : -std::numeric_limits<T>::infinity();
    for (std::size_t j = 0; j < neg.size(); ++j)
      if (w[j] > T(0)) m = std::max(m, (neg[j] - pos) * inv_tau);
    if (!(m > -std::numeric_limits<T>::infinity())) {  // no counted negative, no positive
      d_pos = 0;
      for (T& d : d_neg) d = 0;
      return 0;
    }
    // z = sum_j c_j e^{x_j - m}; d_neg holds the terms until normalised.
    T z = 0;
    for (std::size_t j = 0; j < neg.size(); ++j) {
      const T term = w[j] > T(0) ? n * w[j] * std::exp((neg[j] - pos) * inv_tau - m) : T(0);
      d_neg[j] = term;
      z += term;
    }
    T total = z;
    T loss;
    if (with_pos) {
      total += std::exp(-m);
      loss = m == T(0) ? std::log1p(z) : m + std::log(total);
      d_pos = -inv_tau * (z / total);
    } else {
      loss = m + std::log(total);
      d_pos = -inv_tau;  // sum_j p_j = 1
    }
    for (std::size_t j = 0; j < neg.size(); ++j) d_neg[j] = inv_tau * (d_neg[j] / total);
    return loss;
  }

 private:
  Params params_{};
};

}  // namespace hardneg
