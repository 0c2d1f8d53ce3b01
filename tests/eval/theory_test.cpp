#include "hardneg/eval/theory.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <span>
#include <string_view>
#include <vector>

#include "hardneg/samplers/uniform.hpp"

using hardneg::index_t;
using hardneg::RankedLabels;
using hardneg::Rng;

namespace {

/// Brute force: pairs (positive, negative among the K best negatives) with
/// the positive ranked above, straight from the labels.
std::int64_t correct_top_pairs(const std::vector<char>& labels, std::int64_t k) {
  std::int64_t pairs = 0, positives_above = 0, negatives_seen = 0;
  for (const char l : labels) {
    if (l) {
      ++positives_above;
    } else if (negatives_seen < k) {
      ++negatives_seen;
      pairs += positives_above;
    }
  }
  return pairs;
}

/// What a bound check sees for one ranking and one K.
struct Case {
  std::int64_t n_pos, n_neg, k, hits, pairs;
  double recall, precision;
  hardneg::TopKBounds bounds;
};

Case make_case(const std::vector<char>& labels, std::int64_t k) {
  const RankedLabels r(labels);
  Case c{static_cast<std::int64_t>(r.n_positives()), r.n_negatives(), k,
         static_cast<std::int64_t>(r.hits_at(static_cast<std::size_t>(k))), correct_top_pairs(labels, k),
         r.recall_at(static_cast<std::size_t>(k)), r.precision_at(static_cast<std::size_t>(k)),
         r.theorem3_bounds(k)};
  return c;
}

/// The theorem's bounds hold for this case.
bool holds(const Case& c) {
  return c.bounds.recall.contains(c.recall) && c.bounds.precision.contains(c.precision);
}

/// Calls fn(labels) for every arrangement of n_pos positives and n_neg negatives.
template <class Fn>
void for_each_arrangement(int n_pos, int n_neg, Fn fn) {
  const int n = n_pos + n_neg;
  std::vector<char> labels(static_cast<std::size_t>(n));
  for (std::uint32_t mask = 0; mask < (1u << n); ++mask) {
    if (std::popcount(mask) != n_pos) continue;
    for (int i = 0; i < n; ++i) labels[static_cast<std::size_t>(i)] = (mask >> i) & 1u;
    fn(labels);
  }
}

std::size_t binomial(int n, int k) {
  std::size_t c = 1;
  for (int i = 1; i <= k; ++i) c = c * static_cast<std::size_t>(n - k + i) / static_cast<std::size_t>(i);
  return c;
}

/// A random ranking drawn position by position from an urn where a positive
/// weighs `odds` times a negative: odds = 1 is a uniformly random ranking,
/// larger odds put positives higher. Labels by descending score.
std::vector<char> random_ranking(int n_pos, int n_neg, double odds, Rng& rng) {
  std::vector<char> labels;
  labels.reserve(static_cast<std::size_t>(n_pos + n_neg));
  double pos = n_pos, neg = n_neg;
  while (pos + neg > 0) {
    const bool positive = rng.uniform() * (odds * pos + neg) < odds * pos;
    labels.push_back(positive);
    (positive ? pos : neg) -= 1;
  }
  return labels;
}

}  // namespace

