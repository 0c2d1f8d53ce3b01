// Inverse learning on noisy synthetic feedback (issue #6; Lin et al., "Inverse
// Learning with Extremely Sparse Feedback for Recommendation", WSDM 2024, and
// the denoising baselines of Wang et al., WSDM 2021; spec/algorithms.md
// 3.10-3.13, 7.5).
//
// For GMF and NeuMF it trains five methods on the same noisy labelled data
// (data/noisy_synthetic.hpp: each user has a few observed items labelled
// 1 / 0, 20 % of the labels flipped; the unlabelled items hide positives):
//   NS    BCE with one uniform negative per observed positive
//   T-CE  the same with truncated BCE (losses/tce.hpp)
//   R-CE  the same with reweighted BCE (losses/rce.hpp)
//   IDL   the same with the inverse dual loss on the sampled items (losses/idl.hpp)
//   IG    inverse-gradient meta-learning on the labelled rows (train/inverse_gradient.hpp)
// plus one control row, "BCE-labels": InverseGradient with train_ratio 1, i.e.
// plain BCE on every labelled row and no meta step (how much of IG is the
// labels, how much the meta step), and the popularity ranking (each item's
// count of observed positives; no training). Each model is scored on the
// clean test rows (unlabelled items with their TRUE labels): pooled AUC, GAUC
// and NDCG@10 over each user's 20 test rows (eval/labeled.hpp).
//
// Observed rows labelled 0. The Trainer takes (user, positive) pairs only and
// its losses see no labels, so NS, T-CE, R-CE and IDL train on the observed
// rows labelled 1; a row labelled 0 is not a positive and not in the
// sampler's seen set, so it can be drawn as a negative like any other item
// (BCE towards 0, its label's direction; rarely: ~0.5 % of the draws). The
// reference gives such "genuine" negative rows BCE towards 0 every epoch;
// only IG (and BCE-labels) use them here.
//
// Settings (the reference's, spec 7.5, where they fit): factor 32, NeuMF 3
// MLP layers, init N(0, 0.01^2), Adam lr 1e-3, 10 epochs, 1 negative per
// positive; the reference's batch of 1024 samples (positives and negatives
// mixed) is 512 positive pairs here, mean reduction; IG batch 1024 labelled
// rows, sample_lr 1e-3, train_ratio 0.9. T-CE drop rate 0.1 (GMF) / 0.2
// (NeuMF), ramped up linearly over half of the run's batches (the reference's
// 30000 batches are most of a 10-epoch run on its data sets; here a run has
// a few hundred). R-CE alpha 0.2 (GMF) / 0.25 (NeuMF). Seed s: the data
// (NoisySyntheticOptions preset with seed s), model init and training all
// use s.
//
//   example_inverse_learning            smoke test: tiny data, 2 epochs (< 1 s)
//   example_inverse_learning --full [--seeds N] [--threads N] [--epochs N]
//                            [--labelled N] [--hidden R] [--json FILE]
//       --full: NoisySyntheticOptions::reproduction() (2000 users x 1000
//       items, 10 labelled rows per user) and 10 epochs; --seeds N: mean ±
//       std over seeds 1..N; --labelled N: N labelled rows per user instead
//       of 10; --hidden R: share R of true positives among the unlabelled
//       items instead of 0.2; --epochs N: N epochs; --json: every run's
//       metrics.
// Metrics are deterministic for a given seed and thread count (the seconds
// column is wall time).
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <hardneg/hardneg.hpp>

using namespace hardneg;

