// Gather-dot: the scores of one user vector against a list of item rows.
//
//   out[k] = <user, items.row(ids[k])>      k = 0 .. ids.size() - 1
//
// This is the hot path of the hard-negative samplers (DNS(M,N) scores N = 200
// random candidates for every training pair), so it is written with xsimd:
// the user vector is held in registers, each item row is multiplied by it
// with one FMA per SIMD batch of the dimension, and the per-item partial sums
// of W = batch size items are reduced together with one xsimd::haddp into a
// batch of W scores (a transposed reduction: W horizontal sums for the price
// of about one). bench/gather_dot_bench.cpp compares it with the scalar
// reference and with a per-item xsimd::hadd reduction.
//
// The same header holds the two other embedding kernels of dot-product
// models: dot() (one score) and axpy() (the backward of a dot product).
// Every kernel has a scalar `*_reference` next to it; tests compare them.
//
// Preconditions (not checked: hot path): rows come from RowMatrix objects of
// the same `dim`, so they are aligned and zero padded up to a multiple of the
// SIMD width; the `user` pointer is readable and zero padded the same way
// (a row of a RowMatrix with the same dim); every id is a valid row.
#pragma once

#include <algorithm>
#include <array>
#include <cassert>
#include <cmath>
#include <cstddef>
#include <span>
#include <type_traits>

#include <xsimd/xsimd.hpp>

#include "hardneg/core/config.hpp"
#include "hardneg/core/matrix.hpp"
#include "hardneg/core/types.hpp"

// GCC 12's _mm512_undefined_ps (inside xsimd's AVX-512 haddp) trips a false
// -Wmaybe-uninitialized / -Wuninitialized at every call; silence it here.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

