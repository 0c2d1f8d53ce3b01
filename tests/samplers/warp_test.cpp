// Tests of samplers/warp.hpp: the returned negative violates the margin; its
// weight is L(floor(n_c / trials)) with the harmonic or log rank weight
// (hand-computed values, the cap); with every candidate violating, trials is
// 1; with a single violator the number of trials, read back from the weight,
// follows the truncated geometric law (chi-square, level 0.001, fixed seed;
// the same check rejects a wrong success probability); no negative when
// nothing violates; exclusion; errors; a short training run with the hinge
// loss through the Trainer.
#include "hardneg/samplers/warp.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstddef>
#include <map>
#include <vector>

#include "chi_square.hpp"
#include "training_check.hpp"
#include "hardneg/core/concepts.hpp"
#include "hardneg/data/synthetic.hpp"
#include "hardneg/losses/hinge.hpp"
#include "hardneg/models/mf.hpp"
#include "hardneg/optim/adagrad.hpp"
#include "hardneg/train/trainer.hpp"

namespace {

using hardneg::index_t;
using hardneg::real;
using hardneg::WARP;
using hardneg::WARPRankWeight;

constexpr double level = 0.001;

static_assert(hardneg::Sampler<WARP<>, hardneg::MF>);
static_assert(!WARP<>::normalised_weights && WARP<>::may_return_empty);

// An MF of dim 1 whose scores are s(u, j) = values[j] for every user.
hardneg::MF fixed_scores(index_t n_users, const std::vector<real>& values) {
  hardneg::RowMatrix users(static_cast<std::size_t>(n_users), 1), items(values.size(), 1);
  users.fill(1);
  for (std::size_t j = 0; j < values.size(); ++j) items(j, 0) = values[j];
  return hardneg::MF(std::move(users), std::move(items));
}

double harmonic_sum(std::uint64_t k) {
  double h = 0;
  for (std::uint64_t r = 1; r <= k; ++r) h += 1.0 / static_cast<double>(r);
  return h;
}

using hardneg::test::sampled_auc;

}  // namespace

