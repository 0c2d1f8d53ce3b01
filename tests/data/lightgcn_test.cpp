#include "hardneg/data/lightgcn.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "data/temp_file.hpp"

using hardneg::load_lightgcn;
using hardneg::load_lightgcn_records;
using hardneg::ParseError;
using hardneg::test::fixture;
using hardneg::test::TempFile;

namespace {
std::vector<int> row(const hardneg::Interactions& m, int u) {
  return {m.items_of(u).begin(), m.items_of(u).end()};
}
}  // namespace

TEST_CASE("load_lightgcn reads the fixture pair with exact counts and ids") {
  // See tests/fixtures/data/README.md for what each line exercises.
  const auto d = load_lightgcn(fixture("lightgcn_train.txt"), fixture("lightgcn_test.txt"));
  CHECK(d.n_users() == 6);  // user 5 only in test
  CHECK(d.n_items() == 8);  // item 7 only in test
  CHECK(row(d.train, 0) == std::vector<int>{1, 2, 3});
  CHECK(row(d.train, 1) == std::vector<int>{2, 4, 5});  // two lines joined, 4 merged
  CHECK(row(d.train, 2).empty());                       // "2 " alone
  CHECK(row(d.train, 3).empty());                       // "3" alone
  CHECK(row(d.train, 4) == std::vector<int>{0, 6});     // last line without newline, 0 merged
  CHECK(row(d.test, 0) == std::vector<int>{1, 4});
  CHECK(row(d.test, 2) == std::vector<int>{7});
  CHECK(row(d.test, 5) == std::vector<int>{2});
  const auto& s = d.stats;
  CHECK(s.users == 6);
  CHECK(s.items == 8);
  CHECK(s.train == 8);
  CHECK(s.test == 4);
  CHECK(s.duplicates == 2);
  CHECK(s.test_in_train == 1);    // (0, 1)
  CHECK(s.cold_test_users == 2);  // users 2 and 5
  CHECK(s.cold_test_items == 1);  // item 7
  CHECK(s.empty_lines == 1);
  CHECK_FALSE(d.user_ids.has_value());
}

TEST_CASE("load_lightgcn accepts CRLF, tabs and a missing final newline") {
  TempFile train("0 1 2\r\n1\t3\r\n2 0");
  TempFile test("0 3\r\n");
  const auto d = load_lightgcn(train.path(), test.path());
  CHECK(d.stats.train == 4);
  CHECK(d.stats.test == 1);
  CHECK(row(d.train, 1) == std::vector<int>{3});
  CHECK(row(d.train, 2) == std::vector<int>{0});
}

TEST_CASE("load_lightgcn with remap_ids numbers ids densely, train first") {
  TempFile train("10 100 200\n30 200\n");
  TempFile test("20 300\n10 200\n");
  const auto d = load_lightgcn(train.path(), test.path(), {.remap_ids = true});
  REQUIRE(d.user_ids);
  REQUIRE(d.item_ids);
  CHECK(d.n_users() == 3);
  CHECK(d.n_items() == 3);
  CHECK(d.user_name(0) == "10");
  CHECK(d.user_name(1) == "30");
  CHECK(d.user_name(2) == "20");
  CHECK(d.item_name(2) == "300");
  CHECK(d.test.contains(2, 2));
  CHECK(d.stats.test_in_train == 1);
}

TEST_CASE("load_lightgcn_records gives the rows in file order") {
  const auto r = load_lightgcn_records(fixture("lightgcn_train.txt"));
  CHECK(r.users == std::vector<int>{0, 0, 0, 1, 1, 1, 1, 4, 4, 4});
  CHECK(r.items == std::vector<int>{1, 2, 3, 2, 4, 5, 4, 0, 0, 6});
  CHECK(r.n_users == 5);
  CHECK(r.n_items == 7);
  CHECK(r.stats.empty_lines == 1);
}

TEST_CASE("load_lightgcn reports bad input with file, line, column and token") {
  auto error_of = [](const std::string& text) -> std::string {
    TempFile f(text);
    try {
      load_lightgcn_records(f.path());
    } catch (const ParseError& e) {
      const std::string what = e.what();
      CHECK(what.rfind(f.path(), 0) == 0);  // the message starts with the file
      return what.substr(f.path().size());
    }
    return "no error";
  };
  CHECK(error_of("0 1\n1 x2 3\n") == ":2:3: item id 'x2' is not a non-negative integer");
  CHECK(error_of("0 1\n-1 2\n") == ":2:1: user id '-1' is negative");
  CHECK(error_of("0 5 -3\n") == ":1:5: item id '-3' is negative");
  CHECK(error_of("0 2147483648\n") ==
        ":1:3: item id '2147483648' is too large (ids must be below 2147483647)");
  CHECK(error_of("3000000000 1\n") ==
        ":1:1: user id '3000000000' is too large (ids must be below 2147483647)");
  CHECK(error_of("") == ": file is empty");
  CHECK(error_of("\n \n") == ": file holds only blank lines");
}

TEST_CASE("load_lightgcn throws IoError naming a missing file") {
  CHECK_THROWS_AS(load_lightgcn("/nonexistent/train.txt", fixture("lightgcn_test.txt")),
                  hardneg::IoError);
  CHECK_THROWS_WITH(load_lightgcn(fixture("lightgcn_train.txt"), "/nonexistent/test.txt"),
                    Catch::Contains("/nonexistent/test.txt"));
}
