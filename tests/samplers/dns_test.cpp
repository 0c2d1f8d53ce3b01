// Tests of samplers/dns.hpp and the candidate machinery it uses
// (samplers/detail/candidates.hpp):
//   * the fast candidate draw gives exactly the draws of detail::draw_uniform;
//   * DNS(M, N) returns exactly the top-M of its candidates (a brute force
//     replays the same rng stream), for stack and workspace buffers, k slots,
//     both scales;
//   * the distribution of a DNS pick over score ranks matches the exact
//     formula (chi-square, significance 0.001, fixed seeds), and the same
//     check rejects the formula for M - 1 and M + 1;
//   * exclusion of seen items, determinism by seed, parameter checks.
#include "hardneg/samplers/dns.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
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

static_assert(hardneg::Sampler<hardneg::DNS<>, hardneg::MF>);
static_assert(hardneg::Sampler<hardneg::DNS<1, 50>, hardneg::MF>);
static_assert(hardneg::Sampler<hardneg::ClassicDNS<>, hardneg::MF>);

// Every item of [0, n) that is neither seen nor the positive.
std::vector<index_t> negatives_of(index_t n, std::span<const index_t> seen, index_t positive) {
  std::vector<index_t> out;
  for (index_t i = 0; i < n; ++i)
    if (i != positive && !std::binary_search(seen.begin(), seen.end(), i)) out.push_back(i);
  return out;
}

// The brute force of one DNS call: the same draws as detail::draw_uniform,
// scored one by one, sorted (score desc, draw order asc), the first m of
// each slot.
struct Picks {
  std::vector<index_t> items;
  std::vector<real> scores;
};
Picks brute_force_dns(const hardneg::MF& model, hardneg::SampleContext& ctx, int m, int n, int k) {
  Picks picks;
  for (int slot = 0; slot < k; ++slot) {
    std::vector<index_t> ids(static_cast<std::size_t>(n));
    for (index_t& id : ids) id = hardneg::detail::draw_uniform("dns", ctx, model.n_items());
    std::vector<std::size_t> order(ids.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::vector<real> s(ids.size());
    for (std::size_t c = 0; c < ids.size(); ++c) s[c] = model.score(ctx.user, ids[c]);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return s[a] > s[b]; });
    for (int j = 0; j < m; ++j) {
      picks.items.push_back(ids[order[static_cast<std::size_t>(j)]]);
      picks.scores.push_back(s[order[static_cast<std::size_t>(j)]]);
    }
  }
  return picks;
}

// P(X >= t) for X ~ Binomial(n, q).
double binomial_at_least(int n, double q, int t) {
  if (t <= 0) return 1;
  if (q <= 0) return 0;
  if (q >= 1) return 1;
  double below = 0;
  for (int i = 0; i < t && i <= n; ++i)
    below += std::exp(std::lgamma(n + 1.0) - std::lgamma(i + 1.0) - std::lgamma(n - i + 1.0) +
                      i * std::log(q) + (n - i) * std::log1p(-q));
  return std::max(0.0, 1 - below);
}

// The exact probability that one uniformly chosen pick of DNS(M, N) is the
// negative of score rank r (r = 1 the highest of n_neg distinct scores).
// The t-th best of N draws, X_(t), has rank <= r iff at least t draws have
// rank <= r: P(X_(t) <= r) = P(Bin(N, r / n_neg) >= t). A pick is X_(t) for
// t uniform in 1..M, so
//   p_r = (1/M) sum_{t=1}^{M} [P(Bin(N, r/n) >= t) - P(Bin(N, (r-1)/n) >= t)].
std::vector<double> dns_rank_probabilities(int m, int n, std::size_t n_neg) {
  std::vector<double> p(n_neg);
  const auto nn = static_cast<double>(n_neg);
  for (std::size_t r = 1; r <= n_neg; ++r) {
    double s = 0;
    for (int t = 1; t <= m; ++t)
      s += binomial_at_least(n, static_cast<double>(r) / nn, t) -
           binomial_at_least(n, static_cast<double>(r - 1) / nn, t);
    p[r - 1] = s / m;
  }
  return p;
}