TEST_CASE("WARP rank weights on hand-computed values", "[samplers][warp]") {
  for (std::uint64_t k : {0u, 1u, 2u, 5u, 64u, 65u, 100u, 1000u, 40980u})
    CHECK(WARP<>::harmonic(k) == Approx(harmonic_sum(k)).epsilon(1e-12));
  CHECK(WARP<>::harmonic(3) == Approx(1 + 0.5 + 1.0 / 3));
  const WARP<> weston;
  CHECK(weston.rank_weight(4) == Approx(25.0 / 12));
  const WARP<> lightfm({.rank_weight = WARPRankWeight::log, .max_weight = 10});
  CHECK(lightfm.rank_weight(0) == 0);
  CHECK(lightfm.rank_weight(1) == 0);
  CHECK(lightfm.rank_weight(100) == Approx(std::log(100.0)));
  CHECK(lightfm.rank_weight(100'000) == 10);  // log 1e5 = 11.5, capped
  const WARP<> capped({.max_weight = 2});
  CHECK(capped.rank_weight(3) == Approx(11.0 / 6));
  CHECK(capped.rank_weight(4) == 2);
}

TEST_CASE("WARP: every candidate violates, so trials = 1", "[samplers][warp]") {
  // 40 items scored 0 .. 3.9; the positive (item 0) scores 0 and the user has
  // seen items {0, 7, 8}: every other item violates s_j > 0 - 1.
  std::vector<real> values(40);
  for (std::size_t j = 0; j < 40; ++j) values[j] = static_cast<real>(j) / 10;
  const auto model = fixed_scores(1, values);
  const std::vector<index_t> seen{0, 7, 8};
  for (const auto kind : {WARPRankWeight::harmonic, WARPRankWeight::log}) {
    const WARP<> sampler({.rank_weight = kind});
    hardneg::Rng rng(5);
    hardneg::SamplerWorkspace ws;
    hardneg::Negatives out(1);
    hardneg::SampleContext ctx{0, 0, values[0], seen, false, rng, ws};
    for (int c = 0; c < 200; ++c) {
      sampler.sample(model, ctx, out);
      REQUIRE(out.size() == 1);
      REQUIRE(out.scored);
      const index_t j = out.items()[0];
      CHECK(j != 0);
      CHECK(j != 7);
      CHECK(j != 8);
      CHECK(out.scores()[0] == values[static_cast<std::size_t>(j)]);
      CHECK(out.scores()[0] > values[0] - 1);
      // 37 admissible candidates: k = 37 / 1.
      const double expected = kind == WARPRankWeight::harmonic ? harmonic_sum(37) : std::log(37.0);
      CHECK(out.weights()[0] == Approx(expected).epsilon(1e-6));
    }
    // allow_seen: lightfm's n_items - 1 = 39.
    hardneg::SampleContext open{0, 0, values[0], seen, true, rng, ws};
    sampler.sample(model, open, out);
    CHECK(out.weights()[0] ==
          Approx(kind == WARPRankWeight::harmonic ? harmonic_sum(39) : std::log(39.0)).epsilon(1e-6));
  }
}

TEST_CASE("WARP: with one violator, trials follow the truncated geometric law (chi-square)",
          "[samplers][warp]") {
  // 101 items: the positive (item 0) scores 2, item 57 scores 1.5 (violates:
  // 1.5 > 2 - 1), every other item scores 0 (does not). n_c = 100, so
  // k = floor(100 / t) is distinct for t = 1 .. 10 and identifies t.
  std::vector<real> values(101, 0);
  values[0] = 2;
  values[57] = 1.5f;
  const auto model = fixed_scores(1, values);
  const std::vector<index_t> seen{0};
  const WARP<> sampler;
  std::map<float, int> trials_of;
  for (int t = 1; t <= 10; ++t) trials_of[static_cast<float>(sampler.rank_weight(100 / t))] = t;
  REQUIRE(trials_of.size() == 10);

  hardneg::Rng rng(17);
  hardneg::SamplerWorkspace ws;
  hardneg::Negatives out(1);
  hardneg::SampleContext ctx{0, 0, values[0], seen, false, rng, ws};
  std::vector<std::size_t> counts(11, 0);  // 0 .. 9: trials 1 .. 10; 10: none found
  const int calls = 40'000;
  for (int c = 0; c < calls; ++c) {
    sampler.sample(model, ctx, out);
    if (out.empty()) {
      ++counts[10];
      continue;
    }
    REQUIRE(out.items()[0] == 57);
    const auto it = trials_of.find(out.weights()[0]);
    REQUIRE(it != trials_of.end());
    ++counts[static_cast<std::size_t>(it->second - 1)];
  }
  const auto law = [](double p) {
    std::vector<double> e(11);
    for (int t = 0; t < 10; ++t) e[static_cast<std::size_t>(t)] = std::pow(1 - p, t) * p;
    e[10] = std::pow(1 - p, 10);
    return e;
  };
  const auto fit = hardneg_test::chi_square(counts, law(1.0 / 100));
  INFO("chi2 " << fit.statistic << " df " << fit.df << " p " << fit.p_value);
  CHECK(fit.p_value > level);
  CHECK(hardneg_test::chi_square(counts, law(1.0 / 80)).p_value < level);
}

TEST_CASE("WARP returns no negative when nothing violates the margin", "[samplers][warp]") {
  std::vector<real> values(30, -1);
  values[3] = 5;  // the positive
  const auto model = fixed_scores(1, values);
  const std::vector<index_t> seen{3};
  const WARP<> sampler;
  hardneg::Rng rng(2);
  hardneg::SamplerWorkspace ws;
  hardneg::Negatives out(1);
  hardneg::SampleContext ctx{0, 3, values[3], seen, false, rng, ws};
  for (int c = 0; c < 50; ++c) {
    sampler.sample(model, ctx, out);
    CHECK(out.size() == 0);
  }
  // A smaller margin, with s_j = -1 > 5 - 7: every candidate violates.
  const WARP<> loose({.margin = 7});
  loose.sample(model, ctx, out);
  CHECK(out.size() == 1);
}

TEST_CASE("WARP rejects bad parameters", "[samplers][warp]") {
  CHECK_THROWS_AS(WARP<>({.max_trials = 0}), hardneg::InvalidArgument);
  CHECK_THROWS_AS(WARP<>({.margin = std::nanf("")}), hardneg::InvalidArgument);
  CHECK_THROWS_AS(WARP<>({.max_weight = -1}), hardneg::InvalidArgument);
}

TEST_CASE("WARP trains MF with the hinge loss through the Trainer", "[samplers][warp][trainer]") {
  const auto data = hardneg::make_synthetic(hardneg::SyntheticOptions::tiny());
  const auto run = [&] {
    hardneg::MF model(data.n_users(), data.n_items(), {.dim = 16, .seed = 2});
    hardneg::Trainer<hardneg::MF, WARP<>, hardneg::Hinge, hardneg::Adagrad> trainer(
        model, {.batch = 256, .epochs = 5, .threads = 2, .seed = 3}, WARP<>(), hardneg::Hinge(),
        hardneg::Adagrad({.lr = 0.05}));
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
