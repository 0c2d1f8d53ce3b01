#include "hardneg/data/recbole.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "data/temp_file.hpp"

using hardneg::load_recbole;
using hardneg::ParseError;
using hardneg::RecboleOptions;
using hardneg::test::fixture;
using hardneg::test::TempFile;

TEST_CASE("load_recbole reads the .inter fixture") {
  const auto r = load_recbole(fixture("sample.inter"));
  CHECK(r.size() == 4);
  CHECK(r.users == std::vector<int>{0, 1, 0, 2});
  CHECK(r.items == std::vector<int>{0, 1, 1, 0});
  CHECK(r.user_ids->name(2) == "3");
  CHECK(r.item_ids->name(1) == "20");
  CHECK(r.ratings == std::vector<float>{4, 3, 1, 5});
  CHECK(r.timestamps[1] == 891717742.0);
  const auto t =
      load_recbole(fixture("sample.inter"), {.positive_threshold = 4.0, .negative_threshold = 1.0});
  CHECK(t.size() == 3);
  CHECK(t.labels == std::vector<float>{1, 0, 1});
  CHECK(t.stats.ignored_rows == 1);
}

TEST_CASE("load_recbole finds columns by name, in any order, with extra columns") {
  TempFile f(
      "item_id:token\tgenre:token_seq\tuser_id:token\r\nA\tx y\tu1\r\nB\t\tu2\r\n\r\nA\tz\tu2\r\n",
      ".inter");
  const auto r = load_recbole(f.path());
  CHECK(r.size() == 3);
  CHECK_FALSE(r.has_ratings());
  CHECK_FALSE(r.has_timestamps());
  CHECK(r.users == std::vector<int>{0, 1, 1});
  CHECK(r.items == std::vector<int>{0, 1, 0});
  CHECK(r.stats.empty_lines == 1);
  TempFile g("uid:token\tiid:token\n7\t9\n");
  const auto s =
      load_recbole(g.path(), {.user_field = "uid", .item_field = "iid", .remap_ids = false});
  CHECK(s.users == std::vector<int>{7});
  CHECK(s.n_items == 10);
}

TEST_CASE("load_recbole reports bad headers and rows") {
  auto error_of = [](const std::string& text, const RecboleOptions& o = {}) -> std::string {
    TempFile f(text, ".inter");
    try {
      load_recbole(f.path(), o);
    } catch (const ParseError& e) {
      const std::string what = e.what();
      CHECK(what.rfind(f.path(), 0) == 0);  // the message starts with the file
      return what.substr(f.path().size());
    }
    return "no error";
  };
  CHECK(error_of("user_id:token\titem\n") ==
        ":1:15: header field 'item' has no type (expected name:type)");
  CHECK(error_of("user_id:token\titem_id:int\n") ==
        ":1:15: header field 'item_id:int' has unknown type 'int' (valid: token, token_seq, float, "
        "float_seq)");
  CHECK(error_of("user_id:token\trating:float\n") ==
        ":1: header has no 'item_id' column (columns: user_id, rating)");
  CHECK(error_of("user_id:token\titem_id:token\trating:token\n") ==
        ":1:29: column 'rating' must have type float");
  CHECK(error_of("user_id:token\titem_id:token\n1\t2\t3\n") ==
        ":2: found more than 2 tab-separated fields, expected 2 as in the header");
  CHECK(error_of("user_id:token\titem_id:token\trating:float\n1\t2\tgood\n") ==
        ":2:5: rating 'good' is not a finite number");
  CHECK(error_of("user_id:token\titem_id:token\n1\t2\n", {.positive_threshold = 3.0}) ==
        ":1: a rating threshold is set but the data has no rating column");
  CHECK(error_of("") == ": file is empty");
}