namespace {

enum class Method { ns, tce, rce, idl, ig, bce_labels };
constexpr Method methods[] = {Method::ns, Method::tce, Method::rce, Method::idl, Method::ig, Method::bce_labels};
constexpr const char* method_names[] = {"NS", "T-CE", "R-CE", "IDL", "IG", "BCE-labels"};
constexpr int ndcg_k = 10;

struct Config {
  bool full = false;
  int seeds = 1;
  std::size_t threads = 1;
  std::string json;
  int epochs = 0;    // 0: 10 with --full, else 2
  int labelled = 0;  // labelled rows per user (0: the preset's 10)
  double hidden = -1;  // hidden_positive_rate (< 0: the preset's 0.2)
};

/// The per-model settings: how to build it and its T-CE / R-CE parameters.
template <class M>
struct Setting;

template <>
struct Setting<GMF> {
  static constexpr const char* name = "GMF";
  static constexpr double tce_drop_rate = 0.1;
  static constexpr float rce_alpha = 0.2f;
  static GMF make(const NoisySynthetic& d, std::uint64_t seed) {
    return GMF(d.n_users(), d.n_items(), {.dim = 32, .init_std = 0.01, .seed = seed});
  }
};

template <>
struct Setting<NeuMF> {
  static constexpr const char* name = "NeuMF";
  static constexpr double tce_drop_rate = 0.2;
  static constexpr float rce_alpha = 0.25f;
  static NeuMF make(const NoisySynthetic& d, std::uint64_t seed) {
    return NeuMF(d.n_users(), d.n_items(), {.dim = 32, .layers = 3, .init_std = 0.01, .seed = seed});
  }
};

/// The observed rows labelled 1, without labels: what the Trainer trains on.
Interactions observed_positives(const Interactions& train) {
  std::vector<Pair> pairs;
  for (index_t u = 0; u < train.n_users(); ++u) {
    const auto items = train.items_of(u);
    const auto labels = train.labels_of(u);
    for (std::size_t k = 0; k < items.size(); ++k)
      if (labels[k] == 1.0f) pairs.push_back({u, items[k]});
  }
  return Interactions::from_pairs(train.n_users(), train.n_items(), pairs);
}

/// NS, T-CE, R-CE, IDL: the Trainer on the observed positives, one uniform
/// negative each, with `loss`.
template <class M, class L>
void train_sampled(M& model, const Interactions& positives, L loss, const Config& c, std::uint64_t seed) {
  Trainer<M, Uniform<1>, L, Adam> trainer(
      model, {.batch = 512, .epochs = c.epochs, .threads = c.threads, .seed = seed, .reduction = Reduction::mean},
      Uniform<1>(), std::move(loss), Adam({.lr = 1e-3}));
  trainer.fit(positives);
}

template <class M>
void train_ns(M& model, const Interactions& positives, const Config& c, std::uint64_t seed) {
  train_sampled(model, positives, BCE(), c, seed);
}

template <class M>
void train_tce(M& model, const Interactions& positives, const Config& c, std::uint64_t seed) {
  const std::uint64_t batches_per_epoch = (static_cast<std::uint64_t>(positives.size()) + 511) / 512;
  const std::uint64_t ramp = std::max<std::uint64_t>(1, batches_per_epoch * static_cast<std::uint64_t>(c.epochs) / 2);
  train_sampled(model, positives, TCE({.drop_rate = Setting<M>::tce_drop_rate, .num_gradual = ramp}), c, seed);
}

template <class M>
void train_rce(M& model, const Interactions& positives, const Config& c, std::uint64_t seed) {
  train_sampled(model, positives, RCE({.alpha = Setting<M>::rce_alpha}), c, seed);
}

template <class M>
void train_idl(M& model, const Interactions& positives, const Config& c, std::uint64_t seed) {
  train_sampled(model, positives, IDL(), c, seed);
}

/// How many meta batches kept each IG candidate (forward, none, inverse).
struct Choices {
  double forward = 0, none = 0, inverse = 0;
  template <class T>
  void on_epoch_end(T&, TrainContext& ctx) {
    forward += ctx.metrics.at("ig_forward");
    none += ctx.metrics.at("ig_none");
    inverse += ctx.metrics.at("ig_inverse");
  }
};

/// IG on all labelled rows; train_ratio 1 is the BCE-labels control.
template <class M>
Choices train_ig(M& model, const Interactions& labelled, const Config& c, std::uint64_t seed,
                 double train_ratio = 0.9) {
  InverseGradient<M> ig(model,
                        {.batch = 1024, .epochs = c.epochs, .train_ratio = train_ratio, .sample_lr = 1e-3,
                         .threads = c.threads, .seed = seed},
                        Adam({.lr = 1e-3}));
  Choices choices;
  ig.fit(labelled, choices);
  return choices;
}

struct Run {
  LabeledResult metrics;
  double seconds = 0;
  Choices choices;  // IG only
};

/// Trains a fresh model of type M with `method` on seed `seed`'s data and
/// evaluates it on the clean test rows.
template <class M>
Run run(Method method, const NoisySynthetic& d, const Interactions& positives, const Config& c,
        std::uint64_t seed) {
  M model = Setting<M>::make(d, seed);
  Run r;
  const auto start = std::chrono::steady_clock::now();
  switch (method) {
    case Method::ns: train_ns(model, positives, c, seed); break;
    case Method::tce: train_tce(model, positives, c, seed); break;
    case Method::rce: train_rce(model, positives, c, seed); break;
    case Method::idl: train_idl(model, positives, c, seed); break;
    case Method::ig: r.choices = train_ig(model, d.train, c, seed); break;
    case Method::bce_labels: train_ig(model, d.train, c, seed, 1.0); break;
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.metrics = evaluate_labeled(model, d.test, {.ks = {ndcg_k}, .threads = c.threads});
  return r;
}

/// Mean and sample standard deviation.
struct Stat {
  double mean = 0, std = 0;
};
Stat stat(const std::vector<double>& xs) {
  Stat s;
  for (const double x : xs) s.mean += x;
  s.mean /= static_cast<double>(xs.size());
  if (xs.size() > 1) {
    for (const double x : xs) s.std += (x - s.mean) * (x - s.mean);
    s.std = std::sqrt(s.std / static_cast<double>(xs.size() - 1));
  }
  return s;
}

/// "mean" or "mean ± std" of xs.
std::string cell(const std::vector<double>& xs, const char* format) {
  const Stat s = stat(xs);
  char buf[64];
  std::snprintf(buf, sizeof buf, format, s.mean);
  std::string out = buf;
  if (xs.size() > 1) {
    std::snprintf(buf, sizeof buf, format, s.std);
    out += std::string(" ± ") + buf;
  }
  return out;
}

/// One line of the table: the metrics of every seed.
struct Line {
  std::vector<double> auc, gauc, ndcg, seconds;
  void add(const LabeledResult& r, double secs) {
    auc.push_back(r.auc);
    gauc.push_back(r.gauc);
    ndcg.push_back(r.ndcg[0]);
    seconds.push_back(secs);
  }
  void print(const char* model, const char* method) const {
    std::printf("| %s | %s | %s | %s | %s | %s |\n", model, method, cell(auc, "%.4f").c_str(),
                cell(gauc, "%.4f").c_str(), cell(ndcg, "%.4f").c_str(),
                seconds.empty() ? "-" : cell({stat(seconds).mean}, "%.2f").c_str());
    std::fflush(stdout);
  }
};

/// Runs every method on model type M over all seeds; prints the table rows
/// and appends the runs to `json`.
template <class M>
void run_model(const std::vector<NoisySynthetic>& data, const std::vector<Interactions>& positives,
               const Config& c, nlohmann::json& json) {
  for (std::size_t m = 0; m < std::size(methods); ++m) {
    Line line;
    for (int s = 0; s < c.seeds; ++s) {
      const auto seed = static_cast<std::uint64_t>(s + 1);
      const Run r = run<M>(methods[m], data[static_cast<std::size_t>(s)], positives[static_cast<std::size_t>(s)], c, seed);
      line.add(r.metrics, r.seconds);
      nlohmann::json row = {{"model", Setting<M>::name}, {"method", method_names[m]}, {"seed", seed},
                            {"seconds", r.seconds}};
      if (methods[m] == Method::ig)
        row["ig_choices"] = {{"forward", r.choices.forward}, {"none", r.choices.none}, {"inverse", r.choices.inverse}};
      for (const auto& [name, value] : r.metrics.metrics()) row[name] = value;
      json["runs"].push_back(row);
    }
    line.print(Setting<M>::name, method_names[m]);
  }
}

[[noreturn]] void usage(const char* what) {
  std::fprintf(stderr, "example_inverse_learning: %s\nusage: example_inverse_learning [--full] [--seeds N] "
                       "[--threads N] [--epochs N] [--labelled N] [--hidden R] [--json FILE]\n", what);
  std::exit(2);
}

Config parse(int argc, char** argv) {
  Config c;
  for (int a = 1; a < argc; ++a) {
    const std::string_view arg = argv[a];
    auto value = [&]() -> const char* {
      if (a + 1 >= argc) usage("missing value after an option");
      return argv[++a];
    };
    if (arg == "--full") {
      c.full = true;
    } else if (arg == "--seeds") {
      c.seeds = std::atoi(value());
      if (c.seeds < 1) usage("--seeds must be at least 1");
    } else if (arg == "--threads") {
      const int t = std::atoi(value());
      if (t < 1) usage("--threads must be at least 1");
      c.threads = static_cast<std::size_t>(t);
    } else if (arg == "--epochs") {
      c.epochs = std::atoi(value());
      if (c.epochs < 1) usage("--epochs must be at least 1");
    } else if (arg == "--labelled") {
      c.labelled = std::atoi(value());
      if (c.labelled < 1) usage("--labelled must be at least 1");
    } else if (arg == "--hidden") {
      c.hidden = std::atof(value());
      if (!(c.hidden >= 0 && c.hidden <= 1)) usage("--hidden must be in [0, 1]");
    } else if (arg == "--json") {
      c.json = value();
    } else {
      usage(("unknown argument " + std::string(arg)).c_str());
    }
  }
  if (c.epochs == 0) c.epochs = c.full ? 10 : 2;
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  const Config c = parse(argc, argv);
  std::vector<NoisySynthetic> data;
  std::vector<Interactions> positives;
  for (int s = 1; s <= c.seeds; ++s) {
    const auto seed = static_cast<std::uint64_t>(s);
    NoisySyntheticOptions o = c.full ? NoisySyntheticOptions::reproduction(seed) : NoisySyntheticOptions::tiny(seed);
    if (c.labelled > 0) o.labelled_per_user = c.labelled;
    if (c.hidden >= 0) o.hidden_positive_rate = c.hidden;
    data.push_back(make_noisy_synthetic(o));
    positives.push_back(observed_positives(data.back().train));
  }
  const NoisySynthetic& d = data.front();
  std::printf("noisy synthetic (%s): %d users x %d items, %lld labelled rows (%lld labelled 1), "
              "%lld clean test rows; %d epochs, seeds 1..%d, %zu thread(s)\n\n",
              c.full ? "reproduction" : "tiny", d.n_users(), d.n_items(), static_cast<long long>(d.train.size()),
              static_cast<long long>(positives.front().size()), static_cast<long long>(d.test.size()), c.epochs,
              c.seeds, c.threads);
  std::printf("| model | method | AUC | GAUC | NDCG@%d | seconds |\n|---|---|---|---|---|---|\n", ndcg_k);

  nlohmann::json json = {{"data", c.full ? "reproduction" : "tiny"},
                         {"labelled_per_user", d.train.size() / d.n_users()},
                         {"hidden_positive_rate", c.hidden >= 0 ? c.hidden : NoisySyntheticOptions().hidden_positive_rate},
                         {"epochs", c.epochs}, {"seeds", c.seeds},
                         {"threads", c.threads}, {"ndcg_k", ndcg_k}, {"runs", nlohmann::json::array()}};
  // The popularity ranking (each item's number of observed positives): what
  // a model must beat to have learned anything personal.
  Line popularity;
  for (std::size_t s = 0; s < data.size(); ++s) {
    const LabeledResult r = evaluate_labeled(PopularityScorer(positives[s]), data[s].test, {.ks = {ndcg_k}});
    popularity.add(r, 0);
    nlohmann::json row = {{"model", "-"}, {"method", "Popularity"}, {"seed", s + 1}};
    for (const auto& [name, value] : r.metrics()) row[name] = value;
    json["runs"].push_back(row);
  }
  popularity.seconds.clear();
  popularity.print("-", "Popularity");
  run_model<GMF>(data, positives, c, json);
  run_model<NeuMF>(data, positives, c, json);

  if (!c.json.empty()) {
    std::ofstream out(c.json);
    out << json.dump(2) << '\n';
    if (!out) {
      std::fprintf(stderr, "example_inverse_learning: cannot write %s\n", c.json.c_str());
      return 1;
    }
  }
  return 0;
}
