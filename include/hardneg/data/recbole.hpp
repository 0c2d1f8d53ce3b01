// Loader for RecBole atomic interaction files (`.inter`).
//
// Tab-separated; the first line is a typed header of `name:type` fields,
//
//   user_id:token	item_id:token	rating:float	timestamp:float
//
// with type one of token, token_seq, float, float_seq (RecBole's types).
// Columns are found by name (options below), so their order and any extra
// columns do not matter. The user and item columns are required and must be
// `token`; rating and timestamp are optional and must be `float`. Every row
// must have as many fields as the header. Blank lines are skipped and counted.
//
// Ids are tokens (strings), numbered densely in first-seen order by default.
// Thresholds on the rating work as for delimited rows (row_builder.hpp).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hardneg/core/error.hpp"
#include "hardneg/data/detail/line_reader.hpp"
#include "hardneg/data/detail/row_builder.hpp"
#include "hardneg/data/records.hpp"

namespace hardneg {

struct RecboleOptions {
  std::string user_field = "user_id";
  std::string item_field = "item_id";
  /// Used when the header has it (and required by a threshold).
  std::string rating_field = "rating";
  /// Used when the header has it.
  std::string timestamp_field = "timestamp";
  /// Number ids densely in first-seen order (false: tokens must be integers, kept).
  bool remap_ids = true;
  std::optional<double> positive_threshold = std::nullopt;
  std::optional<double> negative_threshold = std::nullopt;
};

/// Reads a RecBole `.inter` file into Records. Throws InvalidArgument for bad
/// options, IoError when the file cannot be read, ParseError (file:line:col)
/// for an empty file, a bad header, a missing column or a bad value.
inline Records load_recbole(const std::string& path, const RecboleOptions& options = {}) {
  namespace dd = detail::data;
  const dd::RowRules rules{options.remap_ids, options.positive_threshold,
                           options.negative_threshold};
  dd::check_rules(rules, "load_recbole");

  dd::LineReader in(path);
  dd::RecordsBuilder builder(rules);
  std::string_view line;
  // Header: the first non-blank line.
  bool have_header = false;
  while (!have_header && in.next(line)) {
    if (dd::is_blank_line(line))
      builder.count_empty_line();
    else
      have_header = true;
  }
  if (in.bytes_read() == 0) throw ParseError(path, 0, 0, "file is empty");
  if (!have_header) throw ParseError(path, 0, 0, "file holds only blank lines");

  constexpr std::size_t none = static_cast<std::size_t>(-1);
  std::size_t user_col = none, item_col = none, rating_col = none, time_col = none;
  std::size_t n_columns = 0;
  std::string names;  // for error messages
  {
    std::size_t start = 0;
    for (;;) {
      const std::size_t stop = line.find('\t', start);
      const std::string_view field = dd::trim_field(line.substr(start, stop - start), true);
      const std::size_t colon = field.rfind(':');
      if (colon == std::string_view::npos)
        in.fail(field, "header field " + dd::quoted(field) + " has no type (expected name:type)");
      const std::string_view name = field.substr(0, colon);
      const std::string_view type = field.substr(colon + 1);
      if (type != "token" && type != "token_seq" && type != "float" && type != "float_seq")
        in.fail(field, "header field " + dd::quoted(field) + " has unknown type " +
                           dd::quoted(type) + " (valid: token, token_seq, float, float_seq)");
      auto take = [&](const std::string& wanted, std::size_t& col, std::string_view want_type) {
        if (name != wanted) return;
        if (col != none) in.fail(field, "header names column " + dd::quoted(name) + " twice");
        if (type != want_type)
          in.fail(field,
                  "column " + dd::quoted(name) + " must have type " + std::string(want_type));
        col = n_columns;
      };
      take(options.user_field, user_col, "token");
      take(options.item_field, item_col, "token");
      take(options.rating_field, rating_col, "float");
      take(options.timestamp_field, time_col, "float");
      names += (n_columns ? ", " : "") + std::string(name);
      ++n_columns;
      if (stop == std::string_view::npos) break;
      start = stop + 1;
    }
  }
  if (user_col == none || item_col == none)
    in.fail_line("header has no " +
                 dd::quoted(user_col == none ? options.user_field : options.item_field) +
                 " column (columns: " + names + ")");
  builder.set_columns(in, rating_col != none, time_col != none);

  std::vector<std::string_view> fields(n_columns);
  while (in.next(line)) {
    if (dd::is_blank_line(line)) {
      builder.count_empty_line();
      continue;
    }
    const std::size_t n = dd::split_fields(line, "\t", fields);
    if (n != n_columns)
      in.fail_line("found " +
                   (n > n_columns ? "more than " + std::to_string(n_columns) : std::to_string(n)) +
                   " tab-separated fields, expected " + std::to_string(n_columns) +
                   " as in the header");
    builder.add(in, fields[user_col], fields[item_col],
                rating_col != none ? fields[rating_col] : std::string_view{},
                time_col != none ? fields[time_col] : std::string_view{});
  }
  return std::move(builder).finish();
}

}  // namespace hardneg
