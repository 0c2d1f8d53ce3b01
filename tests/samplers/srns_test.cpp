// Tests of samplers/srns.hpp: among memory candidates with equal current
// scores SRNS picks the one whose score history varies most (constructed
// histories; the standard deviation against a hand-computed value); the
// variance is that of sigmoid(s_j - s_i) with the positive's own history;
// during the warm-up it picks the highest current score; the score-based
// memory update keeps high-scored candidates (and a high temperature does
// not); memories exclude seen items and do not depend on the thread count;
// errors; a short training run through the Trainer.
#include "hardneg/samplers/srns.hpp"

#include <catch2/catch.hpp>

#include "training_check.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "hardneg/core/concepts.hpp"
#include "hardneg/data/synthetic.hpp"
#include "hardneg/losses/bpr.hpp"
#include "hardneg/models/mf.hpp"
#include "hardneg/optim/adam.hpp"
#include "hardneg/train/trainer.hpp"

namespace {

using hardneg::index_t;
using hardneg::real;
using hardneg::SRNS;

static_assert(hardneg::Sampler<SRNS<>, hardneg::MF>);

double sigmoid(double x) { return 1 / (1 + std::exp(-x)); }

// An MF of dim 1 whose scores are s(u, j) = values[j] for every user.
hardneg::MF fixed_scores(index_t n_users, const std::vector<real>& values) {
  hardneg::RowMatrix users(static_cast<std::size_t>(n_users), 1), items(values.size(), 1);
  users.fill(1);
  for (std::size_t j = 0; j < values.size(); ++j) items(j, 0) = values[j];
  return hardneg::MF(std::move(users), std::move(items));
}

// n_users users who have each seen item 0 only.
hardneg::Interactions item0_train(index_t n_users, index_t n_items) {
  std::vector<hardneg::Pair> pairs;
  for (index_t u = 0; u < n_users; ++u) pairs.push_back({u, 0});
  return hardneg::Interactions::from_pairs(n_users, n_items, pairs);
}

using hardneg::test::sampled_auc;

}  // namespace

TEST_CASE("SRNS prefers high-variance candidates among equal scores", "[samplers][srns]") {
  // Items 1 .. 20 alternate between +a_j and -a_j from epoch to epoch,
  // a_j = j / 10; the positive (item 0) stays at 0. Then every item scores 0:
  // equal means, and std_j = sigmoid(a_j) - 1/2 grows with j.
  const index_t n_users = 100;
  const auto train = item0_train(n_users, 21);
  const auto k = GENERATE(1, 2);
  SRNS<> sampler({.k = k, .s1 = 6, .s2 = 0, .history = 4, .alpha = 1, .warmup = 2, .seed = 3});
  sampler.prepare(train);
  hardneg::ThreadPool pool(2);
  for (int epoch = 0; epoch < 4; ++epoch) {
    std::vector<real> values(21, 0);
    for (std::size_t j = 1; j < 21; ++j) values[j] = static_cast<real>((epoch % 2 ? -1.0 : 1.0) * j / 10.0);
    sampler.on_epoch_begin(fixed_scores(n_users, values), train, epoch, pool);
  }
  CHECK(sampler.alpha_t() == 1);
  const auto flat = fixed_scores(n_users, std::vector<real>(21, 0));
  hardneg::Rng rng(1);
  hardneg::SamplerWorkspace ws;
  hardneg::Negatives out(2);
  for (index_t u = 0; u < n_users; ++u) {
    const auto mem = sampler.memory(u);
    for (std::size_t slot = 0; slot < mem.size(); ++slot) {
      CHECK(mem[slot] != 0);  // the seen item is never in the memory
      const real* no_history = nullptr;
      CHECK(sampler.score_std(u, slot, no_history, 0) ==
            Approx(sigmoid(mem[slot] / 10.0) - 0.5).epsilon(1e-5));
    }
    std::vector<index_t> sorted(mem.begin(), mem.end());
    std::sort(sorted.rbegin(), sorted.rend());
    hardneg::SampleContext ctx{u, 0, 0, train.items_of(u), false, rng, ws};
    sampler.sample(flat, ctx, out);
    REQUIRE(out.size() == static_cast<std::size_t>(k));
    REQUIRE(out.scored);
    for (int t = 0; t < k; ++t) {
      CHECK(out.items()[static_cast<std::size_t>(t)] == sorted[static_cast<std::size_t>(t)]);
      CHECK(out.weights()[static_cast<std::size_t>(t)] == Approx(1.0 / k));
      CHECK(out.scores()[static_cast<std::size_t>(t)] == 0);
    }
  }
}

