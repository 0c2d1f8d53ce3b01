// Library-wide configuration: the only place (with version.hpp) that defines macros.
#pragma once

#include <cstddef>

// Alignment of every embedding row and scratch buffer, in bytes. 64 covers one
// AVX-512 register and one cache line; narrower SIMD simply uses part of it.
#ifndef HARDNEG_ALIGNMENT
#define HARDNEG_ALIGNMENT 64
#endif

namespace hardneg {
inline constexpr std::size_t alignment = HARDNEG_ALIGNMENT;
}  // namespace hardneg
