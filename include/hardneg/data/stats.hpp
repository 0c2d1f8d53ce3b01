// DataStats: sizes of a data set and every anomaly met while loading,
// filtering and splitting it.
//
// Nothing in hardneg's data layer is dropped or merged silently: each such
// case increments one named counter here, and the `hardneg stats` tool prints
// them all. The fields split in two groups:
//   - counters gathered along the way (duplicates, ignored_rows, k_core_removed,
//     empty_lines), which travel with Records through filters and splits;
//   - derived values (users ... negative_labels), recomputed from the final
//     matrices by Dataset::update_stats().
// for_each_field(fn) visits every field as fn(name, value) in a fixed order,
// so printers (JSON, tables) need not list the fields themselves.
#pragma once

#include <cstdint>
#include <string_view>

namespace hardneg {

struct DataStats {
  // -- sizes (derived) --
  std::int64_t users = 0;  ///< n_users: every user id is below this
  std::int64_t items = 0;  ///< n_items
  std::int64_t train = 0;  ///< train interactions (after merging duplicates)
  std::int64_t test = 0;   ///< test interactions
  std::int64_t valid = 0;  ///< validation interactions (0 when there is no validation set)
  // -- anomalies (derived) --
  std::int64_t test_in_train = 0;    ///< test pairs that are also train pairs (kept)
  std::int64_t cold_test_users = 0;  ///< users with test items but no train item (kept)
  std::int64_t cold_test_items = 0;  ///< distinct test items that never occur in train (kept)
  std::int64_t negative_labels = 0;  ///< interactions kept with label 0 (explicit negatives)
  // -- anomalies (counted while loading / filtering) --
  std::int64_t duplicates = 0;      ///< repeated (user, item) pairs merged into one
  std::int64_t ignored_rows = 0;    ///< rows whose rating lies between the thresholds
  std::int64_t k_core_removed = 0;  ///< rows removed by the k-core filter
  std::int64_t empty_lines = 0;     ///< blank lines skipped

  /// Calls fn(std::string_view name, std::int64_t value) for every field.
  template <class Fn>
  void for_each_field(Fn&& fn) const {
    fn(std::string_view("users"), users);
    fn(std::string_view("items"), items);
    fn(std::string_view("train"), train);
    fn(std::string_view("test"), test);
    fn(std::string_view("valid"), valid);
    fn(std::string_view("test_in_train"), test_in_train);
    fn(std::string_view("cold_test_users"), cold_test_users);
    fn(std::string_view("cold_test_items"), cold_test_items);
    fn(std::string_view("negative_labels"), negative_labels);
    fn(std::string_view("duplicates"), duplicates);
    fn(std::string_view("ignored_rows"), ignored_rows);
    fn(std::string_view("k_core_removed"), k_core_removed);
    fn(std::string_view("empty_lines"), empty_lines);
  }

  /// Adds the counters gathered along the way (not the derived fields) of
  /// `other`, e.g. when a train file and a test file become one Dataset.
  void add_counters(const DataStats& other) noexcept {
    duplicates += other.duplicates;
    ignored_rows += other.ignored_rows;
    k_core_removed += other.k_core_removed;
    empty_lines += other.empty_lines;
  }

  friend bool operator==(const DataStats&, const DataStats&) = default;
};

}  // namespace hardneg