// Merges consecutive ranks into bins whose expected count (total draws x
// probability) is at least `min_expected` (the remainder joins the last bin).
void bin_ranks(const std::vector<std::size_t>& counts, const std::vector<double>& p, double total,
               double min_expected, std::vector<std::size_t>& bin_counts, std::vector<double>& bin_p) {
  bin_counts.clear();
  bin_p.clear();
  std::size_t c = 0;
  double q = 0;
  for (std::size_t r = 0; r < p.size(); ++r) {
    c += counts[r];
    q += p[r];
    if (q * total >= min_expected) {
      bin_counts.push_back(c);
      bin_p.push_back(q);
      c = 0;
      q = 0;
    }
  }
  if (!bin_counts.empty()) {
    bin_counts.back() += c;
    bin_p.back() += q;
  }
}

// Counts, per score rank among the pair's negatives, one pick per call
// chosen uniformly among out.items() (by a separate rng, so the samples are
// independent draws from DNS's distribution P_ns).
template <class S>
std::vector<std::size_t> rank_histogram(const S& sampler, const hardneg::MF& model, index_t user,
                                        index_t positive, std::span<const index_t> seen, bool allow_seen,
                                        std::size_t calls, std::uint64_t seed) {
  const std::vector<index_t> negs =
      allow_seen ? negatives_of(model.n_items(), {}, -1) : negatives_of(model.n_items(), seen, positive);
  std::vector<std::pair<real, index_t>> by_score;
  for (index_t j : negs) by_score.emplace_back(model.score(user, j), j);
  std::sort(by_score.begin(), by_score.end(), [](auto a, auto b) { return a.first > b.first; });
  for (std::size_t r = 1; r < by_score.size(); ++r) REQUIRE(by_score[r].first < by_score[r - 1].first);
  std::vector<std::size_t> rank_of(static_cast<std::size_t>(model.n_items()), negs.size());
  for (std::size_t r = 0; r < by_score.size(); ++r) rank_of[static_cast<std::size_t>(by_score[r].second)] = r;

  hardneg::Rng rng(seed), choose(seed + 1000);
  hardneg::SamplerWorkspace ws;
  hardneg::Negatives out(sampler.max_negatives());
  hardneg::SampleContext ctx{user, positive, model.score(user, positive), seen, allow_seen, rng, ws};
  std::vector<std::size_t> counts(negs.size(), 0);
  for (std::size_t c = 0; c < calls; ++c) {
    sampler.sample(model, ctx, out);
    const index_t pick = out.items()[choose.below(out.size())];
    const std::size_t r = rank_of[static_cast<std::size_t>(pick)];
    REQUIRE(r < negs.size());  // a negative of the pair
    ++counts[r];
  }
  return counts;
}

}  // namespace

TEST_CASE("draw_uniform_candidates draws exactly what draw_uniform draws", "[samplers][dns]") {
  const hardneg::MF model(2, 300, {.dim = 4});
  // User 0: a few seen items; user 1: all but 3 items (the direct-draw path).
  std::vector<index_t> light{2, 17, 40, 41, 299};
  std::vector<index_t> heavy;
  for (index_t i = 0; i < 300; ++i)
    if (i != 5 && i != 150 && i != 298) heavy.push_back(i);
  for (const bool allow_seen : {false, true}) {
    for (const auto* seen : {&light, &heavy}) {
      const index_t positive = (*seen)[1];
      hardneg::Rng rng_a(9), rng_b(9);
      hardneg::SamplerWorkspace ws_a, ws_b;
      hardneg::SampleContext a{0, positive, 0.0f, *seen, allow_seen, rng_a, ws_a};
      hardneg::SampleContext b{0, positive, 0.0f, *seen, allow_seen, rng_b, ws_b};
      for (int call = 0; call < 50; ++call) {
        std::vector<index_t> fast(200);
        hardneg::detail::draw_uniform_candidates("dns", a, 300, fast);
        for (index_t id : fast) REQUIRE(id == hardneg::detail::draw_uniform("dns", b, 300));
      }
      CHECK(rng_a() == rng_b());
      // The marks are cleared after every call.
      for (auto word : ws_a.item_marks) REQUIRE(word == 0);
    }
  }
}

TEST_CASE("draw_uniform_candidates throws when nothing is admissible and leaves no marks",
          "[samplers][dns]") {
  const std::vector<index_t> seen{0, 1, 2};
  hardneg::Rng rng(1);
  hardneg::SamplerWorkspace ws;
  hardneg::SampleContext ctx{0, 3, 0.0f, seen, false, rng, ws};
  std::vector<index_t> ids(10);
  CHECK_THROWS_WITH(hardneg::detail::draw_uniform_candidates("dns", ctx, 4, ids), Catch::Contains("user 0"));
  for (auto word : ws.item_marks) CHECK(word == 0);
}

