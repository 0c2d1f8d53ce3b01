// Tests of io/model_file.hpp: an MF round trip gives identical tables,
// scores and bytes; every kind of damage (truncation at every length, a
// flipped bit in every byte, bad magic, bad version, trailing bytes, NaN and
// Inf with a valid checksum) is rejected with an IoError naming the file;
// the temporary file never remains.
#include "hardneg/io/model_file.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <system_error>
#include <vector>

#include "hardneg/models/mf.hpp"

namespace {

namespace fs = std::filesystem;
using hardneg::index_t;
using hardneg::MF;
using hardneg::real;

// A fresh, empty directory per test case, removed at the end of it.
struct ScratchDir {
  fs::path path;
  explicit ScratchDir(const std::string& name)
      : path(fs::temp_directory_path() / ("hardneg_io_test_" + name)) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
  operator const fs::path&() const { return path; }
};

std::vector<unsigned char> read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const fs::path& p, const std::vector<unsigned char>& b) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

// Rewrites the trailing checksum so that only the intended damage remains.
void fix_checksum(std::vector<unsigned char>& b) {
  const std::size_t body = b.size() - 8;
  const std::uint64_t h = hardneg::detail::fnv1a64(std::span<const unsigned char>(b).first(body));
  for (std::size_t k = 0; k < 8; ++k) b[body + k] = static_cast<unsigned char>(h >> (8 * k));
}

// Loading `p` fails with an IoError whose message names the file and
// contains `what`.
void check_rejected(const fs::path& p, const std::string& what) {
  try {
    (void)hardneg::load_model_file(p);
    FAIL("loaded a damaged file (expected: " << what << ")");
  } catch (const hardneg::IoError& e) {
    const std::string msg = e.what();
    INFO(msg);
    CHECK(msg.find(p.string()) != std::string::npos);
    CHECK(msg.find(what) != std::string::npos);
  }
}

// Offset of the first float of table 0 in a file saved with `meta` by
// save_model for MF.
std::size_t first_float_offset(const hardneg::Metadata& meta) {
  std::size_t off = 8 + 4 + 4 + MF::name().size() + 4;
  for (const auto& [k, v] : meta) off += 4 + k.size() + 4 + v.size();
  return off + 4 + 8 + 8;
}

}  // namespace

TEST_CASE("an MF model round-trips with identical scores and bytes", "[io][model_file]") {
  const ScratchDir scratch("round_trip");
  const fs::path& dir = scratch.path;
  const MF model(13, 29, {.dim = 7, .init_std = 0.3, .seed = 4});
  const hardneg::Metadata meta{{"sampler", "dns:m=5,n=200"}, {"loss", "bpr"}, {"empty", ""}};
  const fs::path file = dir / "model.hnm";
  hardneg::save_model(file, model, meta);

  hardneg::Metadata read_meta;
  const MF loaded = hardneg::load_model<MF>(file, &read_meta);
  CHECK(read_meta == meta);
  CHECK(loaded.user_embeddings() == model.user_embeddings());
  CHECK(loaded.item_embeddings() == model.item_embeddings());
  for (index_t u = 0; u < 13; ++u)
    for (index_t i = 0; i < 29; ++i) REQUIRE(loaded.score(u, i) == model.score(u, i));

  const fs::path again = dir / "again.hnm";
  hardneg::save_model(again, loaded, read_meta);
  CHECK(read_bytes(file) == read_bytes(again));

  // The size is exactly what the format says: no padding is written.
  const std::size_t floats = (13 + 29) * 7;
  CHECK(read_bytes(file).size() == first_float_offset(meta) + 4 * floats + (8 + 8) + 8);

  const auto mf = hardneg::load_model_file(file);
  CHECK(mf.version == 1);
  CHECK(mf.name == "mf");
  REQUIRE(mf.tables.size() == 2);
  CHECK(mf.tables[0].rows() == 13);
  CHECK(mf.tables[1].dim() == 7);

  // Overwriting keeps one file and no temporary.
  hardneg::save_model(file, MF(2, 3, {.dim = 4}));
  CHECK(hardneg::load_model<MF>(file).n_items() == 3);
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++entries;
  CHECK(entries == 2);  // model.hnm and again.hnm
}

TEST_CASE("a saved model file is little-endian with the documented header", "[io][model_file]") {
  const ScratchDir scratch("layout");
  const fs::path& dir = scratch.path;
  hardneg::RowMatrix users(1, 2), items(1, 2);
  users(0, 0) = 1.0f;   // 0x3f800000
  users(0, 1) = -2.0f;  // 0xc0000000
  hardneg::save_model(dir / "m", MF(users, items));
  const auto b = read_bytes(dir / "m");
  CHECK(std::string(b.begin(), b.begin() + 8) == "HARDNEGM");
  CHECK((b[8] == 1 && b[9] == 0 && b[10] == 0 && b[11] == 0));  // version 1
  CHECK((b[12] == 2 && b[13] == 0));                             // name length
  CHECK(std::string(b.begin() + 16, b.begin() + 18) == "mf");
  const std::size_t f = first_float_offset({});
  CHECK((b[f - 16] == 1 && b[f - 8] == 2));  // rows 1, dim 2 (u64 LE)
  CHECK((b[f] == 0x00 && b[f + 1] == 0x00 && b[f + 2] == 0x80 && b[f + 3] == 0x3f));
  CHECK((b[f + 4] == 0x00 && b[f + 7] == 0xc0));
}

