// Model files: save and load a model's parameter tables.
//
// Format (version 1), every integer little-endian, floats IEEE-754 binary32
// little-endian:
//
//   magic        8 bytes  "HARDNEGM"
//   version      u32      1
//   name         string   the model's name() ("mf")
//   n_metadata   u32      then n_metadata (key, value) string pairs, sorted
//                         by key (policy names, options, anything textual)
//   n_tables     u32      then per table:
//     rows       u64
//     dim        u64
//     data       rows * dim floats, row after row (no SIMD padding)
//   checksum     u64      FNV-1a 64 of every byte before it
//
//   string = u32 byte length, then the bytes (UTF-8, no terminator)
//
// save_model writes to a temporary file in the destination's directory,
// flushes it (and fsyncs it on POSIX), then renames it over the destination,
// so readers see either the old file or the complete new one. It refuses to
// write NaN or infinite values. Loading checks everything a damaged or
// foreign file can get wrong (magic, version, lengths against the file size,
// trailing bytes, checksum, NaN/Inf) and throws hardneg::IoError with the
// file name and the problem.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <chrono>
#include <cerrno>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#if __has_include(<unistd.h>)
#include <unistd.h>
#endif

#include "hardneg/core/error.hpp"
#include "hardneg/core/matrix.hpp"
#include "hardneg/core/types.hpp"

namespace hardneg {

/// Free-form text attached to a model file (sorted by key).
using Metadata = std::map<std::string, std::string>;

/// Everything a model file holds.
struct ModelFile {
  std::uint32_t version = 0;
  std::string name;
  Metadata metadata;
  std::vector<RowMatrix> tables;
};

inline constexpr std::uint32_t model_file_version = 1;

namespace detail {

inline constexpr std::array<char, 8> model_file_magic{'H', 'A', 'R', 'D', 'N', 'E', 'G', 'M'};

/// FNV-1a 64 over `bytes`, continuing from `hash`.
constexpr std::uint64_t fnv1a64(std::span<const unsigned char> bytes,
                                std::uint64_t hash = 0xcbf29ce484222325ull) noexcept {
  for (unsigned char b : bytes) {
    hash ^= b;
    hash *= 0x100000001b3ull;
  }
  return hash;
}

inline std::string quoted(const std::filesystem::path& p) {
  // Appended piece by piece: GCC 12 warns (-Wrestrict, a false positive)
  // about "'" + std::string.
  std::string out(1, '\'');
  out += p.string();
  out += '\'';
  return out;
}

/// Where a table holds a NaN or infinite value.
struct NonFinite {
  std::size_t table, row, column;
  real value;
  std::string describe() const {
    return "table " + std::to_string(table) + ", row " + std::to_string(row) + ", column " +
           std::to_string(column) + " is " + std::to_string(value);
  }
};

/// The first NaN or infinite value of `tables`, if any.
inline std::optional<NonFinite> find_non_finite(std::span<const RowMatrix> tables) noexcept {
  for (std::size_t t = 0; t < tables.size(); ++t)
    for (std::size_t r = 0; r < tables[t].rows(); ++r) {
      const auto row = tables[t].row(r);
      for (std::size_t c = 0; c < row.size(); ++c)
        if (!std::isfinite(row[c])) return NonFinite{t, r, c, row[c]};
    }
  return std::nullopt;
}

/// Buffered little-endian writer to a FILE that hashes what it writes.
class ModelFileWriter {
 public:
  ModelFileWriter(std::FILE* file, const std::filesystem::path& path) : file_(file), path_(path) {
    buffer_.reserve(capacity);
  }

