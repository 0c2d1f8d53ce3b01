// Tests of samplers/pris.hpp (and samplers/detail/importance.hpp,
// samplers/detail/proposal.hpp): the importance weights on hand-computed
// cases, the weights PRIS returns against the formula, the popularity
// proposal's draws against q (chi-square, level 0.001, fixed seeds; the same
// check rejects the wrong proposal), the temperature, errors, and a short
// training run through the Trainer.
#include "hardneg/samplers/pris.hpp"

#include <catch2/catch.hpp>

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

using hardneg::index_t;
using hardneg::PRIS;
using hardneg::ProposalKind;
using hardneg::real;

constexpr double level = 0.001;  // significance level of the chi-square checks

static_assert(hardneg::Sampler<PRIS<>, hardneg::MF>);

// An MF of dim 1 whose scores are s(u, j) = values[j] for every user.
hardneg::MF fixed_scores(index_t n_users, const std::vector<real>& values) {
  hardneg::RowMatrix users(static_cast<std::size_t>(n_users), 1), items(values.size(), 1);
  users.fill(1);
  for (std::size_t j = 0; j < values.size(); ++j) items(j, 0) = values[j];
  return hardneg::MF(std::move(users), std::move(items));
}

// 30 items; item i has 1 + (i % 6) interactions, from users 1 .. 12; user 0
// has seen items {2, 5, 11} (one more count each).
hardneg::Interactions counted_train() {
  std::vector<hardneg::Pair> pairs;
  for (index_t i = 0; i < 30; ++i)
    for (int c = 0; c <= i % 6; ++c) pairs.push_back({static_cast<index_t>(1 + (i + c) % 12), i});
  for (index_t i : {2, 5, 11}) pairs.push_back({0, i});
  return hardneg::Interactions::from_pairs(13, 30, pairs);
}

using hardneg::test::sampled_auc;

}  // namespace

TEST_CASE("importance_weights on hand-computed cases", "[samplers][pris][importance]") {
  real w[3];
  // s_i = 0, s = {1, 0}, q = {1/2, 1/4}: w ∝ {e / 0.5, 1 / 0.25} = {5.43656, 4}.
  const real s1[] = {1, 0};
  const real lq1[] = {std::log(0.5f), std::log(0.25f)};
  hardneg::detail::importance_weights(0, s1, lq1, 1.0, w);
  CHECK(w[0] == Approx(5.436563656918 / 9.436563656918).epsilon(1e-6));
  CHECK(w[1] == Approx(4.0 / 9.436563656918).epsilon(1e-6));
  // Constant proposal, lambda = 2: w ∝ exp((s - s_i) / 2), s_i cancels.
  const real s2[] = {3, 1, -1};
  hardneg::detail::importance_weights(5, s2, {}, 2.0, w);
  const double z = std::exp(1.5) + std::exp(0.5) + std::exp(-0.5);
  CHECK(w[0] == Approx(std::exp(1.5) / z).epsilon(1e-6));
  CHECK(w[1] == Approx(std::exp(0.5) / z).epsilon(1e-6));
  CHECK(w[2] == Approx(std::exp(-0.5) / z).epsilon(1e-6));
  // Huge scores stay finite.
  const real s3[] = {1e30f, 1e30f, 0};
  hardneg::detail::importance_weights(0, s3, {}, 1.0, w);
  CHECK(w[0] == Approx(0.5));
  CHECK(w[2] == 0);
}

TEST_CASE("exp_shifted matches its scalar reference", "[samplers][importance]") {
  hardneg::Rng rng(4);
  std::vector<real> x(1001), fast(1001), ref(1001);
  for (real& v : x) v = static_cast<real>(20 * rng.uniform() - 10);
  for (const real scale : {1.0f, 5.0f, 0.3f}) {
    hardneg::detail::exp_shifted(x, 10, scale, fast);
    hardneg::detail::exp_shifted_reference(x, 10, scale, ref);
    for (std::size_t k = 0; k < x.size(); ++k) CHECK(fast[k] == Approx(ref[k]).epsilon(1e-5).margin(1e-30));
  }
}

