// Tests of samplers/uniform.hpp: exclusion of seen items and the positive,
// weights, determinism, the prepare() check, and a chi-square goodness of fit
// of the draws (significance level 0.001, fixed seeds) that is also shown to
// reject a wrong distribution.
#include "hardneg/samplers/uniform.hpp"

#include <catch2/catch.hpp>

#include <cstddef>
#include <numeric>
#include <vector>

#include "hardneg/core/concepts.hpp"
#include "hardneg/models/mf.hpp"
#include "chi_square.hpp"

namespace {

using hardneg::index_t;
using hardneg::real;

constexpr double alpha = 0.001;  // significance level of every chi-square check

static_assert(hardneg::Sampler<hardneg::Uniform<>, hardneg::MF>);
static_assert(hardneg::Sampler<hardneg::Uniform<5>, hardneg::MF>);

// Counts of `draws` negatives for one (user, positive) pair.
template <class S>
std::vector<std::size_t> histogram(const S& sampler, const hardneg::MF& model, index_t user,
                                   index_t positive, std::span<const index_t> seen, bool allow_seen,
                                   std::size_t calls, std::uint64_t seed) {
  hardneg::Rng rng(seed);
  hardneg::SamplerWorkspace ws;
  hardneg::Negatives out(sampler.max_negatives());
  hardneg::SampleContext ctx{user, positive, 0.0f, seen, allow_seen, rng, ws};
  std::vector<std::size_t> counts(static_cast<std::size_t>(model.n_items()), 0);
  for (std::size_t c = 0; c < calls; ++c) {
    sampler.sample(model, ctx, out);
    for (index_t j : out.items()) ++counts[static_cast<std::size_t>(j)];
  }
  return counts;
}

}  // namespace

TEST_CASE("the chi-square helper gives textbook p-values", "[samplers][chi_square]") {
  // Upper 5 % points of chi-square with 1, 10 and 45 degrees of freedom.
  CHECK(hardneg_test::gamma_q(0.5, 3.841459 / 2) == Approx(0.05).epsilon(1e-5));
  CHECK(hardneg_test::gamma_q(5.0, 18.307038 / 2) == Approx(0.05).epsilon(1e-5));
  CHECK(hardneg_test::gamma_q(22.5, 61.656233 / 2) == Approx(0.05).epsilon(1e-5));
  CHECK(hardneg_test::gamma_q(5.0, 0.0) == 1.0);
}

TEST_CASE("Uniform never returns a seen item or the positive unless allowed", "[samplers][uniform]") {
  const hardneg::MF model(3, 50, {.dim = 4});
  const std::vector<index_t> seen{3, 10, 11, 40, 49};
  const hardneg::Uniform<5> sampler;
  REQUIRE(sampler.max_negatives() == 5);

  hardneg::Rng rng(1);
  hardneg::SamplerWorkspace ws;
  hardneg::Negatives out(5);
  hardneg::SampleContext ctx{1, 10, 0.0f, seen, false, rng, ws};
  for (int call = 0; call < 2000; ++call) {
    sampler.sample(model, ctx, out);
    REQUIRE(out.size() == 5);
    CHECK_FALSE(out.scored);
    real total = 0;
    for (real w : out.weights()) total += w;
    CHECK(total == Approx(1.0f).epsilon(1e-6));
    for (index_t j : out.items()) {
      REQUIRE(j >= 0);
      REQUIRE(j < 50);
      REQUIRE_FALSE(std::binary_search(seen.begin(), seen.end(), j));
    }
  }
  // A positive outside `seen` is excluded too.
  hardneg::SampleContext ctx2{1, 7, 0.0f, seen, false, rng, ws};
  for (int call = 0; call < 2000; ++call) {
    sampler.sample(model, ctx2, out);
    for (index_t j : out.items()) REQUIRE(j != 7);
  }
}