  void bytes(const void* data, std::size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    while (n > 0) {
      const std::size_t take = std::min(n, capacity - buffer_.size());
      buffer_.insert(buffer_.end(), p, p + take);
      p += take;
      n -= take;
      if (buffer_.size() == capacity) flush_buffer();
    }
  }
  template <std::unsigned_integral U>
  void integer(U value) {
    unsigned char b[sizeof(U)];
    for (std::size_t k = 0; k < sizeof(U); ++k) b[k] = static_cast<unsigned char>(value >> (8 * k));
    bytes(b, sizeof(U));
  }
  void string(std::string_view s) {
    if (s.size() > UINT32_MAX) throw InvalidArgument("save_model: a string longer than 4 GiB");
    integer(static_cast<std::uint32_t>(s.size()));
    bytes(s.data(), s.size());
  }
  void floats(const real* data, std::size_t n) {
    static_assert(sizeof(real) == 4 && std::numeric_limits<real>::is_iec559);
    if constexpr (std::endian::native == std::endian::little) {
      bytes(data, n * sizeof(real));
    } else {
      for (std::size_t k = 0; k < n; ++k) integer(std::bit_cast<std::uint32_t>(data[k]));
    }
  }
  /// Writes the checksum of everything so far, then flushes to the OS.
  void finish() {
    flush_buffer();
    integer(hash_);
    flush_buffer(/*hash=*/false);
    if (std::fflush(file_) != 0) fail("cannot flush");
  }

 private:
  static constexpr std::size_t capacity = std::size_t{1} << 20;

  void flush_buffer(bool hash = true) {
    if (buffer_.empty()) return;
    if (hash) hash_ = fnv1a64(buffer_, hash_);
    if (std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size()) fail("cannot write");
    buffer_.clear();
  }
  [[noreturn]] void fail(const char* what) const {
    throw IoError(std::string(what) + " " + quoted(path_) + ": " + std::strerror(errno));
  }

  std::FILE* file_;
  const std::filesystem::path& path_;
  std::vector<unsigned char> buffer_;
  std::uint64_t hash_ = 0xcbf29ce484222325ull;
};

/// Bounds-checked little-endian reader over a whole file's bytes.
class ModelFileReader {
 public:
  ModelFileReader(std::span<const unsigned char> data, const std::filesystem::path& path)
      : data_(data), path_(path) {}

  std::size_t offset() const noexcept { return pos_; }
  std::size_t remaining() const noexcept { return data_.size() - pos_; }

  [[noreturn]] void fail(const std::string& what) const {
    throw IoError("model file " + quoted(path_) + ": " + what);
  }
  void need(std::size_t n, std::string_view what) const {
    if (n > remaining())
      fail("truncated: " + std::string(what) + " needs " + std::to_string(n) + " bytes at offset " +
           std::to_string(pos_) + " but the file has " + std::to_string(remaining()) + " left (" +
           std::to_string(data_.size()) + " bytes in all)");
  }
  std::span<const unsigned char> bytes(std::size_t n, std::string_view what) {
    need(n, what);
    const auto out = data_.subspan(pos_, n);
    pos_ += n;
    return out;
  }
  template <std::unsigned_integral U>
  U integer(std::string_view what) {
    const auto b = bytes(sizeof(U), what);
    U value = 0;
    for (std::size_t k = 0; k < sizeof(U); ++k) value |= static_cast<U>(U{b[k]} << (8 * k));
    return value;
  }
  std::string string(std::string_view what) {
    const auto n = integer<std::uint32_t>(what);
    const auto b = bytes(n, what);
    return std::string(reinterpret_cast<const char*>(b.data()), b.size());
  }
  void floats(real* out, std::size_t n, std::string_view what) {
    const auto b = bytes(n * sizeof(real), what);
    if constexpr (std::endian::native == std::endian::little) {
      std::memcpy(out, b.data(), b.size());
    } else {
      for (std::size_t k = 0; k < n; ++k) {
        std::uint32_t v = 0;
        for (std::size_t j = 0; j < 4; ++j) v |= std::uint32_t{b[4 * k + j]} << (8 * j);
        out[k] = std::bit_cast<real>(v);
      }
    }
  }

