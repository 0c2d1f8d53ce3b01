// Tests of samplers/popularity.hpp and samplers/detail/alias_table.hpp: the
// alias table encodes its distribution exactly, the proposal and log q match
// hand-computed values, draws fit the proposal restricted to the unseen items
// (chi-square, significance level 0.001, fixed seeds; a wrong proposal is
// rejected by the same check), exclusion, weights, determinism, errors.
#include "hardneg/samplers/popularity.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstddef>
#include <vector>

#include "hardneg/core/concepts.hpp"
#include "hardneg/models/mf.hpp"
#include "chi_square.hpp"

namespace {

using hardneg::index_t;
using hardneg::Popularity;
using hardneg::PopularityProposal;
using hardneg::real;

constexpr double alpha = 0.001;  // significance level of every chi-square check

static_assert(hardneg::Sampler<Popularity<>, hardneg::MF>);

// 40 items with skewed counts: item i has (i % 8) * (i % 5) interactions
// spread over users 1 .. 39, so some items have count 0; user 0 has seen
// items {1, 2, 3, 7, 11} (one more count each).
hardneg::Interactions skewed_train() {
  std::vector<hardneg::Pair> pairs;
  for (index_t i = 0; i < 40; ++i) {
    const int count = (i % 8) * (i % 5);
    for (int c = 0; c < count; ++c) pairs.push_back({static_cast<index_t>(1 + (i + c) % 39), i});
  }
  for (index_t i : {1, 2, 3, 7, 11}) pairs.push_back({0, i});
  return hardneg::Interactions::from_pairs(40, 40, pairs);
}

std::vector<double> proposal_mass(const hardneg::Interactions& train, PopularityProposal p, double a) {
  const auto counts = train.item_counts();
  std::vector<double> m(counts.size());
  for (std::size_t i = 0; i < counts.size(); ++i)
    m[i] = p == PopularityProposal::power ? std::pow(double(counts[i]), a) : std::log(1.0 + double(counts[i]));
  return m;
}

template <class S>
std::vector<std::size_t> histogram(const S& sampler, const hardneg::MF& model, index_t user, index_t positive,
                                   std::span<const index_t> seen, bool allow_seen, std::size_t calls,
                                   std::uint64_t seed) {
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

TEST_CASE("AliasTable encodes the normalised weights", "[samplers][alias]") {
  hardneg::Rng rng(3);
  for (std::size_t n : {1, 2, 7, 100, 1001}) {
    std::vector<double> w(n);
    for (std::size_t i = 0; i < n; ++i) w[i] = (i % 7 == 3) ? 0.0 : rng.uniform() * (1 + i % 13);
    if (n == 1) w[0] = 2.0;
    double total = 0;
    for (double x : w) total += x;
    const hardneg::detail::AliasTable table(w);
    const auto p = table.probabilities();
    for (std::size_t i = 0; i < n; ++i) CHECK(std::abs(p[i] - w[i] / total) < 1e-12);
  }
  const std::vector<double> bad{1.0, -1.0};
  CHECK_THROWS_AS(hardneg::detail::AliasTable(bad), hardneg::InvalidArgument);
  const std::vector<double> zero{0.0, 0.0};
  CHECK_THROWS_AS(hardneg::detail::AliasTable(zero), hardneg::InvalidArgument);
  const std::vector<double> nan{1.0, std::nan("")};
  CHECK_THROWS_AS(hardneg::detail::AliasTable(nan), hardneg::InvalidArgument);
}

TEST_CASE("Popularity log_proposal matches hand-computed values", "[samplers][popularity]") {
  // Counts: item 0: 3, item 1: 1, item 2: 0, item 3: 2.
  const std::vector<hardneg::Pair> pairs{{0, 0}, {1, 0}, {2, 0}, {0, 1}, {1, 3}, {2, 3}};
  const auto train = hardneg::Interactions::from_pairs(3, 4, pairs);

  const Popularity<> power(train);  // alpha 0.75
  const double mp[] = {std::pow(3.0, 0.75), 1.0, 0.0, std::pow(2.0, 0.75)};
  const double tp = mp[0] + mp[1] + mp[3];
  CHECK(power.log_proposal(0) == Approx(std::log(mp[0] / tp)));
  CHECK(power.log_proposal(1) == Approx(std::log(mp[1] / tp)));
  CHECK(std::isinf(power.log_proposal(2)));
  CHECK(power.log_proposal(3) == Approx(std::log(mp[3] / tp)));

  const Popularity<2> log_pop(train, {.proposal = PopularityProposal::log});
  const double tl = std::log(4.0) + std::log(2.0) + std::log(3.0);
  CHECK(log_pop.log_proposal(0) == Approx(std::log(std::log(4.0) / tl)));
  CHECK(log_pop.log_proposal(3) == Approx(std::log(std::log(3.0) / tl)));
  CHECK(log_pop.max_negatives() == 2);
}

TEST_CASE("Popularity draws fit the proposal over the unseen items (chi-square)", "[samplers][popularity]") {
  const auto train = skewed_train();
  const hardneg::MF model(40, 40, {.dim = 4});
  const auto seen = train.items_of(0);
  const auto kind = GENERATE(PopularityProposal::power, PopularityProposal::log);
  const Popularity<4> sampler(train, {.proposal = kind});

  const auto counts = histogram(sampler, model, 0, 3, seen, false, 50'000, 29);  // 200,000 draws
  auto expected = proposal_mass(train, kind, 0.75);
  for (index_t s : seen) expected[static_cast<std::size_t>(s)] = 0.0;
  for (std::size_t i = 0; i < counts.size(); ++i)
    if (expected[i] == 0) CHECK(counts[i] == 0);  // seen and zero-count items never drawn
  const auto fit = hardneg_test::chi_square(counts, expected);
  INFO("chi2 " << fit.statistic << " df " << fit.df << " p " << fit.p_value);
  CHECK(fit.p_value > alpha);

  // The same check rejects the other proposal kind, and the proposal that
  // does not exclude seen items.
  auto other = proposal_mass(train, kind == PopularityProposal::power ? PopularityProposal::log
                                                                     : PopularityProposal::power, 0.75);
  for (index_t s : seen) other[static_cast<std::size_t>(s)] = 0.0;
  CHECK(hardneg_test::chi_square(counts, other).p_value < alpha);
  CHECK(hardneg_test::chi_square(counts, proposal_mass(train, kind, 0.75)).p_value < alpha);
}

TEST_CASE("Popularity with allow_seen fits the full proposal", "[samplers][popularity]") {
  const auto train = skewed_train();
  const hardneg::MF model(40, 40, {.dim = 4});
  const Popularity<4> sampler(train, {.alpha = 0.5});
  const auto counts = histogram(sampler, model, 0, 3, train.items_of(0), true, 50'000, 31);
  const auto fit = hardneg_test::chi_square(counts, proposal_mass(train, PopularityProposal::power, 0.5));
  INFO("chi2 " << fit.statistic << " p " << fit.p_value);
  CHECK(fit.p_value > alpha);
  CHECK(counts[3] > 0);  // the positive itself is drawn
}

TEST_CASE("Popularity never returns a seen item and its weights sum to 1", "[samplers][popularity]") {
  const auto train = skewed_train();
  const hardneg::MF model(40, 40, {.dim = 4});
  const Popularity<3> sampler(train);
  hardneg::Rng rng(2);
  hardneg::SamplerWorkspace ws;
  hardneg::Negatives out(3);
  for (index_t u = 0; u < train.n_users(); ++u) {
    const auto seen = train.items_of(u);
    if (seen.empty()) continue;
    hardneg::SampleContext ctx{u, seen[0], 0.0f, seen, false, rng, ws};
    for (int c = 0; c < 200; ++c) {
      sampler.sample(model, ctx, out);
      REQUIRE(out.size() == 3);
      real total = 0;
      for (real w : out.weights()) total += w;
      CHECK(total == Approx(1.0f).epsilon(1e-6));
      for (index_t j : out.items()) REQUIRE_FALSE(train.contains(u, j));
    }
  }
}

TEST_CASE("Popularity is deterministic by seed", "[samplers][popularity]") {
  const auto train = skewed_train();
  const hardneg::MF model(40, 40, {.dim = 4});
  const Popularity<5> sampler(train);
  const auto a = histogram(sampler, model, 0, 3, train.items_of(0), false, 300, 8);
  const auto b = histogram(sampler, model, 0, 3, train.items_of(0), false, 300, 8);
  const auto c = histogram(sampler, model, 0, 3, train.items_of(0), false, 300, 9);
  CHECK(a == b);
  CHECK(a != c);
}

TEST_CASE("Popularity reports misuse", "[samplers][popularity]") {
  CHECK_THROWS_AS(Popularity<>({.k = 0}), hardneg::InvalidArgument);
  CHECK_THROWS_AS(Popularity<>({.alpha = -1}), hardneg::InvalidArgument);

  // User 1 has seen both items that have a count; item 2 has none.
  const std::vector<hardneg::Pair> pairs{{0, 0}, {1, 0}, {1, 1}};
  const auto train = hardneg::Interactions::from_pairs(2, 3, pairs);
  Popularity<> sampler;
  CHECK_THROWS_WITH(sampler.prepare(train), Catch::Contains("user 1"));
  CHECK_NOTHROW(sampler.prepare(train, /*allow_seen=*/true));
  // With alpha = 0 every item (count 0 too) is drawable: no error.
  Popularity<> uniform_like({.alpha = 0});
  CHECK_NOTHROW(uniform_like.prepare(train));

  const hardneg::MF model(2, 3, {.dim = 4});
  hardneg::Rng rng(1);
  hardneg::SamplerWorkspace ws;
  hardneg::Negatives out(1);
  const std::vector<index_t> seen{0};
  hardneg::SampleContext ctx{0, 0, 0.0f, seen, false, rng, ws};
  CHECK_THROWS_WITH(Popularity<>{}.sample(model, ctx, out), Catch::Contains("prepare"));

  // No drawable item is admissible (the only one with a count is the
  // positive, which prepare() cannot know): an error after max_draws, not a hang.
  const std::vector<hardneg::Pair> one{{0, 1}};
  const auto single = hardneg::Interactions::from_pairs(2, 3, one);
  Popularity<> pop;
  pop.prepare(single, /*allow_seen=*/true);  // (user 0 has seen the only drawable item)
  const std::vector<index_t> nothing;
  hardneg::SampleContext ctx1{1, 1, 0.0f, nothing, false, rng, ws};
  CHECK_THROWS_WITH(pop.sample(model, ctx1, out), Catch::Contains("no admissible negative for user 1"));
}
