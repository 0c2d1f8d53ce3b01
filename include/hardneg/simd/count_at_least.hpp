// Threshold counting: how many scores are >= each of a few thresholds.
//
//   counts[j] = #{ i : scores[i] >= thresholds[j] }
//
// The evaluator's second hot loop: with the thresholds set to a user's
// positive scores, counts[j] minus the positives themselves is the number of
// negatives ranked at or above positive j, from which every ranking metric
// follows (eval/metrics.hpp). One pass over the scores serves up to 8
// thresholds: each SIMD chunk is loaded once, compared with every threshold,
// and each comparison mask is added into a per-threshold vector counter. Fewer
// thresholds are unrolled over several chunks so that enough independent
// counters hide the add latency. Counters are floats, exact below 2^24 per
// lane; the scores are processed in segments that keep them there.
//
// count_at_least_reference is the scalar reference.
#pragma once

#include <algorithm>
#include <cstddef>
#include <span>

#include <xsimd/xsimd.hpp>

#include "hardneg/core/error.hpp"
#include "hardneg/core/types.hpp"

namespace hardneg::simd {

namespace detail {

/// Counts for G thresholds over x[0, n), unrolled over U chunks per step.
template <std::size_t G, std::size_t U>
inline void count_at_least_group(const real* x, std::size_t n, const real* thresholds,
                                 index_t* counts) noexcept {
  using batch = xsimd::batch<float>;
  constexpr std::size_t W = batch::size;
  constexpr std::size_t segment = std::size_t{1} << 22;  // < 2^24 per counter: exact
  batch t[G];
  for (std::size_t g = 0; g < G; ++g) t[g] = batch(thresholds[g]);
  const batch one(1.0f);
  for (std::size_t s0 = 0; s0 < n; s0 += segment) {
    const std::size_t s1 = std::min(n, s0 + segment);
    batch acc[G][U];
    for (std::size_t g = 0; g < G; ++g)
      for (std::size_t u = 0; u < U; ++u) acc[g][u] = batch(0.0f);
    std::size_t i = s0;
    for (; i + U * W <= s1; i += U * W) {
      for (std::size_t u = 0; u < U; ++u) {
        const batch v = batch::load_unaligned(x + i + u * W);
        for (std::size_t g = 0; g < G; ++g)
          acc[g][u] = xsimd::select(v >= t[g], acc[g][u] + one, acc[g][u]);
      }
    }
    for (std::size_t g = 0; g < G; ++g) {
      batch total = acc[g][0];
      for (std::size_t u = 1; u < U; ++u) total += acc[g][u];
      index_t c = static_cast<index_t>(xsimd::hadd(total));
      for (std::size_t j = i; j < s1; ++j) c += x[j] >= thresholds[g];
      counts[g] += c;
    }
  }
}

}  // namespace detail

/// counts[j] = number of scores >= thresholds[j]. NaN scores count nowhere.
/// counts.size() must be >= thresholds.size() (checked).
inline void count_at_least(std::span<const real> scores, std::span<const real> thresholds,
                           std::span<index_t> counts) {
  hardneg::detail::require(counts.size() >= thresholds.size(),
                           "simd::count_at_least: counts is shorter than thresholds");
  const real* x = scores.data();
  const std::size_t n = scores.size();
  std::size_t j = 0;
  const std::size_t m = thresholds.size();
  std::fill_n(counts.data(), m, index_t{0});
  for (; j + 8 <= m; j += 8) detail::count_at_least_group<8, 1>(x, n, &thresholds[j], &counts[j]);
  // The last 1..7 thresholds in one more pass.
  const real* t = thresholds.data() + j;
  index_t* c = counts.data() + j;
  switch (m - j) {
    case 7: detail::count_at_least_group<7, 1>(x, n, t, c); break;
    case 6: detail::count_at_least_group<6, 1>(x, n, t, c); break;
    case 5: detail::count_at_least_group<5, 1>(x, n, t, c); break;
    case 4: detail::count_at_least_group<4, 2>(x, n, t, c); break;
    case 3: detail::count_at_least_group<3, 2>(x, n, t, c); break;
    case 2: detail::count_at_least_group<2, 4>(x, n, t, c); break;
    case 1: detail::count_at_least_group<1, 4>(x, n, t, c); break;
    default: break;
  }
}

/// Scalar reference of count_at_least.
inline void count_at_least_reference(std::span<const real> scores, std::span<const real> thresholds,
                                     std::span<index_t> counts) {
  for (std::size_t j = 0; j < thresholds.size(); ++j) {
    index_t c = 0;
    for (const real s : scores) c += s >= thresholds[j];
    counts[j] = c;
  }
}

}  // namespace hardneg::simd
