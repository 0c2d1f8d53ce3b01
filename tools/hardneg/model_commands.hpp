// The model-dependent half of the subcommands, as templates on the model
// type M; only the model_<name>.cpp files include this (each instantiates it
// for one model, so the instantiations compile in parallel).
//
//   run_train<M>(args, build)  hardneg train: `build(data)` makes the
//                              untrained model; trains it with
//                              Trainer<M, AnySampler<M>, AnyLoss, AnyOptimizer>,
//                              evaluates, saves and prints the result JSON.
//   Loaded<M>                  a loaded M as a LoadedModel (models.hpp).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common.hpp"
#include "hardneg/eval/evaluator.hpp"
#include "hardneg/eval/popularity_scorer.hpp"
#include "hardneg/eval/theory.hpp"
#include "hardneg/io/model_file.hpp"
#include "hardneg/train/callbacks/checkpoint.hpp"
#include "hardneg/train/callbacks/early_stopping.hpp"
#include "hardneg/train/callbacks/evaluate_every.hpp"
#include "hardneg/train/callbacks/progress.hpp"
#include "hardneg/train/callbacks/training_log.hpp"
#include "hardneg/train/trainer.hpp"
#include "models.hpp"
#include "policies.hpp"
#include "policy_spec.hpp"
#include "train_args.hpp"

namespace hardneg::tool {

/// `hardneg train` with model type M; `build(const Dataset&)` returns the
/// untrained model (the caller has parsed and checked --model's keys).
template <class M, class Build>
void run_train(const TrainArgs& a, Build build) {
  using Clock = std::chrono::steady_clock;
  const auto seconds_since = [](Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
  };
  const auto load_start = Clock::now();
  const Dataset data = load_data(a.data);
  const double load_seconds = seconds_since(load_start);

  // The model's own checks (e.g. dropout in [0, 1)) name --model.
  M model = [&] {
    try {
      return build(data);
    } catch (const InvalidArgument& e) {
      throw InvalidArgument("--model '" + a.model + "': " + e.what());
    }
  }();
  TrainerOptions options;
  options.batch = a.batch;
  options.epochs = a.epochs;
  options.threads = a.eval.threads;
  options.seed = a.seed;
  options.reduction = a.reduction == "mean" ? Reduction::mean : Reduction::sum;
  options.allow_seen = a.allow_seen;
  options.pair_order = a.pair_order == "by-user" ? PairOrder::by_user : PairOrder::shuffled;
  options.schedule = make_schedule(a.schedule);
  Trainer<M, AnySampler<M>, AnyLoss, AnyOptimizer> trainer(
      model, options, make_sampler<M>(a.sampler), make_loss(a.loss), make_optimizer(a.optimizer));

  const EvalOptions eval_opts = eval_options(a.eval);
  const bool has_test = !data.test.empty();
  if ((a.eval_every > 0 || !a.early_stop.empty()) && !has_test)
    throw InvalidArgument("--eval-every and --early-stop need test interactions (--test FILE)");
  // Callbacks in order: evaluate, early stop, checkpoint, log, progress. An
  // interval of "never" is expressed by an interval longer than the run.
  const int never = a.epochs + 1;
  EvaluateEvery evaluate_cb(a.eval_every > 0 ? a.eval_every : never, data.train, data.test, eval_opts);
  if (a.early_stop.empty() && (a.plateau_lr_factor != 1 || a.plateau_reload || a.min_delta != 0))
    throw InvalidArgument("--plateau-lr-factor, --plateau-reload and --min-delta need --early-stop METRIC");
  EarlyStopping early_cb({.metric = a.early_stop,
                          .patience = a.patience,
                          .restore_best = true,
                          .min_delta = a.min_delta,
                          .lr_factor = a.plateau_lr_factor,
                          .min_lr = a.min_lr,
                          .reload_on_plateau = a.plateau_reload});
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
  if (!a.early_stop.empty()) {
    out["best_epoch"] = early_cb.best_epoch() + 1;
    out["plateaus"] = early_cb.plateaus();
  }
  out["load_seconds"] = load_seconds;
  out["final_loss"] = ctx.loss;
  out["settings"] = Json{{"model", a.model},         {"sampler", a.sampler},
                         {"loss", a.loss},           {"optimizer", a.optimizer},
                         {"schedule", a.schedule},   {"reduction", a.reduction},
                         {"allow_seen", a.allow_seen}, {"pair_order", a.pair_order},
                         {"dim", a.dim},
                         {"init_std", a.init_std},   {"batch", a.batch},
                         {"threads", a.eval.threads}, {"seed", a.seed}};
  if (!a.early_stop.empty())
    out["settings"]["early_stop"] = Json{{"metric", a.early_stop},
                                         {"patience", a.patience},
                                         {"min_delta", a.min_delta},
                                         {"plateau_lr_factor", a.plateau_lr_factor},
                                         {"min_lr", a.min_lr},
                                         {"plateau_reload", a.plateau_reload}};
  // save_model adds the model's own settings (file_metadata(): MF's cosine,
  // LightGCN's layers and graph fingerprint, ...).
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

/// A loaded model of type M behind LoadedModel.
template <class M>
class Loaded final : public LoadedModel {
 public:
  explicit Loaded(M model) : model_(std::move(model)) {}

  std::string_view name() const override { return M::name(); }
  index_t n_users() const override { return model_.n_users(); }
  index_t n_items() const override { return model_.n_items(); }
  EvalResult evaluate(const Interactions& train, const Interactions& test,
                      const EvalOptions& options) const override {
    return hardneg::evaluate(model_.block_scorer(), train, test, options);
  }
  std::vector<Recommendation> recommend(index_t user, std::size_t k, const Interactions& seen) const override {
    return model_.recommend(user, k, seen);
  }
  SamplingDistribution simulate_sampler(const std::string& sampler, const Interactions& train, index_t user,
                                        index_t positive, std::size_t draws,
                                        std::uint64_t seed) const override {
    AnySampler<M> s = make_sampler<M>(sampler);
    return hardneg::simulate_sampler(model_, s, train, user, positive, draws, seed);
  }

 private:
  M model_;
};

/// A yes|no key of a --model spec.
inline bool yes_no(PolicySpec& spec, const std::string& key, bool fallback) {
  return spec.choice(key, fallback ? "yes" : "no", {"yes", "no"}) == "yes";
}

/// A count key of a --model spec that must be at least `min`.
inline std::size_t count_key(PolicySpec& spec, const std::string& key, std::size_t fallback, int min) {
  const int v = spec.get(key, static_cast<int>(fallback));
  if (v < min) spec.fail("key '" + key + "' has value " + std::to_string(v) + "; it must be at least " +
                         std::to_string(min));
  return static_cast<std::size_t>(v);
}

}  // namespace hardneg::tool
