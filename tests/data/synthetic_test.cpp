#include "hardneg/data/synthetic.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

using hardneg::Dataset;
using hardneg::index_t;
using hardneg::SyntheticOptions;

namespace {
// NDCG@20 of ranking the items not in train by score(u, i), over users with
// test items (the WWW'23 definition). A brute-force reference for the tests.
template <class Score>
double ndcg20(const Dataset& d, Score score) {
  double total = 0.0;
  int users = 0;
  std::vector<std::pair<double, index_t>> ranked;
  for (index_t u = 0; u < d.n_users(); ++u) {
    const auto test = d.test.items_of(u);
    if (test.empty()) continue;
    ranked.clear();
    for (index_t i = 0; i < d.n_items(); ++i)
      if (!d.train.contains(u, i)) ranked.push_back({-score(u, i), i});
    const std::size_t k = std::min<std::size_t>(20, ranked.size());
    std::partial_sort(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(k),
                      ranked.end());
    double dcg = 0.0, ideal = 0.0;
    for (std::size_t r = 0; r < k; ++r)
      if (std::binary_search(test.begin(), test.end(), ranked[r].second))
        dcg += 1.0 / std::log2(r + 2.0);
    for (std::size_t r = 0; r < std::min(k, test.size()); ++r) ideal += 1.0 / std::log2(r + 2.0);
    total += dcg / ideal;
    ++users;
  }
  return total / users;
}

double popularity_ndcg(const Dataset& d) {
  const auto counts = d.train.item_counts();
  return ndcg20(d, [&](index_t, index_t i) {
    return static_cast<double>(counts[static_cast<std::size_t>(i)]);
  });
}

double oracle_ndcg(const Dataset& d, const hardneg::SyntheticTruth& t) {
  return ndcg20(d, [&](index_t u, index_t i) { return t.probability(u, i); });
}
}  // namespace

TEST_CASE("make_synthetic: sizes, per-user 80/20 split, disjoint parts") {
  const SyntheticOptions o = SyntheticOptions::tiny();
  const Dataset d = make_synthetic(o);
  CHECK(d.n_users() == 200);
  CHECK(d.n_items() == 300);
  CHECK(d.stats.train + d.stats.test == 6000);  // the target is met exactly here
  CHECK(d.stats.test_in_train == 0);
  CHECK(d.stats.cold_test_users == 0);
  for (index_t u = 0; u < d.n_users(); ++u) {
    const auto n = static_cast<double>(d.train.degree(u) + d.test.degree(u));
    REQUIRE(n >= o.min_degree);
    REQUIRE(d.train.degree(u) == hardneg::detail::data::round_half_even(0.8 * n));
  }
}

TEST_CASE("make_synthetic is deterministic by seed and independent of the thread count") {
  SyntheticOptions o{.users = 5000, .items = 800, .interactions = 60000, .dim = 8, .seed = 7};
  o.threads = 1;
  const Dataset a = make_synthetic(o);
  o.threads = 3;
  const Dataset b = make_synthetic(o);
  CHECK(a.train == b.train);
  CHECK(a.test == b.test);
  o.seed = 8;
  const Dataset c = make_synthetic(o);
  CHECK_FALSE(a.train == c.train);
}

TEST_CASE("make_synthetic item popularity follows the Zipf prior") {
  // Pure popularity (mix = 1): an item of rank r is drawn with probability
  // proportional to r^-zipf. Away from the head (where drawing without
  // replacement saturates), counts follow the same power law, so the
  // least-squares slope of log(count) on log(rank) over ranks 20..300 is
  // close to -zipf (a uniform sampler would give 0).
  for (double zipf : {0.7, 1.0}) {
    SyntheticOptions o{
        .users = 20000, .items = 500, .interactions = 200000, .dim = 4, .zipf = zipf, .seed = 3};
    o.popularity_mix = 1.0;
    o.activity_spread = 0.0;
    const Dataset d = make_synthetic(o);
    const auto truth = hardneg::synthetic_truth(o);
    auto counts = d.train.item_counts();
    const auto test_counts = d.test.item_counts();
    std::vector<std::pair<double, std::size_t>> by_weight;
    for (std::size_t i = 0; i < counts.size(); ++i) {
      counts[i] += test_counts[i];
      by_weight.push_back({-truth.popularity[i], i});
    }
    std::sort(by_weight.begin(), by_weight.end());  // rank 1 first
    double sx = 0, sy = 0, sxx = 0, sxy = 0, n = 0;
    for (std::size_t r = 20; r <= 300; ++r) {
      const double x = std::log(static_cast<double>(r));
      const double y = std::log(static_cast<double>(counts[by_weight[r - 1].second]));
      sx += x, sy += y, sxx += x * x, sxy += x * y, n += 1;
    }
    const double slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
    CHECK(slope == Approx(-zipf).margin(0.1));
  }
}