TEST_CASE("Uniform draws are uniform over the unseen items (chi-square)", "[samplers][uniform]") {
  const hardneg::MF model(3, 50, {.dim = 4});
  const std::vector<index_t> seen{3, 10, 11, 40, 49};
  const hardneg::Uniform<> sampler({.k = 4});
  const auto counts = histogram(sampler, model, 1, 10, seen, false, 50'000, 17);  // 200,000 draws

  std::vector<double> unseen_uniform(50, 1.0);
  for (index_t s : seen) unseen_uniform[static_cast<std::size_t>(s)] = 0.0;
  const auto fit = hardneg_test::chi_square(counts, unseen_uniform);
  INFO("chi2 " << fit.statistic << " df " << fit.df << " p " << fit.p_value);
  CHECK(fit.df == 44);
  CHECK(fit.p_value > alpha);

  // The same check rejects a distribution 10 % off on every other item...
  std::vector<double> wrong = unseen_uniform;
  for (std::size_t i = 0; i < wrong.size(); i += 2) wrong[i] *= 1.1;
  CHECK(hardneg_test::chi_square(counts, wrong).p_value < alpha);
  // ...and uniform over all items (seen items were never drawn).
  const std::vector<double> all_uniform(50, 1.0);
  CHECK(hardneg_test::chi_square(counts, all_uniform).p_value < alpha);
}

TEST_CASE("Uniform with allow_seen draws uniformly over all items", "[samplers][uniform]") {
  const hardneg::MF model(3, 50, {.dim = 4});
  const std::vector<index_t> seen{3, 10, 11, 40, 49};
  const hardneg::Uniform<4> sampler;
  const auto counts = histogram(sampler, model, 1, 10, seen, true, 50'000, 23);
  for (index_t s : seen) CHECK(counts[static_cast<std::size_t>(s)] > 0);
  const std::vector<double> all_uniform(50, 1.0);
  const auto fit = hardneg_test::chi_square(counts, all_uniform);
  INFO("chi2 " << fit.statistic << " p " << fit.p_value);
  CHECK(fit.p_value > alpha);
}

TEST_CASE("Uniform is deterministic by seed", "[samplers][uniform]") {
  const hardneg::MF model(3, 1000, {.dim = 4});
  const std::vector<index_t> seen{1, 2, 3};
  const hardneg::Uniform<8> sampler;
  const auto run = [&](std::uint64_t seed) {
    hardneg::Rng rng(seed);
    hardneg::SamplerWorkspace ws;
    hardneg::Negatives out(8);
    hardneg::SampleContext ctx{0, 2, 0.0f, seen, false, rng, ws};
    std::vector<index_t> all;
    for (int c = 0; c < 100; ++c) {
      sampler.sample(model, ctx, out);
      all.insert(all.end(), out.items().begin(), out.items().end());
    }
    return all;
  };
  CHECK(run(5) == run(5));
  CHECK(run(5) != run(6));
}

TEST_CASE("Uniform::prepare rejects a user who has seen every item", "[samplers][uniform]") {
  std::vector<hardneg::Pair> pairs{{0, 1}};
  for (index_t i = 0; i < 4; ++i) pairs.push_back({1, i});
  const auto train = hardneg::Interactions::from_pairs(2, 4, pairs);
  hardneg::Uniform<> sampler;
  try {
    sampler.prepare(train);
    FAIL("prepare accepted a user with no unseen item");
  } catch (const hardneg::InvalidArgument& e) {
    CHECK_THAT(e.what(), Catch::Contains("user 1"));
  }
  CHECK_NOTHROW(sampler.prepare(train, /*allow_seen=*/true));
  CHECK(sampler.log_proposal(0) == Approx(-std::log(4.0)));
  CHECK_THROWS_AS(hardneg::Uniform<>({.k = 0}), hardneg::InvalidArgument);
}

TEST_CASE("nth_admissible finds the r-th item outside seen and the positive", "[samplers][uniform]") {
  // Brute force over random small cases, positive inside and outside `seen`.
  hardneg::Rng rng(99);
  for (int trial = 0; trial < 500; ++trial) {
    const auto n = static_cast<index_t>(1 + rng.below(20));
    std::vector<index_t> seen;
    for (index_t i = 0; i < n; ++i)
      if (rng.uniform() < 0.5) seen.push_back(i);
    const auto positive = static_cast<index_t>(rng.below(static_cast<std::uint64_t>(n)));
    std::vector<index_t> admissible;
    for (index_t i = 0; i < n; ++i)
      if (i != positive && !std::binary_search(seen.begin(), seen.end(), i)) admissible.push_back(i);
    REQUIRE(hardneg::detail::count_admissible(seen, positive, n) == admissible.size());
    for (std::size_t r = 0; r < admissible.size(); ++r)
      REQUIRE(hardneg::detail::nth_admissible(seen, positive, n, r) == admissible[r]);
  }
}

TEST_CASE("Uniform stays uniform for a user who has seen almost every item", "[samplers][uniform]") {
  // 47 of 50 items seen: a draw is rejected 32 times in a row with
  // probability 0.94^32 = 14 %, so both paths of draw_uniform are exercised.
  const hardneg::MF model(1, 50, {.dim = 4});
  std::vector<index_t> seen;
  for (index_t i = 0; i < 50; ++i)
    if (i != 7 && i != 23 && i != 41) seen.push_back(i);
  const hardneg::Uniform<4> sampler;
  const auto counts = histogram(sampler, model, 0, 12, seen, false, 15'000, 3);
  std::vector<double> expected(50, 0.0);
  expected[7] = expected[23] = expected[41] = 1.0;
  const auto fit = hardneg_test::chi_square(counts, expected);
  INFO("chi2 " << fit.statistic << " p " << fit.p_value);
  CHECK(fit.df == 2);
  CHECK(fit.p_value > alpha);
  // A 10 % tilt towards item 7 is rejected by the same check.
  expected[7] = 1.1;
  CHECK(hardneg_test::chi_square(counts, expected).p_value < alpha);
}

TEST_CASE("Uniform fails instead of hanging when no item is admissible", "[samplers][uniform]") {
  // prepare() cannot see this: the positive is not among the seen items.
  const hardneg::MF model(1, 3, {.dim = 4});
  const std::vector<index_t> seen{0, 1};
  hardneg::Rng rng(1);
  hardneg::SamplerWorkspace ws;
  hardneg::Negatives out(1);
  hardneg::SampleContext ctx{0, 2, 0.0f, seen, false, rng, ws};
  CHECK_THROWS_WITH(hardneg::Uniform<>{}.sample(model, ctx, out), Catch::Contains("user 0"));
}

TEST_CASE("A SeenFilter in the context changes no draw", "[samplers][uniform][seen_filter]") {
  // Long seen lists, so rejections happen; the same Rng seed with and
  // without the filter must give the same negatives.
  hardneg::Rng data(5);
  std::vector<std::vector<index_t>> seen(20);
  hardneg::SeenFilter filter;
  filter.reset(20 * 40);
  for (index_t u = 0; u < 20; ++u) {
    for (index_t i = 0; i < 100; ++i)
      if (data.uniform() < 0.4) seen[static_cast<std::size_t>(u)].push_back(i);
    for (index_t i : seen[static_cast<std::size_t>(u)]) filter.insert(u, i);
  }
  const hardneg::MF model(20, 100, {.dim = 4});
  const hardneg::Uniform<7> sampler;
  hardneg::Rng a(9), b(9);
  hardneg::SamplerWorkspace wa, wb;
  hardneg::Negatives na(7), nb(7);
  for (int call = 0; call < 3000; ++call) {
    const auto u = static_cast<index_t>(call % 20);
    const auto& s = seen[static_cast<std::size_t>(u)];
    const index_t positive = s.empty() ? 0 : s[static_cast<std::size_t>(call) % s.size()];
    hardneg::SampleContext plain{u, positive, 0.0f, s, false, a, wa};
    hardneg::SampleContext filtered{u, positive, 0.0f, s, false, b, wb, &filter};
    sampler.sample(model, plain, na);
    sampler.sample(model, filtered, nb);
    REQUIRE(std::vector<index_t>(na.items().begin(), na.items().end()) ==
            std::vector<index_t>(nb.items().begin(), nb.items().end()));
  }
}
