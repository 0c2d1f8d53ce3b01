// Helpers shared by the optimizer tests: random tables, sparse gradients
// built the way the trainer builds them, and byte comparisons.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstring>
#include <span>
#include <utility>
#include <vector>

#include "hardneg/core/gradient.hpp"
#include "hardneg/core/matrix.hpp"
#include "hardneg/core/random.hpp"
#include "hardneg/core/thread_pool.hpp"

namespace hardneg::test {

/// Tables of the given (rows, dim) shapes, filled with N(0, scale^2).
inline std::vector<RowMatrix> random_tables(
    std::span<const std::pair<std::size_t, std::size_t>> shapes, Rng& rng, double scale = 0.5) {
  std::vector<RowMatrix> tables;
  for (auto [rows, dim] : shapes) {
    tables.emplace_back(rows, dim);
    for (std::size_t r = 0; r < rows; ++r)
      for (real& x : tables.back().row(r)) x = static_cast<real>(scale * rng.normal());
  }
  return tables;
}

/// A sparse gradient touching about `fraction` of each table's rows (random
/// values; rows below `skip` never), assembled from two accumulators as the
/// trainer's threads would.
inline SparseGradient random_gradient(std::span<const RowMatrix> tables, Rng& rng, double fraction,
                                      ThreadPool& pool, std::size_t skip = 0) {
  std::vector<GradientAccumulator> parts(2);
  for (auto& p : parts) p.shape(tables);
  for (std::size_t t = 0; t < tables.size(); ++t)
    for (std::size_t r = skip; r < tables[t].rows(); ++r) {
      if (rng.uniform() >= fraction) continue;
      real* g = parts[rng.below(2)].row(t, static_cast<index_t>(r));
      for (std::size_t c = 0; c < tables[t].dim(); ++c) g[c] += static_cast<real>(rng.normal());
    }
  SparseGradient grad;
  grad.merge(parts, pool);
  return grad;
}

/// Whole storage, padding included, byte for byte.
inline bool same_bytes(const RowMatrix& a, const RowMatrix& b) {
  return a.rows() == b.rows() && a.stride() == b.stride() &&
         std::memcmp(a.data(), b.data(), a.storage_size() * sizeof(real)) == 0;
}

/// True when every padding value (columns dim .. stride-1) is +0.
inline bool padding_is_zero(const RowMatrix& m) {
  for (std::size_t r = 0; r < m.rows(); ++r)
    for (std::size_t c = m.dim(); c < m.stride(); ++c) {
      const real x = m.row_ptr(r)[c];
      if (x != 0.0f || std::signbit(x)) return false;
    }
  return true;
}

/// The gradient row of (t, r) as doubles (zeros when untouched).
inline std::vector<double> gradient_row(const SparseGradient& g, std::size_t t, std::size_t r,
                                        std::size_t dim) {
  std::vector<double> out(dim, 0.0);
  if (const real* p = g.find(t, static_cast<index_t>(r)))
    for (std::size_t c = 0; c < dim; ++c) out[c] = p[c];
  return out;
}

}  // namespace hardneg::test
