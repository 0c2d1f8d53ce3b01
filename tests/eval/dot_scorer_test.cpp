#include "hardneg/eval/dot_scorer.hpp"

#include <catch2/catch.hpp>

#include <vector>

using hardneg::index_t;
using hardneg::real;
using hardneg::RowMatrix;

TEST_CASE("DotScorer scores blocks of users against all items", "[eval][dot_scorer]") {
  RowMatrix users(3, 2), items(5, 2);
  for (std::size_t u = 0; u < 3; ++u) users(u, 0) = real(u), users(u, 1) = 1;
  for (std::size_t i = 0; i < 5; ++i) items(i, 0) = 1, items(i, 1) = real(i);
  const hardneg::DotScorer scorer(users, items);
  CHECK(scorer.n_users() == 3);
  CHECK(scorer.n_items() == 5);
  CHECK(scorer.dim() == 2);
  const std::vector<index_t> block = {2, 0};
  std::vector<real> out(2 * 6, -1);
  scorer.score_block(block, out.data(), 6);
  // <(u, 1), (1, i)> = u + i.
  for (std::size_t i = 0; i < 5; ++i) {
    CHECK(out[i] == real(2 + i));
    CHECK(out[6 + i] == real(i));
  }
  CHECK(out[5] == -1);  // stride padding untouched
}

TEST_CASE("DotScorer rejects different dims", "[eval][dot_scorer]") {
  RowMatrix users(3, 2), items(5, 3);
  CHECK_THROWS_AS(hardneg::DotScorer(users, items), hardneg::InvalidArgument);
}
