// Records: interactions as a table of rows, between parsing and the CSR matrix.
//
// Columns (struct of arrays, one entry per row, in file order):
//   users, items   dense ids (always present)
//   ratings        the raw rating value as read (empty when the file has none)
//   labels         1 = positive, 0 = explicit negative (present only when the
//                  loader was given a negative threshold)
//   timestamps     as read, in the file's unit (empty when the file has none)
// Filters (filter.hpp) and splits (split.hpp) work on this table; rows may
// repeat a (user, item) pair until deduplicate() merges them.
//
// n_users / n_items give the id space (every id is below them), which may be
// larger than the ids present, e.g. after rows were removed. user_ids /
// item_ids hold the original ids when the loader remapped them; numeric
// formats keep their ids as they are and leave the maps empty.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "hardneg/core/error.hpp"
#include "hardneg/core/types.hpp"
#include "hardneg/data/id_map.hpp"
#include "hardneg/data/interactions.hpp"
#include "hardneg/data/stats.hpp"

namespace hardneg {

struct Records {
  std::vector<index_t> users;
  std::vector<index_t> items;
  std::vector<float> ratings;
  std::vector<float> labels;
  std::vector<double> timestamps;
  index_t n_users = 0;
  index_t n_items = 0;
  std::optional<IdMap> user_ids;
  std::optional<IdMap> item_ids;
  /// Counters gathered so far (empty lines, ignored rows, duplicates, k-core).
  DataStats stats;

  std::size_t size() const noexcept { return users.size(); }
  bool empty() const noexcept { return users.empty(); }
  bool has_ratings() const noexcept { return !ratings.empty(); }
  bool has_labels() const noexcept { return !labels.empty(); }
  bool has_timestamps() const noexcept { return !timestamps.empty(); }

  /// Throws InvalidArgument unless the columns have consistent lengths, every
  /// id is in [0, n_users) x [0, n_items) and the maps match the id space.
  void validate() const {
    const std::size_t n = users.size();
    detail::require(items.size() == n, "Records: users and items must have the same length");
    detail::require(ratings.empty() || ratings.size() == n,
                    "Records: ratings must be empty or one per row");
    detail::require(labels.empty() || labels.size() == n,
                    "Records: labels must be empty or one per row");
    detail::require(timestamps.empty() || timestamps.size() == n,
                    "Records: timestamps must be empty or one per row");
    detail::require(n_users >= 0 && n_items >= 0, "Records: negative id space");
    detail::require(!user_ids || user_ids->size() == n_users,
                    "Records: user_ids must hold exactly n_users ids");
    detail::require(!item_ids || item_ids->size() == n_items,
                    "Records: item_ids must hold exactly n_items ids");
    for (std::size_t r = 0; r < n; ++r) {
      if (users[r] < 0 || users[r] >= n_users || items[r] < 0 || items[r] >= n_items)
        throw InvalidArgument("Records: row " + std::to_string(r) + " (" +
                              std::to_string(users[r]) + ", " + std::to_string(items[r]) +
                              ") is outside " + std::to_string(n_users) + " users x " +
                              std::to_string(n_items) + " items");
    }
  }

  /// Appends row r of `other` (same columns) to this table.
  void push_row(const Records& other, std::size_t r) {
    users.push_back(other.users[r]);
    items.push_back(other.items[r]);
    if (other.has_ratings()) ratings.push_back(other.ratings[r]);
    if (other.has_labels()) labels.push_back(other.labels[r]);
    if (other.has_timestamps()) timestamps.push_back(other.timestamps[r]);
  }

  /// The given rows, in the given order, with the same id space, maps and
  /// counters.
  Records select(std::span<const std::size_t> rows) const {
    Records out = empty_like();
    out.users.reserve(rows.size());
    out.items.reserve(rows.size());
    if (has_ratings()) out.ratings.reserve(rows.size());
    if (has_labels()) out.labels.reserve(rows.size());
    if (has_timestamps()) out.timestamps.reserve(rows.size());
    for (const std::size_t r : rows) out.push_row(*this, r);
    return out;
  }

  /// A table with no rows but the same columns, id space, maps and counters.
  Records empty_like() const {
    Records out;
    out.n_users = n_users;
    out.n_items = n_items;
    out.user_ids = user_ids;
    out.item_ids = item_ids;
    out.stats = stats;
    return out;
  }

  /// The (user, item) pairs, in row order.
  std::vector<Pair> pairs() const {
    std::vector<Pair> out(users.size());
    for (std::size_t r = 0; r < users.size(); ++r) out[r] = {users[r], items[r]};
    return out;
  }

  /// The rows as a CSR matrix of n_users x n_items (labels kept). Duplicate
  /// pairs are merged, the first row winning; their number is returned
  /// through `duplicates` when given.
  Interactions to_interactions(std::size_t* duplicates = nullptr) const {
    const std::vector<Pair> p = pairs();
    return Interactions::from_pairs(n_users, n_items, p, labels, duplicates);
  }
};

}  // namespace hardneg
