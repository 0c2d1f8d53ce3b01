// hardneg train / eval / recommend.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>

#include <unistd.h>

#include "commands.hpp"
#include "common.hpp"
#include "hardneg/eval/evaluator.hpp"
#include "hardneg/eval/popularity_scorer.hpp"
#include "hardneg/io/model_file.hpp"
#include "hardneg/models/mf.hpp"
#include "hardneg/train/callbacks/checkpoint.hpp"
#include "hardneg/train/callbacks/early_stopping.hpp"
#include "hardneg/train/callbacks/evaluate_every.hpp"
#include "hardneg/train/callbacks/progress.hpp"
#include "hardneg/train/callbacks/training_log.hpp"
#include "hardneg/train/trainer.hpp"
#include "policies.hpp"

namespace hardneg::tool {

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

struct EvalArgs {
  std::string ks = "5,20,50";
  std::string betas = "";
  std::size_t threads = 2;
};

void add_eval_args(CLI::App& cmd, EvalArgs& e) {
  cmd.add_option("--k", e.ks, "Cut-offs K of Recall/Precision/NDCG/Hit@K")->capture_default_str();
  cmd.add_option("--beta", e.betas, "OPAUC(beta) limits, e.g. 0.01,0.1 (none by default)");
  cmd.add_option("--threads", e.threads, "Worker threads")->capture_default_str();
}

EvalOptions eval_options(const EvalArgs& e) {
  EvalOptions o;
  o.ks = parse_list<int>("--k", e.ks);
  o.betas = parse_list<double>("--beta", e.betas);
  o.threads = e.threads;
  return o;
}

void put_metrics(Json& j, const EvalResult& r) {
  for (const auto& [name, value] : r.metrics()) j[name] = value;
  j["users_evaluated"] = r.users_evaluated;
}

/// A small human-readable table on stderr: the model against popularity.
void print_comparison(const Json& model, const Json& popularity, const std::vector<int>& ks) {
  std::fprintf(stderr, "\n%-12s %10s %10s\n", "metric", "model", "popularity");
  for (const int k : ks)
    for (const char* name : {"recall", "ndcg"}) {
      const std::string key = std::string(name) + "@" + std::to_string(k);
      std::fprintf(stderr, "%-12s %10.4f %10.4f\n", key.c_str(), model[key].get<double>(),
                   popularity[key].get<double>());
    }
  std::fputc('\n', stderr);
}

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
  std::size_t dim = 32;
  double init_std = 0.1;
  std::size_t batch = 4096;
  int epochs = 20;
  std::uint64_t seed = 1;
  int eval_every = 0;
  std::string early_stop;
  int patience = 5;
  std::string save;
  int checkpoint_every = 0;
  std::string checkpoint;
  std::string metrics_out;
  std::string log_csv;
  bool quiet = false;
  bool compare_popularity = false;
};

