// Shared pieces of the importance-sampling samplers (PRIS, AdaSIR, the
// kernel sampler, IRGAN).
//
// importance_weights: the self-normalised importance weights of n negatives
// drawn from a proposal q for the softmax target p(j) ∝ exp(s_j / lambda):
//
//   w_j = exp((s_j - s_i) / lambda - log q_j) / sum_k exp((s_k - s_i) / lambda - log q_k)
//
// (spec/algorithms.md 2.9). The positive's score s_i cancels; it is kept so
// the formula reads as in the papers. An empty log_q means a constant
// proposal (uniform), which cancels too. Computed in double, shifted by the
// largest exponent, so any scores give finite weights that sum to 1; a -inf
// exponent (q_j = +inf cannot happen; s_j = -inf can) gets weight 0 unless all
// are -inf, when the weights are uniform.
//
// exp_shifted: out[k] = exp((x[k] - shift) * scale), the unnormalised softmax
// of a full row of scores (IRGAN's generator over all items), with xsimd;
// exp_shifted_reference is its scalar reference (the tests compare them).
//
// draw_cumulative: one index from an unnormalised cumulative distribution
// (inverse CDF by binary search); entries of zero mass are never drawn.
//
// BlockCumulative: the same for a long vector of masses (IRGAN's generator
// over all items) without a serial running sum over every entry: the masses
// are summed in blocks of 64 with SIMD, the running sum is over the blocks,
// and a draw finds its block by binary search and its entry by a scan of the
// block. It refers to the masses, which must outlive it and not change.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <span>

#include <xsimd/xsimd.hpp>

#include <vector>

#include "hardneg/core/random.hpp"
#include "hardneg/core/types.hpp"

// GCC 12's _mm512_undefined_ps (inside xsimd's AVX-512 exp) trips a false
// -Wmaybe-uninitialized / -Wuninitialized; silence it for these kernels.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

namespace hardneg::detail {

/// w_j = softmax_j((s_j - s_pos) / lambda - log_q[j]) over j < scores.size();
/// log_q empty: a constant proposal. lambda > 0. w.size() >= scores.size().
inline void importance_weights(real s_pos, std::span<const real> scores, std::span<const real> log_q,
                               double lambda, std::span<real> w) noexcept {
  const std::size_t n = scores.size();
  if (n == 0) return;
  const double inv = 1.0 / lambda;
  const auto exponent = [&](std::size_t j) {
    const double e = (static_cast<double>(scores[j]) - static_cast<double>(s_pos)) * inv;
    return log_q.empty() ? e : e - static_cast<double>(log_q[j]);
  };
  double top = -std::numeric_limits<double>::infinity();
  for (std::size_t j = 0; j < n; ++j) top = std::max(top, exponent(j));
  if (!std::isfinite(top)) {  // every exponent -inf (or a +inf): uniform / all on the +inf ones
    std::size_t hits = 0;
    for (std::size_t j = 0; j < n; ++j) hits += exponent(j) == top ? 1 : 0;
    for (std::size_t j = 0; j < n; ++j)
      w[j] = exponent(j) == top ? static_cast<real>(1.0 / static_cast<double>(hits)) : real(0);
    return;
  }
  double total = 0;
  for (std::size_t j = 0; j < n; ++j) total += std::exp(exponent(j) - top);
  for (std::size_t j = 0; j < n; ++j) w[j] = static_cast<real>(std::exp(exponent(j) - top) / total);
}

/// Scalar reference of exp_shifted, in double.
inline void exp_shifted_reference(std::span<const real> x, real shift, real scale,
                                  std::span<real> out) noexcept {
  for (std::size_t k = 0; k < x.size(); ++k)
    out[k] = static_cast<real>(
        std::exp((static_cast<double>(x[k]) - static_cast<double>(shift)) * static_cast<double>(scale)));
}

/// out[k] = exp((x[k] - shift) * scale) for k < x.size(); out may alias x.
/// With shift = max(x) and scale > 0 every value is in (0, 1].
/// (flatten: xsimd's exp is inlined here, inside the pragma above, rather
/// than emitted on its own where GCC 12 warns about it.)
[[gnu::flatten]] inline void exp_shifted(std::span<const real> x, real shift, real scale, std::span<real> out) noexcept {
  using batch = xsimd::batch<real>;
  constexpr std::size_t width = batch::size;
  const batch vs(shift), vc(scale);
  const std::size_t n = x.size();
  std::size_t k = 0;
  for (; k + width <= n; k += width)
    xsimd::exp((batch::load_unaligned(x.data() + k) - vs) * vc).store_unaligned(out.data() + k);
  for (; k < n; ++k) out[k] = std::exp((x[k] - shift) * scale);
}

/// One index i with probability (cum[i] - cum[i-1]) / cum.back(), cum the
/// running sums of non-negative masses with a positive total.
inline std::size_t draw_cumulative(std::span<const double> cum, Rng& rng) noexcept {
  const double u = rng.uniform() * cum.back();
  auto it = std::upper_bound(cum.begin(), cum.end(), u);
  if (it == cum.end()) {  // u rounded up to the total: the last entry with mass
    it = std::lower_bound(cum.begin(), cum.end(), cum.back());
  }
  return static_cast<std::size_t>(it - cum.begin());
}

class BlockCumulative {
 public:
  static constexpr std::size_t block = 64;

  /// Indexes `mass` (non-negative, finite, a positive total).
  [[gnu::flatten]] void build(std::span<const real> mass) {
    using batch = xsimd::batch<real>;
    constexpr std::size_t width = batch::size;
    mass_ = mass;
    const std::size_t n = mass.size();
    const std::size_t blocks = (n + block - 1) / block;
    cumulative_.resize(blocks);
    double running = 0;
    for (std::size_t b = 0; b < blocks; ++b) {
      const std::size_t lo = b * block, hi = std::min(n, lo + block);
      std::size_t k = lo;
      batch acc(real(0));
      for (; k + width <= hi; k += width) acc += batch::load_unaligned(mass.data() + k);
      double sum = static_cast<double>(xsimd::hadd(acc));
      for (; k < hi; ++k) sum += static_cast<double>(mass[k]);
      running += sum;
      cumulative_[b] = running;
    }
  }

  double total() const noexcept { return cumulative_.empty() ? 0.0 : cumulative_.back(); }

  /// One index k with probability mass[k] / total().
  std::size_t draw(Rng& rng) const noexcept {
    const std::size_t b = draw_cumulative(cumulative_, rng);
    const double before = b == 0 ? 0.0 : cumulative_[b - 1];
    // The position inside the block, uniform over its mass.
    const double r = rng.uniform() * (cumulative_[b] - before);
    const std::size_t lo = b * block, hi = std::min(mass_.size(), lo + block);
    double acc = 0;
    std::size_t last = lo;
    for (std::size_t k = lo; k < hi; ++k) {
      if (mass_[k] <= 0) continue;
      acc += static_cast<double>(mass_[k]);
      last = k;
      if (acc > r) return k;
    }
    return last;  // rounding: the block's last entry with mass
  }

 private:
  std::span<const real> mass_;
  std::vector<double> cumulative_;
};

}  // namespace hardneg::detail

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