 private:
  std::span<const unsigned char> data_;
  const std::filesystem::path& path_;
  std::size_t pos_ = 0;
};

/// A fresh name for a temporary file next to `path`.
inline std::filesystem::path temporary_path_for(const std::filesystem::path& path) {
  const auto stamp = static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  const auto thread = static_cast<std::uint64_t>(std::hash<std::thread::id>{}(std::this_thread::get_id()));
  char suffix[40];
  std::snprintf(suffix, sizeof suffix, ".tmp-%016llx", static_cast<unsigned long long>(stamp ^ (thread * 0x9E3779B97F4A7C15ull)));
  std::filesystem::path tmp = path;
  tmp += suffix;
  return tmp;
}

}  // namespace detail

/// Writes `tables` under `name` with `metadata` to `path` atomically.
/// Throws InvalidArgument for NaN/Inf values, IoError when the file cannot
/// be written (the destination is then left as it was).
inline void save_model_file(const std::filesystem::path& path, std::string_view name,
                            std::span<const RowMatrix> tables, const Metadata& metadata = {}) {
  if (const auto bad = detail::find_non_finite(tables))
    throw InvalidArgument("save_model " + detail::quoted(path) + ": " + bad->describe() +
                          "; refusing to write a model that cannot be loaded");
  detail::require(tables.size() <= UINT32_MAX && metadata.size() <= UINT32_MAX,
                  "save_model: too many tables or metadata entries");

  const std::filesystem::path tmp = detail::temporary_path_for(path);
  // "x": fail rather than overwrite if the temporary name exists.
  std::FILE* file = std::fopen(tmp.string().c_str(), "wbx");
  if (!file)
    throw IoError("cannot create " + detail::quoted(tmp) + " to save model " + detail::quoted(path) +
                  ": " + std::strerror(errno));
  try {
    detail::ModelFileWriter out(file, tmp);
    out.bytes(detail::model_file_magic.data(), detail::model_file_magic.size());
    out.integer(model_file_version);
    out.string(name);
    out.integer(static_cast<std::uint32_t>(metadata.size()));
    for (const auto& [key, value] : metadata) {
      out.string(key);
      out.string(value);
    }
    out.integer(static_cast<std::uint32_t>(tables.size()));
    for (const RowMatrix& t : tables) {
      out.integer(static_cast<std::uint64_t>(t.rows()));
      out.integer(static_cast<std::uint64_t>(t.dim()));
      for (std::size_t r = 0; r < t.rows(); ++r) out.floats(t.row_ptr(r), t.dim());
    }
    out.finish();
#if __has_include(<unistd.h>)
    if (::fsync(::fileno(file)) != 0)
      throw IoError("cannot sync " + detail::quoted(tmp) + ": " + std::strerror(errno));
#endif
    const int closed = std::fclose(file);
    file = nullptr;
    if (closed != 0) throw IoError("cannot close " + detail::quoted(tmp) + ": " + std::strerror(errno));
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec)
      throw IoError("cannot rename " + detail::quoted(tmp) + " to " + detail::quoted(path) + ": " +
                    ec.message());
  } catch (...) {
    if (file) std::fclose(file);
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    throw;
  }
}

/// Saves any model with a static name() and parameters() (its tables in
/// order) to `path`, atomically. See save_model_file. A model whose settings
/// do not show in its tables (MF's cosine score) reports them with
/// file_metadata(); they are stored with `metadata` (the model's entries win).
template <class M>
  requires requires(const M& m) {
    { M::name() } -> std::convertible_to<std::string_view>;
    { m.parameters() } -> std::convertible_to<std::span<const RowMatrix>>;
  }
void save_model(const std::filesystem::path& path, const M& model, const Metadata& metadata = {}) {
  if constexpr (requires { { model.file_metadata() } -> std::convertible_to<Metadata>; }) {
    Metadata all = metadata;
    for (auto& [key, value] : Metadata(model.file_metadata())) all.insert_or_assign(key, value);
    save_model_file(path, M::name(), model.parameters(), all);
  } else {
    save_model_file(path, M::name(), model.parameters(), metadata);
  }
}

