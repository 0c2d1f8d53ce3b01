#include "hardneg/data/id_map.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>

#include "data/temp_file.hpp"

using hardneg::IdMap;
using hardneg::test::TempFile;

TEST_CASE("IdMap numbers ids in first-seen order") {
  IdMap m;
  CHECK(m.empty());
  CHECK(m.insert("b") == 0);
  CHECK(m.insert("a") == 1);
  CHECK(m.insert("b") == 0);
  CHECK(m.insert("") == 2);  // the map itself accepts any string
  CHECK(m.size() == 3);
  CHECK(m.find("a") == 1);
  CHECK(m.find("c") == -1);
  CHECK(m.contains("b"));
  CHECK(m.name(0) == "b");
  CHECK(m.name(1) == "a");
  CHECK_THROWS_AS(m.name(3), hardneg::InvalidArgument);
  CHECK(IdMap{}.find("x") == -1);
}

TEST_CASE("IdMap stays consistent while its table grows") {
  IdMap m;
  for (int k = 0; k < 5000; ++k) REQUIRE(m.insert("id" + std::to_string(k * 7919 % 10007)) == k);
  for (int k = 0; k < 5000; ++k) {
    const std::string name = "id" + std::to_string(k * 7919 % 10007);
    REQUIRE(m.find(name) == k);
    REQUIRE(m.name(k) == name);
  }
  CHECK(m.find("id10008") == -1);
}

TEST_CASE("IdMap saves one id per line and loads it back") {
  IdMap m;
  for (const char* s : {"alice", "B0001", "user with spaces", "42"}) m.insert(s);
  TempFile f("");
  m.save(f.path());
  std::ifstream in(f.path(), std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  CHECK(text.str() == "alice\nB0001\nuser with spaces\n42\n");
  const IdMap back = IdMap::load(f.path());
  CHECK(back == m);
  CHECK(back.find("42") == 3);
}

TEST_CASE("IdMap::load reads the fixture and accepts CRLF") {
  const IdMap m = IdMap::load(hardneg::test::fixture("ids.txt"));
  REQUIRE(m.size() == 3);
  CHECK(m.name(2) == "carol");
  TempFile crlf("x\r\ny\r\n");
  CHECK(IdMap::load(crlf.path()).name(1) == "y");
}

TEST_CASE("IdMap::load rejects repeated and empty ids with their line") {
  TempFile dup("a\nb\na\n");
  CHECK_THROWS_WITH(IdMap::load(dup.path()),
                    Catch::Contains(dup.path() + ":3:1: id 'a' repeats line 1"));
  TempFile blank("a\n\nb\n");
  CHECK_THROWS_WITH(IdMap::load(blank.path()), Catch::Contains(blank.path() + ":2: empty id"));
  CHECK_THROWS_AS(IdMap::load("/nonexistent/ids.txt"), hardneg::IoError);
}

TEST_CASE("IdMap::save refuses ids it could not read back") {
  IdMap m;
  m.insert("ok");
  m.insert("two\nlines");
  TempFile f("");
  CHECK_THROWS_AS(m.save(f.path()), hardneg::InvalidArgument);
  IdMap good;
  good.insert("x");
  CHECK_THROWS_AS(good.save("/nonexistent/dir/ids.txt"), hardneg::IoError);
}
