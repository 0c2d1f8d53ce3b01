#include "hardneg/train/trainer.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include "hardneg/data/synthetic.hpp"
#include "hardneg/eval/evaluator.hpp"
#include "hardneg/eval/popularity_scorer.hpp"
#include "hardneg/losses/bpr.hpp"
#include "hardneg/losses/cce.hpp"
#include "hardneg/models/mf.hpp"
#include "hardneg/optim/adam.hpp"
#include "hardneg/optim/sgd.hpp"
#include "hardneg/samplers/popularity.hpp"
#include "hardneg/samplers/uniform.hpp"
#include "hardneg/train/any_policy.hpp"
#include "hardneg/train/callbacks/early_stopping.hpp"
#include "hardneg/train/callbacks/evaluate_every.hpp"
#include "hardneg/train/callbacks/training_log.hpp"

using namespace hardneg;

namespace {
const Dataset& tiny() {
  static const Dataset d = make_synthetic(SyntheticOptions::tiny(7));
  return d;
}

template <class S = Uniform<>, class L = BPR, class O = LazyAdam>
MF train_mf(std::size_t threads, std::uint64_t seed, int epochs, S sampler = S(), L loss = L(),
            O optimizer = O({.lr = 0.01})) {
  MF model(tiny().n_users(), tiny().n_items(), {.dim = 16, .init_std = 0.1, .seed = seed});
  Trainer<MF, S, L, O> trainer(model,
                               {.batch = 256, .epochs = epochs, .threads = threads, .seed = seed},
                               sampler, loss, optimizer);
  trainer.fit(tiny().train);
  return model;
}

double ndcg20(const auto& scorer) {
  return evaluate(scorer, tiny().train, tiny().test, {.ks = {20}}).at("ndcg@20");
}
}  // namespace

TEST_CASE("Training is deterministic for a seed and a thread count", "[trainer]") {
  for (std::size_t threads : {1u, 2u}) {
    const MF a = train_mf(threads, 3, 3, Uniform<>({.k = 4}));
    const MF b = train_mf(threads, 3, 3, Uniform<>({.k = 4}));
    CHECK(a.user_embeddings() == b.user_embeddings());
    CHECK(a.item_embeddings() == b.item_embeddings());
  }
  // A different seed gives a different model.
  CHECK_FALSE(train_mf(1, 3, 1).item_embeddings() == train_mf(1, 4, 1).item_embeddings());
}

TEST_CASE("Dense Adam training is deterministic at 2 threads", "[trainer]") {
  const auto run = [] { return train_mf(2, 5, 2, Uniform<>(), BPR(), Adam({.lr = 0.01, .weight_decay = 1e-4})); };
  CHECK(run().item_embeddings() == run().item_embeddings());
}

TEST_CASE("Type-erased policies train exactly like concrete ones", "[trainer][any_policy]") {
  const MF concrete = train_mf(2, 9, 2, Popularity<>({.k = 3}), CCE(), Adam({.lr = 0.01}));
  const MF erased = train_mf(2, 9, 2, AnySampler<MF>(Popularity<>({.k = 3})), AnyLoss(CCE()),
                             AnyOptimizer(Adam({.lr = 0.01})));
  CHECK(concrete.user_embeddings() == erased.user_embeddings());
  CHECK(concrete.item_embeddings() == erased.item_embeddings());
}

TEST_CASE("MF with uniform BPR learns: NDCG@20 at least twice the popularity ranking's",
          "[trainer][learning]") {
  const MF model = train_mf(2, 1, 30, Uniform<>({.k = 1}), BPR(), LazyAdam({.lr = 0.01}));
  const double learned = ndcg20(model.block_scorer());
  const double popular = ndcg20(PopularityScorer(tiny().train));
  INFO("MF ndcg@20 " << learned << ", popularity " << popular);
  CHECK(learned >= 2 * popular);
}

TEST_CASE("Mean reduction scales the step of plain SGD by 1/batch", "[trainer]") {
  // With SGD and no weight decay, a sum-reduced run with lr/B equals a
  // mean-reduced run with lr, up to float rounding of the scaling.
  MF a(tiny().n_users(), tiny().n_items(), {.dim = 8, .seed = 2});
  MF b = a;
  // A train set of 30 full batches, so every batch has B pairs.
  const std::size_t batch = 128;
  const auto all = tiny().train.pairs();
  REQUIRE(all.size() >= 30 * batch);
  const Interactions train = Interactions::from_pairs(
      tiny().n_users(), tiny().n_items(), std::span<const Pair>(all.data(), 30 * batch));
  Trainer<MF, Uniform<>, BPR, SGD> ta(a, {.batch = batch, .epochs = 1, .seed = 2, .reduction = Reduction::sum},
                                      Uniform<>(), BPR(), SGD({.lr = 0.5 / double(batch)}));
  Trainer<MF, Uniform<>, BPR, SGD> tb(b, {.batch = batch, .epochs = 1, .seed = 2, .reduction = Reduction::mean},
                                      Uniform<>(), BPR(), SGD({.lr = 0.5}));
  ta.fit(train);
  tb.fit(train);
  const auto& x = a.item_embeddings();
  const auto& y = b.item_embeddings();
  double max_diff = 0;
  for (std::size_t r = 0; r < x.rows(); ++r)
    for (std::size_t c = 0; c < x.dim(); ++c) max_diff = std::max(max_diff, double(std::abs(x(r, c) - y(r, c))));
  CHECK(max_diff < 1e-5);
}