TEST_CASE("Theorem 3 bounds of hand-made rankings", "[eval][theory]") {
  // Perfect ranking, N+ = 5, N- = 6, K = 2: P = N+ K = 10 (every positive beats
  // both top negatives); lower = floor((7 - sqrt(49 - 40)) / 2) = 2,
  // upper = ceil(sqrt(10)) = 4.
  const auto b = hardneg::theorem3_bounds(5, 6, 2, 10.0 / 30.0);
  CHECK(b.hits_lower == 2);
  CHECK(b.hits_upper == 4);
  CHECK(b.recall.lower == 2.0 / 5);
  CHECK(b.recall.upper == 4.0 / 5);
  CHECK(b.precision.lower == 1.0);
  CHECK(b.precision.upper == 2.0);
  // P = 0 (every positive below the top K negatives): hits in [0, 0].
  const auto z = hardneg::theorem3_bounds(5, 6, 2, 0.0);
  CHECK(z.hits_lower == 0);
  CHECK(z.hits_upper == 0);
  // P = 9, N+ = 5, K = 3: floor((8 - sqrt(64 - 36)) / 2) = floor(1.354) = 1; ceil(3) = 3.
  const auto n = hardneg::theorem3_bounds(5, 6, 3, 9.0 / 30.0);
  CHECK(n.hits_lower == 1);
  CHECK(n.hits_upper == 3);
  // A that is not a multiple of 1 / (N+ N-) takes the floating-point path.
  const auto f = hardneg::theorem3_bounds(5, 6, 3, 9.5 / 30.0);
  CHECK(f.hits_lower == 1);  // floor((8 - sqrt(26)) / 2) = floor(1.45)
  CHECK(f.hits_upper == 4);  // ceil(3.08)

  CHECK_THROWS_AS(hardneg::theorem3_bounds(5, 6, 5, 0.1), hardneg::InvalidArgument);  // K = N+
  CHECK_THROWS_AS(hardneg::theorem3_bounds(5, 6, 6, 0.1), hardneg::InvalidArgument);  // K = N-
  CHECK_THROWS_AS(hardneg::theorem3_bounds(5, 6, 2, 0.5), hardneg::InvalidArgument);  // A > K / N-
  CHECK_THROWS_AS(hardneg::theorem3_bounds(5, 6, 2, -0.1), hardneg::InvalidArgument);
}

TEST_CASE("Theorem 3's integer arithmetic agrees with the formula", "[eval][theory]") {
  // Every attainable P = N+ N- A for a few shapes, against the formula in long
  // double (exact enough here: sqrt of a perfect square is exact).
  std::size_t checked = 0, mismatches = 0;
  for (const auto& [n_pos, n_neg] : {std::pair{7, 9}, std::pair{12, 30}, std::pair{200, 800}})
    for (std::int64_t k = 1; k < std::min(n_pos, n_neg); k = k < 6 ? k + 1 : k * 3)
      for (std::int64_t p = 0; p <= n_pos * k; ++p) {
        const auto b = hardneg::theorem3_bounds(n_pos, n_neg, k, static_cast<double>(p) / (n_pos * n_neg));
        const long double sum = static_cast<long double>(n_pos + k);
        const long double lower = std::floor((sum - std::sqrt(sum * sum - 4.0L * p)) / 2);
        const long double upper = std::ceil(std::sqrt(static_cast<long double>(p)));
        ++checked;
        if (b.hits_lower != static_cast<std::int64_t>(lower) || b.hits_upper != static_cast<std::int64_t>(upper)) {
          ++mismatches;
          UNSCOPED_INFO("N+ " << n_pos << " K " << k << " P " << p << ": " << b.hits_lower << ".."
                              << b.hits_upper << " against " << lower << ".." << upper);
        }
      }
  CHECK(checked > 10000);
  CHECK(mismatches == 0);
}

TEST_CASE("RankedLabels computes the metrics of eval/metrics.hpp", "[eval][theory]") {
  // 1 N, 2 P, 3 N, 4 N, 5 P, 6 P, 7 N, 8 N: the example of metrics_test.cpp.
  const std::vector<int> labels = {0, 1, 0, 0, 1, 1, 0, 0};
  const RankedLabels r(labels);
  CHECK(r.n_positives() == 3);
  CHECK(r.n_negatives() == 5);
  CHECK(r.size() == 8);
  CHECK(r.hits_at(5) == 2);
  CHECK(r.recall_at(5) == Approx(2.0 / 3.0));
  CHECK(r.precision_at(5) == Approx(0.4));
  CHECK(r.ndcg_at(5) == Approx(0.477624).epsilon(1e-5));
  // c = {1, 3, 3}: AUC = (4 + 2 + 2) / 15; OPAUC(0.4): L = 2, (1 + 0 + 0) / 15.
  CHECK(r.auc() == Approx(8.0 / 15.0));
  CHECK(r.opauc(0.4) == Approx(1.0 / 15.0));
  CHECK(r.opauc(1.0) == r.auc());
  // McClish: 1/2 [1 + (1/15 - 0.08) / (0.4 - 0.08)].
  CHECK(r.opauc_norm(0.4) == Approx(0.5 * (1 + (1.0 / 15 - 0.08) / 0.32)));
  CHECK(r.opauc_norm(1.0) == Approx(r.auc()));
}

