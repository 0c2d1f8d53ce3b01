// Train / test (/ validation) splits of Records, seeded and deterministic.
//
// Every split first merges duplicate pairs (deduplicate(), counted), keeps
// the id space and maps of its input, and returns a Dataset whose parts share
// n_users x n_items. Randomness comes from hardneg::Rng(seed, user), one
// stream per user, so a user's split does not depend on the other users.
//
// ratio_split      per user with d rows: round(train_ratio * d) random rows
//                  to train (round half to even, as Python's round in the
//                  WWW'23 code), round(valid_ratio * d) of the rest to valid
//                  (at most what is left), the rest to test.
// leave_one_out    per user with at least 2 rows: the last row by timestamp
//                  (ties: the later row in the file) to test, or a random row
//                  when there are no timestamps; with valid = true and at least
//                  3 rows, the next-to-last (another random row) to valid.
//                  Users with a single row keep it in train.
// temporal_split   one global time cut: rows sorted by timestamp (ties: file
//                  order); the last round(test_fraction * n) go to test and the
//                  round(valid_fraction * n) before them to valid.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "hardneg/core/error.hpp"
#include "hardneg/core/random.hpp"
#include "hardneg/core/types.hpp"
#include "hardneg/data/dataset.hpp"
#include "hardneg/data/filter.hpp"
#include "hardneg/data/interactions.hpp"
#include "hardneg/data/records.hpp"

