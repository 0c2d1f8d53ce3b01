// Candidates of the hard samplers (DNS, Softmax, Softmax-v): draw n items
// uniformly with replacement, admissible unless SampleContext::allow_seen
// (samplers/detail/exclusion.hpp), and score them with one model.score_items
// call (a SIMD gather-dot for embedding models).
//
// Drawing. draw_uniform_candidates(sampler, ctx, n_items, ids) gives exactly
// what ids.size() calls of detail::draw_uniform give, consuming ctx.rng the
// same way (the tests compare them), only faster: instead of a binary search
// of the user's seen items per draw (DNS(5, 200) makes 200 draws per pair,
// and the pairs of heavy users dominate an epoch), the seen items and the
// positive are marked in a bitset of the thread's workspace for the length
// of the call (SeenMarks: |seen| + 1 stores to mark, as many to clear, then
// one load per test; a rejected draw continues in an out-of-line cold path).
//
// Storage. with_candidate_buffers<N>(ctx, n, fn) gives fn the
// storage of n candidates: stack arrays when n equals the compile-time
// default N (and N is small), the thread's SamplerWorkspace otherwise
// (grown once, reused for every pair: no allocation per pair).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "hardneg/core/config.hpp"
#include "hardneg/core/negatives.hpp"
#include "hardneg/core/types.hpp"
#include "hardneg/samplers/detail/exclusion.hpp"

namespace hardneg::detail {

// ------------------------------------------------------------- drawing ----

/// Marks the excluded items of one pair (its seen items and its positive)
/// in workspace bits for O(1) tests; clears them when it goes out of scope,
/// also when an exception leaves the scope, so the bits are zero again for
/// the next pair. One SeenMarks per workspace at a time: a nested one would
/// clear the outer one's marks when it ends.
class SeenMarks {
 public:
  SeenMarks(std::vector<std::uint64_t>& bits, std::span<const index_t> seen, index_t positive,
            index_t n_items)
      : bits_(bits), seen_(seen), positive_(positive), n_items_(n_items) {
    const std::size_t words = (static_cast<std::size_t>(n_items) + 63) / 64;
    if (bits_.size() < words) bits_.resize(words, 0);  // grown once per thread
    words_ = bits_.data();
    for (index_t i : seen_)
      if (i < n_items_) set(i);
    if (positive_ >= 0 && positive_ < n_items_) set(positive_);
  }
  ~SeenMarks() {
    // Zero whole words: every bit set in them is one of ours.
    for (index_t i : seen_)
      if (i < n_items_) words_[static_cast<std::size_t>(i) >> 6] = 0;
    if (positive_ >= 0 && positive_ < n_items_) words_[static_cast<std::size_t>(positive_) >> 6] = 0;
  }
  SeenMarks(const SeenMarks&) = delete;
  SeenMarks& operator=(const SeenMarks&) = delete;

  /// Whether item i (0 <= i < n_items) is excluded.
  bool excluded(index_t i) const noexcept {
    const auto u = static_cast<std::size_t>(i);
    return (words_[u >> 6] >> (u & 63)) & 1;
  }

 private:
  void set(index_t i) noexcept {
    const auto u = static_cast<std::size_t>(i);
    words_[u >> 6] |= std::uint64_t{1} << (u & 63);
  }

