#include "hardneg/data/load.hpp"

#include <catch2/catch.hpp>

#include <string>

#include "data/temp_file.hpp"

using hardneg::load_dataset;
using hardneg::test::fixture;
using hardneg::test::TempFile;

TEST_CASE("load_dataset reads each format by name") {
  const auto l =
      load_dataset("lightgcn", fixture("lightgcn_train.txt"), fixture("lightgcn_test.txt"));
  CHECK(l.stats.train == 8);
  CHECK(l.stats.test == 4);
  CHECK_FALSE(l.user_ids.has_value());

  const auto c = load_dataset("csv", fixture("ratings.csv"), {}, {.header = true});
  CHECK(c.stats.users == 4);
  CHECK(c.stats.items == 3);
  CHECK(c.stats.train == 6);  // 7 rows, alice,i10 twice
  CHECK(c.stats.duplicates == 1);
  CHECK(c.stats.test == 0);
  CHECK(c.test.n_users() == 4);

  const auto t = load_dataset("tsv", fixture("pairs.tsv"));
  CHECK(t.stats.train == 3);

  const auto m = load_dataset("ml", fixture("ratings.dat"), {}, {.positive_threshold = 4.0});
  CHECK(m.stats.train == 4);
  CHECK(m.stats.ignored_rows == 1);
  CHECK(m.user_name(0) == "1");

  const auto r = load_dataset("recbole", fixture("sample.inter"));
  CHECK(r.stats.train == 4);
  CHECK(r.item_name(1) == "20");
}

TEST_CASE("load_dataset with a test file shares the id space") {
  TempFile train("u1,a\nu2,b\n");
  TempFile test("u2,a\nu3,c\n");
  const auto d = load_dataset("csv", train.path(), test.path());
  CHECK(d.n_users() == 3);
  CHECK(d.n_items() == 3);
  CHECK(d.test.contains(1, 0));
  CHECK(d.stats.cold_test_users == 1);
  CHECK(d.stats.cold_test_items == 1);
  const auto n = load_dataset("lightgcn", fixture("lightgcn_train.txt"), {}, {.remap_ids = true});
  CHECK(n.user_ids.has_value());
  CHECK(n.stats.users == 5);
}

TEST_CASE("load_dataset refuses unknown formats and options that do not apply") {
  CHECK_THROWS_WITH(
      load_dataset("parquet", fixture("ratings.csv")),
      Catch::Contains("unknown format 'parquet' (valid: lightgcn, csv, tsv, ml, recbole)"));
  CHECK_THROWS_AS(
      load_dataset("lightgcn", fixture("lightgcn_train.txt"), {}, {.positive_threshold = 1.0}),
      hardneg::InvalidArgument);
}
