// Tests of samplers/adasir.hpp: after a refresh the pools follow the
// resampling target softmax(s) for the uniform and the popularity proposal
// (chi-square on 10 items, level 0.001, fixed seeds; the same check rejects
// the uniform law and the target with q left in, which a missing -log q
// would give); the stored rho; the mixing of old and new pools after epoch
// 0; the training weights divide by rho (formula check); pools exclude seen
// items and do not depend on the thread count; errors; a short training run
// through the Trainer.
#include "hardneg/samplers/adasir.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "chi_square.hpp"
#include "training_check.hpp"
#include "hardneg/core/concepts.hpp"
#include "hardneg/data/synthetic.hpp"
#include "hardneg/losses/bpr.hpp"
#include "hardneg/models/mf.hpp"
#include "hardneg/optim/adam.hpp"
#include "hardneg/train/trainer.hpp"

namespace {

using hardneg::AdaSIR;
using hardneg::index_t;
using hardneg::ProposalKind;
using hardneg::real;

constexpr double level = 0.001;

static_assert(hardneg::Sampler<AdaSIR<>, hardneg::MF>);

// An MF of dim 1 whose scores are s(u, j) = values[j] for every user.
hardneg::MF fixed_scores(index_t n_users, const std::vector<real>& values) {
  hardneg::RowMatrix users(static_cast<std::size_t>(n_users), 1), items(values.size(), 1);
  users.fill(1);
  for (std::size_t j = 0; j < values.size(); ++j) items(j, 0) = values[j];
  return hardneg::MF(std::move(users), std::move(items));
}

// Users 0 .. probes-1 have no items; users probes .. probes+19 give the 10
// items skewed counts (item j is seen by 2 + 2j of them; none sees all 10).
hardneg::Interactions probe_train(index_t probes) {
  std::vector<hardneg::Pair> pairs;
  for (index_t j = 0; j < 10; ++j)
    for (index_t c = 0; c < 2 + 2 * j; ++c) pairs.push_back({probes + (j + c) % 20, j});
  return hardneg::Interactions::from_pairs(probes + 20, 10, pairs);
}

std::vector<double> softmax_of(const std::vector<real>& s, double scale = 1) {
  std::vector<double> p(s.size());
  double z = 0;
  for (std::size_t j = 0; j < s.size(); ++j) z += p[j] = std::exp(scale * s[j]);
  for (double& x : p) x /= z;
  return p;
}

using hardneg::test::sampled_auc;

}  // namespace

TEST_CASE("AdaSIR pools follow the resampling target softmax(s) (chi-square)", "[samplers][adasir]") {
  const index_t probes = 1000;
  const auto train = probe_train(probes);
  const std::vector<real> s{0.0f, 0.5f, -1.0f, 1.0f, 0.2f, -0.3f, 0.8f, 0.1f, -0.6f, 0.4f};
  const auto model = fixed_scores(train.n_users(), s);
  const auto kind = GENERATE(ProposalKind::uniform, ProposalKind::popularity);
  // Q = 4000 candidates per user: the resampling bias (O(1/Q)) is negligible.
  AdaSIR<> sampler({.pool_size = 50, .sample_size = 4000, .proposal = kind, .alpha = 1.0,
                    .popularity = hardneg::PopularityProposal::power, .seed = 5});
  sampler.prepare(train);
  hardneg::ThreadPool pool(2);
  sampler.on_epoch_begin(model, train, 0, pool);

  const auto target = softmax_of(s);
  // rho_j = n_j e^{s_j} / q_j / sum_k (...), n_j ~ Binomial(Q, q_j) the
  // candidate count: relative standard deviation about sqrt((1 - q_j) / (Q q_j)).
  const auto item_counts = train.item_counts();
  std::vector<double> q(10, 0.1), tolerance(10);
  if (kind == ProposalKind::popularity)
    for (std::size_t j = 0; j < 10; ++j) q[j] = static_cast<double>(item_counts[j]) / 110;
  for (std::size_t j = 0; j < 10; ++j) tolerance[j] = 6 * std::sqrt((1 - q[j]) / (4000 * q[j]));
  std::vector<std::size_t> counts(10, 0);
  for (index_t u = 0; u < probes; ++u) {
    const auto items = sampler.pool_items(u);
    const auto rho = sampler.pool_log_rho(u);
    REQUIRE(items.size() == 50);
    for (std::size_t t = 0; t < items.size(); ++t) {
      ++counts[static_cast<std::size_t>(items[t])];
      const auto j = static_cast<std::size_t>(items[t]);
      CHECK(std::exp(rho[t]) == Approx(target[j]).epsilon(tolerance[j]));
    }
  }
  const auto fit = hardneg_test::chi_square(counts, target);
  INFO("proposal " << static_cast<int>(kind) << " chi2 " << fit.statistic << " p " << fit.p_value);
  CHECK(fit.p_value > level);
  CHECK(hardneg_test::chi_square(counts, std::vector<double>(10, 1.0)).p_value < level);
  if (kind == ProposalKind::popularity) {  // the target times q, as without the - log q
    std::vector<double> times_q(10);
    for (std::size_t j = 0; j < 10; ++j) times_q[j] = target[j] * q[j];
    CHECK(hardneg_test::chi_square(counts, times_q).p_value < level);
  }
}