void run_train(const TrainArgs& a) {
  const auto load_start = Clock::now();
  const Dataset data = load_data(a.data);
  const double load_seconds = seconds_since(load_start);
  if (a.model != "mf") throw InvalidArgument("--model '" + a.model + "' is not a model; valid: mf");

  MF model(data.n_users(), data.n_items(), {.dim = a.dim, .init_std = a.init_std, .seed = a.seed});
  TrainerOptions options;
  options.batch = a.batch;
  options.epochs = a.epochs;
  options.threads = a.eval.threads;
  options.seed = a.seed;
  options.reduction = a.reduction == "mean" ? Reduction::mean : Reduction::sum;
  options.allow_seen = a.allow_seen;
  options.schedule = make_schedule(a.schedule);
  Trainer<MF, AnySampler<MF>, AnyLoss, AnyOptimizer> trainer(
      model, options, make_sampler<MF>(a.sampler), make_loss(a.loss), make_optimizer(a.optimizer));

  const EvalOptions eval_opts = eval_options(a.eval);
  const bool has_test = !data.test.empty();
  if ((a.eval_every > 0 || !a.early_stop.empty()) && !has_test)
    throw InvalidArgument("--eval-every and --early-stop need test interactions (--test FILE)");
  // Callbacks in order: evaluate, early stop, checkpoint, log, progress. An
  // interval of "never" is expressed by an interval longer than the run.
  const int never = a.epochs + 1;
  EvaluateEvery evaluate_cb(a.eval_every > 0 ? a.eval_every : never, data.train, data.test, eval_opts);
  EarlyStopping early_cb({.metric = a.early_stop, .patience = a.patience, .restore_best = true});
  Checkpoint checkpoint_cb({.every = a.checkpoint_every > 0 ? a.checkpoint_every : never,
                            .path = a.checkpoint.empty() ? a.save + ".checkpoint" : a.checkpoint});
  if (a.checkpoint_every > 0 && a.checkpoint.empty() && a.save.empty())
    throw InvalidArgument("--checkpoint-every needs --checkpoint FILE (or --save FILE)");
  TrainingLog log_cb;
  Progress progress_cb({.stream = a.quiet ? nullptr : stderr});
  const TrainContext ctx =
      trainer.fit(data.train, evaluate_cb, early_cb, checkpoint_cb, log_cb, progress_cb);

  Json out = Json::object();
  double eval_seconds = 0;
  if (has_test) {
    const auto t = Clock::now();
    put_metrics(out, evaluate(model.block_scorer(), data.train, data.test, eval_opts, &trainer.pool()));
    eval_seconds = seconds_since(t);
    if (a.compare_popularity) {
      Json pop = Json::object();
      put_metrics(pop, evaluate(PopularityScorer(data.train), data.train, data.test, eval_opts,
                                &trainer.pool()));
      out["popularity"] = pop;
      print_comparison(out, pop, eval_opts.ks);
    }
  }
  const int epochs_run = static_cast<int>(log_cb.records().size());
  out["epochs"] = epochs_run;
  out["train_seconds"] = ctx.train_seconds;
  out["seconds_per_epoch"] = epochs_run > 0 ? ctx.train_seconds / epochs_run : 0.0;
  out["eval_seconds"] = eval_seconds;
  if (!a.early_stop.empty()) out["best_epoch"] = early_cb.best_epoch() + 1;
  out["load_seconds"] = load_seconds;
  out["final_loss"] = ctx.loss;
  out["settings"] = Json{{"model", a.model},         {"sampler", a.sampler},
                         {"loss", a.loss},           {"optimizer", a.optimizer},
                         {"schedule", a.schedule},   {"reduction", a.reduction},
                         {"allow_seen", a.allow_seen}, {"dim", a.dim},
                         {"init_std", a.init_std},   {"batch", a.batch},
                         {"threads", a.eval.threads}, {"seed", a.seed}};
  if (!a.save.empty())
    save_model(a.save, model,
               {{"sampler", a.sampler}, {"loss", a.loss}, {"optimizer", a.optimizer},
                {"schedule", a.schedule}, {"seed", std::to_string(a.seed)}});
  print_json(out);
  if (!a.metrics_out.empty()) {
    Json file = out;
    file["log"] = Json::parse(log_cb.to_json());
    std::ofstream f(a.metrics_out);
    if (!f) throw IoError(a.metrics_out + ": cannot open for writing");
    f << file.dump(2) << '\n';
  }
  if (!a.log_csv.empty()) log_cb.write_csv(a.log_csv);
}

}  // namespace

void register_train(CLI::App& app) {
  auto a = std::make_shared<TrainArgs>();
  auto* cmd = app.add_subcommand("train", "Train a model and print its metrics as JSON");
  cmd->footer(policies_help());
  add_data_options(*cmd, a->data, /*allow_synthetic=*/true);
  add_eval_args(*cmd, a->eval);
  cmd->add_option("--model", a->model, "Model: mf")->capture_default_str();
  cmd->add_option("--sampler", a->sampler, "Negative sampler (see below)")->capture_default_str();
  cmd->add_option("--loss", a->loss, "Loss (see below)")->capture_default_str();
  cmd->add_option("--optimizer", a->optimizer, "Optimizer (see below)")->capture_default_str();
  cmd->add_option("--schedule", a->schedule, "Learning-rate schedule: constant | step:every=5,gamma=0.95")
      ->capture_default_str();
  cmd->add_option("--reduction", a->reduction, "Combine a batch's losses by sum or mean")
      ->check(CLI::IsMember({"sum", "mean"}))
      ->capture_default_str();
  cmd->add_flag("--allow-seen", a->allow_seen, "Samplers may return the user's train items (as the papers' code)");
  cmd->add_option("--dim", a->dim, "Embedding size")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--init-std", a->init_std, "Std of the normal initialisation")->capture_default_str();
  cmd->add_option("--batch", a->batch, "Pairs per mini-batch")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--epochs", a->epochs, "Epochs")->check(CLI::NonNegativeNumber)->capture_default_str();
  cmd->add_option("--seed", a->seed, "Seed of initialisation, shuffling and sampling")->capture_default_str();
  cmd->add_option("--eval-every", a->eval_every, "Evaluate every N epochs (0: only at the end)")
      ->check(CLI::NonNegativeNumber)->capture_default_str();
  cmd->add_option("--early-stop", a->early_stop, "Stop when this metric (e.g. ndcg@20) stops improving; restores the best epoch");
  cmd->add_option("--patience", a->patience, "Evaluations without improvement before stopping")
      ->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--save", a->save, "Write the trained model to this file");
  cmd->add_option("--checkpoint-every", a->checkpoint_every, "Save a checkpoint every N epochs")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--checkpoint", a->checkpoint, "Checkpoint file (default: SAVE.checkpoint)");
  cmd->add_option("--metrics-out", a->metrics_out, "Also write the result and the per-epoch log as JSON");
  cmd->add_option("--log-csv", a->log_csv, "Write the per-epoch log as CSV");
  cmd->add_flag("--quiet", a->quiet, "No progress output");
  cmd->add_flag("--compare-popularity", a->compare_popularity, "Also evaluate the popularity ranking");
  cmd->callback([a] { run_train(*a); });
}

