// SeenFilter: a one-hash Bloom filter of the train (user, item) pairs, which
// answers "is this item one of the user's train items?" with a definite no
// for almost every uniform draw after a single probe of a few megabytes of
// bits, where the exact test (a binary search of the user's sorted items)
// takes a chain of cache misses: the pairs of an epoch are spread over the
// users, so a user's item list is rarely in cache, and the users with the
// longest lists are the ones drawn most often.
//
// may_contain(u, i) is false only for pairs never inserted; true means
// "maybe", and the caller then runs the exact test. With `bits_per_pair`
// bits per inserted pair (rounded up to a power of two), about 1/bits_per_pair
// of the pairs not inserted answer "maybe". Answers depend only on the
// inserted pairs, so a sampler that consults it draws exactly what it draws
// without it.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "hardneg/core/types.hpp"

namespace hardneg {

class SeenFilter {
 public:
  SeenFilter() = default;

  /// Empties the filter and sizes it for `pairs` insertions.
  void reset(std::size_t pairs, std::size_t bits_per_pair = 8) {
    const std::size_t bits = std::bit_ceil(std::max<std::size_t>(64, pairs * bits_per_pair));
    shift_ = 64 - std::countr_zero(bits);
    words_.assign(bits / 64, 0);
  }

  void insert(index_t user, index_t item) noexcept {
    const std::uint64_t b = bit(user, item);
    words_[b >> 6] |= std::uint64_t{1} << (b & 63);
  }

  /// False: (user, item) was never inserted. True: maybe.
  bool may_contain(index_t user, index_t item) const noexcept {
    const std::uint64_t b = bit(user, item);
    return (words_[b >> 6] >> (b & 63)) & 1u;
  }

  bool empty() const noexcept { return words_.empty(); }

 private:
  /// Multiply-shift hash of the pair onto the bit array (the top bits of the
  /// product are the well-mixed ones).
  std::uint64_t bit(index_t user, index_t item) const noexcept {
    const std::uint64_t key = static_cast<std::uint64_t>(static_cast<std::uint32_t>(user)) << 32 |
                              static_cast<std::uint32_t>(item);
    std::uint64_t h = key * 0x9E3779B97F4A7C15ull;
    h ^= h >> 29;
    h *= 0xBF58476D1CE4E5B9ull;
    return h >> shift_;
  }

  std::vector<std::uint64_t> words_;
  int shift_ = 64;
};

}  // namespace hardneg