TEST_CASE("make_synthetic has latent structure that beats popularity ranking") {
  // The true preference ranks test items far better than popularity does
  // (measured 4.1x - 4.8x on tiny() for seeds 1-5); and with mix = 1 there is
  // nothing beyond popularity to learn.
  for (std::uint64_t seed : {1, 2, 3}) {
    const SyntheticOptions o = SyntheticOptions::tiny(seed);
    const Dataset d = make_synthetic(o);
    const double pop = popularity_ndcg(d);
    const double oracle = oracle_ndcg(d, hardneg::synthetic_truth(o));
    CHECK(oracle > 3.0 * pop);
  }
  SyntheticOptions flat = SyntheticOptions::tiny();
  flat.popularity_mix = 1.0;
  const Dataset d = make_synthetic(flat);
  const double pop = popularity_ndcg(d);
  const double oracle = oracle_ndcg(d, hardneg::synthetic_truth(flat));
  CHECK(oracle < 1.3 * pop);
}

TEST_CASE("synthetic_truth: probabilities of each user sum to 1") {
  const SyntheticOptions o = SyntheticOptions::tiny();
  const auto t = hardneg::synthetic_truth(o);
  for (index_t u : {0, 17, 199}) {
    double sum = 0.0;
    for (index_t i = 0; i < o.items; ++i) sum += t.probability(u, i);
    CHECK(sum == Approx(1.0).epsilon(1e-9));
  }
  CHECK(std::accumulate(t.popularity.begin(), t.popularity.end(), 0.0) == Approx(1.0));
  // Balanced topics: 300 items over 10 topics.
  std::vector<int> size(10, 0);
  for (index_t k : t.topic) ++size[static_cast<std::size_t>(k)];
  CHECK(std::all_of(size.begin(), size.end(), [](int s) { return s == 30; }));
}

TEST_CASE("AliasTable draws each outcome with its probability") {
  const std::vector<double> w{0.5, 0.25, 0.125, 0.125, 0.0};
  const std::vector<index_t> labels{10, 11, 12, 13, 14};
  const hardneg::detail::data::AliasTable table(w, labels);
  hardneg::Rng rng(9);
  std::vector<int> counts(5, 0);
  const int n = 200000;
  for (int k = 0; k < n; ++k) ++counts[static_cast<std::size_t>(table.draw(rng) - 10)];
  // Standard deviation of a share p over n draws: sqrt(p(1-p)/n) <= 0.0012; allow 5 sd.
  for (std::size_t k = 0; k < 5; ++k) CHECK(std::abs(counts[k] / double(n) - w[k]) < 0.006);
  CHECK(counts[4] == 0);
}

TEST_CASE("gamma_variate has the Gamma(shape) mean and variance") {
  hardneg::Rng rng(4);
  for (double shape : {0.05, 0.5, 1.0, 3.0}) {
    const int n = 100000;
    double sum = 0.0, sq = 0.0;
    for (int k = 0; k < n; ++k) {
      const double x = hardneg::detail::data::gamma_variate(rng, shape);
      sum += x;
      sq += x * x;
    }
    const double mean = sum / n, var = sq / n - mean * mean;
    // sd of the sample mean is sqrt(shape / n); allow 5 of them; variance within 15%.
    CHECK(std::abs(mean - shape) < 5 * std::sqrt(shape / n));
    CHECK(var == Approx(shape).epsilon(0.15));
  }
}

TEST_CASE("make_synthetic handles dense users and rejects bad options") {
  // Users who want most of the catalogue exercise the Gumbel-top-k path.
  SyntheticOptions o{.users = 20, .items = 40, .interactions = 400, .dim = 2, .seed = 1};
  o.activity_spread = 2.0;
  const Dataset d = make_synthetic(o);
  for (index_t u = 0; u < 20; ++u) REQUIRE(d.train.degree(u) + d.test.degree(u) <= 40);
  CHECK(d.stats.test_in_train == 0);
  CHECK(d.stats.train + d.stats.test > 300);
  auto bad = [](auto change) {
    SyntheticOptions b = SyntheticOptions::tiny();
    change(b);
    return b;
  };
  CHECK_THROWS_AS(make_synthetic(bad([](auto& b) { b.dim = 301; })), hardneg::InvalidArgument);
  CHECK_THROWS_AS(make_synthetic(bad([](auto& b) { b.interactions = 40000; })),
                  hardneg::InvalidArgument);
  CHECK_THROWS_AS(make_synthetic(bad([](auto& b) { b.popularity_mix = 1.5; })),
                  hardneg::InvalidArgument);
  CHECK_THROWS_AS(make_synthetic(bad([](auto& b) { b.test_fraction = 1.0; })),
                  hardneg::InvalidArgument);
  CHECK_THROWS_AS(make_synthetic(bad([](auto& b) { b.concentration = 0.0; })),
                  hardneg::InvalidArgument);
}