TEST_CASE("DNS(M, N) returns exactly the top-M of its candidates", "[samplers][dns]") {
  const hardneg::MF model(4, 500, {.dim = 16, .init_std = 0.5, .seed = 2});
  const std::vector<index_t> seen{1, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377};

  struct Case {
    hardneg::DNS<5, 200> sampler;
    int m, n, k;
  };
  using Scale = hardneg::DNSScale;
  const std::vector<Case> cases{
      {hardneg::DNS<5, 200>{}, 5, 200, 1},                                     // stack buffers
      {hardneg::DNS<5, 200>{{.m = 10, .n = 100}}, 10, 100, 1},                 // workspace
      {hardneg::DNS<5, 200>{{.m = 1, .n = 50, .k = 4}}, 1, 50, 4},             // classic, 4 slots
      {hardneg::DNS<5, 200>{{.m = 3, .n = 7, .k = 2, .scale = Scale::sum}}, 3, 7, 2},
      {hardneg::DNS<5, 200>{{.m = 40, .n = 60}}, 40, 60, 1},
      {hardneg::DNS<5, 200>{{.m = 4, .n = 4}}, 4, 4, 1},                       // all candidates
  };
  for (const auto& c : cases) {
    for (const bool allow_seen : {false, true}) {
      CAPTURE(c.m, c.n, c.k, allow_seen);
      REQUIRE(c.sampler.max_negatives() == static_cast<std::size_t>(c.k * c.m));
      hardneg::Rng rng(44), replay(44);
      hardneg::SamplerWorkspace ws, ws_replay;
      hardneg::Negatives out(c.sampler.max_negatives());
      for (int call = 0; call < 200; ++call) {
        const index_t user = call % 4;
        const index_t positive = seen[static_cast<std::size_t>(call) % seen.size()];
        hardneg::SampleContext ctx{user, positive, model.score(user, positive), seen, allow_seen, rng, ws};
        hardneg::SampleContext rctx{user, positive, 0.0f, seen, allow_seen, replay, ws_replay};
        c.sampler.sample(model, ctx, out);
        const Picks expected = brute_force_dns(model, rctx, c.m, c.n, c.k);
        REQUIRE(out.scored);
        REQUIRE(out.size() == expected.items.size());
        REQUIRE(std::vector<index_t>(out.items().begin(), out.items().end()) == expected.items);
        REQUIRE(std::vector<real>(out.scores().begin(), out.scores().end()) == expected.scores);
        const real w = c.sampler.params().scale == Scale::sum ? 1.0f : 1.0f / static_cast<real>(c.k * c.m);
        for (real x : out.weights()) REQUIRE(x == w);
      }
      CHECK(rng() == replay());
    }
  }
}

TEST_CASE("DNS picks follow the exact rank distribution of top-M of N uniform draws",
          "[samplers][dns][distribution]") {
  // One user, 300 items, 20 of them seen: 279 negatives (the positive is seen).
  const hardneg::MF model(1, 300, {.dim = 8, .init_std = 1.0, .seed = 6});
  std::vector<index_t> seen;
  for (index_t i = 0; i < 300; i += 15) seen.push_back(i);
  const index_t positive = seen[3];

  struct Setting {
    int m, n;
    bool allow_seen;
  };
  for (const Setting s : {Setting{3, 40, false}, Setting{1, 25, false}, Setting{5, 60, true}}) {
    CAPTURE(s.m, s.n, s.allow_seen);
    const hardneg::DNS<> sampler({.m = s.m, .n = s.n});
    const std::size_t calls = 60'000;
    const auto counts = rank_histogram(sampler, model, 0, positive, seen, s.allow_seen, calls, 123);
    const auto p = dns_rank_probabilities(s.m, s.n, counts.size());
    CHECK(std::accumulate(p.begin(), p.end(), 0.0) == Approx(1.0).epsilon(1e-9));

    std::vector<std::size_t> bc;
    std::vector<double> bp;
    bin_ranks(counts, p, static_cast<double>(calls), 20.0, bc, bp);
    const auto fit = hardneg_test::chi_square(bc, bp);
    INFO("chi2 " << fit.statistic << " df " << fit.df << " p " << fit.p_value);
    CHECK(fit.df >= 10);
    CHECK(fit.p_value > alpha);

    // The same check rejects DNS(M - 1, N) and DNS(M + 1, N).
    for (const int wrong_m : {s.m - 1, s.m + 1}) {
      if (wrong_m < 1) continue;
      const auto q = dns_rank_probabilities(wrong_m, s.n, counts.size());
      bin_ranks(counts, q, static_cast<double>(calls), 20.0, bc, bp);
      CAPTURE(wrong_m);
      CHECK(hardneg_test::chi_square(bc, bp).p_value < alpha);
    }
    // ... and DNS(M, N + N/5).
    const auto q = dns_rank_probabilities(s.m, s.n + s.n / 5, counts.size());
    bin_ranks(counts, q, static_cast<double>(calls), 20.0, bc, bp);
    CHECK(hardneg_test::chi_square(bc, bp).p_value < alpha);
  }
}