  std::vector<std::uint64_t>& bits_;
  std::uint64_t* words_ = nullptr;  // bits_.data(), held so the hot loop need not reload it
  std::span<const index_t> seen_;
  index_t positive_;
  index_t n_items_;
};

/// The rest of draw_uniform after a first draw was rejected: up to
/// uniform_rejections - 1 more draws, then the exact direct draw. Takes and
/// returns the generator by value so that the caller's copy never has its
/// address taken (see draw_uniform_candidates); cold, so not inlined.
struct Redraw {
  index_t id;
  Rng rng;
};
[[gnu::noinline, gnu::cold]] inline Redraw redraw_uniform(std::string_view sampler, SampleContext& ctx,
                                                         const SeenMarks& marks, index_t n_items, Rng rng) {
  const auto n = static_cast<std::uint64_t>(n_items);
  for (int attempt = 1; attempt < uniform_rejections; ++attempt) {
    const auto id = static_cast<index_t>(rng.below(n));
    if (!marks.excluded(id)) return {id, rng};
  }
  // A user who has seen most items: draw_uniform's exact direct draw.
  const std::uint64_t admissible = count_admissible(ctx.seen, ctx.positive, n_items);
  if (admissible == 0) {
    ctx.rng = rng;
    draw_uniform(sampler, ctx, n_items);  // throws its error
  }
  const index_t id = nth_admissible(ctx.seen, ctx.positive, n_items, rng.below(admissible));
  return {id, rng};
}

/// Does nothing with a drawn id (draw_uniform_candidates' default).
struct IgnoreDraw {
  void operator()(index_t) const noexcept {}
};

/// ids[k] for every k: one item uniform over the admissible items of
/// [0, n_items), drawn as detail::draw_uniform draws it (same rng stream,
/// same result). on_draw(id) is called with each id as soon as it is drawn
/// (draw_scored_candidates prefetches the row there).
template <class OnDraw = IgnoreDraw>
void draw_uniform_candidates(std::string_view sampler, SampleContext& ctx, index_t n_items,
                             std::span<index_t> ids, OnDraw on_draw = {}) {
  const auto n = static_cast<std::uint64_t>(n_items);
  // A local copy of the generator whose address is never taken, so its
  // state stays in registers; through ctx.rng it would be stored and
  // reloaded around every test of the marks (uint64 words too, so they
  // might alias it).
  Rng rng = ctx.rng;
  if (ctx.allow_seen) {
    for (index_t& id : ids) {
      id = static_cast<index_t>(rng.below(n));
      on_draw(id);
    }
  } else {
    const SeenMarks marks(ctx.workspace.item_marks, ctx.seen, ctx.positive, n_items);
    for (index_t& id : ids) {
      id = static_cast<index_t>(rng.below(n));
      if (marks.excluded(id)) [[unlikely]] {
        const Redraw r = redraw_uniform(sampler, ctx, marks, n_items, rng);
        id = r.id;
        rng = r.rng;
      }
      on_draw(id);
    }
  }
  ctx.rng = rng;
}

/// Draws ids.size() candidates (draw_uniform_candidates) and writes the
/// model's scores of them into scores (scores.size() >= ids.size()).
/// A model with prefetch_item(i) has each candidate's row requested while
/// the next ids are drawn: the draws wait on the generator's dependency
/// chain, the scoring on memory, and this way the two overlap instead of
/// following each other.
template <class M>
void draw_scored_candidates(std::string_view sampler, const M& model, SampleContext& ctx,
                            std::span<index_t> ids, std::span<real> scores) {
  if constexpr (requires(index_t i) { model.prefetch_item(i); })
    draw_uniform_candidates(sampler, ctx, model.n_items(), ids,
                            [&model](index_t i) { model.prefetch_item(i); });
  else
    draw_uniform_candidates(sampler, ctx, model.n_items(), ids);
  model.score_items(ctx.user, ids, scores);
}

// ------------------------------------------------------------- storage ----

/// Largest compile-time candidate count kept on the stack (ids and scores:
/// 8 bytes per candidate); larger ones use the workspace.
inline constexpr std::size_t max_stack_candidates = 1024;

/// Calls fn(ids, scores) with two spans of n candidates' storage: stack
/// arrays when n == N <= max_stack_candidates, else ctx.workspace (grown
/// once to n, then reused: no allocation per pair).
template <std::size_t N, class Fn>
void with_candidate_buffers(SampleContext& ctx, std::size_t n, Fn&& fn) {
  if constexpr (N <= max_stack_candidates) {
    if (n == N) {
      alignas(alignment) std::array<index_t, N> ids;
      alignas(alignment) std::array<real, N> scores;
      fn(std::span<index_t>(ids.data(), n), std::span<real>(scores.data(), n));
      return;
    }
  }
  ctx.workspace.reserve(n);
  fn(std::span<index_t>(ctx.workspace.ids.data(), n), std::span<real>(ctx.workspace.scores.data(), n));
}

}  // namespace hardneg::detail
