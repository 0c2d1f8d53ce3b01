#include "hardneg/core/random.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

using hardneg::Rng;

TEST_CASE("Rng is deterministic per (seed, stream) and streams differ", "[random]") {
  Rng a(42, 7), b(42, 7), c(42, 8), d(43, 7);
  for (int k = 0; k < 100; ++k) {
    const auto x = a();
    CHECK(x == b());
    CHECK(x != c());
    CHECK(x != d());
  }
}

TEST_CASE("Rng::below(n) is uniform over 0 .. n-1 (chi-square)", "[random]") {
  Rng rng(1);
  constexpr int n = 10, draws = 100000;
  std::vector<int> counts(n, 0);
  for (int k = 0; k < draws; ++k) {
    const auto v = rng.below(n);
    REQUIRE(v < n);
    ++counts[v];
  }
  double chi2 = 0;
  const double expected = double(draws) / n;
  for (int c : counts) chi2 += (c - expected) * (c - expected) / expected;
  // 9 degrees of freedom: the 0.999 quantile is 27.88.
  CHECK(chi2 < 27.88);
}

TEST_CASE("Rng::uniform and normal have the right moments", "[random]") {
  Rng rng(3);
  constexpr int draws = 200000;
  double su = 0, sn = 0, sn2 = 0;
  for (int k = 0; k < draws; ++k) {
    const double u = rng.uniform();
    REQUIRE(u >= 0.0);
    REQUIRE(u < 1.0);
    su += u;
    const double z = rng.normal();
    sn += z;
    sn2 += z * z;
  }
  // Standard errors: uniform mean 0.00065, normal mean 0.0022, variance 0.0032.
  CHECK(su / draws == Approx(0.5).margin(0.004));
  CHECK(sn / draws == Approx(0.0).margin(0.012));
  CHECK(sn2 / draws == Approx(1.0).margin(0.016));
}

TEST_CASE("Rng::shuffle permutes and is reproducible", "[random]") {
  std::vector<int> v(1000);
  std::iota(v.begin(), v.end(), 0);
  auto w = v;
  Rng(5).shuffle(v.begin(), v.end());
  Rng(5).shuffle(w.begin(), w.end());
  CHECK(v == w);
  CHECK(!std::is_sorted(v.begin(), v.end()));
  std::sort(v.begin(), v.end());
  for (int k = 0; k < 1000; ++k) REQUIRE(v[k] == k);
}
