#include "hardneg/data/split.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <utility>
#include <vector>

using hardneg::Dataset;
using hardneg::Interactions;
using hardneg::Records;

namespace {
// User u has degree[u] items 0 .. degree[u]-1, with timestamps 100*u + item.
Records users_with_degrees(const std::vector<int>& degree) {
  Records r;
  for (int u = 0; u < static_cast<int>(degree.size()); ++u)
    for (int i = 0; i < degree[static_cast<std::size_t>(u)]; ++i) {
      r.users.push_back(u);
      r.items.push_back(i);
      r.timestamps.push_back(100.0 * u + i);
      r.n_items = std::max(r.n_items, i + 1);
    }
  r.n_users = static_cast<int>(degree.size());
  return r;
}

std::set<std::pair<int, int>> pairs_of(const Interactions& m) {
  std::set<std::pair<int, int>> out;
  m.for_each([&](int u, int i) { out.insert({u, i}); });
  return out;
}

// train, valid and test are disjoint and together hold exactly the input pairs.
void check_partition(const Dataset& d, const Records& r) {
  std::set<std::pair<int, int>> all;
  for (std::size_t k = 0; k < r.size(); ++k) all.insert({r.users[k], r.items[k]});
  auto train = pairs_of(d.train), test = pairs_of(d.test);
  auto valid = d.valid ? pairs_of(*d.valid) : std::set<std::pair<int, int>>{};
  std::set<std::pair<int, int>> joined = train;
  joined.insert(test.begin(), test.end());
  joined.insert(valid.begin(), valid.end());
  CHECK(joined == all);
  CHECK(train.size() + test.size() + valid.size() == all.size());
  CHECK(d.stats.test_in_train == 0);
}
}  // namespace

TEST_CASE("round_half_even rounds like Python's round") {
  using hardneg::detail::data::round_half_even;
  CHECK(round_half_even(2.5) == 2);
  CHECK(round_half_even(3.5) == 4);
  CHECK(round_half_even(1.5) == 2);
  CHECK(round_half_even(2.4000000000000004) == 2);
  CHECK(round_half_even(0.8 * 9) == 7);
  CHECK(round_half_even(0.0) == 0);
}

TEST_CASE("ratio_split sends round(0.8 * degree) of each user's items to train") {
  const std::vector<int> degree{1, 2, 3, 4, 5, 9, 10, 0};
  const Records r = users_with_degrees(degree);
  const Dataset d = hardneg::ratio_split(r, {.train_ratio = 0.8, .seed = 10});
  const std::vector<int> train_count{1, 2, 2, 3, 4, 7, 8, 0};
  for (std::size_t u = 0; u < degree.size(); ++u) {
    CHECK(d.train.degree(static_cast<int>(u)) == train_count[u]);
    CHECK(d.test.degree(static_cast<int>(u)) == degree[u] - train_count[u]);
  }
  check_partition(d, r);
  CHECK_FALSE(d.valid.has_value());
  CHECK(d.n_users() == 8);
  // Half to even: degree 5 at 0.5 -> 2 in train, degree 3 -> 2.
  const Dataset h = hardneg::ratio_split(r, {.train_ratio = 0.5});
  CHECK(h.train.degree(4) == 2);
  CHECK(h.train.degree(2) == 2);
}

TEST_CASE("ratio_split is deterministic by seed and random across seeds") {
  const Records r = users_with_degrees(std::vector<int>(50, 20));
  const Dataset a = hardneg::ratio_split(r, {.seed = 1});
  const Dataset b = hardneg::ratio_split(r, {.seed = 1});
  const Dataset c = hardneg::ratio_split(r, {.seed = 2});
  CHECK(a.train == b.train);
  CHECK(a.test == b.test);
  CHECK_FALSE(a.train == c.train);
  // Each item position ends in test with probability 0.2: over 50 users the
  // count of users whose item 0 is in test is Binomial(50, 0.2) (mean 10, sd 2.8).
  int item0_in_test = 0;
  for (int u = 0; u < 50; ++u) item0_in_test += a.test.contains(u, 0);
  CHECK(item0_in_test >= 1);
  CHECK(item0_in_test <= 22);
}

