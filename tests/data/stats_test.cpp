#include "hardneg/data/stats.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

using hardneg::DataStats;

TEST_CASE("DataStats::for_each_field visits every field once, in a fixed order") {
  DataStats s;
  s.users = 1, s.items = 2, s.train = 3, s.test = 4, s.valid = 5, s.test_in_train = 6;
  s.cold_test_users = 7, s.cold_test_items = 8, s.negative_labels = 9, s.duplicates = 10;
  s.ignored_rows = 11, s.k_core_removed = 12, s.empty_lines = 13;
  std::vector<std::string> names;
  std::vector<std::int64_t> values;
  s.for_each_field([&](std::string_view name, std::int64_t value) {
    names.emplace_back(name);
    values.push_back(value);
  });
  CHECK(names == std::vector<std::string>{"users", "items", "train", "test", "valid",
                                          "test_in_train", "cold_test_users", "cold_test_items",
                                          "negative_labels", "duplicates", "ignored_rows",
                                          "k_core_removed", "empty_lines"});
  CHECK(values == std::vector<std::int64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13});
  // Every field is visited: the struct holds exactly these 13 counters.
  CHECK(sizeof(DataStats) == 13 * sizeof(std::int64_t));
}

TEST_CASE("DataStats::add_counters sums only the counters gathered while loading") {
  DataStats a, b;
  b.users = 100, b.train = 50, b.test_in_train = 3;
  b.duplicates = 2, b.ignored_rows = 3, b.k_core_removed = 4, b.empty_lines = 5;
  a.duplicates = 1;
  a.add_counters(b);
  a.add_counters(b);
  CHECK(a.duplicates == 5);
  CHECK(a.ignored_rows == 6);
  CHECK(a.k_core_removed == 8);
  CHECK(a.empty_lines == 10);
  CHECK(a.users == 0);
  CHECK(a.train == 0);
  CHECK(a.test_in_train == 0);
}
