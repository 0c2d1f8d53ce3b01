#include "hardneg/losses/rce.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "hardneg/core/random.hpp"
#include "hardneg/losses/bce.hpp"

using namespace hardneg;
using Catch::Matchers::WithinRel;

namespace {
double sigmoid(double x) { return 1 / (1 + std::exp(-x)); }
double softplus(double x) { return std::log1p(std::exp(x)); }
}  // namespace

TEST_CASE("RCE: hand-computed rows", "[losses][rce]") {
  {
    // alpha 0.5, scores 0: every weight is sigmoid(0)^0.5 = sqrt(1/2).
    const RCE loss({.alpha = 0.5f});
    const std::array<double, 1> neg{0.0}, w{1.0};
    std::array<double, 1> d{};
    double dp = 0;
    const double a = std::sqrt(0.5);
    CHECK_THAT(loss.evaluate_as<double>(0.0, neg, w, dp, d),
               WithinRel(2 * a * std::log(2.0), 1e-12));
    CHECK_THAT(dp, WithinRel(-a / 2, 1e-12));
    CHECK_THAT(d[0], WithinRel(a / 2, 1e-12));
  }
  {
    // alpha 0.2 (the default), pos 2, negatives -1 and 3 with weights 1/2, n = 2:
    // L = sigmoid(2)^0.2 softplus(-2) + sum_j sigmoid(-s_j)^0.2 softplus(s_j).
    const std::array<double, 2> neg{-1.0, 3.0}, w{0.5, 0.5};
    std::array<double, 2> d{};
    double dp = 0;
    CHECK_THAT(RCE{}.evaluate_as<double>(2.0, neg, w, dp, d), WithinRel(2.074904365807143, 1e-7));
    CHECK_THAT(dp, WithinRel(-0.11621497000074947, 1e-7));
    CHECK_THAT(d[0], WithinRel(0.2526085996718668, 1e-7));
    CHECK_THAT(d[1], WithinRel(0.5177282326000835, 1e-7));
  }
  CHECK(RCE::name() == "rce");
  CHECK(RCE{}.params().alpha == 0.2f);
}

static bool same_bits(real a, real b) { return std::memcmp(&a, &b, sizeof(real)) == 0; }

TEST_CASE("RCE with alpha 0 is BCE, bit for bit", "[losses][rce]") {
  Rng rng(9);
  const RCE rce({.alpha = 0.0f});
  for (int trial = 0; trial < 500; ++trial) {
    const std::size_t n = 1 + rng.below(10);
    std::vector<real> neg(n), w(n, 1.0f / static_cast<real>(n)), d1(n), d2(n);
    for (real& s : neg) s = static_cast<real>(4 * rng.normal());
    const real pos = static_cast<real>(4 * rng.normal());
    real p1 = 0, p2 = 0;
    REQUIRE(same_bits(rce.evaluate(pos, neg, w, p1, d1), BCE{}.evaluate(pos, neg, w, p2, d2)));
    REQUIRE(same_bits(p1, p2));
    for (std::size_t j = 0; j < n; ++j) REQUIRE(same_bits(d1[j], d2[j]));
  }
}

TEST_CASE("RCE: the weights carry no gradient", "[losses][rce]") {
  // The gradient is the BCE gradient times the weights held constant:
  //   dL/ds_i = -sigmoid(s_i)^alpha sigmoid(-s_i),
  //   dL/ds_j = n w_j sigmoid(-s_j)^alpha sigmoid(s_j),
  // which is not the derivative of L(s) (the weights depend on s).
  const RCE loss({.alpha = 0.3f});
  const double alpha = double(0.3f);
  const std::vector<double> neg{-0.7, 1.2};
  const std::vector<double> w{0.25, 0.75};
  std::vector<double> d(2);
  double dp = 0;
  const double pos = 0.4;
  const double l = loss.evaluate_as<double>(pos, neg, w, dp, d);
  CHECK_THAT(dp, WithinRel(-std::pow(sigmoid(pos), alpha) * sigmoid(-pos), 1e-12));
  for (std::size_t j = 0; j < 2; ++j)
    CHECK_THAT(d[j], WithinRel(2 * w[j] * std::pow(sigmoid(-neg[j]), alpha) * sigmoid(neg[j]), 1e-12));
  // The surrogate at sg = scores is the loss ...
  CHECK_THAT(loss.surrogate_as<double>(pos, neg, w, pos, neg), WithinRel(l, 1e-14));
  // ... and the full derivative (through the weights) differs from the gradient:
  // d/ds_i [sigmoid(s)^alpha softplus(-s)] adds alpha sigmoid(s)^alpha sigmoid(-s) softplus(-s).
  const double h = 1e-5;
  std::vector<double> scratch(2);
  double sp = 0;
  const double full =
      (loss.evaluate_as<double>(pos + h, neg, w, sp, scratch) -
       loss.evaluate_as<double>(pos - h, neg, w, sp, scratch)) / (2 * h);
  const double extra = alpha * std::pow(sigmoid(pos), alpha) * sigmoid(-pos) * softplus(-pos);
  CHECK_THAT(full - dp, WithinRel(extra, 1e-6));
  CHECK(std::fabs(full - dp) > 0.02);
}

TEST_CASE("RCE: extreme scores give finite values and weights", "[losses][rce]") {
  const RCE loss{};
  const std::array<real, 2> neg{1e30f, -1e30f}, w{0.5f, 0.5f};
  std::array<real, 2> d{};
  real dp = 0;
  // The hard positive (-1e30) and the hard negative (1e30) get weight e^{-0.2e30} = 0.
  CHECK(loss.evaluate(-1e30f, neg, w, dp, d) == 0.0f);
  CHECK(dp == 0.0f);
  CHECK(d[0] == 0.0f);
  CHECK(d[1] == 0.0f);
  CHECK(loss.power_sigmoid(1e30f) == 1.0f);
  CHECK(loss.power_sigmoid(-1e30f) == 0.0f);
}

TEST_CASE("RCE: a negative or non-finite alpha is rejected", "[losses][rce]") {
  CHECK_THROWS_WITH(RCE({.alpha = -0.1f}), Catch::Contains("alpha must be finite and >= 0"));
  CHECK_THROWS_AS(RCE({.alpha = std::numeric_limits<real>::quiet_NaN()}), InvalidArgument);
}