TEST_CASE("PRIS weights follow the importance formula and sum to 1", "[samplers][pris]") {
  const auto train = counted_train();
  std::vector<real> values(30);
  for (std::size_t j = 0; j < values.size(); ++j) values[j] = static_cast<real>(std::sin(1.7 * j) * 2);
  const auto model = fixed_scores(13, values);
  const auto kind = GENERATE(ProposalKind::uniform, ProposalKind::popularity);
  const double lambda = GENERATE(1.0, 0.5);
  PRIS<> sampler({.n = 6, .lambda = lambda, .proposal = kind, .popularity = hardneg::PopularityProposal::power});
  sampler.prepare(train);
  const auto counts = train.item_counts();
  double total_count = 0;
  for (auto c : counts) total_count += std::pow(static_cast<double>(c), 0.75);

  hardneg::Rng rng(8);
  hardneg::SamplerWorkspace ws;
  hardneg::Negatives out(sampler.max_negatives());
  const real s_pos = values[2];
  hardneg::SampleContext ctx{0, 2, s_pos, train.items_of(0), false, rng, ws};
  for (int call = 0; call < 50; ++call) {
    sampler.sample(model, ctx, out);
    REQUIRE(out.size() == 6);
    REQUIRE(out.scored);
    std::vector<double> e(6);
    double z = 0;
    for (std::size_t j = 0; j < 6; ++j) {
      const index_t item = out.items()[j];
      CHECK(out.scores()[j] == values[static_cast<std::size_t>(item)]);
      const double q = kind == ProposalKind::uniform
                           ? 1.0 / 30
                           : std::pow(static_cast<double>(counts[static_cast<std::size_t>(item)]), 0.75) / total_count;
      CHECK(sampler.log_proposal(item) == Approx(std::log(q)).epsilon(1e-5));
      e[j] = std::exp((values[static_cast<std::size_t>(item)] - s_pos) / lambda) / q;
      z += e[j];
    }
    double sum = 0;
    for (std::size_t j = 0; j < 6; ++j) {
      CHECK(out.weights()[j] == Approx(e[j] / z).epsilon(1e-5));
      sum += out.weights()[j];
    }
    CHECK(sum == Approx(1.0).epsilon(1e-6));
  }
}

TEST_CASE("PRIS popularity draws fit q over the unseen items (chi-square)", "[samplers][pris]") {
  const auto train = counted_train();
  const auto model = fixed_scores(13, std::vector<real>(30, 0));
  PRIS<> sampler({.n = 5, .proposal = ProposalKind::popularity});  // log(1 + count)
  sampler.prepare(train);
  hardneg::Rng rng(13);
  hardneg::SamplerWorkspace ws;
  hardneg::Negatives out(5);
  hardneg::SampleContext ctx{0, 2, 0, train.items_of(0), false, rng, ws};
  std::vector<std::size_t> hist(30, 0);
  for (int call = 0; call < 20'000; ++call) {
    sampler.sample(model, ctx, out);
    for (index_t j : out.items()) ++hist[static_cast<std::size_t>(j)];
  }
  const auto counts = train.item_counts();
  std::vector<double> q(30), wrong(30);
  for (std::size_t i = 0; i < 30; ++i) {
    q[i] = std::log1p(static_cast<double>(counts[i]));
    wrong[i] = static_cast<double>(counts[i]);  // count^1
  }
  for (index_t s : train.items_of(0)) q[static_cast<std::size_t>(s)] = wrong[static_cast<std::size_t>(s)] = 0;
  const auto fit = hardneg_test::chi_square(hist, q);
  INFO("chi2 " << fit.statistic << " df " << fit.df << " p " << fit.p_value);
  CHECK(fit.p_value > level);
  CHECK(hardneg_test::chi_square(hist, wrong).p_value < level);
}

TEST_CASE("PRIS: a larger lambda flattens the weights", "[samplers][pris]") {
  const auto train = counted_train();
  std::vector<real> values(30);
  for (std::size_t j = 0; j < values.size(); ++j) values[j] = static_cast<real>(j) / 5;
  const auto model = fixed_scores(13, values);
  double previous = -1;
  for (const double lambda : {0.1, 1.0, 10.0}) {
    PRIS<> sampler({.n = 8, .lambda = lambda});
    sampler.prepare(train);
    hardneg::Rng rng(3);  // the same draws for every lambda
    hardneg::SamplerWorkspace ws;
    hardneg::Negatives out(8);
    hardneg::SampleContext ctx{0, 2, 0, train.items_of(0), false, rng, ws};
    sampler.sample(model, ctx, out);
    double entropy = 0;
    for (real w : out.weights())
      if (w > 0) entropy -= w * std::log(w);
    CHECK(entropy > previous);
    previous = entropy;
  }
}

TEST_CASE("PRIS rejects bad parameters and sampling before prepare", "[samplers][pris]") {
  CHECK_THROWS_AS(PRIS<>({.n = 0}), hardneg::InvalidArgument);
  CHECK_THROWS_AS(PRIS<>({.lambda = 0}), hardneg::InvalidArgument);
  CHECK_THROWS_AS(PRIS<>({.alpha = -1}), hardneg::InvalidArgument);
  const auto model = fixed_scores(2, std::vector<real>(4, 0));
  const PRIS<> sampler;
  hardneg::Rng rng(1);
  hardneg::SamplerWorkspace ws;
  hardneg::Negatives out(5);
  const std::vector<index_t> seen{0};
  hardneg::SampleContext ctx{0, 0, 0, seen, false, rng, ws};
  CHECK_THROWS_AS(sampler.sample(model, ctx, out), hardneg::InvalidArgument);
}

TEST_CASE("PRIS trains MF with BPR through the Trainer", "[samplers][pris][trainer]") {
  const auto data = hardneg::make_synthetic(hardneg::SyntheticOptions::tiny());
  const auto run = [&](ProposalKind kind) {
    hardneg::MF model(data.n_users(), data.n_items(), {.dim = 16, .seed = 2});
    hardneg::Trainer<hardneg::MF, PRIS<>, hardneg::BPR, hardneg::Adam> trainer(
        model, {.batch = 256, .epochs = 5, .threads = 2, .seed = 3}, PRIS<>({.proposal = kind}), {},
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
