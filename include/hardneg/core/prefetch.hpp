// Software prefetch of parameter rows.
//
// Training touches embedding rows in random order, so each pair waits on a
// few cache misses. Asking for the rows of the next pairs early lets those
// misses overlap; the hint is free when the row is already cached.
#pragma once

#include <cstddef>

#include "hardneg/core/types.hpp"

namespace hardneg::detail {

/// Prefetches the cache lines of a row of `n` floats for reading (nullptr:
/// nothing to do).
inline void prefetch_row(const real* row, std::size_t n) noexcept {
#if defined(__GNUC__) || defined(__clang__)
  if (!row) return;
  constexpr std::size_t per_line = 64 / sizeof(real);
  for (std::size_t k = 0; k < n; k += per_line) __builtin_prefetch(row + k, 0, 3);
#else
  (void)row, (void)n;
#endif
}

/// Prefetches the cache lines of a row that will be written.
inline void prefetch_row_for_write(const real* row, std::size_t n) noexcept {
#if defined(__GNUC__) || defined(__clang__)
  constexpr std::size_t per_line = 64 / sizeof(real);
  for (std::size_t k = 0; k < n; k += per_line) __builtin_prefetch(row + k, 1, 3);
#else
  (void)row, (void)n;
#endif
}

}  // namespace hardneg::detail
