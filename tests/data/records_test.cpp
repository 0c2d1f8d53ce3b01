#include "hardneg/data/records.hpp"

#include <catch2/catch.hpp>

#include <vector>

using hardneg::Records;

namespace {
Records sample() {
  Records r;
  r.users = {0, 1, 0, 2};
  r.items = {1, 1, 1, 0};
  r.labels = {1, 0, 0, 1};
  r.timestamps = {10, 20, 30, 40};
  r.n_users = 3;
  r.n_items = 2;
  r.stats.empty_lines = 2;
  return r;
}
}  // namespace

TEST_CASE("Records::validate checks columns and id ranges") {
  Records r = sample();
  CHECK_NOTHROW(r.validate());
  r.items[3] = 2;
  CHECK_THROWS_WITH(r.validate(), Catch::Contains("row 3 (2, 2) is outside 3 users x 2 items"));
  r = sample();
  r.labels.pop_back();
  CHECK_THROWS_AS(r.validate(), hardneg::InvalidArgument);
  r = sample();
  r.user_ids.emplace();
  CHECK_THROWS_AS(r.validate(), hardneg::InvalidArgument);  // map size != n_users
}

TEST_CASE("Records::select keeps columns, id space and counters") {
  const Records r = sample();
  const std::vector<std::size_t> rows{3, 0};
  const Records s = r.select(rows);
  CHECK(s.users == std::vector<hardneg::index_t>{2, 0});
  CHECK(s.items == std::vector<hardneg::index_t>{0, 1});
  CHECK(s.labels == std::vector<float>{1, 1});
  CHECK(s.timestamps == std::vector<double>{40, 10});
  CHECK_FALSE(s.has_ratings());
  CHECK(s.n_users == 3);
  CHECK(s.n_items == 2);
  CHECK(s.stats.empty_lines == 2);
}

TEST_CASE("Records::to_interactions merges duplicates, the first row winning") {
  std::size_t dup = 0;
  const auto m = sample().to_interactions(&dup);
  CHECK(dup == 1);
  CHECK(m.size() == 3);
  CHECK(m.labels_of(0)[0] == 1.0f);  // (0, 1): rows 0 (label 1) and 2 (label 0)
  CHECK(m.n_users() == 3);
}