TEST_CASE("Theorem 3 holds on every arrangement of small rankings, and is attained", "[eval][theory]") {
  std::size_t checked = 0, expected = 0;
  for (int n_pos = 4; n_pos <= 6; ++n_pos)
    for (int n_neg = 5; n_neg <= 8; ++n_neg)
      for (int k = 1; k < std::min(n_pos, n_neg); ++k) {
        bool lower_met = false, upper_met = false;
        expected += binomial(n_pos + n_neg, n_pos);
        for_each_arrangement(n_pos, n_neg, [&](const std::vector<char>& labels) {
          const Case c = make_case(labels, k);
          ++checked;
          // OPAUC(K / N-) counts exactly the correct (positive, top-K negative) pairs.
          const RankedLabels r(labels);
          REQUIRE(std::llround(r.opauc(hardneg::theorem3_beta(n_neg, k)) * n_pos * n_neg) == c.pairs);
          if (!holds(c)) {
            INFO("N+ " << n_pos << " N- " << n_neg << " K " << k << " hits " << c.hits << " P " << c.pairs);
            FAIL("Theorem 3 violated");
          }
          // Stronger than the theorem: without its conservative rounding the
          // bounds still hold, h >= (S - sqrt(S^2 - 4P)) / 2 and h <= sqrt(P).
          const double s = n_pos + k;
          const double h = static_cast<double>(c.hits);
          REQUIRE(h >= (s - std::sqrt(s * s - 4.0 * static_cast<double>(c.pairs))) / 2 - 1e-12);
          REQUIRE(h * h <= static_cast<double>(c.pairs));
          lower_met |= c.hits == c.bounds.hits_lower;
          upper_met |= c.hits == c.bounds.hits_upper;
        });
        INFO("N+ " << n_pos << " N- " << n_neg << " K " << k);
        CHECK(lower_met);  // the lower bound is reached (e.g. by the perfect ranking)
        CHECK(upper_met);  // so is the upper one (K - h negatives, h positives, h negatives, ...)
      }
  CHECK(checked == expected);  // every arrangement was visited
  CHECK(checked == 44718);
}

TEST_CASE("Theorem 3 holds on random rankings (Monte Carlo)", "[eval][theory]") {
  const int n_pos = 50, n_neg = 300;
  Rng rng(7, 0);
  std::size_t violations = 0, cases = 0;
  std::int64_t min_gap_lower = 1 << 30, min_gap_upper = 1 << 30;
  for (int trial = 0; trial < 20000; ++trial) {
    // Half uniformly random, half with positives ranked higher (odds up to
    // e^5 = 148), so that many hit counts are exercised.
    const double odds = trial % 2 == 0 ? 1.0 : std::exp(5.0 * rng.uniform());
    const RankedLabels r(random_ranking(n_pos, n_neg, odds, rng));
    for (const int k : {1, 2, 5, 10, 20, 49}) {
      const auto b = r.theorem3_bounds(k);
      const auto hits = static_cast<std::int64_t>(r.hits_at(static_cast<std::size_t>(k)));
      ++cases;
      violations += !(b.recall.contains(r.recall_at(static_cast<std::size_t>(k))) &&
                      b.precision.contains(r.precision_at(static_cast<std::size_t>(k))));
      min_gap_lower = std::min(min_gap_lower, hits - b.hits_lower);
      min_gap_upper = std::min(min_gap_upper, b.hits_upper - hits);
    }
  }
  CHECK(cases == 120000);
  CHECK(violations == 0);
  // The bounds come close: some ranking is within one hit of each.
  CHECK(min_gap_lower <= 1);
  CHECK(min_gap_upper <= 1);
}

