#include "hardneg/losses/infonce.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <limits>
#include <span>
#include <vector>

#include "hardneg/core/random.hpp"
#include "hardneg/losses/cce.hpp"

using namespace hardneg;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {
const std::array<double, 2> kNeg{0.0, 2.0};
const std::array<double, 2> kW{0.25, 0.75};
}  // namespace

TEST_CASE("InfoNCE: hand-computed row, positive in the denominator", "[losses][infonce]") {
  // tau 0.5, pos 1, negatives 0 and 2 with weights 1/4, 3/4, n = 2: a = 2,
  // b = {0, 4}, multiplicities {1/2, 3/2}. Z = e^2 + 1/2 + 3/2 e^4, L = log Z - 2,
  // dL/ds_j = 2 c_j e^{b_j} / Z, dL/ds_i = -2 (1 - e^2 / Z).
  const InfoNCE loss({.tau = 0.5f});
  std::array<double, 2> d_neg{};
  double d_pos = 0;
  const double l = loss.evaluate_as<double>(1.0, kNeg, kW, d_pos, d_neg);
  CHECK_THAT(l, WithinRel(2.4974321924642533, 1e-12));
  CHECK_THAT(d_neg[0], WithinRel(0.0111375589589732, 1e-12));
  CHECK_THAT(d_neg[1], WithinRel(1.8242703451350255, 1e-12));
  CHECK_THAT(d_pos, WithinRel(-1.8354079040939988, 1e-12));
  CHECK(InfoNCE::name() == "infonce");
  CHECK(InfoNCE{}.params().tau == 0.1f);
  CHECK(InfoNCE{}.params().include_positive);
}

TEST_CASE("InfoNCE: hand-computed row, positive not in the denominator", "[losses][infonce]") {
  // The same row: Z = 1/2 + 3/2 e^4, L = log Z - 2, dL/ds_i = -1/tau = -2.
  const InfoNCE loss({.tau = 0.5f, .include_positive = false});
  std::array<double, 2> d_neg{};
  double d_pos = 0;
  const double l = loss.evaluate_as<double>(1.0, kNeg, kW, d_pos, d_neg);
  CHECK_THAT(l, WithinRel(2.411551759767245, 1e-12));
  CHECK_THAT(d_neg[0], WithinRel(0.012136331040233768, 1e-12));
  CHECK_THAT(d_neg[1], WithinRel(1.9878636689597662, 1e-12));
  CHECK(d_pos == -2.0);
  // The same in float.
  const std::array<real, 2> neg{0.0f, 2.0f}, w{0.25f, 0.75f};
  std::array<real, 2> d{};
  real dp = 0;
  CHECK_THAT(loss.evaluate(1.0f, neg, w, dp, d), WithinRel(2.4115517f, 1e-6f));
}

TEST_CASE("InfoNCE with tau 1 and the positive is CCE", "[losses][infonce]") {
  Rng rng(11);
  const InfoNCE infonce({.tau = 1.0f});
  for (int trial = 0; trial < 200; ++trial) {
    const std::size_t n = 1 + rng.below(20);
    std::vector<real> neg(n), w(n), d1(n), d2(n);
    for (std::size_t j = 0; j < n; ++j) {
      neg[j] = static_cast<real>(3 * rng.normal());
      w[j] = 1.0f / static_cast<real>(n);
    }
    const real pos = static_cast<real>(3 * rng.normal());
    real p1 = 0, p2 = 0;
    const real l1 = infonce.evaluate(pos, neg, w, p1, d1);
    const real l2 = CCE{}.evaluate(pos, neg, w, p2, d2);
    CHECK_THAT(l1, WithinRel(l2, 1e-6f) || WithinAbs(l2, 1e-7f));
    CHECK_THAT(p1, WithinRel(p2, 1e-6f) || WithinAbs(p2, 1e-7f));
    for (std::size_t j = 0; j < n; ++j) CHECK_THAT(d1[j], WithinRel(d2[j], 1e-5f) || WithinAbs(d2[j], 1e-7f));
  }
}

TEST_CASE("InfoNCE: the two forms differ by log(1 + e^{a} / sum_j c_j e^{b_j})", "[losses][infonce]") {
  // -log(e^a / (e^a + S)) - (-log(e^a / S)) = log((e^a + S) / S).
  const std::array<double, 3> neg{0.3, -0.2, 0.9};
  const std::array<double, 3> w{0.2, 0.3, 0.5};
  std::array<double, 3> d{};
  double dp = 0;
  const double with = InfoNCE({.tau = 0.2f}).evaluate_as<double>(0.5, neg, w, dp, d);
  const double without =
      InfoNCE({.tau = 0.2f, .include_positive = false}).evaluate_as<double>(0.5, neg, w, dp, d);
  const double tau = double(0.2f);
  double s = 0;
  for (std::size_t j = 0; j < 3; ++j) s += 3 * w[j] * std::exp(neg[j] / tau);
  CHECK_THAT(with - without, WithinRel(std::log1p(std::exp(0.5 / tau) / s), 1e-12));
}

TEST_CASE("InfoNCE: rows without a counted negative", "[losses][infonce]") {
  for (const bool include : {true, false}) {
    const InfoNCE loss({.tau = 0.1f, .include_positive = include});
    real d_pos = 1;
    std::array<real, 0> none{};
    CHECK(loss.evaluate(0.3f, none, none, d_pos, std::span<real>(none)) == 0.0f);
    CHECK(d_pos == 0.0f);
    const std::array<real, 2> neg{5.0f, -2.0f}, w{0.0f, 0.0f};
    std::array<real, 2> d{1.0f, 1.0f};
    CHECK(loss.evaluate(0.3f, neg, w, d_pos, d) == 0.0f);
    CHECK(d_pos == 0.0f);
    CHECK(d[0] == 0.0f);
    CHECK(d[1] == 0.0f);
  }
}

TEST_CASE("InfoNCE: huge scores at a small temperature do not overflow", "[losses][infonce]") {
  // x = (1000 - 990) / 0.01 = 1000 with multiplicity 2 * 0.5 = 1: L = 1000 (+ e^{-1000}).
  const std::array<real, 2> neg{1000.0f, -1000.0f};
  const std::array<real, 2> w{0.5f, 0.5f};
  std::array<real, 2> d{};
  real dp = 0;
  for (const bool include : {true, false}) {
    const real l = InfoNCE({.tau = 0.01f, .include_positive = include}).evaluate(990.0f, neg, w, dp, d);
    CHECK(std::isfinite(l));
    CHECK_THAT(l, WithinRel(1000.0f, 1e-3f));
    CHECK_THAT(d[0], WithinRel(100.0f, 1e-3f));
    CHECK(d[1] == 0.0f);
    CHECK_THAT(dp, WithinRel(-100.0f, 1e-3f));
  }
}

TEST_CASE("InfoNCE: a non-positive or non-finite tau is rejected", "[losses][infonce]") {
  CHECK_THROWS_AS(InfoNCE({.tau = 0.0f}), InvalidArgument);
  CHECK_THROWS_WITH(InfoNCE({.tau = -1.0f}), Catch::Contains("tau must be finite and > 0"));
  CHECK_THROWS_AS(InfoNCE({.tau = std::numeric_limits<real>::infinity()}), InvalidArgument);
}