TEST_CASE("ratio_split with a validation carve-out") {
  const Records r = users_with_degrees({10, 7, 1});
  const Dataset d = hardneg::ratio_split(r, {.train_ratio = 0.7, .valid_ratio = 0.1, .seed = 3});
  REQUIRE(d.valid);
  CHECK(d.train.degree(0) == 7);
  CHECK(d.valid->degree(0) == 1);
  CHECK(d.test.degree(0) == 2);
  CHECK(d.train.degree(1) == 5);  // round(4.9) = 5, round(0.7) = 1, 1 left
  CHECK(d.valid->degree(1) == 1);
  CHECK(d.test.degree(1) == 1);
  CHECK(d.train.degree(2) == 1);
  CHECK(d.stats.valid == 2);
  check_partition(d, r);
  CHECK_THROWS_AS(hardneg::ratio_split(r, {.train_ratio = 0.9, .valid_ratio = 0.2}),
                  hardneg::InvalidArgument);
  CHECK_THROWS_AS(hardneg::ratio_split(r, {.train_ratio = 1.5}), hardneg::InvalidArgument);
}

TEST_CASE("ratio_split merges duplicates first and keeps maps and counters") {
  Records r = users_with_degrees({3});
  r.users.push_back(0);
  r.items.push_back(1);
  r.timestamps.push_back(7);
  r.stats.empty_lines = 4;
  r.user_ids.emplace();
  r.user_ids->insert("only");
  const Dataset d = hardneg::ratio_split(r);
  CHECK(d.stats.duplicates == 1);
  CHECK(d.stats.empty_lines == 4);
  CHECK(d.stats.train + d.stats.test == 3);
  CHECK(d.user_name(0) == "only");
}

TEST_CASE("leave_one_out holds out the last item by timestamp") {
  Records r = users_with_degrees({1, 2, 4});
  // Make item 0 the latest of user 2, with a tie that the file order breaks.
  r.timestamps[3] = 300;  // user 2, item 0 (row 3)
  r.timestamps[6] = 300;  // user 2, item 3 (row 6): same time, later row -> last
  const Dataset d = hardneg::leave_one_out(r);
  CHECK(d.train.degree(0) == 1);  // a single item stays in train
  CHECK(d.test.degree(0) == 0);
  CHECK(d.test.contains(1, 1));
  CHECK(d.test.contains(2, 3));
  CHECK(d.stats.test == 2);
  check_partition(d, r);

  const Dataset v = hardneg::leave_one_out(r, {.valid = true});
  REQUIRE(v.valid);
  CHECK(v.valid->contains(2, 0));  // next-to-last: the tie's earlier row
  CHECK(v.valid->degree(1) == 0);  // two items: train + test only
  check_partition(v, r);
}

TEST_CASE("leave_one_out without timestamps picks a random item, deterministically") {
  Records r = users_with_degrees(std::vector<int>(200, 4));
  r.timestamps.clear();
  const Dataset a = hardneg::leave_one_out(r, {.seed = 5});
  const Dataset b = hardneg::leave_one_out(r, {.seed = 5});
  CHECK(a.test == b.test);
  std::vector<int> held(4, 0);
  for (int u = 0; u < 200; ++u) {
    REQUIRE(a.test.degree(u) == 1);
    ++held[static_cast<std::size_t>(a.test.items_of(u)[0])];
  }
  // Uniform over 4 positions: each count is Binomial(200, 1/4), mean 50, sd 6.1.
  for (int c : held) {
    CHECK(c > 25);
    CHECK(c < 75);
  }
  check_partition(a, r);
}

TEST_CASE("temporal_split cuts at one global time") {
  Records r = users_with_degrees({5, 5});  // timestamps 0..4 and 100..104
  const Dataset d = hardneg::temporal_split(r, {.test_fraction = 0.3, .valid_fraction = 0.2});
  REQUIRE(d.valid);
  CHECK(d.stats.test == 3);
  CHECK(d.stats.valid == 2);
  CHECK(d.stats.train == 5);
  CHECK(d.test.degree(1) == 3);  // items 2, 3, 4 of user 1 (times 102..104)
  CHECK(d.valid->contains(1, 0));
  CHECK(d.valid->contains(1, 1));
  CHECK(d.train.degree(0) == 5);
  check_partition(d, r);
  r.timestamps.clear();
  CHECK_THROWS_WITH(hardneg::temporal_split(r), Catch::Contains("no timestamps"));
}
