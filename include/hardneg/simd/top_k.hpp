// Top-k selection: the k largest of n scores, best first, without sorting all n.
//
// Order: a higher score is better; among equal scores the smaller id (position
// in `scores`) is better. Ids listed in `excluded` are never returned.
//
// Four paths, all exact (same output as top_k_reference):
//
// - k = 1: a running maximum over SIMD chunks.
// - Lane maxima (DNS(5, 200): k up to the SIMD width W, n <= 4096, no
//   exclusions): one SIMD pass keeps each lane's maximum; the k-th largest
//   of those W distinct entries bounds the k-th best from below, and the
//   entries at or above it (about k + 1 on random scores) are ranked by
//   counting. Heavy ties at the bound fall back to the paths below.
// - Buffered threshold filter (the general path; recommend: k ~ 10..200 of
//   all items): the first k admissible scores go into a candidate buffer and
//   the threshold is the lowest of them. The rest is scanned in SIMD chunks
//   compared against the threshold; chunks with no lane strictly above it are
//   skipped by one compare, in the others a lane mask lists the lanes to
//   append. When the buffer is full, std::nth_element keeps the k best and the
//   threshold rises to the k-th best. Because the scan visits ids in
//   increasing order, a later score equal to the threshold always loses the
//   tie, so the strict comparison implements the tie rule exactly. On random
//   data O(k log(n/k)) candidates are appended. At the end the k best of the
//   buffer are sorted. (Measured faster than a binary heap, whose sift per
//   candidate is a chain of dependent, mispredicted loads.)
// - Interpolation (DNS with M above W: top-M of N ~ 200 candidates; no
//   exclusions, n <= 4096, k <= 64, k >= n / 64): regula falsi on the value
//   range, one SIMD counting pass per probe, finds t with
//   k <= #{x > t} <= k + slack; those few
//   entries are then ranked by counting (branch-free). Comparison-based
//   selection mispredicts about half its branches on such small random inputs,
//   which made it several times slower. Degenerate inputs (non-finite scores,
//   heavy ties) fall back to the buffered path.
//
// No allocation in steady state: the buffered path keeps a per-thread scratch
// vector that grows to the largest capacity ever needed; the others use the
// stack. Scores must not be NaN (the result is then unspecified).
//
// top_k_reference is the scalar reference (std::partial_sort) the tests use.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <xsimd/xsimd.hpp>

#include "hardneg/core/config.hpp"
#include "hardneg/core/error.hpp"
#include "hardneg/core/types.hpp"