TEST_CASE("negative control: wrong bounds are caught", "[eval][theory]") {
  // The same exhaustive check, with bounds a careless reading would give.
  std::size_t wrong_beta = 0, wrong_norm = 0, one_tighter = 0;
  for (int n_pos = 4; n_pos <= 6; ++n_pos)
    for (int n_neg = 5; n_neg <= 8; ++n_neg)
      for (int k = 1; k < std::min(n_pos, n_neg); ++k)
        for_each_arrangement(n_pos, n_neg, [&](const std::vector<char>& labels) {
          const RankedLabels r(labels);
          const Case c = make_case(labels, k);
          // 1. beta = K / N+ instead of K / N- (A then counts too many pairs);
          //    clamp A to the range theorem3_bounds accepts.
          const double a = std::min(r.opauc(static_cast<double>(k) / n_pos),
                                    static_cast<double>(k) / n_neg);
          const auto b = hardneg::theorem3_bounds(n_pos, n_neg, k, a);
          wrong_beta += !(b.recall.contains(c.recall) && b.precision.contains(c.precision));
          // 2. Precision bounded with 1/N+ (Recall's factor) instead of 1/K.
          const hardneg::Interval p{c.bounds.recall.lower, c.bounds.recall.upper};
          wrong_norm += !p.contains(c.precision);
          // 3. Bounds one hit tighter than the theorem's.
          one_tighter += c.hits < c.bounds.hits_lower + 1 || c.hits > c.bounds.hits_upper - 1;
        });
  CHECK(wrong_beta > 0);
  CHECK(wrong_norm > 0);
  CHECK(one_tighter > 0);
}

TEST_CASE("opauc_many equals opauc for every beta, in any order", "[eval][theory]") {
  Rng rng(3, 0);
  const std::vector<double> betas = {1.0, 0.001, 0.5, 0.25, 0.1, 1.0 / 300, 0.03, 0.9999, 0.2};
  std::vector<std::size_t> order(betas.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](auto a, auto b) { return betas[a] < betas[b]; });
  std::vector<double> out(betas.size());
  for (int trial = 0; trial < 200; ++trial) {
    const auto labels = random_ranking(40, 300, std::exp(3.0 * rng.uniform()), rng);
    const RankedLabels r(labels);
    hardneg::detail::theory::opauc_many(r.ranks(), betas, order, out);
    for (std::size_t b = 0; b < betas.size(); ++b) REQUIRE(out[b] == r.opauc(betas[b]));
  }
}

TEST_CASE("log_beta_grid", "[eval][theory]") {
  const auto g = hardneg::log_beta_grid(50, 800);
  REQUIRE(g.size() == 50);
  CHECK(g.front() == 1.0 / 800);
  CHECK(g.back() == 1.0);
  for (std::size_t b = 1; b < g.size(); ++b) {
    CHECK(g[b] > g[b - 1]);
    CHECK(g[b] / g[b - 1] == Approx(std::pow(800.0, 1.0 / 49)));
  }
  CHECK(hardneg::log_beta_grid(1, 800) == std::vector<double>{1.0});
}

