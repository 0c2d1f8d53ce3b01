// Recommendation: one recommended item and its score, and the helper every
// model's recommend() uses to turn eval's recommend_top_k into a list.
//
// A model's recommend(user, k, seen) returns the user's k best items it has
// not seen (its row of `seen`), best first, ties by smaller item id; a user
// with fewer than k unseen items gets all of them.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

#include "hardneg/core/types.hpp"
#include "hardneg/data/interactions.hpp"
#include "hardneg/eval/block_scorer.hpp"
#include "hardneg/eval/recommend.hpp"

namespace hardneg {

struct Recommendation {
  index_t item;
  real score;
  friend bool operator==(const Recommendation&, const Recommendation&) = default;
};

namespace detail {
/// The top-k unseen items of `user` under `scorer`, as a list.
template <BlockScorer S>
std::vector<Recommendation> recommend_list(const S& scorer, index_t user, std::size_t k,
                                           const Interactions& seen) {
  const std::size_t cap = std::min(k, static_cast<std::size_t>(scorer.n_items()));
  std::vector<index_t> ids(cap);
  std::vector<real> scores(cap);
  const std::size_t n = recommend_top_k(scorer, user, k, seen, ids, scores);
  std::vector<Recommendation> out(n);
  for (std::size_t r = 0; r < n; ++r) out[r] = {ids[r], scores[r]};
  return out;
}
}  // namespace detail

}  // namespace hardneg