namespace {
struct LoadArgs {
  DataOptions data;
  EvalArgs eval;
  std::string model_path;
};
MF load_mf_model(const std::string& path, const Dataset& data) {
  MF model = load_model<MF>(path);
  if (model.n_users() < data.n_users() || model.n_items() < data.n_items())
    throw InvalidArgument(path + ": the model has " + std::to_string(model.n_users()) + " users x " +
                          std::to_string(model.n_items()) + " items, the data " +
                          std::to_string(data.n_users()) + " x " + std::to_string(data.n_items()));
  return model;
}
}  // namespace

void register_eval(CLI::App& app) {
  auto a = std::make_shared<LoadArgs>();
  auto* cmd = app.add_subcommand("eval", "Evaluate a saved model (full ranking, train items excluded)");
  cmd->add_option("--load", a->model_path, "Model file written by train --save")->required();
  add_data_options(*cmd, a->data, /*allow_synthetic=*/true);
  add_eval_args(*cmd, a->eval);
  cmd->callback([a] {
    const Dataset data = load_data(a->data);
    if (data.test.empty()) throw InvalidArgument("eval needs test interactions (--test FILE)");
    const MF model = load_mf_model(a->model_path, data);
    const auto t = Clock::now();
    Json out = Json::object();
    put_metrics(out, evaluate(model.block_scorer(), data.train.resized(model.n_users(), model.n_items()),
                              data.test.resized(model.n_users(), model.n_items()), eval_options(a->eval)));
    out["eval_seconds"] = seconds_since(t);
    print_json(out);
  });
}

void register_recommend(CLI::App& app) {
  auto a = std::make_shared<LoadArgs>();
  auto user = std::make_shared<std::string>();
  auto k = std::make_shared<std::size_t>(10);
  auto* cmd = app.add_subcommand("recommend", "Top-K items for a user, excluding the user's train items");
  cmd->add_option("--load", a->model_path, "Model file written by train --save")->required();
  add_data_options(*cmd, a->data, /*allow_synthetic=*/true);
  cmd->add_option("--user", *user, "User id (as in the data file)")->required();
  cmd->add_option("--k", *k, "Number of items")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->callback([a, user, k] {
    const Dataset data = load_data(a->data);
    const MF model = load_mf_model(a->model_path, data);
    index_t u = -1;
    if (data.user_ids) {
      u = data.user_ids->find(*user);
    } else {
      try {
        std::size_t used = 0;
        const long long v = std::stoll(*user, &used);
        if (used == user->size() && v >= 0 && v < data.n_users()) u = static_cast<index_t>(v);
      } catch (const std::exception&) {
      }
    }
    if (u < 0) throw InvalidArgument("--user '" + *user + "' is not a user of the train data");
    Json items = Json::array();
    for (const auto& r : model.recommend(u, *k, data.train.resized(model.n_users(), model.n_items())))
      items.push_back({{"item", data.item_name(r.item)}, {"score", r.score}});
    print_json(Json{{"user", *user}, {"items", items}});
  });
}

}  // namespace hardneg::tool