TEST_CASE("simulate_opauc_correlation matches a direct computation", "[eval][theory]") {
  // Small setting; the reference regenerates every trial's ranking the way
  // the header documents (Rng(seed, t), sequential selection) and computes the
  // Pearson correlations in two passes over all trials.
  hardneg::SimulationOptions o;
  o.positives = 6, o.negatives = 20, o.trials = 1500, o.ks = {2, 5}, o.n_betas = 7, o.seed = 11;
  const auto result = hardneg::simulate_opauc_correlation(o);
  REQUIRE(result.metrics == std::vector<std::string>{"recall@2", "recall@5", "precision@2", "precision@5",
                                                     "ndcg@2", "ndcg@5"});
  REQUIRE(result.betas.size() == 7);

  const std::size_t n_x = 6, n_y = 7;
  std::vector<std::vector<double>> x(n_x), y(n_y);
  for (std::size_t t = 0; t < o.trials; ++t) {
    Rng rng(o.seed, t);
    std::vector<char> labels(26, 0);
    std::int64_t left = o.positives;
    for (std::int64_t i = 0; left > 0; ++i)
      if (static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(26 - i))) < left)
        labels[static_cast<std::size_t>(i)] = 1, --left;
    const RankedLabels r(labels);
    x[0].push_back(r.recall_at(2)), x[1].push_back(r.recall_at(5));
    x[2].push_back(r.precision_at(2)), x[3].push_back(r.precision_at(5));
    x[4].push_back(r.ndcg_at(2)), x[5].push_back(r.ndcg_at(5));
    for (std::size_t b = 0; b < n_y; ++b) y[b].push_back(r.opauc_norm(result.betas[b]));
  }
  const auto pearson = [](const std::vector<double>& a, const std::vector<double>& b) {
    const double n = static_cast<double>(a.size());
    const double ma = std::accumulate(a.begin(), a.end(), 0.0) / n;
    const double mb = std::accumulate(b.begin(), b.end(), 0.0) / n;
    double sab = 0, saa = 0, sbb = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
      sab += (a[i] - ma) * (b[i] - mb), saa += (a[i] - ma) * (a[i] - ma), sbb += (b[i] - mb) * (b[i] - mb);
    }
    return sab / std::sqrt(saa * sbb);
  };
  for (std::size_t m = 0; m < n_x; ++m)
    for (std::size_t b = 0; b < n_y; ++b) {
      INFO(result.metrics[m] << " beta " << result.betas[b]);
      CHECK(result.correlation[m][b] == Approx(pearson(x[m], y[b])).epsilon(1e-10));
    }
  // Recall@K and Precision@K are the same hit count scaled: same correlation.
  for (std::size_t b = 0; b < n_y; ++b) CHECK(result.correlation[0][b] == Approx(result.correlation[2][b]));
}

TEST_CASE("Figure 6: OPAUC_norm(beta) tracks Top-K metrics far better than AUC", "[eval][theory]") {
  hardneg::SimulationOptions o;  // N+ = 200, N- = 800, K = 5, 10, 20, 50, 50 betas
  o.trials = 5000;
  o.seed = 5;
  o.threads = 1;
  const auto r1 = hardneg::simulate_opauc_correlation(o);
  REQUIRE(r1.betas.back() == 1.0);
  const std::size_t recall5 = r1.metric("recall@5"), recall50 = r1.metric("recall@50");
  const std::size_t ndcg5 = r1.metric("ndcg@5");
  const auto& c5 = r1.correlation[recall5];
  // Expected (spec/theory.md): peak above 0.8, AUC below 0.4; with 5,000
  // trials a correlation's standard error is about 0.01.
  CHECK(c5[r1.peak(recall5)] > 0.8);
  CHECK(c5.back() < 0.4);
  CHECK(r1.correlation[ndcg5][r1.peak(ndcg5)] > 0.8);
  CHECK(r1.correlation[ndcg5].back() < 0.4);
  // The peak moves to smaller beta as K shrinks.
  CHECK(r1.betas[r1.peak(recall5)] < r1.betas[r1.peak(recall50)]);
  CHECK(r1.betas[r1.peak(r1.metric("ndcg@5"))] < r1.betas[r1.peak(r1.metric("ndcg@50"))]);
  // Near K / N- = 5/800 for K = 5 (within a factor 4 on the grid).
  CHECK(r1.betas[r1.peak(recall5)] > 5.0 / 800 / 4);
  CHECK(r1.betas[r1.peak(recall5)] < 5.0 / 800 * 4);

  // Left of the peak NDCG's correlation falls more slowly than Recall's: at
  // the smallest beta (1/N-) about 0.7 against 0.5 for K = 5 and 0.5 against
  // 0.15 for K = 50.
  for (const int k : {5, 10, 20, 50}) {
    INFO("K = " << k);
    CHECK(r1.correlation[r1.metric("ndcg@" + std::to_string(k))].front() >
          r1.correlation[r1.metric("recall@" + std::to_string(k))].front() + 0.1);
  }

  // Bit-identical with 2 threads.
  o.threads = 2;
  const auto r2 = hardneg::simulate_opauc_correlation(o);
  REQUIRE(r2.correlation.size() == r1.correlation.size());
  for (std::size_t m = 0; m < r1.correlation.size(); ++m)
    for (std::size_t b = 0; b < r1.betas.size(); ++b) REQUIRE(r2.correlation[m][b] == r1.correlation[m][b]);
  // ... and a different seed gives different (but statistically equal) numbers.
  o.seed = 6;
  const auto r3 = hardneg::simulate_opauc_correlation(o);
  CHECK(r3.correlation[recall5].back() != r1.correlation[recall5].back());
  CHECK(r3.correlation[recall5].back() == Approx(r1.correlation[recall5].back()).margin(0.06));
}

