// PopularityScorer: the popularity ranking baseline as a BlockScorer.
//
// Every user gets the same scores: the item's number of train interactions.
// A learned model must beat this ranking by a clear margin to have learned
// anything personal (the quickstart and the learning tests compare with it).
#pragma once

#include <algorithm>
#include <cstddef>
#include <span>
#include <vector>

#include "hardneg/core/types.hpp"
#include "hardneg/data/interactions.hpp"
#include "hardneg/eval/block_scorer.hpp"

namespace hardneg {

class PopularityScorer {
 public:
  explicit PopularityScorer(const Interactions& train) {
    const auto counts = train.item_counts();
    scores_.assign(counts.begin(), counts.end());
  }

  index_t n_items() const noexcept { return static_cast<index_t>(scores_.size()); }

  void score_block(std::span<const index_t> users, real* out, std::size_t ld) const {
    for (std::size_t r = 0; r < users.size(); ++r) std::copy(scores_.begin(), scores_.end(), out + r * ld);
  }

 private:
  std::vector<real> scores_;
};

static_assert(BlockScorer<PopularityScorer>);

}  // namespace hardneg
