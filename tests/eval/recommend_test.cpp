#include "hardneg/eval/recommend.hpp"

#include <catch2/catch.hpp>

#include <vector>

#include "hardneg/core/random.hpp"
#include "hardneg/eval/dot_scorer.hpp"
#include "hardneg/simd/block_dot.hpp"

using hardneg::index_t;
using hardneg::Interactions;
using hardneg::Pair;
using hardneg::real;
using hardneg::RowMatrix;

TEST_CASE("recommend_top_k: best unseen items, single and batch", "[eval][recommend]") {
  hardneg::Rng rng(4, 4);
  const std::size_t n_users = 20, n_items = 333, dim = 8;
  RowMatrix users(n_users, dim), items(n_items, dim);
  // Coarse values so that some scores tie.
  for (std::size_t r = 0; r < n_users; ++r)
    for (std::size_t k = 0; k < dim; ++k) users(r, k) = real(rng.below(3)) - 1;
  for (std::size_t r = 0; r < n_items; ++r)
    for (std::size_t k = 0; k < dim; ++k) items(r, k) = real(rng.below(3)) - 1;
  std::vector<Pair> seen_pairs;
  for (std::size_t u = 0; u < n_users - 2; ++u)  // the last two users have seen nothing
    for (int j = 0; j < 40; ++j) seen_pairs.push_back({index_t(u), index_t(rng.below(n_items))});
  const Interactions seen = Interactions::from_pairs(index_t(n_users - 2), index_t(n_items), seen_pairs);
  const hardneg::DotScorer scorer(users, items);

  std::vector<index_t> all(n_users);
  for (std::size_t u = 0; u < n_users; ++u) all[u] = index_t(u);
  hardneg::ThreadPool pool(2);
  const std::size_t k = 25;
  const auto batch = hardneg::recommend_top_k(scorer, all, k, seen, &pool, 3);
  REQUIRE(batch.users == all);
  for (std::size_t u = 0; u < n_users; ++u) {
    // Reference: scalar scores, then the reference top-k without seen items.
    std::vector<real> row(n_items);
    const index_t one[1] = {index_t(u)};
    hardneg::simd::score_block_reference(users, one, items, row.data(), n_items);
    const auto excl = u < n_users - 2 ? seen.items_of(index_t(u)) : std::span<const index_t>{};
    std::vector<index_t> want_ids(k);
    std::vector<real> want_s(k);
    const std::size_t m = hardneg::simd::top_k_reference(row, k, excl, want_ids, want_s);
    REQUIRE(m == k);
    std::vector<index_t> ids(k);
    std::vector<real> s(k);
    REQUIRE(hardneg::recommend_top_k(scorer, index_t(u), k, seen, ids, s) == k);
    CHECK(ids == want_ids);  // integer-valued embeddings: scores are exact
    CHECK(s == want_s);
    CHECK(std::vector<index_t>(batch.ids_of(u).begin(), batch.ids_of(u).end()) == want_ids);
    CHECK(std::vector<real>(batch.scores_of(u).begin(), batch.scores_of(u).end()) == want_s);
  }
}

TEST_CASE("recommend_top_k: fewer unseen items than k, bad user", "[eval][recommend]") {
  RowMatrix users(1, 1), items(4, 1);
  users(0, 0) = 1;
  for (std::size_t i = 0; i < 4; ++i) items(i, 0) = real(i);
  const hardneg::DotScorer scorer(users, items);
  const std::vector<Pair> p = {{0, 3}, {0, 1}};
  const Interactions seen = Interactions::from_pairs(1, 4, p);
  std::vector<index_t> ids(4);
  std::vector<real> s(4);
  REQUIRE(hardneg::recommend_top_k(scorer, 0, 10, seen, ids, s) == 2);
  CHECK(ids[0] == 2);
  CHECK(ids[1] == 0);
  CHECK_THROWS_AS(hardneg::recommend_top_k(scorer, 1, 10, seen, ids, s), hardneg::InvalidArgument);
}