TEST_CASE("simulate_opauc_correlation rejects bad settings", "[eval][theory]") {
  hardneg::SimulationOptions o;
  o.trials = 1;
  CHECK_THROWS_AS(hardneg::simulate_opauc_correlation(o), hardneg::InvalidArgument);
  o.trials = 10, o.betas = {0.0};
  CHECK_THROWS_AS(hardneg::simulate_opauc_correlation(o), hardneg::InvalidArgument);
  o.betas = {1.5};
  CHECK_THROWS_AS(hardneg::simulate_opauc_correlation(o), hardneg::InvalidArgument);
  o.betas = {}, o.ks = {0};
  CHECK_THROWS_AS(hardneg::simulate_opauc_correlation(o), hardneg::InvalidArgument);
}

// ------------------------------------------------------- Figure 7 ----

namespace {

/// A model whose score of (u, i) is -i for user 0 and i for the others: the
/// ranking of a user's negatives is known in advance.
struct TableModel {
  index_t users = 2, items = 10;
  static constexpr std::string_view name() { return "table"; }
  index_t n_users() const noexcept { return users; }
  index_t n_items() const noexcept { return items; }
  hardneg::real score(index_t u, index_t i) const noexcept {
    return static_cast<hardneg::real>(u == 0 ? -i : i);
  }
  void score_items(index_t u, std::span<const index_t> it, std::span<hardneg::real> out) const noexcept {
    for (std::size_t q = 0; q < it.size(); ++q) out[q] = score(u, it[q]);
  }
};

/// Weight 3/4 on the best-scored admissible item, 1/4 on a uniform admissible
/// one; with `leak`, also returns the positive (weights 1/2, 1/4, 1/4). Every
/// weight is multiplied by `scale` (like DNS's scale=sum).
struct TopPlusUniform {
  bool leak = false;
  float scale = 1;
  static constexpr std::string_view name() { return "top_plus_uniform"; }
  std::size_t max_negatives() const noexcept { return 3; }
  template <class M>
  void sample(const M& model, hardneg::SampleContext& ctx, hardneg::Negatives& out) const {
    const auto ok = [&](index_t i) {
      return i != ctx.positive && !std::binary_search(ctx.seen.begin(), ctx.seen.end(), i);
    };
    index_t best = -1;
    for (index_t i = 0; i < model.n_items(); ++i)
      if (ok(i) && (best < 0 || model.score(ctx.user, i) > model.score(ctx.user, best))) best = i;
    index_t any = 0;
    do any = static_cast<index_t>(ctx.rng.below(static_cast<std::uint64_t>(model.n_items())));
    while (!ok(any));
    out.resize(leak ? 3 : 2);
    out.items()[0] = best, out.items()[1] = any;
    out.weights()[0] = leak ? 0.5f : 0.75f, out.weights()[1] = 0.25f;
    if (leak) out.items()[2] = ctx.positive, out.weights()[2] = 0.25f;
    for (auto& w : out.weights()) w *= scale;
  }
};

hardneg::Interactions small_train() {
  // User 0 has seen items 2 and 5; user 1 has seen item 0.
  return hardneg::Interactions::from_pairs(2, 10, std::vector<hardneg::Pair>{{0, 2}, {0, 5}, {1, 0}});
}

}  // namespace

