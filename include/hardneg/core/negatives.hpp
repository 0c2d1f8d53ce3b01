// What a sampler hands to the loss: weighted negatives for one (user, positive)
// pair, plus the per-thread context a sampler draws them in.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "hardneg/core/aligned.hpp"
#include "hardneg/core/random.hpp"
#include "hardneg/core/seen_filter.hpp"
#include "hardneg/core/types.hpp"

namespace hardneg {

/// A fixed-capacity buffer of negatives: ids, weights and (optionally) the
/// model's scores of those ids. Weights sum to 1 for an expectation over the
/// sampling distribution (DNS(M,N): 1/M each; uniform k: 1/k each) unless the
/// sampler was told to scale them. A sampler that scored its picks (a hard
/// sampler must) sets `scored` so the trainer does not score them again.
class Negatives {
 public:
  Negatives() = default;
  explicit Negatives(std::size_t capacity) { reserve(capacity); }

  /// Grows the capacity (never shrinks). Call outside the hot loop.
  void reserve(std::size_t capacity) {
    if (capacity <= items_.size()) return;
    items_.resize(capacity);
    weights_.resize(capacity);
    scores_.resize(capacity);
  }
  std::size_t capacity() const noexcept { return items_.size(); }
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }

  /// Sets the number of negatives; n <= capacity().
  void resize(std::size_t n) noexcept {
    assert(n <= capacity());
    size_ = n;
  }
  void clear() noexcept {
    size_ = 0;
    scored = false;
  }

  std::span<index_t> items() noexcept { return {items_.data(), size_}; }
  std::span<const index_t> items() const noexcept { return {items_.data(), size_}; }
  std::span<real> weights() noexcept { return {weights_.data(), size_}; }
  std::span<const real> weights() const noexcept { return {weights_.data(), size_}; }
  std::span<real> scores() noexcept { return {scores_.data(), size_}; }
  std::span<const real> scores() const noexcept { return {scores_.data(), size_}; }

  /// Whether scores() holds the current model's scores of items().
  bool scored = false;

 private:
  aligned_vector<index_t> items_;
  aligned_vector<real> weights_;
  aligned_vector<real> scores_;
  std::size_t size_ = 0;
};

/// Per-thread scratch a sampler may use for its candidates (grown once, then
/// reused: no allocation per pair in the steady state).
struct SamplerWorkspace {
  aligned_vector<index_t> ids;
  aligned_vector<real> scores;
  aligned_vector<real> values;
  /// One bit per item, all zero between sample() calls: a sampler may mark
  /// the pair's excluded items for O(1) tests and must clear them before it
  /// returns (samplers/detail/candidates.hpp's SeenMarks does both).
  std::vector<std::uint64_t> item_marks;

  void reserve(std::size_t n) {
    if (ids.size() < n) ids.resize(n);
    if (scores.size() < n) scores.resize(n);
    if (values.size() < n) values.resize(n);
  }
};

/// Everything a sampler needs to know about the pair it samples for.
struct SampleContext {
  index_t user;
  index_t positive;
  /// The model's score of (user, positive), computed once by the trainer.
  real positive_score;
  /// The user's train items, sorted ascending.
  std::span<const index_t> seen;
  /// When true, negatives may be items of `seen` (as the papers' reference
  /// code samples); when false (the default) they never are.
  bool allow_seen;
  Rng& rng;
  SamplerWorkspace& workspace;
  /// Optional: a filter of the train pairs that rules most unseen items out
  /// without searching `seen` (the trainer sets it; samplers/detail/
  /// exclusion.hpp uses it). It never changes which items are admissible.
  const SeenFilter* seen_filter = nullptr;
};

}  // namespace hardneg