TEST_CASE("DNS never returns a seen item or the positive unless allowed", "[samplers][dns]") {
  const hardneg::MF model(2, 80, {.dim = 8, .init_std = 1.0});
  std::vector<index_t> seen;
  for (index_t i = 0; i < 80; i += 2) seen.push_back(i);  // every even item
  const hardneg::DNS<3, 30> sampler;
  for (const bool allow_seen : {false, true}) {
    hardneg::Rng rng(3);
    hardneg::SamplerWorkspace ws;
    hardneg::Negatives out(sampler.max_negatives());
    hardneg::SampleContext ctx{1, 7, model.score(1, 7), seen, allow_seen, rng, ws};
    std::size_t seen_returned = 0;
    for (int call = 0; call < 3000; ++call) {
      sampler.sample(model, ctx, out);
      for (index_t j : out.items()) {
        REQUIRE(j >= 0);
        REQUIRE(j < 80);
        const bool excluded = j == 7 || std::binary_search(seen.begin(), seen.end(), j);
        if (!allow_seen) REQUIRE_FALSE(excluded);
        seen_returned += excluded ? 1 : 0;
      }
    }
    if (allow_seen) CHECK(seen_returned > 0);
  }
}

TEST_CASE("DNS is deterministic by seed", "[samplers][dns]") {
  const hardneg::MF model(3, 1000, {.dim = 8});
  const std::vector<index_t> seen{1, 2, 3};
  const hardneg::DNS<> sampler;
  const auto run = [&](std::uint64_t seed) {
    hardneg::Rng rng(seed);
    hardneg::SamplerWorkspace ws;
    hardneg::Negatives out(sampler.max_negatives());
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

TEST_CASE("DNS parameters, presets and prepare", "[samplers][dns]") {
  CHECK(hardneg::DNS<>::name() == "dns");
  const hardneg::DNS<> paper;
  CHECK(paper.params().m == 5);
  CHECK(paper.params().n == 200);
  CHECK(paper.params().k == 1);
  CHECK(paper.params().scale == hardneg::DNSScale::mean);
  CHECK(paper.max_negatives() == 5);
  const hardneg::ClassicDNS<> classic;
  CHECK(classic.params().m == 1);
  CHECK(classic.params().n == 50);
  const hardneg::ClassicDNS<> www({.k = 5});  // WWW'23's DNS baseline: 5 slots of 50
  CHECK(www.max_negatives() == 5);
  CHECK(www.params().n == 50);

  CHECK_THROWS_AS(hardneg::DNS<>({.m = 0}), hardneg::InvalidArgument);
  CHECK_THROWS_AS(hardneg::DNS<>({.m = 10, .n = 9}), hardneg::InvalidArgument);
  CHECK_THROWS_AS(hardneg::DNS<>({.k = 0}), hardneg::InvalidArgument);

  std::vector<hardneg::Pair> pairs{{0, 1}};
  for (index_t i = 0; i < 4; ++i) pairs.push_back({1, i});
  const auto train = hardneg::Interactions::from_pairs(2, 4, pairs);
  try {
    paper.prepare(train);
    FAIL("prepare accepted a user with no unseen item");
  } catch (const hardneg::InvalidArgument& e) {
    CHECK_THAT(e.what(), Catch::Contains("user 1"));
  }
  CHECK_NOTHROW(paper.prepare(train, /*allow_seen=*/true));
}