TEST_CASE("SRNS measures the variance against the positive's own history", "[samplers][srns]") {
  // Item 1 moves with the positive (both alternate +-1), item 2 stays at 0.
  // Against the positive's history sigmoid(s_1 - s_i) is constant and
  // sigmoid(s_2 - s_i) alternates: SRNS must pick item 2 (against the
  // positive's current score it would pick item 1).
  const index_t n_users = 64;
  const auto train = item0_train(n_users, 3);
  SRNS<> sampler({.s1 = 4, .s2 = 0, .history = 3, .warmup = 0});
  sampler.prepare(train);
  hardneg::ThreadPool pool(1);
  for (int epoch = 0; epoch < 3; ++epoch) {
    const real sign = epoch % 2 ? -1.0f : 1.0f;
    sampler.on_epoch_begin(fixed_scores(n_users, {sign, sign, 0}), train, epoch, pool);
  }
  const auto flat = fixed_scores(n_users, {0, 0, 0});
  hardneg::Rng rng(1);
  hardneg::SamplerWorkspace ws;
  hardneg::Negatives out(1);
  int both = 0;
  for (index_t u = 0; u < n_users; ++u) {
    const auto mem = sampler.memory(u);
    const bool has1 = std::count(mem.begin(), mem.end(), 1) > 0, has2 = std::count(mem.begin(), mem.end(), 2) > 0;
    hardneg::SampleContext ctx{u, 0, 0, train.items_of(u), false, rng, ws};
    sampler.sample(flat, ctx, out);
    if (has1 && has2) {
      ++both;
      CHECK(out.items()[0] == 2);
    }
  }
  CHECK(both > n_users / 2);
}

TEST_CASE("SRNS picks the highest current score during the warm-up", "[samplers][srns]") {
  const index_t n_users = 50;
  const auto train = item0_train(n_users, 40);
  SRNS<2> sampler({.s1 = 8, .s2 = 4, .warmup = 4});
  sampler.prepare(train);
  hardneg::ThreadPool pool(2);
  std::vector<real> values(40);
  for (std::size_t j = 0; j < 40; ++j) values[j] = static_cast<real>(std::cos(3.1 * j));
  const auto model = fixed_scores(n_users, values);
  sampler.on_epoch_begin(model, train, 0, pool);
  CHECK(sampler.alpha_t() == 0);
  sampler.on_epoch_begin(model, train, 1, pool);
  CHECK(sampler.alpha_t() == 0.25);
  sampler.on_epoch_begin(model, train, 0, pool);  // a new fit: alpha_t = 0 again
  hardneg::Rng rng(2);
  hardneg::SamplerWorkspace ws;
  hardneg::Negatives out(2);
  for (index_t u = 0; u < n_users; ++u) {
    const auto mem = sampler.memory(u);
    std::vector<real> scores;
    for (index_t j : mem) scores.push_back(values[static_cast<std::size_t>(j)]);
    std::sort(scores.rbegin(), scores.rend());
    hardneg::SampleContext ctx{u, 0, values[0], train.items_of(u), false, rng, ws};
    sampler.sample(model, ctx, out);
    CHECK(out.scores()[0] == scores[0]);
    CHECK(out.scores()[1] == scores[1]);
  }
}

