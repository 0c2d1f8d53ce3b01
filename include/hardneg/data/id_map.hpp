// IdMap: original (string) ids <-> dense indices 0, 1, 2, ... in first-seen order.
//
// Loaders of formats with arbitrary ids (user names, ASINs, MovieLens's
// 1-based numbers) number them densely as they meet them; the map goes with
// the data so that recommendations can print the original ids. On disk it is
// a text file with one original id per line, line k holding the id of index k
// (k from 0), which save() writes and load() reads.
//
// Storage: all names back to back in one string plus their offsets, and an
// open-addressing hash table (linear probing) of indices. Looking a name up
// allocates nothing; inserting allocates only when a buffer grows.
#pragma once

#include <cstddef>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "hardneg/core/error.hpp"
#include "hardneg/core/types.hpp"
#include "hardneg/data/detail/line_reader.hpp"

namespace hardneg {

class IdMap {
 public:
  IdMap() = default;

  /// Number of ids.
  index_t size() const noexcept { return static_cast<index_t>(ends_.size()); }
  bool empty() const noexcept { return ends_.empty(); }

  /// Index of `name`, adding it (as index size()) when it is new.
  index_t insert(std::string_view name) {
    if (2 * (ends_.size() + 1) > slots_.size()) grow();
    std::size_t slot = hash(name) & (slots_.size() - 1);
    for (;; slot = (slot + 1) & (slots_.size() - 1)) {
      const index_t k = slots_[slot];
      if (k < 0) break;
      if (name_unchecked(k) == name) return k;
    }
    if (ends_.size() >= static_cast<std::size_t>(max_id))
      throw InvalidArgument("IdMap: more than " + std::to_string(max_id) + " ids");
    const auto k = static_cast<index_t>(ends_.size());
    chars_.append(name);
    ends_.push_back(chars_.size());
    slots_[slot] = k;
    return k;
  }

  /// Index of `name`, or -1 when it is not in the map.
  index_t find(std::string_view name) const noexcept {
    if (slots_.empty()) return -1;
    for (std::size_t slot = hash(name) & (slots_.size() - 1);;
         slot = (slot + 1) & (slots_.size() - 1)) {
      const index_t k = slots_[slot];
      if (k < 0) return -1;
      if (name_unchecked(k) == name) return k;
    }
  }
  bool contains(std::string_view name) const noexcept { return find(name) >= 0; }

  /// Original id of `index`; throws InvalidArgument when it is out of range.
  std::string_view name(index_t index) const {
    if (index < 0 || index >= size())
      throw InvalidArgument("IdMap: index " + std::to_string(index) + " is outside [0, " +
                            std::to_string(size()) + ")");
    return name_unchecked(index);
  }

  /// Writes one id per line in index order. Throws InvalidArgument when an id
  /// cannot be stored that way (empty, or holding a line break), IoError when
  /// the file cannot be written.
  void save(const std::string& path) const {
    for (index_t k = 0; k < size(); ++k) {
      const std::string_view n = name_unchecked(k);
      if (n.empty() || n.find_first_of("\r\n") != std::string_view::npos)
        throw InvalidArgument("IdMap::save: id " + std::to_string(k) +
                              " is empty or holds a line break; it cannot be saved one per line");
    }
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) throw IoError("cannot open '" + path + "' for writing");
    bool ok = true;
    std::size_t begin = 0;
    for (const std::size_t end : ends_) {
      ok = ok && std::fwrite(chars_.data() + begin, 1, end - begin, f) == end - begin;
      ok = ok && std::fputc('\n', f) != EOF;
      begin = end;
    }
    ok = (std::fclose(f) == 0) && ok;
    if (!ok) throw IoError("cannot write '" + path + "'");
  }

  /// Reads a file written by save(). Throws IoError when it cannot be read,
  /// ParseError (file:line) for an empty line or an id that repeats.
  static IdMap load(const std::string& path) {
    detail::data::LineReader in(path);
    IdMap map;
    std::string_view line;
    while (in.next(line)) {
      if (line.empty()) in.fail_line("empty id (one id per line expected)");
      const index_t before = map.size();
      const index_t k = map.insert(line);
      if (k != before)
        in.fail(line,
                "id " + detail::data::quoted(line) + " repeats line " + std::to_string(k + 1));
    }
    return map;
  }

  friend bool operator==(const IdMap& a, const IdMap& b) noexcept {
    return a.chars_ == b.chars_ && a.ends_ == b.ends_;
  }

 private:
  static std::size_t hash(std::string_view name) noexcept {
    return std::hash<std::string_view>{}(name);
  }

  std::string_view name_unchecked(index_t k) const noexcept {
    const auto i = static_cast<std::size_t>(k);
    const std::size_t begin = i == 0 ? 0 : ends_[i - 1];
    return std::string_view(chars_).substr(begin, ends_[i] - begin);
  }

  void grow() {
    const std::size_t capacity = slots_.empty() ? 16 : 2 * slots_.size();
    slots_.assign(capacity, -1);
    for (index_t k = 0; k < size(); ++k) {
      std::size_t slot = hash(name_unchecked(k)) & (capacity - 1);
      while (slots_[slot] >= 0) slot = (slot + 1) & (capacity - 1);
      slots_[slot] = k;
    }
  }

  std::string chars_;              // every name, back to back
  std::vector<std::size_t> ends_;  // ends_[k]: end of name k in chars_
  std::vector<index_t> slots_;     // hash table of indices, -1 = empty; size 0 or a power of 2
};

}  // namespace hardneg