namespace hardneg {

struct RatioSplitOptions {
  double train_ratio = 0.8;  ///< share of each user's rows in train
  double valid_ratio = 0.0;  ///< share in valid (0: no validation set)
  std::uint64_t seed = 1;
};

struct LeaveOneOutOptions {
  bool valid = false;      ///< also hold out one row per user for validation
  std::uint64_t seed = 1;  ///< used when there are no timestamps
};

struct TemporalSplitOptions {
  double test_fraction = 0.2;   ///< latest share of all rows in test
  double valid_fraction = 0.0;  ///< share just before them in valid
};

namespace detail::data {

/// x rounded to the nearest integer, halves to even (independent of the
/// floating-point rounding mode).
inline std::int64_t round_half_even(double x) noexcept {
  const double f = std::floor(x);
  const double diff = x - f;
  auto r = static_cast<std::int64_t>(f);
  if (diff > 0.5 || (diff == 0.5 && (r % 2 != 0))) ++r;
  return r;
}

enum Part : std::uint8_t { train_part = 0, test_part = 1, valid_part = 2 };

/// Interactions of the rows of `r` assigned to `which`, in r's id space.
inline Interactions part_interactions(const Records& r, const std::vector<std::uint8_t>& part,
                                      Part which) {
  std::vector<Pair> pairs;
  std::vector<float> labels;
  for (std::size_t k = 0; k < r.size(); ++k) {
    if (part[k] != which) continue;
    pairs.push_back({r.users[k], r.items[k]});
    if (r.has_labels()) labels.push_back(r.labels[k]);
  }
  return Interactions::from_pairs(r.n_users, r.n_items, pairs, labels);
}

/// The Dataset of a split: `part[k]` says where row k goes.
inline Dataset assemble(Records r, const std::vector<std::uint8_t>& part, bool with_valid) {
  Dataset d;
  d.train = part_interactions(r, part, train_part);
  d.test = part_interactions(r, part, test_part);
  if (with_valid) d.valid = part_interactions(r, part, valid_part);
  d.user_ids = std::move(r.user_ids);
  d.item_ids = std::move(r.item_ids);
  d.stats.add_counters(r.stats);
  d.update_stats();
  return d;
}

inline void check_fraction(double x, const char* what) {
  if (!(x >= 0.0 && x <= 1.0))
    throw InvalidArgument(std::string(what) + " must be in [0, 1], got " + std::to_string(x));
}

}  // namespace detail::data

/// Per-user random split (see the header comment).
inline Dataset ratio_split(Records records, const RatioSplitOptions& options = {}) {
  namespace dd = detail::data;
  dd::check_fraction(options.train_ratio, "ratio_split: train_ratio");
  dd::check_fraction(options.valid_ratio, "ratio_split: valid_ratio");
  if (options.train_ratio + options.valid_ratio > 1.0 + 1e-12)
    throw InvalidArgument("ratio_split: train_ratio + valid_ratio must not exceed 1");
  records = deduplicate(std::move(records));
  std::vector<std::size_t> rows;
  const auto offsets = dd::rows_by_user(records, rows);
  std::vector<std::uint8_t> part(records.size(), dd::test_part);
  for (index_t u = 0; u < records.n_users; ++u) {
    const auto b = offsets[static_cast<std::size_t>(u)];
    const auto e = offsets[static_cast<std::size_t>(u) + 1];
    if (b == e) continue;
    const auto d = static_cast<double>(e - b);
    Rng rng(options.seed, static_cast<std::uint64_t>(u));
    rng.shuffle(rows.begin() + static_cast<std::ptrdiff_t>(b),
                rows.begin() + static_cast<std::ptrdiff_t>(e));
    const auto n_train = static_cast<std::size_t>(dd::round_half_even(options.train_ratio * d));
    const auto n_valid = std::min(
        static_cast<std::size_t>(dd::round_half_even(options.valid_ratio * d)), e - b - n_train);
    for (std::size_t k = b; k < b + n_train; ++k) part[rows[k]] = dd::train_part;
    for (std::size_t k = b + n_train; k < b + n_train + n_valid; ++k)
      part[rows[k]] = dd::valid_part;
  }
  return dd::assemble(std::move(records), part, options.valid_ratio > 0.0);
}

/// Per-user leave-one-out (see the header comment).
inline Dataset leave_one_out(Records records, const LeaveOneOutOptions& options = {}) {
  namespace dd = detail::data;
  records = deduplicate(std::move(records));
  std::vector<std::size_t> rows;
  const auto offsets = dd::rows_by_user(records, rows);
  std::vector<std::uint8_t> part(records.size(), dd::train_part);
  const bool timed = records.has_timestamps();
  for (index_t u = 0; u < records.n_users; ++u) {
    const auto b = rows.begin() + static_cast<std::ptrdiff_t>(offsets[static_cast<std::size_t>(u)]);
    const auto e =
        rows.begin() + static_cast<std::ptrdiff_t>(offsets[static_cast<std::size_t>(u) + 1]);
    const auto d = e - b;
    if (d < 2) continue;
    if (timed) {
      // Rows of u are in file order; a stable sort by time keeps ties in it.
      std::stable_sort(b, e, [&](std::size_t x, std::size_t y) {
        return records.timestamps[x] < records.timestamps[y];
      });
    } else {
      // Move two random rows to the end: the last one is held out for test.
      Rng rng(options.seed, static_cast<std::uint64_t>(u));
      std::iter_swap(b + static_cast<std::ptrdiff_t>(rng.below(static_cast<std::uint64_t>(d))),
                     e - 1);
      std::iter_swap(b + static_cast<std::ptrdiff_t>(rng.below(static_cast<std::uint64_t>(d - 1))),
                     e - 2);
    }
    part[*(e - 1)] = dd::test_part;
    if (options.valid && d >= 3) part[*(e - 2)] = dd::valid_part;
  }
  return dd::assemble(std::move(records), part, options.valid);
}

/// Global temporal split (see the header comment). Needs timestamps.
inline Dataset temporal_split(Records records, const TemporalSplitOptions& options = {}) {
  namespace dd = detail::data;
  dd::check_fraction(options.test_fraction, "temporal_split: test_fraction");
  dd::check_fraction(options.valid_fraction, "temporal_split: valid_fraction");
  if (options.test_fraction + options.valid_fraction > 1.0 + 1e-12)
    throw InvalidArgument("temporal_split: test_fraction + valid_fraction must not exceed 1");
  if (!records.has_timestamps() && !records.empty())
    throw InvalidArgument("temporal_split: the records have no timestamps");
  records = deduplicate(std::move(records));
  const std::size_t n = records.size();
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
    return records.timestamps[x] < records.timestamps[y];
  });
  const auto nd = static_cast<double>(n);
  const auto n_test =
      std::min(n, static_cast<std::size_t>(dd::round_half_even(options.test_fraction * nd)));
  const auto n_valid = std::min(
      n - n_test, static_cast<std::size_t>(dd::round_half_even(options.valid_fraction * nd)));
  std::vector<std::uint8_t> part(n, dd::train_part);
  for (std::size_t k = n - n_test; k < n; ++k) part[order[k]] = dd::test_part;
  for (std::size_t k = n - n_test - n_valid; k < n - n_test; ++k) part[order[k]] = dd::valid_part;
  return dd::assemble(std::move(records), part, options.valid_fraction > 0.0);
}

}  // namespace hardneg
