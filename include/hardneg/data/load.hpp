// load_dataset: one entry point for every file format, by name.
//
//   format     files                                    ids kept as
//   lightgcn   `user item item ...` lines (lightgcn.hpp) numbers (remap_ids = false)
//   csv        `user,item[,rating[,timestamp]]`          remapped (first-seen order)
//   tsv        the same, tab-separated                   remapped
//   ml         the same, `::`-separated (MovieLens .dat)  remapped
//   recbole    RecBole atomic `.inter` (recbole.hpp)      remapped
//
// With a test file, train and test share one id space (test ids translated
// through the train map). Without one, every row goes to train and the test
// part is empty, to be split later (split.hpp) or only described (stats).
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "hardneg/core/error.hpp"
#include "hardneg/data/dataset.hpp"
#include "hardneg/data/delimited.hpp"
#include "hardneg/data/lightgcn.hpp"
#include "hardneg/data/recbole.hpp"
#include "hardneg/data/records.hpp"

namespace hardneg {

/// The format names load_dataset() accepts.
inline constexpr std::array<std::string_view, 5> dataset_formats = {"lightgcn", "csv", "tsv", "ml",
                                                                    "recbole"};

struct LoadOptions {
  /// Row formats (csv, tsv, ml): the first non-blank line is a header.
  bool header = false;
  /// Number ids densely in first-seen order; unset: false for lightgcn, true otherwise.
  std::optional<bool> remap_ids = std::nullopt;
  /// Row formats: rating >= positive_threshold is a positive, others ignored (counted).
  std::optional<double> positive_threshold = std::nullopt;
  /// Row formats: rating <= negative_threshold is kept with label 0.
  std::optional<double> negative_threshold = std::nullopt;
};

namespace detail::data {

inline Records load_records(std::string_view format, const std::string& path,
                            const LoadOptions& o) {
  if (format == "lightgcn") {
    if (o.positive_threshold || o.negative_threshold)
      throw InvalidArgument(
          "load_dataset: format 'lightgcn' has no ratings; thresholds do not apply");
    return load_lightgcn_records(path, {.remap_ids = o.remap_ids.value_or(false)});
  }
  if (format == "recbole") {
    RecboleOptions r;
    r.remap_ids = o.remap_ids.value_or(true);
    r.positive_threshold = o.positive_threshold;
    r.negative_threshold = o.negative_threshold;
    return load_recbole(path, r);
  }
  const std::string separator = format == "csv" ? "," : format == "tsv" ? "\t" : "::";
  return load_delimited(path, {.separator = separator,
                               .header = o.header,
                               .remap_ids = o.remap_ids.value_or(true),
                               .positive_threshold = o.positive_threshold,
                               .negative_threshold = o.negative_threshold});
}

}  // namespace detail::data

/// Loads a train file (and a test file, when test_path is not empty) of the
/// named format. Throws InvalidArgument for an unknown format (listing the
/// valid ones) and the loaders' IoError / ParseError for bad files.
inline Dataset load_dataset(std::string_view format, const std::string& train_path,
                            const std::string& test_path = {}, const LoadOptions& options = {}) {
  bool known = false;
  for (const std::string_view f : dataset_formats) known = known || f == format;
  if (!known) {
    std::string valid;
    for (const std::string_view f : dataset_formats)
      valid += (valid.empty() ? "" : ", ") + std::string(f);
    throw InvalidArgument("load_dataset: unknown format '" + std::string(format) +
                          "' (valid: " + valid + ")");
  }
  Records train = detail::data::load_records(format, train_path, options);
  if (test_path.empty()) return make_dataset(std::move(train));
  return make_dataset(std::move(train), detail::data::load_records(format, test_path, options));
}

}  // namespace hardneg
