// hardneg simulate opauc | sampler: the seed paper's Figure 6 and Figure 7
// experiments (spec/theory.md, docs/theory.md), on eval/theory.hpp.
//
//   simulate opauc   : Pearson correlation of Recall/Precision/NDCG@K with
//                      OPAUC_norm(beta) over random rankings, one CSV row per beta.
//   simulate sampler : the sampling distribution of one or more samplers over a
//                      trained model's negatives for one (user, positive) pair
//                      (any model; models.hpp loads it).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "commands.hpp"
#include "common.hpp"
#include "hardneg/core/error.hpp"
#include "hardneg/eval/theory.hpp"
#include "help.hpp"
#include "models.hpp"
#include "policy_spec.hpp"

namespace hardneg::tool {

namespace {

using Clock = std::chrono::steady_clock;

/// A CSV field, quoted when it holds a comma, a quote or a line break.
std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string q = "\"";
  for (const char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

std::string number(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

/// Opens `path` for writing; throws IoError naming it.
std::ofstream open_csv(const std::string& path) {
  std::ofstream f(path);
  if (!f) throw IoError(path + ": cannot open for writing");
  return f;
}

void close_csv(std::ofstream& f, const std::string& path) {
  f.close();
  if (!f) throw IoError(path + ": write failed");
}

// ------------------------------------------------------------ opauc ----

struct OpaucArgs {
  std::int64_t positives = 200;
  std::int64_t negatives = 800;
  std::size_t trials = 100000;
  std::string ks = "5,10,20,50";
  std::size_t betas = 50;
  std::uint64_t seed = 1;
  std::size_t threads = 2;
  std::string out;
};

void run_opauc(const OpaucArgs& a) {
  SimulationOptions o;
  o.positives = a.positives;
  o.negatives = a.negatives;
  o.trials = a.trials;
  o.ks = parse_list<int>("--k", a.ks);
  o.n_betas = a.betas;
  o.seed = a.seed;
  o.threads = a.threads;
  const auto start = Clock::now();
  const SimulationResult r = simulate_opauc_correlation(o);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();

  std::ofstream f = open_csv(a.out);
  f << "beta";
  for (const auto& m : r.metrics) f << ',' << m;
  f << '\n';
  for (std::size_t b = 0; b < r.betas.size(); ++b) {
    f << number(r.betas[b]);
    for (std::size_t m = 0; m < r.metrics.size(); ++m) f << ',' << number(r.correlation[m][b]);
    f << '\n';
  }
  close_csv(f, a.out);

  Json metrics = Json::object();
  for (std::size_t m = 0; m < r.metrics.size(); ++m) {
    const std::size_t p = r.peak(m);
    Json j = {{"peak_beta", r.betas[p]}, {"peak_correlation", r.correlation[m][p]}};
    // The grid ends at beta = 1, where OPAUC_norm is the AUC.
    j["auc_correlation"] = r.betas.back() == 1.0 ? Json(r.correlation[m].back()) : Json(nullptr);
    metrics[r.metrics[m]] = j;
  }
  print_json(Json{{"positives", a.positives}, {"negatives", a.negatives}, {"trials", a.trials},
                  {"betas", r.betas.size()},   {"seed", a.seed},           {"threads", a.threads},
                  {"seconds", seconds},        {"out", a.out},             {"metrics", metrics}});
}

// ---------------------------------------------------------- sampler ----

struct SamplerArgs {
  DataOptions data;
  std::string model_path;
  std::string user;
  std::string positive;
  std::vector<std::string> samplers;
  std::size_t draws = 10000;
  std::uint64_t seed = 1;
  std::string out;
};

/// Index of a user or item named as in the data file; -1 when unknown.
index_t find_id(const std::optional<IdMap>& ids, const std::string& name, index_t n) {
  if (ids) return ids->find(name);
  try {
    std::size_t used = 0;
    const long long v = std::stoll(name, &used);
    if (used == name.size() && v >= 0 && v < n) return static_cast<index_t>(v);
  } catch (const std::exception&) {
  }
  return -1;
}

void run_sampler(const SamplerArgs& a) {
  const Dataset data = load_data(a.data);
  const auto model = load_any_model(a.model_path, data.train);
  const Interactions train = data.train.resized(model->n_users(), model->n_items());

  const index_t user = find_id(data.user_ids, a.user, data.n_users());
  if (user < 0) throw InvalidArgument("--user '" + a.user + "' is not a user of the train data");
  index_t positive = -1;
  if (a.positive.empty()) {
    const auto items = train.items_of(user);
    if (items.empty())
      throw InvalidArgument("--user '" + a.user + "' has no train item; give --positive ITEM");
    positive = items.front();
  } else {
    positive = find_id(data.item_ids, a.positive, data.n_items());
    if (positive < 0) throw InvalidArgument("--positive '" + a.positive + "' is not an item of the train data");
  }

  std::vector<SamplingDistribution> dists;
  Json summaries = Json::array();
  for (const std::string& text : a.samplers) {
    const auto start = Clock::now();
    dists.push_back(model->simulate_sampler(text, train, user, positive, a.draws, a.seed));
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    const SamplingDistribution& d = dists.back();
    summaries.push_back({{"sampler", text},
                         {"seconds", seconds},
                         {"mean_rank", d.mean_rank()},
                         {"median_rank", d.rank_reaching(0.5)},
                         {"rank_reaching_0.9", d.rank_reaching(0.9)},
                         {"top1_probability", d.cumulative_at(1)},
                         {"top_1pct_mass", d.cumulative_at(std::max<std::size_t>(1, d.negatives.size() / 100))},
                         {"outside", d.outside}});
  }

  // One sampler: rank,item,score,probability,cumulative. Several: one
  // probability/cumulative column pair per sampler, named after it.
  std::ofstream f = open_csv(a.out);
  f << "rank,item,score";
  if (a.samplers.size() == 1) {
    f << ",probability,cumulative";
  } else {
    for (const std::string& text : a.samplers)
      f << ',' << csv_field("probability(" + text + ")") << ',' << csv_field("cumulative(" + text + ")");
  }
  f << '\n';
  const auto& rows = dists.front().negatives;  // same negatives, same order for every sampler
  for (std::size_t r = 0; r < rows.size(); ++r) {
    f << rows[r].rank << ',' << csv_field(data.item_name(rows[r].item)) << ',' << number(rows[r].score);
    for (const auto& d : dists) f << ',' << number(d.negatives[r].probability) << ',' << number(d.negatives[r].cumulative);
    f << '\n';
  }
  close_csv(f, a.out);

  const SamplingDistribution& d0 = dists.front();
  print_json(Json{{"user", a.user},
                  {"positive", data.item_name(positive)},
                  {"positive_score", d0.positive_score},
                  {"negatives", d0.negatives.size()},
                  {"draws", a.draws},
                  {"seed", a.seed},
                  {"out", a.out},
                  {"samplers", summaries}});
}

}  // namespace

void register_simulate(CLI::App& app) {
  auto* sim = app.add_subcommand("simulate", "Theory simulations: OPAUC vs Top-K (Figure 6), sampling distributions (Figure 7)");
  sim->require_subcommand(1);

  auto o = std::make_shared<OpaucArgs>();
  auto* op = sim->add_subcommand("opauc", "Correlation of Top-K metrics with OPAUC_norm(beta) over random rankings; one CSV row per beta");
  op->add_option("--pos", o->positives, "Positives N+ per ranking")->check(CLI::PositiveNumber)->capture_default_str();
  op->add_option("--neg", o->negatives, "Negatives N- per ranking")->check(CLI::PositiveNumber)->capture_default_str();
  op->add_option("--trials", o->trials, "Random rankings")->check(CLI::Range(std::size_t{2}, std::size_t{1} << 40))
      ->capture_default_str();
  op->add_option("--k", o->ks, "Cut-offs K of Recall/Precision/NDCG@K")->capture_default_str();
  op->add_option("--betas", o->betas, "Points of the log grid of beta from 1/N- to 1")
      ->check(CLI::PositiveNumber)->capture_default_str();
  op->add_option("--seed", o->seed, "Seed")->capture_default_str();
  op->add_option("--threads", o->threads, "Worker threads (the result does not depend on it)")->capture_default_str();
  op->add_option("--out", o->out, "CSV file: beta, then one correlation column per metric")->required();
  op->callback([o] { run_opauc(*o); });

  auto s = std::make_shared<SamplerArgs>();
  auto* sa = sim->add_subcommand("sampler", "Sampling distribution over one user's negatives ranked by a trained model's score");
  sa->footer(policies_help());
  sa->add_option("--load", s->model_path, "Model file written by train --save")->required();
  add_data_options(*sa, s->data, /*allow_synthetic=*/true);
  sa->add_option("--user", s->user, "User id (as in the data file)")->required();
  sa->add_option("--positive", s->positive, "Positive item id (default: the user's first train item)");
  sa->add_option("--sampler", s->samplers, "Sampler (see below); repeat to compare several in one file")
      ->required()->take_all();
  sa->add_option("--draws", s->draws, "Sampler runs")->check(CLI::PositiveNumber)->capture_default_str();
  sa->add_option("--seed", s->seed, "Seed of the draws")->capture_default_str();
  sa->add_option("--out", s->out, "CSV file: rank,item,score,probability,cumulative")->required();
  sa->callback([s] { run_sampler(*s); });
}

}  // namespace hardneg::tool
