// Block scoring: the dot products of a block of users with every item.
//
//   out[r * ld + i] = <u_{users[r]}, v_i>      for r < users.size(), i < n_items
//
// This is a small matrix product U_block * V^T and the hot loop of full-ranking
// evaluation. The item table is packed once into ItemPanels: groups ("panels")
// of W = xsimd::batch<float>::size items stored dim-major, panel[k][lane] =
// v_{p*W + lane}[k], zero-padded past the last item. A register-tiled
// micro-kernel then computes R users x C panels at once with R*C accumulator
// registers: for each k it loads C panel vectors, broadcasts R user values and
// issues R*C FMAs, so every load feeds several FMAs. Items are processed in
// tiles of panels small enough to stay in L2 while all users of the block
// stream over them (cache blocking).
//
// Each score is summed per lane in the order k = 0, 1, ..., dim - 1 with FMAs,
// so it does not depend on the block, the tile or the thread that computed it.
//
// score_block_reference is the scalar reference the tests compare against.
#pragma once

#include <algorithm>
#include <cstddef>
#include <span>

#include <xsimd/xsimd.hpp>

#include "hardneg/core/aligned.hpp"
#include "hardneg/core/error.hpp"
#include "hardneg/core/matrix.hpp"
#include "hardneg/core/types.hpp"

namespace hardneg::simd {

/// An item table packed for score_block: panels of `width` items, dim-major.
class ItemPanels {
 public:
  using batch = xsimd::batch<float>;
  static constexpr std::size_t width = batch::size;

  ItemPanels() = default;
  explicit ItemPanels(const RowMatrix& items)
      : n_items_(items.rows()),
        dim_(items.dim()),
        n_panels_((items.rows() + width - 1) / width),
        data_(n_panels_ * items.dim() * width, 0.0f) {
    for (std::size_t i = 0; i < n_items_; ++i) {
      const real* v = items.row_ptr(i);
      real* panel = data_.data() + (i / width) * dim_ * width + i % width;
      for (std::size_t k = 0; k < dim_; ++k) panel[k * width] = v[k];
    }
  }

  std::size_t n_items() const noexcept { return n_items_; }
  std::size_t dim() const noexcept { return dim_; }
  std::size_t n_panels() const noexcept { return n_panels_; }
  /// Start of panel p: dim * width floats, element [k][lane] at k * width + lane.
  const real* panel(std::size_t p) const noexcept { return data_.data() + p * dim_ * width; }