TEST_CASE("Callbacks see metrics, early stopping stops and restores the best model",
          "[trainer][callbacks]") {
  MF model(tiny().n_users(), tiny().n_items(), {.dim = 16, .seed = 4});
  // A learning rate this large makes the model overfit and then degrade.
  Trainer<MF, Uniform<>, BPR, LazyAdam> trainer(model, {.batch = 256, .epochs = 60, .seed = 4},
                                                Uniform<>(), BPR(), LazyAdam({.lr = 0.05}));
  EvaluateEvery eval(1, tiny().train, tiny().test, {.ks = {20}});
  EarlyStopping stop({.metric = "ndcg@20", .patience = 3, .restore_best = true});
  TrainingLog log;
  const TrainContext ctx = trainer.fit(tiny().train, eval, stop, log);
  REQUIRE(log.records().size() == static_cast<std::size_t>(ctx.epoch + 1));
  REQUIRE(stop.best_epoch() >= 0);
  CHECK(log.records()[stop.best_epoch()].metrics.at("ndcg@20") == stop.best());
  if (log.records().size() < 60) {
    // Stopped early: exactly `patience` evaluations after the best one.
    CHECK(static_cast<int>(log.records().size()) == stop.best_epoch() + 1 + 3);
  }
  // The restored model scores the best epoch's NDCG again.
  CHECK(ndcg20(model.block_scorer()) == Approx(stop.best()).epsilon(1e-12));
  CHECK(log.to_json().find("\"ndcg@20\"") != std::string::npos);
}

namespace {
/// After each epoch: the NDCG@20 of the model the next epoch starts from.
struct StartingPoint {
  std::vector<double> ndcg;
  template <class T>
  void on_epoch_end(T& trainer, const TrainContext&) { ndcg.push_back(ndcg20(trainer.model().block_scorer())); }
};
}  // namespace

TEST_CASE("On a plateau, early stopping decays the learning rate and goes back to the best model",
          "[trainer][callbacks]") {
  MF model(tiny().n_users(), tiny().n_items(), {.dim = 16, .seed = 4});
  Trainer<MF, Uniform<>, BPR, LazyAdam> trainer(model, {.batch = 256, .epochs = 60, .seed = 4},
                                                Uniform<>(), BPR(), LazyAdam({.lr = 0.05}));
  EvaluateEvery eval(1, tiny().train, tiny().test, {.ks = {20}});
  EarlyStopping stop({.metric = "ndcg@20", .patience = 4, .min_delta = 1e-6, .lr_factor = 0.5,
                      .min_lr = 0.01, .reload_on_plateau = true});
  StartingPoint start;
  TrainingLog log;
  trainer.fit(tiny().train, eval, stop, start, log);
  const auto& records = log.records();
  REQUIRE(stop.plateaus() > 0);
  double best = -1, lr = 0.05;
  int plateaus = 0;
  for (std::size_t e = 0; e < records.size(); ++e) {
    CHECK(records[e].learning_rate == Approx(lr).epsilon(1e-12));
    const double value = records[e].metrics.at("ndcg@20");
    if (value > best + 1e-6) {
      best = value;
      CHECK(start.ndcg[e] == value);
    } else if (e + 1 < records.size() || records.size() == 60) {
      // A plateau that did not stop training (any but the last epoch of a
      // stopped run): the next epoch would run at the decayed rate, from the
      // best model so far.
      ++plateaus;
      lr = std::max(lr * 0.5, 0.01);
      CHECK(start.ndcg[e] == Approx(best).epsilon(1e-12));
    }
  }
  CHECK(plateaus == stop.plateaus());
  CHECK(lr < 0.05);
}

namespace {
/// Every item but the positive, weight 1/(n - 1) each: the test below knows
/// exactly which negatives each pair got.
struct AllItems {
  index_t n_items = 0;
  static constexpr std::string_view name() { return "all-items"; }
  std::size_t max_negatives() const { return static_cast<std::size_t>(n_items - 1); }
  void sample(const MF&, SampleContext& ctx, Negatives& out) const {
    out.resize(max_negatives());
    std::size_t k = 0;
    for (index_t j = 0; j < n_items; ++j)
      if (j != ctx.positive) {
        out.items()[k] = j;
        out.weights()[k++] = real(1) / static_cast<real>(n_items - 1);
      }
  }
};
}  // namespace

