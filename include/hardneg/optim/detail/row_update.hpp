// Shared machinery of the optimizers: per-element update rules applied over
// whole parameter rows, with xsimd or with a scalar reference, and the loops
// that hand rows (all of them, or only the touched ones) to a thread pool.
//
// An update rule is a small struct with
//   template <class T> void operator()(T& theta, T&... state, T g) const;
// written once for T = real (the scalar reference) and T = xsimd::batch<real>
// (the SIMD path), so both paths run the same arithmetic in the same order.
// Rows are RowMatrix rows: aligned and zero padded to `stride`. Rules map a
// zero row (theta, state and gradient all 0) to zeros, so updating the
// whole stride keeps the padding zero.
//
// Determinism: every row is updated independently by the same code whichever
// task or thread runs it, so the result does not depend on the thread count.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <xsimd/xsimd.hpp>

#include "hardneg/core/aligned.hpp"
#include "hardneg/core/error.hpp"
#include "hardneg/core/gradient.hpp"
#include "hardneg/core/matrix.hpp"
#include "hardneg/core/prefetch.hpp"
#include "hardneg/core/thread_pool.hpp"
#include "hardneg/core/types.hpp"

namespace hardneg::detail {

using optim_batch = xsimd::batch<real>;

/// Scalar reference: rule(theta[c], state[c]..., g[c]) for c < n; a null g
/// stands for a zero gradient.
template <class Rule, class... Rows>
inline void update_row_reference(const Rule& rule, std::size_t n, const real* g,
                                 Rows*... rows) noexcept {
  for (std::size_t c = 0; c < n; ++c) rule(rows[c]..., g ? g[c] : real(0));
}

// GCC 12 reports a false -Wmaybe-uninitialized inside its own AVX-512 sqrt
// intrinsic (from _mm512_undefined_ps, a known GCC 12 false positive) wherever a rule's sqrt is
// inlined; silence it for the SIMD drivers only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

/// One SIMD batch of lanes starting at c (aligned).
template <class Rule, class... Rows>
inline void update_lanes(const Rule& rule, std::size_t c, optim_batch g, Rows*... rows) noexcept {
  std::array<optim_batch, sizeof...(Rows)> b{optim_batch::load_aligned(rows + c)...};
  [&]<std::size_t... K>(std::index_sequence<K...>) {
    rule(b[K]..., g);
    (b[K].store_aligned(rows + c), ...);
  }
  (std::index_sequence_for<Rows...>{});
}

/// SIMD path of update_row_reference(): the rows must be aligned (RowMatrix
/// rows and SparseGradient rows are); a scalar tail covers n not a multiple
/// of the batch size (never the case for a padded stride).
template <class Rule, class... Rows>
inline void update_row(const Rule& rule, std::size_t n, const real* g, Rows*... rows) noexcept {
  constexpr std::size_t width = optim_batch::size;
  const std::size_t end = n - n % width;
  std::size_t c = 0;
  if (g) {
    for (; c < end; c += width) update_lanes(rule, c, optim_batch::load_aligned(g + c), rows...);
  } else {
    for (; c < end; c += width) update_lanes(rule, c, optim_batch(real(0)), rows...);
  }
  for (; c < n; ++c) rule(rows[c]..., g ? g[c] : real(0));
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

/// Rows per pool task: about 16K floats of each array.
inline std::size_t rows_per_task(std::size_t stride) noexcept {
  return std::max<std::size_t>(1, (std::size_t{1} << 14) / std::max<std::size_t>(1, stride));
}

/// A scratch row for SparseGradient::row_sum / find_sum: one per thread,
/// grown (never shrunk) to `n` floats, so the loops below allocate nothing
/// once it has the size of the widest row.
inline real* scratch_row(std::size_t n) {
  thread_local aligned_vector<real> row;
  if (row.size() < n) row.resize(n);
  return row.data();
}

/// Rows ahead whose gradient for_all_rows() prefetches: the touched rows'
/// gradients sit in first-touch order, so the hardware cannot predict them.
inline constexpr std::size_t prefetch_distance = 8;


/// Calls fn(table, row, g) for every row of every table, g = the row's
/// gradient or nullptr when the batch did not touch it. Rows are spread over
/// the pool in contiguous ranges.
template <class Fn>
void for_all_rows(std::span<RowMatrix> params, const SparseGradient& grad, ThreadPool& pool,
                  Fn&& fn) {
  std::size_t total = 0;
  std::size_t stride = 1;
  for (const auto& p : params) {
    total += p.rows();
    stride = std::max(stride, p.stride());
  }
  const bool has_grad = grad.n_tables() != 0;
  const bool stored = has_grad && !grad.linked();
  const std::size_t chunk = rows_per_task(stride);
  pool.run((total + chunk - 1) / chunk, [&](std::size_t task, std::size_t) {
    real* scratch = scratch_row(stride);
    const std::size_t lo = task * chunk;
    const std::size_t hi = std::min(total, lo + chunk);
    std::size_t offset = 0;  // flattened index of the table's first row
    for (std::size_t t = 0; t < params.size() && offset < hi; ++t) {
      const std::size_t rows = params[t].rows();
      const std::size_t a = std::max(lo, offset);
      const std::size_t b = std::min(hi, offset + rows);
      for (std::size_t r = a; r < b; ++r) {
        const std::size_t row = r - offset;
        if (stored && r + prefetch_distance < b)
          prefetch_row(grad.find(t, static_cast<index_t>(row + prefetch_distance)),
                       params[t].stride());
        fn(t, row, has_grad ? grad.find_sum(t, static_cast<index_t>(row), scratch) : nullptr);
      }
      offset += rows;
    }
  });
}

/// Calls fn(table, row, g) for every row the batch touched (g never null).
template <class Fn, class Ahead>
void for_touched_rows(std::span<RowMatrix> params, const SparseGradient& grad, ThreadPool& pool,
                      Fn&& fn, Ahead&& ahead) {
  if (grad.n_tables() == 0) return;
  std::size_t total = 0;
  std::size_t stride = 1;
  for (std::size_t t = 0; t < params.size(); ++t) {
    total += grad.rows(t).size();
    stride = std::max(stride, params[t].stride());
  }
  const std::size_t chunk = rows_per_task(stride);
  pool.run((total + chunk - 1) / chunk, [&](std::size_t task, std::size_t) {
    real* scratch = scratch_row(stride);
    const std::size_t lo = task * chunk;
    const std::size_t hi = std::min(total, lo + chunk);
    std::size_t offset = 0;
    for (std::size_t t = 0; t < params.size() && offset < hi; ++t) {
      const auto ids = grad.rows(t);
      const std::size_t a = std::max(lo, offset);
      const std::size_t b = std::min(hi, offset + ids.size());
      for (std::size_t k = a; k < b; ++k) {
        // Rows are random: ask for the rows a few iterations ahead early.
        if (k + 4 < b) ahead(t, static_cast<std::size_t>(ids[k + 4 - offset]));
        fn(t, static_cast<std::size_t>(ids[k - offset]), grad.row_sum(t, k - offset, scratch));
      }
      offset += ids.size();
    }
  });
}

/// for_touched_rows that prefetches the parameter rows ahead.
template <class Fn>
void for_touched_rows(std::span<RowMatrix> params, const SparseGradient& grad, ThreadPool& pool,
                      Fn&& fn) {
  for_touched_rows(params, grad, pool, fn, [&](std::size_t t, std::size_t row) {
    prefetch_row_for_write(params[t].row_ptr(row), params[t].dim());
  });
}

// ------------------------------------------------------------ validation ----

/// "<who>: <what> must be <rule>, got <value>" when !ok.
inline void require_param(bool ok, std::string_view who, std::string_view what,
                          std::string_view rule, double value) {
  if (ok) return;
  std::ostringstream s;
  s << who << ": " << what << " must be " << rule << ", got " << value;
  throw InvalidArgument(s.str());
}

/// The gradient must cover the parameter tables (or be empty: no gradient).
inline void check_gradient(std::string_view who, std::span<const RowMatrix> params,
                           const SparseGradient& grad) {
  if (grad.n_tables() == 0 || grad.n_tables() == params.size()) return;
  std::ostringstream s;
  s << who << "::step: the gradient has " << grad.n_tables() << " tables, the parameters "
    << params.size();
  throw InvalidArgument(s.str());
}

/// Optimizer state shaped like the parameter tables: allocated (zero, or
/// `init` in the `dim` columns) on the first call, checked on later calls.
inline void shape_state(std::string_view who, std::span<const RowMatrix> params,
                        std::vector<RowMatrix>& state, real init = 0) {
  if (state.empty() && !params.empty()) {
    state.reserve(params.size());
    for (const auto& p : params) {
      state.emplace_back(p.rows(), p.dim());
      if (init != real(0)) state.back().fill(init);
    }
    return;
  }
  bool same = state.size() == params.size();
  for (std::size_t t = 0; same && t < params.size(); ++t)
    same = state[t].rows() == params[t].rows() && state[t].dim() == params[t].dim();
  if (same) return;
  std::ostringstream s;
  s << who << "::step: the parameter tables changed shape since the first step (";
  for (std::size_t t = 0; t < params.size(); ++t)
    s << (t ? ", " : "") << params[t].rows() << " x " << params[t].dim();
  s << " now, ";
  for (std::size_t t = 0; t < state.size(); ++t)
    s << (t ? ", " : "") << state[t].rows() << " x " << state[t].dim();
  s << " before); call reset() to start over";
  throw InvalidArgument(s.str());
}

}  // namespace hardneg::detail
