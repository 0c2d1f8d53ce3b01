// Aligned storage for SIMD rows and scratch buffers.
#pragma once

#include <cstddef>
#include <vector>

#include <xsimd/xsimd.hpp>

#include "hardneg/core/config.hpp"

namespace hardneg {

/// A std::vector whose data is aligned to hardneg::alignment bytes.
template <class T>
using aligned_vector = std::vector<T, xsimd::aligned_allocator<T, alignment>>;

/// The number of floats one row is padded to: a multiple of the alignment, so
/// that every row starts aligned and SIMD loops need no scalar tail.
constexpr std::size_t padded_size(std::size_t n, std::size_t elem_size = sizeof(float)) noexcept {
  const std::size_t per_line = alignment / elem_size;
  return (n + per_line - 1) / per_line * per_line;
}

}  // namespace hardneg