namespace hardneg::simd {

// ---------------------------------------------------------- references ----

/// Scalar reference of dot(): sum of a[c] * b[c] over c < n, accumulated in
/// double.
inline real dot_reference(const real* a, const real* b, std::size_t n) noexcept {
  double s = 0.0;
  for (std::size_t c = 0; c < n; ++c) s += static_cast<double>(a[c]) * static_cast<double>(b[c]);
  return static_cast<real>(s);
}

/// Scalar reference of gather_dot().
inline void gather_dot_reference(const real* user, const RowMatrix& items,
                                 std::span<const index_t> ids, std::span<real> out) noexcept {
  assert(out.size() >= ids.size());
  for (std::size_t k = 0; k < ids.size(); ++k)
    out[k] = dot_reference(user, items.row_ptr(static_cast<std::size_t>(ids[k])), items.dim());
}

/// Scalar reference of axpy(): y[c] += a * x[c] for c < n.
inline void axpy_reference(real a, const real* x, real* y, std::size_t n) noexcept {
  for (std::size_t c = 0; c < n; ++c) y[c] += a * x[c];
}

// ------------------------------------------------------------- kernels ----

namespace detail {

using batch = xsimd::batch<real>;
inline constexpr std::size_t width = batch::size;

static_assert(alignment % (width * sizeof(real)) == 0,
              "hardneg: RowMatrix rows must be padded to a multiple of the SIMD width");

/// Number of SIMD batches that cover `dim` values (the padding is zero).
constexpr std::size_t batches_for(std::size_t dim) noexcept { return (dim + width - 1) / width; }

/// <u, v> as a batch of partial sums, the user given as NB batches in
/// registers (NB known at compile time: the loop unrolls).
template <std::size_t NB>
inline batch partial_dot(const batch (&u)[NB], const real* v) noexcept {
  batch acc = u[0] * batch::load_aligned(v);
  for (std::size_t b = 1; b < NB; ++b) acc = xsimd::fma(u[b], batch::load_aligned(v + b * width), acc);
  return acc;
}

/// Same with a run-time number of batches (large dims).
inline batch partial_dot(const real* u, const real* v, std::size_t nb) noexcept {
  batch acc = batch::load_unaligned(u) * batch::load_aligned(v);
  for (std::size_t b = 1; b < nb; ++b)
    acc = xsimd::fma(batch::load_unaligned(u + b * width), batch::load_aligned(v + b * width), acc);
  return acc;
}

/// The slot of acc[] that item j of a group goes to before xsimd::haddp.
/// xsimd's AVX-512 haddp (8.1, and the same code up to at least 14.x) returns
/// its lanes 2,3 and 4,5 (and 10,11 and 12,13) swapped; that permutation is
/// its own inverse, so putting item j in the swapped slot makes lane j hold
/// item j's sum. The other architectures are in order.
/// tests/simd/gather_dot_test.cpp checks every lane on each architecture.
inline constexpr auto haddp_slot = [] {
  std::array<std::size_t, width> slot{};
  for (std::size_t j = 0; j < width; ++j) slot[j] = j;
  if constexpr (std::is_base_of_v<xsimd::avx512f, batch::arch_type>) {
    for (std::size_t j = 0; j < width; ++j) {
      if (j % 8 == 2 || j % 8 == 3) slot[j] = j + 2;
      if (j % 8 == 4 || j % 8 == 5) slot[j] = j - 2;
    }
  }
  return slot;
}();

/// Scores ids[0..n) with W items per haddp. `row_dot(v)` returns the partial
/// sums of one row.
/// (flatten: xsimd's haddp is inlined here, inside the pragma above, rather
/// than emitted on its own where GCC 12 warns about it.)
template <class RowDot>
[[gnu::flatten]] inline void gather_dot_groups(const RowMatrix& items, const index_t* ids, std::size_t n, real* out,
                              RowDot row_dot) noexcept {
  const real* base = items.data();
  const std::size_t stride = items.stride();
  batch acc[width];
  std::size_t k = 0;
  for (; k + width <= n; k += width) {
    for (std::size_t j = 0; j < width; ++j)
      acc[haddp_slot[j]] = row_dot(base + static_cast<std::size_t>(ids[k + j]) * stride);
    xsimd::haddp(acc).store_unaligned(out + k);
  }
  if (k < n) {
    const std::size_t rest = n - k;
    for (std::size_t j = 0; j < rest; ++j)
      acc[haddp_slot[j]] = row_dot(base + static_cast<std::size_t>(ids[k + j]) * stride);
    for (std::size_t j = rest; j < width; ++j) acc[haddp_slot[j]] = batch(real{0});
    alignas(alignment) real sums[width];
    xsimd::haddp(acc).store_aligned(sums);
    std::copy_n(sums, rest, out + k);
  }
}

template <std::size_t NB>
inline void gather_dot_fixed(const real* user, const RowMatrix& items, const index_t* ids,
                             std::size_t n, real* out) noexcept {
  batch u[NB];
  for (std::size_t b = 0; b < NB; ++b) u[b] = batch::load_unaligned(user + b * width);
  gather_dot_groups(items, ids, n, out, [&u](const real* v) { return partial_dot(u, v); });
}

}  // namespace detail

/// out[k] = <user, items.row(ids[k])>. `user` holds items.dim() values and
/// zero padding (a row of a RowMatrix of the same dim); out.size() >= ids.size().
/// Repeated ids are fine. No allocation.
inline void gather_dot(const real* user, const RowMatrix& items, std::span<const index_t> ids,
                       std::span<real> out) noexcept {
  assert(out.size() >= ids.size());
  const std::size_t n = ids.size();
  const std::size_t nb = detail::batches_for(items.dim());
  switch (nb) {
    case 0: std::fill_n(out.data(), n, real{0}); return;
    case 1: return detail::gather_dot_fixed<1>(user, items, ids.data(), n, out.data());
    case 2: return detail::gather_dot_fixed<2>(user, items, ids.data(), n, out.data());
    case 3: return detail::gather_dot_fixed<3>(user, items, ids.data(), n, out.data());
    case 4: return detail::gather_dot_fixed<4>(user, items, ids.data(), n, out.data());
    case 5: return detail::gather_dot_fixed<5>(user, items, ids.data(), n, out.data());
    case 6: return detail::gather_dot_fixed<6>(user, items, ids.data(), n, out.data());
    case 7: return detail::gather_dot_fixed<7>(user, items, ids.data(), n, out.data());
    case 8: return detail::gather_dot_fixed<8>(user, items, ids.data(), n, out.data());
    default:
      detail::gather_dot_groups(items, ids.data(), n, out.data(), [user, nb](const real* v) {
        return detail::partial_dot(user, v, nb);
      });
  }
}

/// <a, b> over n values; both are readable and zero padded up to the next
/// multiple of the SIMD width (rows of RowMatrix objects with dim n).
/// Pointers need no alignment.
inline real dot(const real* a, const real* b, std::size_t n) noexcept {
  using detail::batch;
  const std::size_t nb = detail::batches_for(n);
  if (nb == 0) return real{0};
  batch acc = batch::load_unaligned(a) * batch::load_unaligned(b);
  for (std::size_t k = 1; k < nb; ++k)
    acc = xsimd::fma(batch::load_unaligned(a + k * detail::width),
                     batch::load_unaligned(b + k * detail::width), acc);
  return xsimd::hadd(acc);
}

/// y[c] += a * x[c] for c < n (the backward of a dot product). Touches only
/// the first n values, so zero padding stays zero. Pointers need no alignment.
inline void axpy(real a, const real* x, real* y, std::size_t n) noexcept {
  using detail::batch;
  const batch av(a);
  std::size_t c = 0;
  for (; c + detail::width <= n; c += detail::width)
    xsimd::fma(av, batch::load_unaligned(x + c), batch::load_unaligned(y + c)).store_unaligned(y + c);
  // std::fma: one rounding, as the batches, whatever the compiler contracts.
  for (; c < n; ++c) y[c] = std::fma(a, x[c], y[c]);
}

/// y[c] += sum_j a[j * a_stride] x_j[c] for c < n, over j < m in order: the
/// sums of m axpy calls, bit for bit, with y's batches kept in registers
/// across the x_j (a tile of 4 batches at a time) instead of stored after
/// each. For products like dW += G^T X over a user's history.
inline void axpy_many(const real* a, std::size_t a_stride, const real* const* x, std::size_t m, real* y,
                      std::size_t n) noexcept {
  using detail::batch;
  constexpr std::size_t w = detail::width;
  constexpr std::size_t tile = 4;
  std::size_t c = 0;
  for (; c + tile * w <= n; c += tile * w) {
    batch acc[tile];
    for (std::size_t t = 0; t < tile; ++t) acc[t] = batch::load_unaligned(y + c + t * w);
    for (std::size_t j = 0; j < m; ++j) {
      const batch aj(a[j * a_stride]);
      for (std::size_t t = 0; t < tile; ++t) acc[t] = xsimd::fma(aj, batch::load_unaligned(x[j] + c + t * w), acc[t]);
    }
    for (std::size_t t = 0; t < tile; ++t) acc[t].store_unaligned(y + c + t * w);
  }
  for (; c + w <= n; c += w) {
    batch acc = batch::load_unaligned(y + c);
    for (std::size_t j = 0; j < m; ++j) acc = xsimd::fma(batch(a[j * a_stride]), batch::load_unaligned(x[j] + c), acc);
    acc.store_unaligned(y + c);
  }
  for (; c < n; ++c)
    for (std::size_t j = 0; j < m; ++j) y[c] = std::fma(a[j * a_stride], x[j][c], y[c]);
}

}  // namespace hardneg::simd

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