 private:
  std::size_t n_items_ = 0;
  std::size_t dim_ = 0;
  std::size_t n_panels_ = 0;
  aligned_vector<real> data_;
};

namespace detail {

// Micro-kernel shape. With 32 vector registers (AVX-512) an 8 x 2 tile keeps 16
// accumulators, 2 panel vectors and a broadcast in registers; with 16 (SSE,
// AVX2) 4 x 2 leaves room for the loads. Measured on Zen 4 (AVX-512, dim 32,
// operands in cache): 8 x 2 and 6 x 2 reach ~95% of the FMA peak, 4 x 2 ~65%.
inline constexpr std::size_t block_rows = ItemPanels::width >= 16 ? 8 : 4;
inline constexpr std::size_t block_cols = 2;
// Bytes of packed items per cache tile: about a quarter of a 1 MiB L2.
inline constexpr std::size_t tile_bytes = 256 * 1024;

/// R users x C consecutive panels starting at `panel`. out[r] points at the
/// user's output for the first item of the first panel. When Partial, the last
/// panel is the table's end and only its first `valid_last` items are written.
template <std::size_t R, std::size_t C, bool Partial>
inline void block_kernel(const real* const* user, const real* panel, std::size_t dim,
                         real* const* out, std::size_t valid_last) noexcept {
  using batch = ItemPanels::batch;
  constexpr std::size_t W = ItemPanels::width;
  const std::size_t panel_stride = dim * W;
  batch acc[R][C];
  for (std::size_t r = 0; r < R; ++r)
    for (std::size_t c = 0; c < C; ++c) acc[r][c] = batch(0.0f);
  for (std::size_t k = 0; k < dim; ++k) {
    batch v[C];
    for (std::size_t c = 0; c < C; ++c) v[c] = batch::load_aligned(panel + c * panel_stride + k * W);
    for (std::size_t r = 0; r < R; ++r) {
      const batch u(user[r][k]);
      for (std::size_t c = 0; c < C; ++c) acc[r][c] = xsimd::fma(u, v[c], acc[r][c]);
    }
  }
  for (std::size_t r = 0; r < R; ++r) {
    for (std::size_t c = 0; c + 1 < C; ++c) acc[r][c].store_unaligned(out[r] + c * W);
    if constexpr (Partial) {
      alignas(alignment) real tmp[W];
      acc[r][C - 1].store_aligned(tmp);
      std::copy_n(tmp, valid_last, out[r] + (C - 1) * W);
    } else {
      (void)valid_last;
      acc[r][C - 1].store_unaligned(out[r] + (C - 1) * W);
    }
  }
}

/// Runs block_kernel<R, C, Partial> for a runtime number of users r <= R.
template <std::size_t R, std::size_t C, bool Partial>
inline void block_kernel_rows(std::size_t rows, const real* const* user, const real* panel,
                              std::size_t dim, real* const* out, std::size_t valid_last) noexcept {
  if constexpr (R == 0) {
    (void)rows, (void)user, (void)panel, (void)dim, (void)out, (void)valid_last;
  } else if (rows == R) {
    block_kernel<R, C, Partial>(user, panel, dim, out, valid_last);
  } else {
    block_kernel_rows<R - 1, C, Partial>(rows, user, panel, dim, out, valid_last);
  }
}

/// Dispatches on whether the group of panels ends with a partial panel.
template <std::size_t R, std::size_t C>
inline void block_kernel_any(std::size_t rows, const real* const* user, const real* panel,
                             std::size_t dim, real* const* out, std::size_t valid_last) noexcept {
  if (valid_last == ItemPanels::width)
    block_kernel_rows<R, C, false>(rows, user, panel, dim, out, valid_last);
  else
    block_kernel_rows<R, C, true>(rows, user, panel, dim, out, valid_last);
}

}  // namespace detail

/// Scores users[r] (rows of `users_table`) against every packed item:
/// out[r * ld + i] = <users_table.row(users[r]), v_i>, i < panels.n_items().
/// Preconditions: users_table.dim() == panels.dim() (checked), every id in
/// `users` is a row of users_table, ld >= panels.n_items(). Writes nothing at
/// out[r * ld + i] for i >= n_items. No allocation; safe to call concurrently.
inline void score_block(const RowMatrix& users_table, std::span<const index_t> users,
                        const ItemPanels& panels, real* out, std::size_t ld) {
  using hardneg::detail::require;
  require(users_table.dim() == panels.dim(),
          "simd::score_block: user and item embeddings have different dims");
  require(ld >= panels.n_items(), "simd::score_block: ld is smaller than the number of items");
  constexpr std::size_t W = ItemPanels::width;
  constexpr std::size_t R = detail::block_rows;
  constexpr std::size_t C = detail::block_cols;
  const std::size_t dim = panels.dim();
  const std::size_t n_panels = panels.n_panels();
  const std::size_t n_items = panels.n_items();
  if (n_panels == 0 || users.empty()) return;
  // A tile is a multiple of C panels that fits detail::tile_bytes.
  const std::size_t panel_bytes = std::max<std::size_t>(1, dim * W * sizeof(real));
  const std::size_t tile = std::max<std::size_t>(C, detail::tile_bytes / panel_bytes / C * C);

  const real* user[R];
  real* dst[R];
  for (std::size_t p0 = 0; p0 < n_panels; p0 += tile) {
    const std::size_t p_end = std::min(n_panels, p0 + tile);
    for (std::size_t r0 = 0; r0 < users.size(); r0 += R) {
      const std::size_t rows = std::min(R, users.size() - r0);
      for (std::size_t r = 0; r < rows; ++r)
        user[r] = users_table.row_ptr(static_cast<std::size_t>(users[r0 + r]));
      std::size_t p = p0;
      for (; p + C <= p_end; p += C) {
        const std::size_t last_item = (p + C - 1) * W;
        const std::size_t valid = std::min(W, n_items - last_item);
        for (std::size_t r = 0; r < rows; ++r) dst[r] = out + (r0 + r) * ld + p * W;
        detail::block_kernel_any<R, C>(rows, user, panels.panel(p), dim, dst, valid);
      }
      for (; p < p_end; ++p) {  // panels left over at the end of the table
        const std::size_t valid = std::min(W, n_items - p * W);
        for (std::size_t r = 0; r < rows; ++r) dst[r] = out + (r0 + r) * ld + p * W;
        detail::block_kernel_any<R, 1>(rows, user, panels.panel(p), dim, dst, valid);
      }
    }
  }
}

/// Scalar reference of score_block (plain loops, no packing).
inline void score_block_reference(const RowMatrix& users_table, std::span<const index_t> users,
                                  const RowMatrix& items, real* out, std::size_t ld) {
  hardneg::detail::require(users_table.dim() == items.dim(),
                           "simd::score_block_reference: different dims");
  for (std::size_t r = 0; r < users.size(); ++r) {
    const real* u = users_table.row_ptr(static_cast<std::size_t>(users[r]));
    for (std::size_t i = 0; i < items.rows(); ++i) {
      const real* v = items.row_ptr(i);
      real s = 0.0f;
      for (std::size_t k = 0; k < items.dim(); ++k) s += u[k] * v[k];
      out[r * ld + i] = s;
    }
  }
}

}  // namespace hardneg::simd
