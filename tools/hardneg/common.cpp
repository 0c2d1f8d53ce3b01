// Data options, dataset loading and JSON output shared by the subcommands.
#include "common.hpp"

#include <cstdio>
#include <map>

#include "hardneg/core/error.hpp"
#include "hardneg/data/load.hpp"
#include "hardneg/data/synthetic.hpp"

namespace hardneg::tool {

namespace {
/// Named sizes of the synthetic generator (the quickstart uses "small").
SyntheticOptions synthetic_preset(const std::string& name, std::uint64_t seed) {
  SyntheticOptions o;
  if (name == "tiny") {
    o = SyntheticOptions::tiny(seed);
  } else if (name == "small") {
    o.users = 3000, o.items = 2000, o.interactions = 120000;
  } else if (name == "medium") {
    o.users = 30000, o.items = 40000, o.interactions = 1000000;
  } else if (name == "large") {
    o.users = 300000, o.items = 100000, o.interactions = 10000000;
  } else {
    throw InvalidArgument("--synthetic '" + name + "' is not a preset; valid: tiny, small, medium, large");
  }
  o.seed = seed;
  return o;
}
}  // namespace

void add_data_options(CLI::App& cmd, DataOptions& o, bool allow_synthetic) {
  auto* train = cmd.add_option("--train", o.train, "Train interactions file");
  cmd.add_option("--test", o.test, "Test interactions file");
  cmd.add_option("--format", o.format, "File format")
      ->check(CLI::IsMember({"lightgcn", "csv", "tsv", "ml", "recbole"}))
      ->capture_default_str();
  cmd.add_flag("--header", o.header, "Row formats (csv, tsv, ml): the first line is a header");
  cmd.add_option("--positive-threshold", o.positive_threshold,
                 "Row formats: a rating >= this is a positive (others are counted and ignored)");
  cmd.add_option("--negative-threshold", o.negative_threshold,
                 "Row formats: a rating <= this is kept as a labelled negative");
  if (allow_synthetic) {
    auto* synth = cmd.add_option("--synthetic", o.synthetic,
                                 "Use the built-in synthetic data set instead of files: tiny, small, medium, large")
                      ->check(CLI::IsMember({"tiny", "small", "medium", "large"}));
    cmd.add_option("--data-seed", o.data_seed, "Seed of the synthetic data set")->capture_default_str();
    synth->excludes(train);
  } else {
    train->required();
  }
}

Dataset load_data(const DataOptions& o) {
  if (!o.synthetic.empty()) return make_synthetic(synthetic_preset(o.synthetic, o.data_seed));
  if (o.train.empty()) throw InvalidArgument("give --train FILE (or --synthetic PRESET)");
  LoadOptions load;
  load.header = o.header;
  load.positive_threshold = o.positive_threshold;
  load.negative_threshold = o.negative_threshold;
  return load_dataset(o.format, o.train, o.test, load);
}

Json stats_json(const DataStats& stats) {
  Json j = Json::object();
  stats.for_each_field([&](std::string_view name, std::int64_t value) { j[std::string(name)] = value; });
  return j;
}

void print_json(const Json& j) {
  std::fputs(j.dump(2).c_str(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

}  // namespace hardneg::tool
