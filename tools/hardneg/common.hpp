// Pieces shared by the hardneg tool's subcommands: data options and JSON output.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "hardneg/data/dataset.hpp"

namespace hardneg::tool {

using Json = nlohmann::ordered_json;

/// Where a subcommand's interactions come from: files or the synthetic generator.
struct DataOptions {
  std::string train;
  std::string test;
  std::string format = "lightgcn";
  std::string synthetic;  ///< preset name ("small", "medium", "large") instead of files
  std::uint64_t data_seed = 1;
  bool header = false;            ///< row formats: the first line is a header
  std::optional<double> positive_threshold;  ///< row formats: rating >= this is a positive
  std::optional<double> negative_threshold;  ///< row formats: rating <= this is a labelled negative
};

/// Adds --train/--test/--format/--synthetic to a subcommand. With
/// `allow_synthetic`, --synthetic may replace --train.
void add_data_options(CLI::App& cmd, DataOptions& o, bool allow_synthetic);

/// Loads (or generates) the dataset the options describe.
Dataset load_data(const DataOptions& o);

/// The dataset's stats as a JSON object (users, items, train, test, anomalies).
Json stats_json(const DataStats& stats);

/// Prints one JSON object on stdout (the result of a subcommand).
void print_json(const Json& j);

}  // namespace hardneg::tool