TEST_CASE("simulate_sampler: the distribution of a known sampler", "[eval][theory]") {
  const TableModel model;
  const auto train = small_train();
  TopPlusUniform sampler;
  const std::size_t draws = 40000;
  const auto d = hardneg::simulate_sampler(model, sampler, train, 0, 2, draws, 9);
  CHECK(d.user == 0);
  CHECK(d.positive == 2);
  CHECK(d.positive_score == -2.0f);
  CHECK(d.draws == draws);
  // Negatives: items 0..9 without 2 and 5, by descending score -i: 0, 1, 3, 4, 6, 7, 8, 9.
  REQUIRE(d.negatives.size() == 8);
  const std::vector<index_t> expected = {0, 1, 3, 4, 6, 7, 8, 9};
  for (std::size_t r = 0; r < 8; ++r) {
    CHECK(d.negatives[r].rank == r + 1);
    CHECK(d.negatives[r].item == expected[r]);
    CHECK(d.negatives[r].score == static_cast<hardneg::real>(-expected[r]));
  }
  // P(item 0) = 3/4 + 1/32, others 1/32. A uniform share's standard deviation
  // is sqrt(p (1 - p) / draws) / 4 < 0.0003: 6 sigma = 0.002.
  CHECK(d.negatives[0].probability == Approx(0.75 + 1.0 / 32).margin(0.002));
  for (std::size_t r = 1; r < 8; ++r) CHECK(d.negatives[r].probability == Approx(1.0 / 32).margin(0.002));
  CHECK(d.negatives.back().cumulative == Approx(1.0).epsilon(1e-12));
  for (std::size_t r = 1; r < 8; ++r)
    CHECK(d.negatives[r].cumulative == Approx(d.negatives[r - 1].cumulative + d.negatives[r].probability));
  CHECK(d.outside == 0.0);
  CHECK(d.rank_reaching(0.5) == 1);
  CHECK(d.cumulative_at(0) == 0.0);
  CHECK(d.cumulative_at(1) == d.negatives[0].probability);
  CHECK(d.cumulative_at(3) == d.negatives[2].cumulative);
  CHECK(d.cumulative_at(100) == d.negatives.back().cumulative);
  CHECK(d.mean_rank() == Approx(0.75 * 1 + 0.25 * 4.5).margin(0.02));

  // Same seed, same result; a leaking sampler shows up in `outside`.
  const auto again = hardneg::simulate_sampler(model, sampler, train, 0, 2, draws, 9);
  for (std::size_t r = 0; r < 8; ++r) CHECK(again.negatives[r].probability == d.negatives[r].probability);
  TopPlusUniform leaky{.leak = true};
  CHECK(hardneg::simulate_sampler(model, leaky, train, 0, 2, 100, 9).outside == Approx(0.25));
  // Weights that sum to 2 per draw give the same distribution (each draw's
  // weights are taken relative to their sum).
  TopPlusUniform scaled{.scale = 2};
  const auto s = hardneg::simulate_sampler(model, scaled, train, 0, 2, draws, 9);
  for (std::size_t r = 0; r < 8; ++r) CHECK(s.negatives[r].probability == d.negatives[r].probability);
}

TEST_CASE("simulate_sampler with the uniform sampler", "[eval][theory]") {
  const TableModel model;
  const auto train = small_train();
  hardneg::Uniform<> uniform({.k = 2});
  // User 1: seen {0}, positive 0, so 9 negatives ranked 9, 8, ..., 1.
  const std::size_t draws = 30000;
  const auto d = hardneg::simulate_sampler(model, uniform, train, 1, 0, draws, 4);
  REQUIRE(d.negatives.size() == 9);
  CHECK(d.negatives.front().item == 9);
  CHECK(d.outside == 0.0);
  // Each negative 1/9; std of a share = sqrt(p (1 - p) / (2 draws)) ~ 0.0013: 5 sigma.
  for (const auto& n : d.negatives) CHECK(n.probability == Approx(1.0 / 9).margin(0.0065));
  CHECK(d.negatives.back().cumulative == Approx(1.0));

  CHECK_THROWS_AS(hardneg::simulate_sampler(model, uniform, train, 2, 0, 10), hardneg::InvalidArgument);
  CHECK_THROWS_AS(hardneg::simulate_sampler(model, uniform, train, 1, 10, 10), hardneg::InvalidArgument);
  CHECK_THROWS_AS(hardneg::simulate_sampler(model, uniform, train, 1, 0, 0), hardneg::InvalidArgument);
}
