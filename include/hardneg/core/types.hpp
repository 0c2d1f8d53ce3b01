// Vocabulary types shared by every part of hardneg.
#pragma once

#include <cstdint>
#include <limits>

namespace hardneg {

/// Dense, 0-based user or item id. 32 bits: ids above 2^31 - 1 are rejected
/// at the loading boundary.
using index_t = std::int32_t;
/// Offsets into per-interaction arrays (may exceed 2^31 on large data).
using offset_t = std::int64_t;
/// Scores, embeddings and gradients.
using real = float;

inline constexpr index_t max_id = std::numeric_limits<index_t>::max();

/// One (user, item) interaction.
struct Pair {
  index_t user;
  index_t item;
  friend bool operator==(const Pair&, const Pair&) = default;
};

}  // namespace hardneg