TEST_CASE("damaged model files are rejected with the file name", "[io][model_file]") {
  const ScratchDir scratch("damage");
  const fs::path& dir = scratch.path;
  const fs::path good = dir / "good.hnm";
  const hardneg::Metadata meta{{"k", "v"}};
  hardneg::save_model(good, MF(3, 4, {.dim = 5}), meta);
  const auto bytes = read_bytes(good);
  const fs::path bad = dir / "bad.hnm";

  SECTION("truncated at every length") {
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      write_bytes(bad, std::vector<unsigned char>(bytes.begin(), bytes.begin() + static_cast<long>(n)));
      INFO("length " << n);
      // Short of the magic it is "bad magic"; after it, "truncated".
      check_rejected(bad, n < 8 ? "bad magic" : "truncated");
    }
  }
  SECTION("a flipped bit in any byte") {
    for (std::size_t k = 0; k < bytes.size(); ++k) {
      auto b = bytes;
      b[k] ^= 0x10;
      write_bytes(bad, b);
      INFO("byte " << k);
      CHECK_THROWS_AS(hardneg::load_model_file(bad), hardneg::IoError);
    }
    auto b = bytes;
    b[first_float_offset(meta) + 5] ^= 0x01;  // inside the data: only the checksum sees it
    write_bytes(bad, b);
    check_rejected(bad, "checksum mismatch");
  }
  SECTION("wrong magic") {
    auto b = bytes;
    b[0] = 'X';
    write_bytes(bad, b);
    check_rejected(bad, "bad magic");
  }
  SECTION("unsupported version") {
    auto b = bytes;
    b[8] = 9;
    fix_checksum(b);
    write_bytes(bad, b);
    check_rejected(bad, "unsupported format version 9");
  }
  SECTION("trailing bytes") {
    auto b = bytes;
    b.push_back(0);
    write_bytes(bad, b);
    check_rejected(bad, "size mismatch");
  }
  SECTION("a huge table size") {
    auto b = bytes;
    b[first_float_offset(meta) - 9] = 0x7f;  // top byte of table 0's row count
    fix_checksum(b);
    write_bytes(bad, b);
    check_rejected(bad, "size mismatch");
  }
  SECTION("NaN and Inf, even with a valid checksum") {
    for (const real value : {std::numeric_limits<real>::quiet_NaN(), std::numeric_limits<real>::infinity(),
                             -std::numeric_limits<real>::infinity()}) {
      auto b = bytes;
      const std::size_t at = first_float_offset(meta) + 4 * 6;  // table 0, row 1, column 1
      std::memcpy(b.data() + at, &value, 4);
      fix_checksum(b);
      write_bytes(bad, b);
      check_rejected(bad, "table 0, row 1, column 1 is ");
      check_rejected(bad, std::isnan(value) ? "nan" : "inf");
    }
  }
  SECTION("a missing file") { check_rejected(dir / "missing.hnm", "cannot open"); }
}

TEST_CASE("load_model checks the model name and shapes", "[io][model_file]") {
  const ScratchDir scratch("load_model");
  const fs::path& dir = scratch.path;
  hardneg::save_model_file(dir / "other", "gmf", MF(2, 3, {.dim = 4}).parameters());
  CHECK_THROWS_WITH(hardneg::load_model<MF>(dir / "other"), Catch::Contains("'gmf' model, expected 'mf'"));

  const hardneg::RowMatrix tables[] = {hardneg::RowMatrix(2, 4), hardneg::RowMatrix(3, 5)};
  hardneg::save_model_file(dir / "shapes", "mf", tables);
  CHECK_THROWS_AS(hardneg::load_model<MF>(dir / "shapes"), hardneg::IoError);
  CHECK_THROWS_WITH(hardneg::load_model<MF>(dir / "shapes"), Catch::Contains("different dims"));
  CHECK_THROWS_WITH(hardneg::load_model<MF>(dir / "shapes"), Catch::Contains((dir / "shapes").string()));
}

TEST_CASE("save_model refuses NaN and leaves nothing behind on failure", "[io][model_file]") {
  const ScratchDir scratch("save_fail");
  const fs::path& dir = scratch.path;
  MF model(2, 3, {.dim = 4});
  model.item_embeddings()(2, 3) = std::numeric_limits<real>::quiet_NaN();
  CHECK_THROWS_WITH(hardneg::save_model(dir / "m", model), Catch::Contains("table 1, row 2, column 3 is nan"));
  CHECK(fs::is_empty(dir));

  // An existing file survives a failed save.
  const MF good(2, 3, {.dim = 4});
  hardneg::save_model(dir / "m", good);
  CHECK_THROWS(hardneg::save_model(dir / "m", model));
  CHECK(hardneg::load_model<MF>(dir / "m").item_embeddings() == good.item_embeddings());

  // A directory that does not exist: IoError, no temporary anywhere.
  CHECK_THROWS_AS(hardneg::save_model(dir / "no" / "such" / "m", good), hardneg::IoError);
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : fs::recursive_directory_iterator(dir)) ++entries;
  CHECK(entries == 1);
}