/// Reads and checks a model file. Throws IoError naming the file and the
/// problem: unreadable, bad magic, unsupported version, truncated, size
/// mismatch, checksum mismatch, NaN or infinite value.
inline ModelFile load_model_file(const std::filesystem::path& path) {
  std::vector<unsigned char> data;
  {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw IoError("cannot open model file " + detail::quoted(path) + ": " + std::strerror(errno));
    data.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (in.bad()) throw IoError("cannot read model file " + detail::quoted(path));
  }
  detail::ModelFileReader in(data, path);

  if (data.size() < detail::model_file_magic.size() ||
      !std::equal(detail::model_file_magic.begin(), detail::model_file_magic.end(), data.begin()))
    in.fail("not a hardneg model file (bad magic; expected \"HARDNEGM\")");
  in.bytes(detail::model_file_magic.size(), "magic");

  ModelFile file;
  file.version = in.integer<std::uint32_t>("the format version");
  if (file.version != model_file_version)
    in.fail("unsupported format version " + std::to_string(file.version) + " (this build reads version " +
            std::to_string(model_file_version) + ")");
  file.name = in.string("the model name");
  const auto n_meta = in.integer<std::uint32_t>("the metadata count");
  for (std::uint32_t k = 0; k < n_meta; ++k) {
    std::string key = in.string("a metadata key");
    std::string value = in.string("a metadata value");
    file.metadata.insert_or_assign(std::move(key), std::move(value));
  }
  const auto n_tables = in.integer<std::uint32_t>("the table count");
  for (std::uint32_t t = 0; t < n_tables; ++t) {
    const std::string label = "table " + std::to_string(t);
    const auto rows = in.integer<std::uint64_t>(label + " rows");
    const auto dim = in.integer<std::uint64_t>(label + " dim");
    // Compare against what is left before allocating anything.
    const std::uint64_t left = in.remaining() / sizeof(real);
    if (dim > (std::uint64_t{1} << 24) || (dim > 0 && rows > left / dim))
      in.fail("size mismatch: " + label + " claims " + std::to_string(rows) + " rows x " +
              std::to_string(dim) + " floats at offset " + std::to_string(in.offset()) + " but only " +
              std::to_string(in.remaining()) + " bytes remain (truncated or corrupted)");
    RowMatrix m(static_cast<std::size_t>(rows), static_cast<std::size_t>(dim));
    for (std::size_t r = 0; r < m.rows(); ++r) in.floats(m.row_ptr(r), m.dim(), label + " data");
    file.tables.push_back(std::move(m));
  }

  const std::size_t checked = in.offset();
  const auto stored = in.integer<std::uint64_t>("the checksum");
  if (in.remaining() != 0)
    in.fail("size mismatch: " + std::to_string(in.remaining()) +
            " unexpected bytes after the checksum (corrupted, or not written by hardneg)");
  const auto computed = detail::fnv1a64(std::span<const unsigned char>(data).first(checked));
  if (stored != computed) {
    char hex[80];
    std::snprintf(hex, sizeof hex, "stored %016llx, computed %016llx",
                  static_cast<unsigned long long>(stored), static_cast<unsigned long long>(computed));
    in.fail(std::string("checksum mismatch (") + hex + "): the file is corrupted");
  }
  if (const auto bad = detail::find_non_finite(file.tables))
    in.fail(bad->describe() + "; a model file must hold finite numbers");
  return file;
}

/// Loads a model of type M: checks the file's model name against M::name()
/// and builds M::from_tables(tables) (which checks the shapes), or
/// M::from_tables(tables, metadata) when M has it (to restore the settings
/// its file_metadata() saved). Copies the file's metadata to *metadata when
/// given.
template <class M>
  requires requires(std::vector<RowMatrix> tables) {
    { M::name() } -> std::convertible_to<std::string_view>;
    { M::from_tables(std::move(tables)) } -> std::convertible_to<M>;
  }
M load_model(const std::filesystem::path& path, Metadata* metadata = nullptr) {
  ModelFile file = load_model_file(path);
  if (file.name != M::name())
    throw IoError("model file " + detail::quoted(path) + ": holds a '" + file.name +
                  "' model, expected '" + std::string(M::name()) + "'");
  if (metadata) *metadata = file.metadata;
  try {
    if constexpr (requires { M::from_tables(std::move(file.tables), std::as_const(file.metadata)); })
      return M::from_tables(std::move(file.tables), std::as_const(file.metadata));
    else
      return M::from_tables(std::move(file.tables));
  } catch (const InvalidArgument& e) {
    throw IoError("model file " + detail::quoted(path) + ": " + e.what());
  }
}

}  // namespace hardneg
