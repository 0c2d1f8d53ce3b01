#include "hardneg/data/detail/line_reader.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <string>
#include <vector>

#include "data/temp_file.hpp"

using hardneg::IoError;
using hardneg::ParseError;
using hardneg::detail::data::LineReader;
using hardneg::test::TempFile;
namespace dd = hardneg::detail::data;

namespace {

std::vector<std::string> read_all(const std::string& path,
                                  std::size_t block = LineReader::default_block_size) {
  LineReader in(path, block);
  std::vector<std::string> lines;
  std::string_view line;
  while (in.next(line)) lines.emplace_back(line);
  return lines;
}

}  // namespace

TEST_CASE("LineReader splits lines, strips CR and a BOM, keeps a last line without newline") {
  TempFile f(
      "\xEF\xBB\xBF"
      "a b\r\n\r\nlast");
  CHECK(read_all(f.path()) == std::vector<std::string>{"a b", "", "last"});
  TempFile g("x\ny\n");
  CHECK(read_all(g.path()) == std::vector<std::string>{"x", "y"});
}

TEST_CASE("LineReader handles lines longer than its block and lines across blocks") {
  std::string text;
  std::vector<std::string> expected;
  for (int k = 0; k < 50; ++k) {
    std::string line(static_cast<std::size_t>(k * 7 % 53), static_cast<char>('a' + k % 26));
    expected.push_back(line);
    text += line + (k % 3 == 0 ? "\r\n" : "\n");
  }
  TempFile f(text);
  CHECK(read_all(f.path(), 16) == expected);
  CHECK(read_all(f.path(), 17) == expected);
  CHECK(read_all(f.path()) == expected);
}

TEST_CASE("LineReader counts lines and bytes, and an empty file has no line") {
  TempFile empty("");
  LineReader in(empty.path());
  std::string_view line;
  CHECK_FALSE(in.next(line));
  CHECK(in.bytes_read() == 0);

  TempFile f("1\n22\n333");
  LineReader r(f.path());
  REQUIRE(r.next(line));
  REQUIRE(r.next(line));
  CHECK(r.line_number() == 2);
  CHECK(line == "22");
  REQUIRE(r.next(line));
  CHECK_FALSE(r.next(line));
  CHECK(r.bytes_read() == 8);
}

TEST_CASE("LineReader throws IoError naming a missing file") {
  try {
    LineReader in("/nonexistent/dir/ratings.csv");
    FAIL("no exception");
  } catch (const IoError& e) {
    CHECK_THAT(e.what(), Catch::Contains("/nonexistent/dir/ratings.csv"));
  }
}

TEST_CASE("next_word splits at runs of spaces and tabs") {
  const std::string_view line = "  12\t 7   x ";
  std::size_t pos = 0;
  std::string_view w;
  std::vector<std::string> words;
  while (dd::next_word(line, pos, w)) words.emplace_back(w);
  CHECK(words == std::vector<std::string>{"12", "7", "x"});
  CHECK(dd::is_blank_line(" \t "));
  CHECK_FALSE(dd::is_blank_line(" . "));
}

TEST_CASE("split_fields splits at the separator and trims spaces") {
  std::array<std::string_view, 4> f;
  CHECK(dd::split_fields("a, b ,c", ",", f) == 3);
  CHECK(f[0] == "a");
  CHECK(f[1] == "b");
  CHECK(f[2] == "c");
  CHECK(dd::split_fields("1::2::5::9", "::", f) == 4);
  CHECK(f[3] == "9");
  CHECK(dd::split_fields("u\t\ti", "\t", f) == 3);  // an empty middle field
  CHECK(f[1].empty());
  CHECK(dd::split_fields("  u   i  ", " ", f) == 2);
  CHECK(f[1] == "i");
  CHECK(dd::split_fields("a,b,c,d,e", ",", f) == 5);  // more than out.size()
}

TEST_CASE("parse_id accepts ids from 0 to 2^31 - 2 and names file:line:column and token otherwise") {
  TempFile f("12 abc -3 2147483647 2147483646 99999999999999999999 1.5\n");
  LineReader in(f.path());
  std::string_view line;
  REQUIRE(in.next(line));
  std::size_t pos = 0;
  std::string_view t;
  auto next = [&] {
    REQUIRE(dd::next_word(line, pos, t));
    return t;
  };
  CHECK(dd::parse_id(in, next(), "user id") == 12);

  auto fails_with = [&](std::string_view token, std::size_t column, const std::string& text) {
    try {
      dd::parse_id(in, token, "item id");
      FAIL("no exception for " << token);
    } catch (const ParseError& e) {
      CHECK(e.file() == f.path());
      CHECK(e.line() == 1);
      CHECK(e.column() == column);
      CHECK_THAT(e.what(), Catch::Contains(text));
      CHECK_THAT(e.what(), Catch::Contains(f.path() + ":1:" + std::to_string(column)));
    }
  };
  fails_with(next(), 4, "item id 'abc' is not a non-negative integer");
  fails_with(next(), 8, "item id '-3' is negative");
  fails_with(next(), 11, "item id '2147483647' is too large");
  CHECK(dd::parse_id(in, next(), "item id") == 2147483646);
  fails_with(next(), 33, "'99999999999999999999' is too large");
  fails_with(next(), 54, "'1.5' is not a non-negative integer");
}

TEST_CASE("parse_number reads finite decimals") {
  TempFile f("4.5 -1e3 nan x\n");
  LineReader in(f.path());
  std::string_view line;
  REQUIRE(in.next(line));
  CHECK(dd::parse_number(in, line.substr(0, 3), "rating") == 4.5);
  CHECK(dd::parse_number(in, line.substr(4, 4), "rating") == -1000.0);
  CHECK_THROWS_WITH(dd::parse_number(in, line.substr(9, 3), "rating"),
                    Catch::Contains(":1:10: rating 'nan' is not a finite number"));
  CHECK_THROWS_WITH(dd::parse_number(in, line.substr(13, 1), "timestamp"),
                    Catch::Contains("timestamp 'x' is not a finite number"));
}
