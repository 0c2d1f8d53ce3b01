// hardneg train / eval / recommend.
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "commands.hpp"
#include "common.hpp"
#include "hardneg/eval/evaluator.hpp"
#include "help.hpp"
#include "models.hpp"
#include "policy_spec.hpp"
#include "train_args.hpp"

namespace hardneg::tool {

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

}  // namespace

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

void register_train(CLI::App& app) {
  auto a = std::make_shared<TrainArgs>();
  auto* cmd = app.add_subcommand("train", "Train a model and print its metrics as JSON");
  cmd->footer(policies_help() + models_help());
  add_data_options(*cmd, a->data, /*allow_synthetic=*/true);
  add_eval_args(*cmd, a->eval);
  cmd->add_option("--model", a->model, "Model: mf, gmf, neumf, lightgcn, simplex, with keys (see below)")
      ->capture_default_str();
  cmd->add_option("--sampler", a->sampler, "Negative sampler (see below)")->capture_default_str();
  cmd->add_option("--loss", a->loss, "Loss (see below)")->capture_default_str();
  cmd->add_option("--optimizer", a->optimizer, "Optimizer (see below)")->capture_default_str();
  cmd->add_option("--schedule", a->schedule, "Learning-rate schedule: constant | step:every=5,gamma=0.95")
      ->capture_default_str();
  cmd->add_option("--reduction", a->reduction, "Combine a batch's losses by sum or mean")
      ->check(CLI::IsMember({"sum", "mean"}))
      ->capture_default_str();
  cmd->add_option("--pair-order", a->pair_order,
                  "Pairs of an epoch: each once, shuffled; or by-user: as many draws of a uniform user, then "
                  "one of their items (LightGCN's reference)")
      ->check(CLI::IsMember({"shuffled", "by-user"}))
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
  cmd->add_option("--min-delta", a->min_delta, "An improvement must exceed the best value by more than this")
      ->check(CLI::NonNegativeNumber)->capture_default_str();
  cmd->add_option("--plateau-lr-factor", a->plateau_lr_factor,
                  "On each evaluation without improvement, multiply the learning rate by this (1: never)")
      ->check(CLI::Range(0.0, 1.0).description("in (0, 1]"))->capture_default_str();
  cmd->add_option("--min-lr", a->min_lr, "Floor of the plateau decay")
      ->check(CLI::NonNegativeNumber)->capture_default_str();
  cmd->add_flag("--plateau-reload", a->plateau_reload,
                "On each evaluation without improvement, go back to the best epoch's model");
  cmd->add_option("--save", a->save, "Write the trained model to this file");
  cmd->add_option("--checkpoint-every", a->checkpoint_every, "Save a checkpoint every N epochs")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--checkpoint", a->checkpoint, "Checkpoint file (default: SAVE.checkpoint)");
  cmd->add_option("--metrics-out", a->metrics_out, "Also write the result and the per-epoch log as JSON");
  cmd->add_option("--log-csv", a->log_csv, "Write the per-epoch log as CSV");
  cmd->add_flag("--quiet", a->quiet, "No progress output");
  cmd->add_flag("--compare-popularity", a->compare_popularity, "Also evaluate the popularity ranking");
  cmd->callback([a] { train_model(*a); });
}

namespace {
struct LoadArgs {
  DataOptions data;
  EvalArgs eval;
  std::string model_path;
};
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
    const auto model = load_any_model(a->model_path, data.train);
    const auto t = Clock::now();
    Json out = Json::object();
    put_metrics(out, model->evaluate(data.train.resized(model->n_users(), model->n_items()),
                                     data.test.resized(model->n_users(), model->n_items()), eval_options(a->eval)));
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
    const auto model = load_any_model(a->model_path, data.train);
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
    for (const auto& r : model->recommend(u, *k, data.train.resized(model->n_users(), model->n_items())))
      items.push_back({{"item", data.item_name(r.item)}, {"score", r.score}});
    print_json(Json{{"user", *user}, {"items", items}});
  });
}

}  // namespace hardneg::tool
