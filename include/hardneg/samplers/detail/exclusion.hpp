// The exclusion rule every sampler shares: unless SampleContext::allow_seen
// is set, a negative is never one of the user's train items (ctx.seen,
// sorted) nor the pair's positive. Drawing is by rejection: draw from the
// sampler's proposal, reject an excluded item, draw again. For a user whose
// seen items carry a fraction f of the proposal's mass that costs 1/(1 - f)
// draws per negative, each with one binary search over ctx.seen.
//
// Uniform draws (draw_uniform) never loop long: after uniform_rejections
// rejections in a row (a user who has seen most items) they draw the r-th
// admissible item directly, r uniform, which costs O(|seen|) and is uniform
// over the admissible items like an accepted draw, so the mixture is too;
// no admissible item at all is an immediate error.
//
// Other proposals (draw_admissible) keep rejecting; samplers check in
// prepare() (check_sampleable) that every user keeps an item the proposal
// can draw, and draw_admissible gives up with an error after max_draws
// rejections, so a case prepare() could not see (a positive outside `seen`
// being the only drawable item, a model with more items than the train data)
// fails instead of hanging.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "hardneg/core/error.hpp"
#include "hardneg/core/negatives.hpp"
#include "hardneg/core/types.hpp"
#include "hardneg/data/interactions.hpp"

namespace hardneg::detail {

/// Rejections allowed for one negative before draw_admissible gives up.
inline constexpr std::uint64_t max_draws = std::uint64_t{1} << 20;
/// Rejections in a row after which draw_uniform draws directly.
inline constexpr int uniform_rejections = 32;

/// Whether `item` is in the sorted list `seen`. A branch-free binary search:
/// the draws are random, so a branching search mispredicts at every step.
inline bool is_seen(std::span<const index_t> seen, index_t item) noexcept {
  std::size_t n = seen.size();
  if (n == 0) return false;
  const index_t* base = seen.data();
  while (n > 1) {
    const std::size_t half = n / 2;
    // Multiply, not ?: -- g++ turns the conditional into a branch.
    base += static_cast<std::size_t>(base[half - 1] < item) * half;
    n -= half;
  }
  return *base == item;
}

/// Whether `item` is the pair's positive or one of the user's train items:
/// the context's SeenFilter (when set) answers most of these with one probe,
/// the binary search of `seen` the rest.
inline bool is_excluded(const SampleContext& ctx, index_t item) noexcept {
  if (item == ctx.positive) return true;
  if (ctx.seen_filter && !ctx.seen_filter->may_contain(ctx.user, item)) return false;
  return is_seen(ctx.seen, item);
}

/// Whether a sampler may return `item` for the pair of `ctx`.
inline bool is_admissible(const SampleContext& ctx, index_t item) noexcept {
  return ctx.allow_seen || !is_excluded(ctx, item);
}

[[noreturn]] inline void throw_no_admissible(std::string_view sampler, const SampleContext& ctx) {
  throw Error(std::string(sampler) + " sampler: no admissible negative for user " +
              std::to_string(ctx.user) + " (positive " + std::to_string(ctx.positive) + ", " +
              std::to_string(ctx.seen.size()) + " seen items) after " + std::to_string(max_draws) +
              " draws; has the user seen every item the sampler can propose?");
}

/// One item from `draw()` (a callable returning an index_t from the
/// proposal) that the exclusion rule admits.
template <class Draw>
index_t draw_admissible(std::string_view sampler, const SampleContext& ctx, Draw&& draw) {
  if (ctx.allow_seen) return draw();
  for (std::uint64_t attempt = 0; attempt < max_draws; ++attempt) {
    const index_t item = draw();
    if (!is_excluded(ctx, item)) return item;
  }
  throw_no_admissible(sampler, ctx);
}

/// The number of items of [0, n_items) that are neither in `seen` (sorted,
/// unique) nor `positive`.
inline std::uint64_t count_admissible(std::span<const index_t> seen, index_t positive,
                                      index_t n_items) noexcept {
  const auto in_range = std::lower_bound(seen.begin(), seen.end(), n_items) - seen.begin();
  const bool extra = positive >= 0 && positive < n_items && !is_seen(seen, positive);
  return static_cast<std::uint64_t>(n_items) - static_cast<std::uint64_t>(in_range) - (extra ? 1 : 0);
}

/// The r-th (0-based, ascending) item of [0, n_items) that is neither in
/// `seen` (sorted, unique) nor `positive`; r < count_admissible(...).
/// Walks the excluded ids in ascending order, stepping over each one at or
/// below the candidate: O(|seen|).
inline index_t nth_admissible(std::span<const index_t> seen, index_t positive, index_t n_items,
                              std::uint64_t r) noexcept {
  auto candidate = static_cast<std::int64_t>(r);
  bool positive_pending = positive >= 0 && positive < n_items && !is_seen(seen, positive);
  std::size_t k = 0;
  for (;;) {
    std::int64_t next;
    if (positive_pending && (k == seen.size() || positive < seen[k])) {
      next = positive;
      positive_pending = false;
    } else if (k < seen.size()) {
      next = seen[k++];
    } else {
      break;
    }
    if (next > candidate) break;
    ++candidate;
  }
  return static_cast<index_t>(candidate);
}

/// One item uniform over the admissible items of [0, n_items).
inline index_t draw_uniform(std::string_view sampler, SampleContext& ctx, index_t n_items) {
  const auto n = static_cast<std::uint64_t>(n_items);
  if (ctx.allow_seen) return static_cast<index_t>(ctx.rng.below(n));
  for (int attempt = 0; attempt < uniform_rejections; ++attempt) {
    const auto item = static_cast<index_t>(ctx.rng.below(n));
    if (!is_excluded(ctx, item)) return item;
  }
  const std::uint64_t admissible = count_admissible(ctx.seen, ctx.positive, n_items);
  if (admissible == 0)
    throw Error(std::string(sampler) + " sampler: user " + std::to_string(ctx.user) +
                " has no admissible negative: with its positive it has seen all " +
                std::to_string(n_items) + " items");
  return nth_admissible(ctx.seen, ctx.positive, n_items, ctx.rng.below(admissible));
}

/// Throws InvalidArgument naming the first user of `train` none of whose
/// unseen items the proposal can draw. `can_draw(i)` tells whether item i
/// has positive proposal mass; `n_drawable` is the number of such items.
template <class CanDraw>
void check_sampleable(std::string_view sampler, const Interactions& train, std::size_t n_drawable,
                      CanDraw&& can_draw) {
  if (n_drawable == 0)
    throw InvalidArgument(std::string(sampler) + " sampler: no item can be drawn (" +
                          std::to_string(train.n_items()) + " items)");
  for (index_t u = 0; u < train.n_users(); ++u) {
    const auto seen = train.items_of(u);
    if (seen.size() < n_drawable) continue;  // some drawable item is unseen
    std::size_t drawable_seen = 0;
    for (index_t i : seen) drawable_seen += can_draw(i) ? 1 : 0;
    if (drawable_seen == n_drawable)
      throw InvalidArgument(std::string(sampler) + " sampler: user " + std::to_string(u) +
                            " has seen all " + std::to_string(n_drawable) +
                            " items the sampler can draw, so no negative exists for it; "
                            "remove the user or allow seen items");
  }
}

/// check_sampleable for a proposal over all n items of `train`.
inline void check_sampleable(std::string_view sampler, const Interactions& train) {
  check_sampleable(sampler, train, static_cast<std::size_t>(train.n_items()), [](index_t) { return true; });
}

}  // namespace hardneg::detail