TEST_CASE("SRNS memory update keeps high-scored candidates", "[samplers][srns]") {
  const index_t n_users = 200;
  const auto train = item0_train(n_users, 50);
  std::vector<real> values(50);
  for (std::size_t j = 0; j < 50; ++j) values[j] = static_cast<real>(j) / 5;  // item j scores j / 5
  const auto model = fixed_scores(n_users, values);
  const auto mean_item = [&](double temperature) {
    SRNS<> sampler({.s1 = 5, .s2 = 5, .temperature = temperature, .seed = 4});
    sampler.prepare(train);
    hardneg::ThreadPool pool(2);
    for (int epoch = 0; epoch < 12; ++epoch) sampler.on_epoch_begin(model, train, epoch, pool);
    double total = 0;
    for (index_t u = 0; u < n_users; ++u)
      for (index_t j : sampler.memory(u)) {
        CHECK(j != 0);
        total += j;
      }
    return total / (n_users * 5);
  };
  const double hard = mean_item(0.05), random = mean_item(1e6);
  INFO("mean item in memory: temperature 0.05 " << hard << ", 1e6 " << random);
  CHECK(hard > 40);                            // the top items (49, 48, ...) dominate
  CHECK(random == Approx(25).margin(2));       // uniform over 1 .. 49 (sd 0.45)
}

TEST_CASE("SRNS memories do not depend on the thread count", "[samplers][srns]") {
  const auto data = hardneg::make_synthetic(hardneg::SyntheticOptions::tiny(2));
  const hardneg::MF model(data.n_users(), data.n_items(), {.dim = 8, .seed = 5});
  const auto memories = [&](std::size_t threads) {
    SRNS<> sampler;
    sampler.prepare(data.train);
    hardneg::ThreadPool pool(threads);
    for (int epoch = 0; epoch < 3; ++epoch) sampler.on_epoch_begin(model, data.train, epoch, pool);
    std::vector<index_t> all;
    for (index_t u = 0; u < data.n_users(); ++u) {
      for (index_t j : sampler.memory(u)) CHECK_FALSE(data.train.contains(u, j));
      all.insert(all.end(), sampler.memory(u).begin(), sampler.memory(u).end());
    }
    return all;
  };
  CHECK(memories(1) == memories(3));
}

TEST_CASE("SRNS rejects bad parameters and sampling before on_epoch_begin", "[samplers][srns]") {
  CHECK_THROWS_AS(SRNS<>({.k = 0}), hardneg::InvalidArgument);
  CHECK_THROWS_AS(SRNS<>({.k = 3, .s1 = 2}), hardneg::InvalidArgument);
  CHECK_THROWS_AS(SRNS<>({.s2 = -1}), hardneg::InvalidArgument);
  CHECK_THROWS_AS(SRNS<>({.history = 0}), hardneg::InvalidArgument);
  CHECK_THROWS_AS(SRNS<>({.alpha = -1}), hardneg::InvalidArgument);
  CHECK_THROWS_AS(SRNS<>({.temperature = 0}), hardneg::InvalidArgument);
  const auto train = item0_train(2, 5);
  const auto model = fixed_scores(2, std::vector<real>(5, 0));
  const SRNS<> sampler;
  hardneg::Rng rng(1);
  hardneg::SamplerWorkspace ws;
  hardneg::Negatives out(1);
  hardneg::SampleContext ctx{0, 0, 0, train.items_of(0), false, rng, ws};
  CHECK_THROWS_AS(sampler.sample(model, ctx, out), hardneg::InvalidArgument);
}

TEST_CASE("SRNS trains MF with BPR through the Trainer", "[samplers][srns][trainer]") {
  const auto data = hardneg::make_synthetic(hardneg::SyntheticOptions::tiny());
  const auto run = [&] {
    hardneg::MF model(data.n_users(), data.n_items(), {.dim = 16, .seed = 2});
    hardneg::Trainer<hardneg::MF, SRNS<>, hardneg::BPR, hardneg::Adam> trainer(
        model, {.batch = 256, .epochs = 5, .threads = 2, .seed = 3}, SRNS<>(), {},
        hardneg::Adam({.lr = 0.01}));
    const auto ctx = trainer.fit(data.train);
    CHECK(std::isfinite(ctx.loss));
    return model;
  };
  const hardneg::MF before(data.n_users(), data.n_items(), {.dim = 16, .seed = 2});
  const auto model = run();
  const double auc_before = sampled_auc(before, data), auc = sampled_auc(model, data);
  INFO("sampled AUC " << auc_before << " -> " << auc);
  CHECK(auc > auc_before + 0.1);
  CHECK(run().item_embeddings() == model.item_embeddings());  // deterministic
}
