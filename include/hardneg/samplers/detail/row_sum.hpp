// Weighted sums of embedding rows, the kernel of IRGAN's generator gradients:
//
//   out[c] = sum_t w[t] * m(ids[t], c)        c < m.dim()
//
// (the expectation sum_k p_k b_k of the item vectors under the generator's
// softmax; the gradient of an item from a step's users). The accumulators are
// SIMD batches held in registers for dims up to 8 batches (128 floats with
// AVX-512), so the loop over the rows has no store-to-load chain through
// `out`; wider rows use a run-time loop. weighted_row_sum_reference is the
// scalar reference (double accumulation) the tests compare with.
#pragma once

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <span>

#include <xsimd/xsimd.hpp>

#include "hardneg/core/config.hpp"
#include "hardneg/core/matrix.hpp"
#include "hardneg/core/types.hpp"

namespace hardneg::detail {

/// Scalar reference of weighted_row_sum.
inline void weighted_row_sum_reference(const RowMatrix& m, std::span<const index_t> ids,
                                       std::span<const real> w, real* out) noexcept {
  for (std::size_t c = 0; c < m.dim(); ++c) {
    double s = 0;
    for (std::size_t t = 0; t < ids.size(); ++t)
      s += static_cast<double>(w[t]) * static_cast<double>(m(static_cast<std::size_t>(ids[t]), c));
    out[c] = static_cast<real>(s);
  }
}

namespace row_sum_simd {
using batch = xsimd::batch<real>;
inline constexpr std::size_t width = batch::size;

template <std::size_t NB>
inline void fixed(const RowMatrix& m, std::span<const index_t> ids, std::span<const real> w, real* out) noexcept {
  batch acc[NB];
  for (std::size_t b = 0; b < NB; ++b) acc[b] = batch(real(0));
  for (std::size_t t = 0; t < ids.size(); ++t) {
    const real* row = m.row_ptr(static_cast<std::size_t>(ids[t]));
    const batch wt(w[t]);
    for (std::size_t b = 0; b < NB; ++b) acc[b] = xsimd::fma(wt, batch::load_aligned(row + b * width), acc[b]);
  }
  alignas(alignment) real tmp[NB * width];
  for (std::size_t b = 0; b < NB; ++b) acc[b].store_aligned(tmp + b * width);
  std::copy_n(tmp, m.dim(), out);
}
}  // namespace row_sum_simd

/// out[c] = sum_t w[t] * m.row(ids[t])[c] for c < m.dim(); w.size() >= ids.size().
inline void weighted_row_sum(const RowMatrix& m, std::span<const index_t> ids, std::span<const real> w,
                             real* out) noexcept {
  assert(w.size() >= ids.size());
  using row_sum_simd::width;
  const std::size_t nb = (m.dim() + width - 1) / width;
  switch (nb) {
    case 0: return;
    case 1: return row_sum_simd::fixed<1>(m, ids, w, out);
    case 2: return row_sum_simd::fixed<2>(m, ids, w, out);
    case 3: return row_sum_simd::fixed<3>(m, ids, w, out);
    case 4: return row_sum_simd::fixed<4>(m, ids, w, out);
    case 5: return row_sum_simd::fixed<5>(m, ids, w, out);
    case 6: return row_sum_simd::fixed<6>(m, ids, w, out);
    case 7: return row_sum_simd::fixed<7>(m, ids, w, out);
    case 8: return row_sum_simd::fixed<8>(m, ids, w, out);
    default:
      std::fill_n(out, m.dim(), real(0));
      for (std::size_t t = 0; t < ids.size(); ++t) {
        const real* row = m.row_ptr(static_cast<std::size_t>(ids[t]));
        for (std::size_t c = 0; c < m.dim(); ++c) out[c] += w[t] * row[c];
      }
  }
}

}  // namespace hardneg::detail
