#include "hardneg/data/interactions.hpp"

#include <catch2/catch.hpp>

#include <vector>

using hardneg::Interactions;
using hardneg::Pair;

TEST_CASE("Interactions::from_pairs sorts rows, merges duplicates (first label wins)") {
  const std::vector<Pair> pairs{{1, 3}, {0, 2}, {1, 0}, {1, 3}, {0, 2}, {2, 1}};
  const std::vector<float> labels{1, 0, 1, 0, 1, 1};
  std::size_t dup = 0;
  const auto m = Interactions::from_pairs(4, 5, pairs, labels, &dup);
  CHECK(dup == 2);
  CHECK(m.size() == 4);
  CHECK(m.n_users() == 4);
  CHECK(m.n_items() == 5);
  CHECK(std::vector<int>(m.items_of(1).begin(), m.items_of(1).end()) == std::vector<int>{0, 3});
  CHECK(m.labels_of(1)[1] == 1.0f);  // (1, 3) first seen with label 1
  CHECK(m.labels_of(0)[0] == 0.0f);  // (0, 2) first seen with label 0
  CHECK(m.degree(3) == 0);
  CHECK(m.contains(2, 1));
  CHECK_FALSE(m.contains(2, 0));
  CHECK(m.item_counts() == std::vector<hardneg::offset_t>{1, 1, 1, 1, 0});
  CHECK(m.active_users() == 3);
}

TEST_CASE("Interactions validates ids and resizes without shrinking") {
  const std::vector<Pair> bad{{0, 5}};
  CHECK_THROWS_AS(Interactions::from_pairs(1, 5, bad), hardneg::InvalidArgument);
  const std::vector<Pair> ok{{0, 1}};
  const auto m = Interactions::from_pairs(1, 2, ok).resized(3, 4);
  CHECK(m.n_users() == 3);
  CHECK(m.n_items() == 4);
  CHECK(m.degree(2) == 0);
  CHECK_THROWS_AS(m.resized(2, 4), hardneg::InvalidArgument);
}
