// Loader for delimited rows
//
//   user SEP item [SEP rating [SEP timestamp]]
//
// with SEP one of "," (CSV), "\t" (TSV), " " (runs of spaces or tabs) or
// "::" (MovieLens .dat files); any other non-empty string works too. Spaces
// around fields are trimmed; quoted fields are not supported. The number of
// fields (2 to 4) is set by the first data row and every row must match it.
// An optional header line (the first non-blank line) is skipped.
//
// Ratings and thresholds: see detail/row_builder.hpp (rating >= positive
// threshold: positive; <= negative threshold: kept with label 0; between:
// counted in stats.ignored_rows). Ids are remapped to dense indices in
// first-seen order by default (string ids, MovieLens's 1-based ids); with
// remap_ids = false they must be integers in [0, 2^31 - 1) and stay as they are.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "hardneg/core/error.hpp"
#include "hardneg/data/detail/line_reader.hpp"
#include "hardneg/data/detail/row_builder.hpp"
#include "hardneg/data/records.hpp"

namespace hardneg {

struct DelimitedOptions {
  /// Field separator: ",", "\t", " " (runs of blanks) or "::".
  std::string separator = ",";
  /// The first non-blank line names the columns and is skipped.
  bool header = false;
  /// Number ids densely in first-seen order (false: keep numeric ids).
  bool remap_ids = true;
  /// rating >= positive_threshold: positive row; others ignored (counted).
  std::optional<double> positive_threshold = std::nullopt;
  /// rating <= negative_threshold: kept as a negative (label 0).
  std::optional<double> negative_threshold = std::nullopt;
};

/// Reads a delimited file into Records. Throws InvalidArgument for bad
/// options, IoError when the file cannot be read, ParseError (file:line:col
/// and the token) for an empty file, a wrong number of fields or a bad value.
inline Records load_delimited(const std::string& path, const DelimitedOptions& options) {
  namespace dd = detail::data;
  if (options.separator.empty()) throw InvalidArgument("load_delimited: the separator is empty");
  const dd::RowRules rules{options.remap_ids, options.positive_threshold,
                           options.negative_threshold};
  dd::check_rules(rules, "load_delimited");

  dd::LineReader in(path);
  dd::RecordsBuilder builder(rules);
  std::array<std::string_view, 4> fields;
  std::size_t expected = 0;  // fields per row, set by the first data row
  std::size_t first_row_line = 0;
  bool header_pending = options.header;
  std::string_view line;
  while (in.next(line)) {
    if (dd::is_blank_line(line)) {
      builder.count_empty_line();
      continue;
    }
    if (header_pending) {
      header_pending = false;
      continue;
    }
    const std::size_t n = dd::split_fields(line, options.separator, fields);
    if (expected == 0) {
      if (n < 2 || n > 4)
        in.fail_line("expected 2 to 4 fields (user, item[, rating[, timestamp]]) separated by '" +
                     options.separator + "', found " + (n > 4 ? "more than 4" : std::to_string(n)));
      expected = n;
      first_row_line = in.line_number();
      builder.set_columns(in, n >= 3, n >= 4);
    } else if (n != expected) {
      in.fail_line("found " + (n > 4 ? std::string("more than 4") : std::to_string(n)) +
                   " fields, expected " + std::to_string(expected) + " as on line " +
                   std::to_string(first_row_line));
    }
    builder.add(in, fields[0], fields[1], n >= 3 ? fields[2] : std::string_view{},
                n >= 4 ? fields[3] : std::string_view{});
  }
  if (in.bytes_read() == 0) throw ParseError(path, 0, 0, "file is empty");
  if (expected == 0) throw ParseError(path, 0, 0, "file holds no data rows");
  return std::move(builder).finish();
}

}  // namespace hardneg
