// The options of hardneg train / eval and the model-independent pieces of
// their output (defined in train.cpp). The model-dependent half of train
// runs in one translation unit per model (model_<name>.cpp, through
// model_commands.hpp), so the five Trainer instantiations compile in parallel.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "common.hpp"
#include "hardneg/eval/evaluator.hpp"

namespace hardneg::tool {

struct EvalArgs {
  std::string ks = "5,20,50";
  std::string betas = "";
  std::size_t threads = 2;
};

struct TrainArgs {
  DataOptions data;
  EvalArgs eval;
  std::string model = "mf";
  std::string sampler = "uniform:k=1";
  std::string loss = "bpr";
  std::string optimizer = "adam:lr=1e-3";
  std::string schedule = "constant";
  std::string reduction = "sum";
  bool allow_seen = false;
  std::string pair_order = "shuffled";
  std::size_t dim = 32;
  double init_std = 0.1;
  std::size_t batch = 4096;
  int epochs = 20;
  std::uint64_t seed = 1;
  int eval_every = 0;
  std::string early_stop;
  int patience = 5;
  double min_delta = 0;
  double plateau_lr_factor = 1;
  double min_lr = 0;
  bool plateau_reload = false;
  std::string save;
  int checkpoint_every = 0;
  std::string checkpoint;
  std::string metrics_out;
  std::string log_csv;
  bool quiet = false;
  bool compare_popularity = false;
};

/// Adds --k, --beta and --threads to a subcommand.
void add_eval_args(CLI::App& cmd, EvalArgs& e);
/// The evaluator's options of --k, --beta and --threads.
EvalOptions eval_options(const EvalArgs& e);
/// Adds every metric of `r` and users_evaluated to `j`.
void put_metrics(Json& j, const EvalResult& r);
/// A small human-readable table on stderr: the model against popularity.
void print_comparison(const Json& model, const Json& popularity, const std::vector<int>& ks);

}  // namespace hardneg::tool
