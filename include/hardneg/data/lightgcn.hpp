// Loader for the LightGCN / NGCF list format: one line per user,
//
//   user item item item ...
//
// ids separated by spaces or tabs. A line may hold a user alone (with or
// without trailing spaces): that user counts in n_users but has no items.
// A user may appear on several lines (its items are joined) and an item may
// repeat (merged, counted in stats.duplicates). Blank lines are skipped and
// counted; CRLF line ends and a last line without newline are accepted.
//
// Ids are kept as they are (0-based integers below 2^31 - 1), so n_users =
// max user id + 1 over train and test, likewise n_items. With
// remap_ids = true they are treated as strings and numbered densely in
// first-seen order (train first), the originals kept in the Dataset's maps.
#pragma once

#include <string>
#include <string_view>

#include "hardneg/core/error.hpp"
#include "hardneg/core/types.hpp"
#include "hardneg/data/dataset.hpp"
#include "hardneg/data/detail/line_reader.hpp"
#include "hardneg/data/records.hpp"

namespace hardneg {

struct LightGcnOptions {
  /// Number ids densely in first-seen order instead of keeping them.
  bool remap_ids = false;
};

/// Reads one file of the list format into a table of (user, item) rows.
/// Throws IoError when the file cannot be read and ParseError (file:line:col
/// and the token) on an empty file or a malformed id.
inline Records load_lightgcn_records(const std::string& path, const LightGcnOptions& options = {}) {
  namespace dd = detail::data;
  dd::LineReader in(path);
  Records out;
  if (options.remap_ids) {
    out.user_ids.emplace();
    out.item_ids.emplace();
  }
  index_t n_users = 0, n_items = 0;
  auto id = [&](std::string_view token, std::string_view what, IdMap* map, index_t& n) {
    if (map) return map->insert(token);
    const index_t v = dd::parse_id(in, token, what);
    if (v >= n) n = v + 1;
    return v;
  };
  IdMap* user_map = out.user_ids ? &*out.user_ids : nullptr;
  IdMap* item_map = out.item_ids ? &*out.item_ids : nullptr;

  std::string_view line, token;
  std::size_t data_lines = 0;
  while (in.next(line)) {
    std::size_t pos = 0;
    if (!dd::next_word(line, pos, token)) {
      ++out.stats.empty_lines;
      continue;
    }
    ++data_lines;
    const index_t user = id(token, "user id", user_map, n_users);
    while (dd::next_word(line, pos, token)) {
      out.items.push_back(id(token, "item id", item_map, n_items));
      out.users.push_back(user);
    }
  }
  if (in.bytes_read() == 0) throw ParseError(path, 0, 0, "file is empty");
  if (data_lines == 0) throw ParseError(path, 0, 0, "file holds only blank lines");
  out.n_users = user_map ? user_map->size() : n_users;
  out.n_items = item_map ? item_map->size() : n_items;
  return out;
}

/// Loads a train file and a test file of the list format as one Dataset
/// (shared id space; see the header comment).
inline Dataset load_lightgcn(const std::string& train_path, const std::string& test_path,
                             const LightGcnOptions& options = {}) {
  return make_dataset(load_lightgcn_records(train_path, options),
                      load_lightgcn_records(test_path, options));
}

}  // namespace hardneg