TEST_CASE("The trainer counts the sampled negatives above the positive and at or above zero",
          "[trainer]") {
  // One batch holding every pair: the model is the initial one while the
  // epoch samples and scores, so the counts can be recomputed from it.
  MF model(tiny().n_users(), tiny().n_items(), {.dim = 8, .init_std = 0.5, .seed = 4});
  const MF initial = model;
  const auto pairs = tiny().train.pairs();
  const index_t n = tiny().n_items();
  for (const std::size_t threads : {1u, 2u}) {
    MF trained = model;
    Trainer<MF, AllItems, BPR, SGD> trainer(
        trained, {.batch = pairs.size(), .epochs = 1, .threads = threads, .allow_seen = true},
        AllItems{n}, BPR(), SGD({.lr = 0.01}));
    const TrainContext ctx = trainer.fit(tiny().train);
    // Scored as the trainer does (score for the positive, score_items for
    // the negatives, in the sampler's order), so that near-ties compare alike.
    std::size_t above = 0, nonnegative = 0;
    std::vector<index_t> items;
    std::vector<real> scores(static_cast<std::size_t>(n - 1));
    for (const Pair& p : pairs) {
      items.clear();
      for (index_t j = 0; j < n; ++j)
        if (j != p.item) items.push_back(j);
      initial.score_items(p.user, items, scores);
      const real pos = initial.score(p.user, p.item);
      for (const real s : scores) {
        above += s > pos;
        nonnegative += s >= 0;
      }
    }
    INFO("threads " << threads);
    CHECK(ctx.negatives == pairs.size() * static_cast<std::size_t>(n - 1));
    CHECK(ctx.negatives_above_positive == above);
    CHECK(ctx.negatives_nonnegative == nonnegative);
    // A random model: about half of the negatives on either side.
    CHECK(above > ctx.negatives / 4);
    CHECK(above < 3 * ctx.negatives / 4);
  }
}

namespace {
// Uniform<1> that also records the (user, positive) of every row it serves
// (single-threaded use).
struct RecordingUniform : Uniform<1> {
  std::vector<Pair>* rows = nullptr;
  template <class M>
  void sample(const M& model, SampleContext& ctx, Negatives& out) const {
    rows->push_back({ctx.user, ctx.positive});
    Uniform<1>::sample(model, ctx, out);
  }
};

bool before(const Pair& a, const Pair& b) { return a.user != b.user ? a.user < b.user : a.item < b.item; }

std::vector<Pair> visited_rows(const Interactions& train, PairOrder order, int epochs, std::uint64_t seed) {
  std::vector<Pair> rows;
  RecordingUniform sampler;
  sampler.rows = &rows;
  MF model(train.n_users(), train.n_items(), {.dim = 4, .seed = 1});
  Trainer<MF, RecordingUniform, BPR, SGD> trainer(
      model, {.batch = 4, .epochs = epochs, .threads = 1, .seed = seed, .pair_order = order}, sampler);
  trainer.fit(train);
  return rows;
}
}  // namespace

TEST_CASE("Pair order: shuffled visits each pair once, by_user draws a uniform user, then an item",
          "[trainer]") {
  // User 0 has one item, user 1 nine, user 2 none: 10 pairs.
  std::vector<Pair> pairs{{0, 3}};
  for (index_t i = 1; i <= 9; ++i) pairs.push_back({1, i});
  const Interactions train = Interactions::from_pairs(3, 12, pairs);
  constexpr int epochs = 400;

  const auto shuffled = visited_rows(train, PairOrder::shuffled, epochs, 7);
  REQUIRE(shuffled.size() == 10 * epochs);
  for (int e = 0; e < epochs; ++e) {
    std::vector<Pair> epoch(shuffled.begin() + 10 * e, shuffled.begin() + 10 * (e + 1));
    std::sort(epoch.begin(), epoch.end(), before);
    CHECK(epoch == pairs);
  }

  const auto by_user = visited_rows(train, PairOrder::by_user, epochs, 7);
  REQUIRE(by_user.size() == 10 * epochs);  // as many rows per epoch as pairs
  std::array<int, 3> per_user{};
  std::array<int, 12> per_item{};
  for (const Pair& p : by_user) {
    REQUIRE(std::binary_search(pairs.begin(), pairs.end(), p, before));  // always a train pair
    ++per_user[static_cast<std::size_t>(p.user)];
    if (p.user == 1) ++per_item[static_cast<std::size_t>(p.item)];
  }
  // Users 0 and 1 each with probability 1/2 (shuffled: 1/10 and 9/10):
  // 4000 draws, sd 31.6; within 5 sd.
  INFO("user 0: " << per_user[0] << ", user 1: " << per_user[1]);
  CHECK(std::abs(per_user[0] - 2000) < 158);
  CHECK(per_user[2] == 0);
  // User 1's items uniformly: chi-square with 8 degrees of freedom below
  // 26.1 (p = 0.001).
  double chi2 = 0;
  const double expected = per_user[1] / 9.0;
  for (index_t i = 1; i <= 9; ++i) chi2 += std::pow(per_item[static_cast<std::size_t>(i)] - expected, 2) / expected;
  INFO("chi-square " << chi2);
  CHECK(chi2 < 26.1);
  // Deterministic by seed, and the seed matters.
  CHECK(visited_rows(train, PairOrder::by_user, 3, 7) == std::vector<Pair>(by_user.begin(), by_user.begin() + 30));
  CHECK_FALSE(visited_rows(train, PairOrder::by_user, 3, 8) == std::vector<Pair>(by_user.begin(), by_user.begin() + 30));
}
