// LossBatch: what a batch loss sees of a mini-batch before any row's loss.
//
// Most losses are per row (core/concepts.hpp, Loss). A few are not: T-CE
// drops the positives with the largest losses of the batch, BSL's same-user
// form averages a user's positives over the batch's rows. Such a loss has
//   void begin_batch(const LossBatch& batch);
//   real evaluate_row(std::size_t row, pos, neg, weights, d_pos, d_neg) const;
// and, when whether it needs the batch is a run-time choice (BSL per row or
// same user, a type-erased AnyLoss),
//   bool uses_batch() const;
// The trainer then scores every positive of the batch first, calls
// begin_batch once (serially), and evaluate_row(row, ...) for each row, from
// several threads at once. Row r is the r-th pair the trainer processes;
// pairs[r] and positive_scores[r] describe it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "hardneg/core/types.hpp"

namespace hardneg {

struct LossBatch {
  std::span<const Pair> pairs;            ///< the batch's (user, positive) pairs, in row order
  std::span<const real> positive_scores;  ///< the score of each row's positive
  std::size_t max_negatives = 0;          ///< the sampler's max_negatives()
  std::uint64_t iteration = 0;            ///< batches since fit() started, 0-based

  std::size_t rows() const noexcept { return pairs.size(); }
};

}  // namespace hardneg
