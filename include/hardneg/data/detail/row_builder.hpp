// Turns the fields of one parsed row (user, item, optional rating and
// timestamp) into a Records row: ids parsed as numbers or remapped through
// IdMaps, the rating thresholds applied. Shared by the row formats
// (delimited.hpp, recbole.hpp).
//
// Thresholds: with a positive threshold p, a row is a positive (label 1)
// when rating >= p; with a negative threshold n (< p) too, a row with
// rating <= n is kept as an explicit negative (label 0); any other row is
// counted in stats.ignored_rows and not stored. Ignored rows are still
// checked (a malformed id is an error) but do not introduce new ids.
#pragma once

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "hardneg/core/error.hpp"
#include "hardneg/core/types.hpp"
#include "hardneg/data/detail/line_reader.hpp"
#include "hardneg/data/id_map.hpp"
#include "hardneg/data/records.hpp"

namespace hardneg::detail::data {

/// What to do with each row; the options structs of the row formats hold these.
struct RowRules {
  bool remap_ids = true;
  std::optional<double> positive_threshold = std::nullopt;
  std::optional<double> negative_threshold = std::nullopt;
};

/// Validates the thresholds (at the API boundary, before reading).
inline void check_rules(const RowRules& rules, const std::string& who) {
  const auto& p = rules.positive_threshold;
  const auto& n = rules.negative_threshold;
  if ((p && !std::isfinite(*p)) || (n && !std::isfinite(*n)))
    throw InvalidArgument(who + ": thresholds must be finite numbers");
  if (n && !p)
    throw InvalidArgument(who + ": negative_threshold needs a positive_threshold as well");
  if (n && p && !(*n < *p))
    throw InvalidArgument(who + ": negative_threshold (" + std::to_string(*n) +
                          ") must be below positive_threshold (" + std::to_string(*p) + ")");
}

class RecordsBuilder {
 public:
  explicit RecordsBuilder(const RowRules& rules) : rules_(rules) {
    if (rules_.remap_ids) {
      out_.user_ids.emplace();
      out_.item_ids.emplace();
    }
  }

  /// Declares the optional columns of the file, once, before the first row.
  /// Fails at the current line when a threshold needs a missing rating.
  void set_columns(const LineReader& in, bool has_rating, bool has_timestamp) {
    has_rating_ = has_rating;
    has_timestamp_ = has_timestamp;
    if (rules_.positive_threshold && !has_rating)
      in.fail_line("a rating threshold is set but the data has no rating column");
  }

  void count_empty_line() noexcept { ++out_.stats.empty_lines; }

  /// Adds one row; `rating` / `timestamp` are ignored unless declared.
  void add(const LineReader& in, std::string_view user, std::string_view item,
           std::string_view rating = {}, std::string_view timestamp = {}) {
    const double r = has_rating_ ? parse_number(in, rating, "rating") : 0.0;
    const double t = has_timestamp_ ? parse_number(in, timestamp, "timestamp") : 0.0;
    float label = 1.0f;
    if (rules_.positive_threshold && !(r >= *rules_.positive_threshold)) {
      if (rules_.negative_threshold && r <= *rules_.negative_threshold) {
        label = 0.0f;
      } else {
        check_id(in, user, "user id");
        check_id(in, item, "item id");
        ++out_.stats.ignored_rows;
        return;
      }
    }
    out_.users.push_back(id(in, user, "user id", out_.user_ids, n_users_));
    out_.items.push_back(id(in, item, "item id", out_.item_ids, n_items_));
    if (has_rating_) out_.ratings.push_back(static_cast<float>(r));
    if (rules_.negative_threshold) out_.labels.push_back(label);
    if (has_timestamp_) out_.timestamps.push_back(t);
  }

  Records finish() && {
    out_.n_users = out_.user_ids ? out_.user_ids->size() : n_users_;
    out_.n_items = out_.item_ids ? out_.item_ids->size() : n_items_;
    return std::move(out_);
  }

 private:
  index_t id(const LineReader& in, std::string_view token, std::string_view what,
             std::optional<IdMap>& map, index_t& n) {
    if (map) {
      if (token.empty()) in.fail(token, std::string(what) + " is empty");
      return map->insert(token);
    }
    const index_t v = parse_id(in, token, what);
    n = std::max(n, v + 1);
    return v;
  }

  void check_id(const LineReader& in, std::string_view token, std::string_view what) const {
    if (token.empty()) in.fail(token, std::string(what) + " is empty");
    if (!rules_.remap_ids) parse_id(in, token, what);
  }

  RowRules rules_;
  bool has_rating_ = false;
  bool has_timestamp_ = false;
  index_t n_users_ = 0;
  index_t n_items_ = 0;
  Records out_;
};

}  // namespace hardneg::detail::data
