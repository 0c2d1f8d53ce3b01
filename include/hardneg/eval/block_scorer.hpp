// BlockScorer: what evaluation and recommendation need from a model.
//
// A block scorer scores a block of users against every item at once:
//
//   s.n_items()                         -> index_t: the number of items
//   s.score_block(users, out, ld)       out[r * ld + i] = score(users[r], i)
//                                       for r < users.size(), i < n_items()
//
// with users a std::span<const index_t>, out a real* and ld >= n_items() the
// row stride. score_block must be const and safe to call from several threads
// at once (each with its own `out`); it must not allocate per item. Optionally
// s.n_users() lets the evaluator check user ids at its boundary.
//
// DotScorer (eval/dot_scorer.hpp) is the block scorer of every embedding-dot
// model; other models write their own.
#pragma once

#include <concepts>
#include <cstddef>
#include <span>

#include "hardneg/core/types.hpp"

namespace hardneg {

template <class S>
concept BlockScorer = requires(const S& s, std::span<const index_t> users, real* out, std::size_t ld) {
  { s.n_items() } -> std::convertible_to<index_t>;
  s.score_block(users, out, ld);
};

namespace detail {
/// Number of users of a scorer that reports it, else -1 (unknown).
template <BlockScorer S>
index_t scorer_users(const S& s) {
  if constexpr (requires { { s.n_users() } -> std::convertible_to<index_t>; })
    return static_cast<index_t>(s.n_users());
  else
    return -1;
}
}  // namespace detail

}  // namespace hardneg
