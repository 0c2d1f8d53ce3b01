#include "hardneg/data/dataset.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using hardneg::Dataset;
using hardneg::IdMap;
using hardneg::make_dataset;
using hardneg::Records;

namespace {
Records numeric(std::vector<hardneg::index_t> users, std::vector<hardneg::index_t> items) {
  Records r;
  r.users = std::move(users);
  r.items = std::move(items);
  for (auto u : r.users) r.n_users = std::max(r.n_users, u + 1);
  for (auto i : r.items) r.n_items = std::max(r.n_items, i + 1);
  return r;
}

Records named(const std::vector<std::pair<std::string, std::string>>& rows) {
  Records r;
  r.user_ids.emplace();
  r.item_ids.emplace();
  for (const auto& [u, i] : rows) {
    r.users.push_back(r.user_ids->insert(u));
    r.items.push_back(r.item_ids->insert(i));
  }
  r.n_users = r.user_ids->size();
  r.n_items = r.item_ids->size();
  return r;
}
}  // namespace

TEST_CASE("make_dataset on numeric ids: shared shape and every anomaly counted") {
  // train: (0,1) (0,2) (1,2) (1,2 again); test: (0,2) in train, (1,5) cold item, (3,0) cold user
  Records train = numeric({0, 0, 1, 1}, {1, 2, 2, 2});
  train.stats.empty_lines = 1;
  Records test = numeric({0, 1, 3}, {2, 5, 0});
  test.stats.ignored_rows = 2;
  const Dataset d = make_dataset(train, test);
  CHECK(d.n_users() == 4);
  CHECK(d.n_items() == 6);
  CHECK(d.test.n_users() == 4);
  CHECK(d.test.n_items() == 6);
  CHECK(d.stats.users == 4);
  CHECK(d.stats.items == 6);
  CHECK(d.stats.train == 3);
  CHECK(d.stats.test == 3);
  CHECK(d.stats.duplicates == 1);
  CHECK(d.stats.test_in_train == 1);
  CHECK(d.stats.cold_test_users == 1);
  CHECK(d.stats.cold_test_items == 2);  // items 5 and 0
  CHECK(d.stats.empty_lines == 1);
  CHECK(d.stats.ignored_rows == 2);
  CHECK_FALSE(d.user_ids.has_value());
  CHECK(d.user_name(3) == "3");
}

TEST_CASE("make_dataset translates test ids through the train map") {
  const Records train = named({{"ann", "x"}, {"bob", "y"}});
  const Records test = named({{"bob", "z"}, {"cid", "x"}, {"ann", "y"}});
  const Dataset d = make_dataset(train, test);
  REQUIRE(d.user_ids);
  REQUIRE(d.item_ids);
  CHECK(d.n_users() == 3);  // ann bob cid
  CHECK(d.n_items() == 3);  // x y z
  CHECK(d.user_name(2) == "cid");
  CHECK(d.item_name(2) == "z");
  CHECK(d.test.contains(1, 2));  // bob z
  CHECK(d.test.contains(2, 0));  // cid x
  CHECK(d.test.contains(0, 1));  // ann y
  CHECK(d.stats.cold_test_users == 1);
  CHECK(d.stats.cold_test_items == 1);
  CHECK(d.stats.test_in_train == 0);
}

TEST_CASE("make_dataset refuses to mix remapped and numeric ids") {
  CHECK_THROWS_AS(make_dataset(named({{"a", "b"}}), numeric({0}, {0})), hardneg::InvalidArgument);
}

TEST_CASE("make_dataset with a validation part and labels") {
  Records train = numeric({0, 1}, {0, 1});
  train.labels = {1, 0};
  Records test = numeric({0}, {1});
  Records valid = numeric({1}, {0});
  const Dataset d = make_dataset(train, test, valid);
  REQUIRE(d.valid);
  CHECK(d.valid->contains(1, 0));
  CHECK(d.stats.valid == 1);
  CHECK(d.stats.negative_labels == 1);
}

TEST_CASE("make_dataset(all) keeps every row in train and an empty test") {
  const Dataset d = make_dataset(named({{"a", "p"}, {"b", "q"}, {"a", "p"}}));
  CHECK(d.stats.train == 2);
  CHECK(d.stats.test == 0);
  CHECK(d.stats.duplicates == 1);
  CHECK(d.test.n_users() == 2);
}

TEST_CASE("Dataset::update_stats rejects parts of different shapes") {
  Dataset d;
  d.train = hardneg::Interactions(2, 2, {0, 0, 0}, {});
  d.test = hardneg::Interactions(2, 3, {0, 0, 0}, {});
  CHECK_THROWS_AS(d.update_stats(), hardneg::InvalidArgument);
}