TEST_CASE("AdaSIR mixes the old and the new pool after epoch 0", "[samplers][adasir]") {
  const index_t probes = 1000;
  const auto train = probe_train(probes);
  std::vector<real> first(10, 0), second(10, 0);
  first[0] = 12;   // epoch 0: almost every resample is item 0
  second[1] = 12;  // epoch 1: almost every resample is item 1
  AdaSIR<> sampler({.pool_size = 50, .sample_size = 200, .seed = 9});
  sampler.prepare(train);
  hardneg::ThreadPool pool(2);
  sampler.on_epoch_begin(fixed_scores(train.n_users(), first), train, 0, pool);
  sampler.on_epoch_begin(fixed_scores(train.n_users(), second), train, 1, pool);
  std::size_t zeros = 0, ones = 0;
  for (index_t u = 0; u < probes; ++u) {
    const auto items = sampler.pool_items(u);
    const auto rho = sampler.pool_log_rho(u);
    for (std::size_t t = 0; t < items.size(); ++t) {
      zeros += items[t] == 0 ? 1 : 0;
      ones += items[t] == 1 ? 1 : 0;
      if (items[t] == 0 || items[t] == 1) CHECK(rho[t] > std::log(0.99f));  // rho kept from its refresh
    }
  }
  // 50,000 entries, each from the old pool with probability 1/2 (sd 0.0022).
  CHECK(static_cast<double>(zeros) / 50'000 == Approx(0.5).margin(0.015));
  CHECK(static_cast<double>(ones) / 50'000 == Approx(0.5).margin(0.015));
  // A new fit (epoch 0) starts over.
  sampler.on_epoch_begin(fixed_scores(train.n_users(), second), train, 0, pool);
  std::size_t ones_again = 0;
  for (index_t u = 0; u < probes; ++u)
    for (index_t j : sampler.pool_items(u)) ones_again += j == 1 ? 1 : 0;
  CHECK(ones_again > 49'000);
}

TEST_CASE("AdaSIR training weights divide by the resampling probability", "[samplers][adasir]") {
  const auto train = probe_train(20);
  const std::vector<real> s{0.0f, 0.5f, -1.0f, 1.0f, 0.2f, -0.3f, 0.8f, 0.1f, -0.6f, 0.4f};
  const auto model = fixed_scores(train.n_users(), s);
  const double lambda = GENERATE(1.0, 0.5);
  AdaSIR<4> sampler({.pool_size = 20, .sample_size = 30, .lambda = lambda});
  sampler.prepare(train);
  hardneg::ThreadPool pool(1);
  sampler.on_epoch_begin(model, train, 0, pool);
  hardneg::Rng rng(4);
  hardneg::SamplerWorkspace ws;
  hardneg::Negatives out(4);
  for (index_t u = 20; u < 40; ++u) {  // users with seen items
    const auto seen = train.items_of(u);
    if (seen.empty()) continue;
    const index_t pos = seen[0];
    hardneg::SampleContext ctx{u, pos, s[static_cast<std::size_t>(pos)], seen, false, rng, ws};
    const auto items = sampler.pool_items(u);
    const auto rho = sampler.pool_log_rho(u);
    for (index_t j : items) CHECK_FALSE(train.contains(u, j));  // pools exclude seen items
    sampler.sample(model, ctx, out);
    REQUIRE(out.size() == 4);
    REQUIRE(out.scored);
    std::vector<double> e(4);
    double z = 0;
    for (std::size_t t = 0; t < 4; ++t) {
      const index_t j = out.items()[t];
      const auto at = std::find(items.begin(), items.end(), j);
      REQUIRE(at != items.end());  // from the user's pool
      const double log_rho = rho[static_cast<std::size_t>(at - items.begin())];
      CHECK(out.scores()[t] == s[static_cast<std::size_t>(j)]);
      e[t] = std::exp((s[static_cast<std::size_t>(j)] - ctx.positive_score) / lambda - log_rho);
      z += e[t];
    }
    for (std::size_t t = 0; t < 4; ++t) CHECK(out.weights()[t] == Approx(e[t] / z).epsilon(1e-5));
  }
}

TEST_CASE("AdaSIR pools do not depend on the thread count", "[samplers][adasir]") {
  const auto train = probe_train(300);
  const hardneg::MF model(train.n_users(), 10, {.dim = 4, .seed = 3});
  const auto pools = [&](std::size_t threads) {
    AdaSIR<> sampler({.seed = 2});
    sampler.prepare(train);
    hardneg::ThreadPool pool(threads);
    sampler.on_epoch_begin(model, train, 0, pool);
    sampler.on_epoch_begin(model, train, 1, pool);
    std::vector<index_t> all;
    for (index_t u = 0; u < train.n_users(); ++u)
      all.insert(all.end(), sampler.pool_items(u).begin(), sampler.pool_items(u).end());
    return all;
  };
  CHECK(pools(1) == pools(3));
}

TEST_CASE("AdaSIR rejects bad parameters and a wrong call order", "[samplers][adasir]") {
  CHECK_THROWS_AS(AdaSIR<>({.n = 0}), hardneg::InvalidArgument);
  CHECK_THROWS_AS(AdaSIR<>({.pool_size = 0}), hardneg::InvalidArgument);
  CHECK_THROWS_AS(AdaSIR<>({.sample_size = 0}), hardneg::InvalidArgument);
  CHECK_THROWS_AS(AdaSIR<>({.lambda = -1}), hardneg::InvalidArgument);
  const auto train = probe_train(2);
  const auto model = fixed_scores(train.n_users(), std::vector<real>(10, 0));
  AdaSIR<> sampler;
  hardneg::ThreadPool pool(1);
  CHECK_THROWS_AS(sampler.on_epoch_begin(model, train, 0, pool), hardneg::InvalidArgument);
  sampler.prepare(train);
  hardneg::Rng rng(1);
  hardneg::SamplerWorkspace ws;
  hardneg::Negatives out(5);
  hardneg::SampleContext ctx{0, 0, 0, train.items_of(0), false, rng, ws};
  CHECK_THROWS_AS(sampler.sample(model, ctx, out), hardneg::InvalidArgument);
}

TEST_CASE("AdaSIR trains MF with BPR through the Trainer", "[samplers][adasir][trainer]") {
  const auto data = hardneg::make_synthetic(hardneg::SyntheticOptions::tiny());
  const auto run = [&](ProposalKind kind) {
    hardneg::MF model(data.n_users(), data.n_items(), {.dim = 16, .seed = 2});
    hardneg::Trainer<hardneg::MF, AdaSIR<>, hardneg::BPR, hardneg::Adam> trainer(
        model, {.batch = 256, .epochs = 5, .threads = 2, .seed = 3}, AdaSIR<>({.proposal = kind}), {},
        hardneg::Adam({.lr = 0.01}));
    const auto ctx = trainer.fit(data.train);
    CHECK(std::isfinite(ctx.loss));
    return model;
  };
  const hardneg::MF before(data.n_users(), data.n_items(), {.dim = 16, .seed = 2});
  const double auc_before = sampled_auc(before, data);
  for (const auto kind : {ProposalKind::uniform, ProposalKind::popularity}) {
    const auto model = run(kind);
    const double auc = sampled_auc(model, data);
    INFO("sampled AUC " << auc_before << " -> " << auc);
    CHECK(auc > auc_before + 0.1);
    CHECK(run(kind).item_embeddings() == model.item_embeddings());  // deterministic
  }
}
