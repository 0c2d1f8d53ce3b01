#include "hardneg/data/filter.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "hardneg/core/random.hpp"

using hardneg::k_core;
using hardneg::Records;

namespace {
Records make(std::vector<std::pair<int, int>> rows) {
  Records r;
  for (auto [u, i] : rows) {
    r.users.push_back(u);
    r.items.push_back(i);
    r.n_users = std::max(r.n_users, u + 1);
    r.n_items = std::max(r.n_items, i + 1);
  }
  return r;
}

std::set<std::pair<std::string, std::string>> named_pairs(const Records& r) {
  std::set<std::pair<std::string, std::string>> out;
  for (std::size_t k = 0; k < r.size(); ++k) {
    const std::string u =
        r.user_ids ? std::string(r.user_ids->name(r.users[k])) : std::to_string(r.users[k]);
    const std::string i =
        r.item_ids ? std::string(r.item_ids->name(r.items[k])) : std::to_string(r.items[k]);
    out.insert({u, i});
  }
  return out;
}

// Reference k-core: remove every row whose user or item is below k, over and
// over until nothing changes (the definition, without the peeling queue).
std::set<std::pair<int, int>> reference_core(std::set<std::pair<int, int>> rows, int k) {
  for (bool changed = true; changed;) {
    std::map<int, int> du, di;
    for (auto [u, i] : rows) ++du[u], ++di[i];
    changed = false;
    for (auto it = rows.begin(); it != rows.end();) {
      if (du[it->first] < k || di[it->second] < k) {
        it = rows.erase(it);
        changed = true;
      } else {
        ++it;
      }
    }
  }
  return rows;
}
}  // namespace

TEST_CASE("deduplicate keeps the first row of each pair and counts the others") {
  Records r = make({{0, 1}, {1, 1}, {0, 1}, {0, 2}, {1, 1}});
  r.timestamps = {5, 6, 7, 8, 9};
  const Records d = hardneg::deduplicate(r);
  CHECK(d.users == std::vector<int>{0, 1, 0});
  CHECK(d.items == std::vector<int>{1, 1, 2});
  CHECK(d.timestamps == std::vector<double>{5, 6, 8});
  CHECK(d.stats.duplicates == 2);
  CHECK(hardneg::deduplicate(d).stats.duplicates == 2);  // idempotent
}

TEST_CASE("compact_ids renumbers used ids in order and keeps the originals") {
  const Records c = hardneg::compact_ids(make({{4, 7}, {2, 7}, {4, 3}}));
  CHECK(c.n_users == 2);
  CHECK(c.n_items == 2);
  CHECK(c.users == std::vector<int>{1, 0, 1});
  CHECK(c.items == std::vector<int>{1, 1, 0});
  REQUIRE(c.user_ids);
  CHECK(c.user_ids->name(1) == "4");
  CHECK(c.item_ids->name(0) == "3");
  const Records same = hardneg::compact_ids(make({{0, 0}, {1, 1}}));
  CHECK_FALSE(same.user_ids.has_value());  // nothing unused: no map needed
}

TEST_CASE("k_core iterates to a fixed point (hand example)") {
  // 2-core. User 3 has one item -> removed; then item 2 drops to one user -> removed;
  // then user 2 drops to one item -> removed. Users 0, 1 x items 0, 1 survive.
  const Records r = make({{0, 0}, {0, 1}, {1, 0}, {1, 1}, {2, 1}, {2, 2}, {3, 2}, {0, 0}});
  const Records c = k_core(r, 2);
  CHECK(c.size() == 4);
  CHECK(c.stats.duplicates == 1);
  CHECK(c.stats.k_core_removed == 3);
  CHECK(c.n_users == 2);
  CHECK(c.n_items == 2);
  CHECK(named_pairs(c) == std::set<std::pair<std::string, std::string>>{
                              {"0", "0"}, {"0", "1"}, {"1", "0"}, {"1", "1"}});
  CHECK(k_core(r, 3).empty());
  CHECK(k_core(r, 1).size() == 7);
  CHECK_THROWS_AS(k_core(r, 0), hardneg::InvalidArgument);
}

TEST_CASE("k_core matches the definition on random data") {
  hardneg::Rng rng(3);
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<std::pair<int, int>> rows;
    const int n_users = 30 + trial, n_items = 25;
    for (int k = 0; k < 300; ++k)
      rows.push_back(
          {static_cast<int>(rng.below(static_cast<std::uint64_t>(n_users))),
           static_cast<int>(rng.below(static_cast<std::uint64_t>(n_items) - rng.below(20)))});
    const Records r = make(rows);
    for (int k : {2, 3, 5, 8}) {
      const auto expected = reference_core({rows.begin(), rows.end()}, k);
      const Records c = k_core(r, k);
      std::set<std::pair<std::string, std::string>> want;
      for (auto [u, i] : expected) want.insert({std::to_string(u), std::to_string(i)});
      REQUIRE(named_pairs(c) == want);
      REQUIRE(c.size() == expected.size());
      REQUIRE(static_cast<std::size_t>(c.stats.duplicates + c.stats.k_core_removed) + c.size() ==
              rows.size());
    }
  }
}

TEST_CASE("k_core with separate user and item thresholds keeps maps") {
  Records r = make({{0, 0}, {0, 1}, {0, 2}, {1, 0}, {2, 0}, {2, 1}});
  r.user_ids.emplace();
  for (const char* n : {"a", "b", "c"}) r.user_ids->insert(n);
  // users need 2 items, items need 1 user: user b (one item) goes.
  const Records c = k_core(r, 2, 1);
  CHECK(c.size() == 5);
  CHECK(c.user_ids->size() == 2);
  CHECK(c.user_ids->name(1) == "c");
}