namespace hardneg::simd {

namespace detail {

struct Candidate {
  real score;
  index_t id;
};

/// Higher score first, then smaller id. A function object, so that the
/// std algorithms inline it (a function pointer would be an indirect call).
struct RanksAbove {
  bool operator()(const Candidate& a, const Candidate& b) const noexcept {
    return a.score > b.score || (a.score == b.score && a.id < b.id);
  }
};

inline void check_top_k_output(std::size_t n, std::size_t k, std::size_t ids, std::size_t scores) {
  const std::size_t need = std::min(k, n);
  if (ids < need || scores < need)
    throw InvalidArgument("simd::top_k: output spans hold " + std::to_string(std::min(ids, scores)) +
                          " entries, " + std::to_string(need) + " needed");
}

/// Moves the exclusion cursor to the first excluded id >= i and says whether
/// i itself is excluded. Ids are visited in increasing order.
inline bool is_excluded(std::span<const index_t> excluded, std::size_t& cursor, index_t i) noexcept {
  while (cursor < excluded.size() && excluded[cursor] < i) ++cursor;
  return cursor < excluded.size() && excluded[cursor] == i;
}

/// The calling thread's candidate buffer: it grows to the largest size ever
/// needed, then is reused, so steady-state calls do not allocate.
inline std::vector<Candidate>& top_k_buffer() {
  thread_local std::vector<Candidate> buffer;
  return buffer;
}

/// The lanes of a comparison mask as bits (lane l -> bit l). xsimd 8.1 has
/// no movemask, so the x86 registers are read directly (the AVX-512 mask
/// register is the bits; SSE and AVX have movemask). Elsewhere the mask
/// selects powers of two that are summed: exact in float up to 24 lanes.
template <class A>
inline std::uint32_t lane_bits(const xsimd::batch_bool<float, A>& mask) noexcept {
  using reg = typename xsimd::batch_bool<float, A>::register_type;
#if XSIMD_WITH_AVX512F
  if constexpr (std::is_base_of_v<xsimd::avx512f, A>)
    return static_cast<std::uint32_t>(static_cast<reg>(mask));
  else
#endif
#if XSIMD_WITH_AVX
  if constexpr (std::is_base_of_v<xsimd::avx, A>)
    return static_cast<std::uint32_t>(_mm256_movemask_ps(static_cast<reg>(mask)));
  else
#endif
#if XSIMD_WITH_SSE2
  if constexpr (std::is_base_of_v<xsimd::sse2, A>)
    return static_cast<std::uint32_t>(_mm_movemask_ps(static_cast<reg>(mask)));
  else
#endif
  {
    using batch = xsimd::batch<float, A>;
    constexpr std::size_t W = batch::size;
    static_assert(W <= 24, "lane_bits: more lanes than float can sum exactly");
    alignas(alignment) static constexpr auto weights = [] {
      std::array<float, W> w{};
      for (std::size_t l = 0; l < W; ++l) w[l] = static_cast<float>(std::uint32_t{1} << l);
      return w;
    }();
    return static_cast<std::uint32_t>(
        xsimd::hadd(xsimd::select(mask, batch::load_aligned(weights.data()), batch(0.0f))));
  }
}

/// Calls visit(i), in increasing i, for every i in [begin, n) whose score is
/// strictly above threshold() as read at the start of its chunk: chunks of 2W
/// scores with no such lane are skipped with one SIMD compare, and in the
/// others only the lanes above are visited. visit may raise the threshold (and
/// must recheck it).
template <class Threshold, class Visit>
inline void scan_above(const real* x, std::size_t begin, std::size_t n, Threshold threshold,
                       Visit visit) {
  using batch = xsimd::batch<float>;
  constexpr std::size_t W = batch::size;
  std::size_t i = begin;
  for (; i + 2 * W <= n; i += 2 * W) {
    const batch t(threshold());
    const auto lo = batch::load_unaligned(x + i) > t;
    const auto hi = batch::load_unaligned(x + i + W) > t;
    if (!xsimd::any(lo | hi)) continue;
    std::uint64_t bits = lane_bits(lo) | (std::uint64_t{lane_bits(hi)} << W);
    for (; bits != 0; bits &= bits - 1) visit(i + static_cast<std::size_t>(std::countr_zero(bits)));
  }
  for (; i < n; ++i)
    if (x[i] > threshold()) visit(i);
}

/// k >= 2: candidates above the threshold are appended to a buffer; when it
/// is full, std::nth_element keeps the k best and the threshold rises to the
/// k-th best score. The k best of the buffer are sorted at the end.
inline std::size_t buffered_top_k(const real* x, std::size_t n, std::size_t k,
                                  std::span<const index_t> excluded, index_t* out_ids,
                                  real* out_scores) {
  // Room for k kept entries plus as many new candidates (at least 32) between
  // two compactions.
  const std::size_t capacity = k + std::max<std::size_t>(k, 32);
  std::vector<Candidate>& buffer = top_k_buffer();
  if (buffer.size() < capacity) buffer.resize(capacity);
  Candidate* c = buffer.data();

  // The first k admissible entries, and the lowest of their scores.
  std::size_t cursor = 0;
  std::size_t count = 0;
  std::size_t i = 0;
  for (; i < n && count < k; ++i)
    if (!is_excluded(excluded, cursor, static_cast<index_t>(i)))
      c[count++] = {x[i], static_cast<index_t>(i)};
  if (count == k) {
    real threshold = c[0].score;
    for (std::size_t j = 1; j < k; ++j) threshold = std::min(threshold, c[j].score);
    scan_above(x, i, n, [&] { return threshold; }, [&](std::size_t j) {
      if (!(x[j] > threshold) || is_excluded(excluded, cursor, static_cast<index_t>(j))) return;
      c[count++] = {x[j], static_cast<index_t>(j)};
      if (count == capacity) {  // keep the k best; the k-th is the new threshold
        std::nth_element(c, c + (k - 1), c + count, RanksAbove{});
        count = k;
        threshold = c[k - 1].score;
      }
    });
  }
  const std::size_t m = std::min(k, count);
  std::partial_sort(c, c + m, c + count, RanksAbove{});
  for (std::size_t j = 0; j < m; ++j) {
    out_ids[j] = c[j].id;
    out_scores[j] = c[j].score;
  }
  return m;
}

/// Number of scores strictly above t (SIMD compare and masked add).
inline std::size_t count_above(const real* x, std::size_t n, real t) noexcept {
  using batch = xsimd::batch<float>;
  constexpr std::size_t W = batch::size;
  const batch tb(t), one(1.0f);
  batch a0(0.0f), a1(0.0f);
  std::size_t i = 0;
  for (; i + 2 * W <= n; i += 2 * W) {
    a0 = xsimd::select(batch::load_unaligned(x + i) > tb, a0 + one, a0);
    a1 = xsimd::select(batch::load_unaligned(x + i + W) > tb, a1 + one, a1);
  }
  auto c = static_cast<std::size_t>(xsimd::hadd(a0 + a1));  // exact: n <= small_n_max
  for (; i < n; ++i) c += x[i] > t;
  return c;
}

/// The small-n path (DNS: top-M of N ~ 200 candidates) is used up to these sizes.
inline constexpr std::size_t small_n_max = 4096;
inline constexpr std::size_t small_k_max = 64;

/// Capacity of rank_above: the most entries it ranks.
inline constexpr std::size_t rank_capacity = small_k_max + small_k_max / 2;

/// Writes the k best entries of x[0..n), best first, given a t with
/// #{x > t} >= k: the entries above t, collected in id order, are ranked by
/// counting (branch-free, O(c^2 / W) for c of them). Returns false (and
/// writes nothing) when more than rank_capacity entries are above t.
inline bool rank_above(const real* x, std::size_t n, std::size_t k, real t, index_t* out_ids,
                       real* out_scores) noexcept {
  using batch = xsimd::batch<float>;
  constexpr std::size_t W = batch::size;
  // The entries above t, in id order, padded with -inf.
  alignas(alignment) real cs[rank_capacity + W];
  index_t ci[rank_capacity];
  std::size_t m = 0;
  scan_above(x, 0, n, [&] { return t; }, [&](std::size_t j) {
    if (m < rank_capacity) {
      cs[m] = x[j];
      ci[m] = static_cast<index_t>(j);
    }
    ++m;
  });
  if (m > rank_capacity) return false;
  const std::size_t mp = (m + W - 1) / W * W;
  std::fill(cs + m, cs + mp, -std::numeric_limits<real>::infinity());
  // rank(a) = #{b : s_b > s_a, or s_b == s_a and b < a}: its place in the
  // output order (ties by position = by id). Entries ranked >= k are dropped.
  alignas(alignment) static constexpr auto lane = [] {
    std::array<float, W> l{};
    for (std::size_t j = 0; j < W; ++j) l[j] = static_cast<float>(j);
    return l;
  }();
  const batch lanes = batch::load_aligned(lane.data());
  const batch one(1.0f);
  for (std::size_t a = 0; a < m; ++a) {
    const batch sa(cs[a]), pa(static_cast<float>(a));
    batch rank(0.0f);
    for (std::size_t b = 0; b < mp; b += W) {
      const batch sb = batch::load_aligned(cs + b);
      const auto above = (sb > sa) | ((sb == sa) & ((lanes + static_cast<float>(b)) < pa));
      rank = xsimd::select(above, rank + one, rank);
    }
    const auto r = static_cast<std::size_t>(xsimd::hadd(rank));
    if (r < k) {
      out_scores[r] = cs[a];
      out_ids[r] = ci[a];
    }
  }
  return true;
}

/// Small n, no exclusions: finds a threshold t with k <= #{x > t} <= k + slack
/// by regula falsi on the value range (alternating with bisection), one SIMD
/// counting pass per probe, then ranks the few entries above t by counting
/// (branch-free, O(c^2 / W)) and writes the k best in order. A comparison-based
/// selection would mispredict about half of its branches on random scores.
/// Returns false (and writes nothing) when it cannot bracket the window: non-
/// finite scores, many ties, or no convergence; the caller then falls back.
inline bool interpolation_top_k(const real* x, std::size_t n, std::size_t k, index_t* out_ids,
                                real* out_scores) noexcept {
  using batch = xsimd::batch<float>;
  constexpr std::size_t W = batch::size;
  const std::size_t slack = std::max<std::size_t>(8, k / 2);
  real lo = x[0], hi = x[0];
  std::size_t i = 0;
  if (n >= W) {
    batch bl = batch::load_unaligned(x), bh = bl;
    for (i = W; i + W <= n; i += W) {
      const batch v = batch::load_unaligned(x + i);
      // select rather than xsimd::min/max, whose AVX-512 intrinsics make g++ 12
      // warn about an uninitialised pass-through operand.
      bl = xsimd::select(v < bl, v, bl);
      bh = xsimd::select(v > bh, v, bh);
    }
    alignas(alignment) real tl[W], th[W];
    bl.store_aligned(tl);
    bh.store_aligned(th);
    lo = *std::min_element(tl, tl + W);
    hi = *std::max_element(th, th + W);
  }
  for (; i < n; ++i) lo = std::min(lo, x[i]), hi = std::max(hi, x[i]);
  if (!(std::isfinite(lo) && std::isfinite(hi)) || !(lo < hi)) return false;
  std::size_t c_lo = count_above(x, n, lo), c_hi = 0;  // #{x > hi} = 0
  if (c_lo < k) return false;  // the k-th best equals the minimum
  for (int probe = 0; c_lo > k + slack; ++probe) {
    if (probe == 24) return false;
    // Aim at the middle of the window; every other probe bisects, so the
    // bracket at least halves every two probes.
    const double target = static_cast<double>(k + slack / 2);
    double f = probe % 2 == 0 ? (static_cast<double>(c_lo) - target) /
                                    static_cast<double>(c_lo - c_hi)
                              : 0.5;
    f = std::clamp(f, 1.0 / 64, 63.0 / 64);
    const auto p = static_cast<real>(lo + (static_cast<double>(hi) - lo) * f);
    if (!(p > lo && p < hi)) return false;  // the bracket cannot be split (ties)
    const std::size_t c = count_above(x, n, p);
    if (c >= k)
      lo = p, c_lo = c;
    else
      hi = p, c_hi = c;
  }
  return rank_above(x, n, k, lo, out_ids, out_scores);
}

/// k <= W (the SIMD width), no exclusions: one SIMD pass keeps the maximum of
/// each lane (lane l sees x[l], x[l + W], ...). Those W maxima are W distinct
/// entries, so their k-th largest, t, is at most the k-th best score, and
/// only the entries >= t (about k + 1 on random scores) need ranking
/// (rank_above). Returns false (and writes nothing) when n < 2W, when t is
/// not finite, or when too many entries tie at or above t.
inline bool lane_max_top_k(const real* x, std::size_t n, std::size_t k, index_t* out_ids,
                           real* out_scores) noexcept {
  using batch = xsimd::batch<float>;
  constexpr std::size_t W = batch::size;
  if (k > W || n < 2 * W) return false;
  // Two running maxima, for two independent dependency chains. The last
  // n % 2W entries are left out: the bound holds for any W distinct entries.
  batch m0 = batch::load_unaligned(x), m1 = batch::load_unaligned(x + W);
  for (std::size_t i = 2 * W; i + 2 * W <= n; i += 2 * W) {
    const batch a = batch::load_unaligned(x + i), b = batch::load_unaligned(x + i + W);
    m0 = xsimd::select(a > m0, a, m0);
    m1 = xsimd::select(b > m1, b, m1);
  }
  const batch mx = xsimd::select(m1 > m0, m1, m0);
  // greater[l] = #{lanes whose maximum is above lane l's}: compare with the
  // W - 1 rotations of mx (unaligned loads from two copies of it). The
  // lanes with fewer than k above them hold the k largest values; the
  // smallest of those is the k-th largest.
  alignas(alignment) real twice[2 * W];
  mx.store_aligned(twice);
  mx.store_aligned(twice + W);
  batch g0(0.0f), g1(0.0f);  // two chains, summed at the end
  const batch one(1.0f);
  std::size_t r = 1;
  for (; r + 1 < W; r += 2) {
    g0 = xsimd::select(batch::load_unaligned(twice + r) > mx, g0 + one, g0);
    g1 = xsimd::select(batch::load_unaligned(twice + r + 1) > mx, g1 + one, g1);
  }
  if (r < W) g0 = xsimd::select(batch::load_unaligned(twice + r) > mx, g0 + one, g0);
  const batch greater = g0 + g1;
  alignas(alignment) real top[W];
  xsimd::select(greater < batch(static_cast<float>(k)), mx, batch(std::numeric_limits<real>::infinity()))
      .store_aligned(top);
  real t = top[0];
  for (std::size_t l = 1; l < W; ++l) t = std::min(t, top[l]);
  if (!std::isfinite(t)) return false;
  // Entries >= t are the entries above the next float below t (t is
  // finite; std::nextafter is a library call, this is two integer ops).
  const auto bits = std::bit_cast<std::uint32_t>(t);
  const real below = t > 0   ? std::bit_cast<real>(bits - 1)
                     : t < 0 ? std::bit_cast<real>(bits + 1)
                             : -std::numeric_limits<real>::denorm_min();
  return rank_above(x, n, k, below, out_ids, out_scores);
}

}  // namespace detail

/// Writes the ids (and scores) of the k largest scores, best first; ties broken
/// by smaller id first; ids listed in `excluded` (sorted ascending) are
/// skipped. Returns the number written (min(k, available)). out_ids and
/// out_scores must hold at least min(k, scores.size()) entries.
inline std::size_t top_k(std::span<const real> scores, std::size_t k,
                         std::span<const index_t> excluded, std::span<index_t> out_ids,
                         std::span<real> out_scores) {
  const std::size_t n = scores.size();
  detail::check_top_k_output(n, k, out_ids.size(), out_scores.size());
  if (k == 0 || n == 0) return 0;
  const real* x = scores.data();
  std::size_t cursor = 0;

  if (k == 1) {  // running maximum (DNS with M = 1)
    std::size_t i = 0;
    while (i < n && detail::is_excluded(excluded, cursor, static_cast<index_t>(i))) ++i;
    if (i == n) return 0;
    std::size_t best = i;
    detail::scan_above(x, i + 1, n, [&] { return x[best]; }, [&](std::size_t j) {
      if (x[j] > x[best] && !detail::is_excluded(excluded, cursor, static_cast<index_t>(j))) best = j;
    });
    out_ids[0] = static_cast<index_t>(best);
    out_scores[0] = x[best];
    return 1;
  }

  if (excluded.empty() && n <= detail::small_n_max) {  // the DNS shapes
    // k up to the SIMD width (DNS(5, 200)): one pass of lane maxima bounds
    // the k-th best from below, and the few entries above it are ranked.
    if (k <= xsimd::batch<float>::size &&
        detail::lane_max_top_k(x, n, k, out_ids.data(), out_scores.data()))
      return k;
    // Interpolation pays a counting pass over all n per probe: worth it when
    // the buffered filter would append many candidates (k a sizeable share of n).
    if (k <= detail::small_k_max && 64 * k >= n &&
        detail::interpolation_top_k(x, n, k, out_ids.data(), out_scores.data()))
      return k;
  }
  return detail::buffered_top_k(x, n, k, excluded, out_ids.data(), out_scores.data());
}

/// top_k without exclusions.
inline std::size_t top_k(std::span<const real> scores, std::size_t k, std::span<index_t> out_ids,
                         std::span<real> out_scores) {
  return top_k(scores, k, std::span<const index_t>{}, out_ids, out_scores);
}

/// Scalar reference of top_k: collects the admissible entries and runs
/// std::partial_sort with the same order.
inline std::size_t top_k_reference(std::span<const real> scores, std::size_t k,
                                   std::span<const index_t> excluded, std::span<index_t> out_ids,
                                   std::span<real> out_scores) {
  detail::check_top_k_output(scores.size(), k, out_ids.size(), out_scores.size());
  std::vector<std::pair<real, index_t>> all;
  for (std::size_t i = 0; i < scores.size(); ++i) {
    const auto id = static_cast<index_t>(i);
    if (!std::binary_search(excluded.begin(), excluded.end(), id)) all.emplace_back(scores[i], id);
  }
  const std::size_t m = std::min(k, all.size());
  std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(m), all.end(),
                    [](const auto& a, const auto& b) {
                      return a.first > b.first || (a.first == b.first && a.second < b.second);
                    });
  for (std::size_t j = 0; j < m; ++j) {
    out_scores[j] = all[j].first;
    out_ids[j] = all[j].second;
  }
  return m;
}

}  // namespace hardneg::simd
