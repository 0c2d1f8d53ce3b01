#include "hardneg/data/delimited.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "data/temp_file.hpp"

using hardneg::DelimitedOptions;
using hardneg::load_delimited;
using hardneg::ParseError;
using hardneg::test::fixture;
using hardneg::test::TempFile;

TEST_CASE("load_delimited reads the CSV fixture with a header and thresholds") {
  const auto r =
      load_delimited(fixture("ratings.csv"),
                     {.header = true, .positive_threshold = 4.0, .negative_threshold = 2.0});
  // Rows: alice,i10,5 (+) | bob,i20,3 (ignored) | alice,i20,1 (-) | carol,i10,4 (+) |
  //       bob,i10,2 (-) | alice,i10,4 (+, repeats row 1) | dave,i30,3.5 (ignored)
  REQUIRE(r.size() == 5);
  REQUIRE(r.user_ids);
  REQUIRE(r.item_ids);
  CHECK(r.user_ids->size() == 3);  // ignored rows add no id: alice carol bob
  CHECK(r.user_ids->name(1) == "carol");
  CHECK(r.user_ids->name(2) == "bob");
  CHECK(r.item_ids->size() == 2);  // i10 i20
  CHECK(r.users == std::vector<int>{0, 0, 1, 2, 0});
  CHECK(r.items == std::vector<int>{0, 1, 0, 0, 0});
  CHECK(r.labels == std::vector<float>{1, 0, 1, 0, 1});
  CHECK(r.ratings == std::vector<float>{5, 1, 4, 2, 4});
  CHECK(r.timestamps == std::vector<double>{100, 300, 150, 50, 400});
  CHECK(r.n_users == 3);
  CHECK(r.n_items == 2);
  CHECK(r.stats.ignored_rows == 2);
}

TEST_CASE("load_delimited without thresholds keeps every row and no labels") {
  const auto r = load_delimited(fixture("ratings.csv"), {.header = true});
  CHECK(r.size() == 7);
  CHECK_FALSE(r.has_labels());
  CHECK(r.user_ids->size() == 4);
  CHECK(r.item_ids->size() == 3);
  CHECK(r.stats.ignored_rows == 0);
  // Only a positive threshold: rows below it are ignored, no labels.
  const auto p =
      load_delimited(fixture("ratings.csv"), {.header = true, .positive_threshold = 4.0});
  CHECK(p.size() == 3);
  CHECK(p.stats.ignored_rows == 4);
  CHECK_FALSE(p.has_labels());
}

TEST_CASE("load_delimited reads MovieLens '::' rows, remapped or numeric") {
  const auto r = load_delimited(fixture("ratings.dat"), {.separator = "::"});
  CHECK(r.size() == 5);
  CHECK(r.n_users == 3);
  CHECK(r.n_items == 3);
  CHECK(r.items == std::vector<int>{0, 1, 0, 2, 1});
  CHECK(r.item_ids->name(2) == "3408");
  CHECK(r.timestamps[3] == 978300275.0);
  const auto n = load_delimited(fixture("ratings.dat"), {.separator = "::", .remap_ids = false});
  CHECK_FALSE(n.user_ids.has_value());
  CHECK(n.n_users == 4);
  CHECK(n.n_items == 3409);
  CHECK(n.items == std::vector<int>{1193, 661, 1193, 3408, 661});
}

TEST_CASE("load_delimited reads tab- and space-separated pairs") {
  const auto t = load_delimited(fixture("pairs.tsv"), {.separator = "\t"});
  CHECK(t.size() == 3);
  CHECK_FALSE(t.has_ratings());
  CHECK(t.users == std::vector<int>{0, 1, 0});
  CHECK(t.items == std::vector<int>{0, 1, 1});
  TempFile s("  1   2  \r\n\n3 4\n");
  const auto r = load_delimited(s.path(), {.separator = " ", .remap_ids = false});
  CHECK(r.users == std::vector<int>{1, 3});
  CHECK(r.items == std::vector<int>{2, 4});
  CHECK(r.stats.empty_lines == 1);
}

TEST_CASE("load_delimited reports bad rows with file, line and value") {
  auto error_of = [](const std::string& text, const DelimitedOptions& o) -> std::string {
    TempFile f(text);
    try {
      load_delimited(f.path(), o);
    } catch (const ParseError& e) {
      const std::string what = e.what();
      CHECK(what.rfind(f.path(), 0) == 0);  // the message starts with the file
      return what.substr(f.path().size());
    }
    return "no error";
  };
  const DelimitedOptions numeric{.remap_ids = false};
  CHECK(error_of("1,2,5\n1,2\n", {}) == ":2: found 2 fields, expected 3 as on line 1");
  CHECK(error_of("1\n", {}) ==
        ":1: expected 2 to 4 fields (user, item[, rating[, timestamp]]) separated by ',', found 1");
  CHECK(error_of("1,2,3,4,5\n", {}) ==
        ":1: expected 2 to 4 fields (user, item[, rating[, timestamp]]) separated by ',', found "
        "more than 4");
  CHECK(error_of("1,2,high\n", {}) == ":1:5: rating 'high' is not a finite number");
  CHECK(error_of("1,2,4,\n", {}) == ":1:7: timestamp is empty");
  CHECK(error_of(",2\n", {}) == ":1:1: user id is empty");
  CHECK(error_of("1,-2\n", numeric) == ":1:3: item id '-2' is negative");
  CHECK(error_of("a,2\n", numeric) == ":1:1: user id 'a' is not a non-negative integer");
  CHECK(error_of("1,2,3\n1,x,1\n", {.remap_ids = false, .positive_threshold = 4.0}) ==
        ":2:3: item id 'x' is not a non-negative integer");  // checked although ignored
  CHECK(error_of("1,2\n", {.positive_threshold = 4.0}) ==
        ":1: a rating threshold is set but the data has no rating column");
  CHECK(error_of("", {}) == ": file is empty");
  CHECK(error_of("user,item\n\n", {.header = true}) == ": file holds no data rows");
}

TEST_CASE("load_delimited checks its options and the file") {
  CHECK_THROWS_AS(load_delimited(fixture("ratings.csv"), {.separator = ""}),
                  hardneg::InvalidArgument);
  CHECK_THROWS_AS(
      load_delimited(fixture("ratings.csv"), {.header = true, .negative_threshold = 2.0}),
      hardneg::InvalidArgument);
  CHECK_THROWS_AS(
      load_delimited(fixture("ratings.csv"),
                     {.header = true, .positive_threshold = 3.0, .negative_threshold = 3.0}),
      hardneg::InvalidArgument);
  CHECK_THROWS_WITH(load_delimited("/nonexistent/r.csv", {}),
                    Catch::Contains("/nonexistent/r.csv"));
}
