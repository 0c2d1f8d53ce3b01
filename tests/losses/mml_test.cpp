#include "hardneg/losses/mml.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "hardneg/core/random.hpp"
#include "hardneg/losses/ccl.hpp"

using namespace hardneg;

TEST_CASE("MML: hand-computed row", "[losses][mml]") {
  // margins 0.25, 0.75 of weights 1/2 each, w_pos 2, w_neg 4, pos 0.5:
  // positive 2 * 0.5 = 1, d = -2. Negatives 0.5, 1, 0 with weights 1/4, 1/2, 1/4:
  // 0.5: 1/2 * 0.25 = 0.125, slope 1/2; 1: 1/2 * 0.75 + 1/2 * 0.25 = 0.5, slope 1;
  // 0: nothing. 4 * (1/4 * 0.125 + 1/2 * 0.5) = 1.125. L = 2.125;
  // d = 4 * 1/4 * 1/2 = 0.5, 4 * 1/2 * 1 = 2, 0.
  const MML<> loss({.margins = {0.25f, 0.75f}, .weights = {0.5f, 0.5f}, .positive_weight = 2,
                    .negative_weight = 4});
  const std::array<real, 3> neg{0.5f, 1.0f, 0.0f};
  const std::array<real, 3> w{0.25f, 0.5f, 0.25f};
  std::array<real, 3> d_neg{};
  real d_pos = 0;
  CHECK(loss.evaluate(0.5f, neg, w, d_pos, d_neg) == 2.125f);
  CHECK(d_pos == -2.0f);
  CHECK(d_neg[0] == 0.5f);
  CHECK(d_neg[1] == 2.0f);
  CHECK(d_neg[2] == 0.0f);
  CHECK(MML<>::name() == "mml");
  // The fixed-size form computes the same.
  const MML<2> fixed({.margins = {0.25f, 0.75f}, .weights = {0.5f, 0.5f}, .positive_weight = 2,
                      .negative_weight = 4});
  std::array<real, 3> d2{};
  real dp2 = 0;
  CHECK(fixed.evaluate(0.5f, neg, w, dp2, d2) == 2.125f);
  CHECK(d2 == d_neg);
}

TEST_CASE("MML: defaults are the author's settings", "[losses][mml]") {
  const MML<>::Params dynamic{};
  CHECK(dynamic.margins == std::vector<real>{0.7f, 0.8f, 0.9f});
  CHECK(dynamic.weights == std::vector<real>{0.10f, 0.15f, 0.75f});
  CHECK(dynamic.positive_weight == 1.0f);
  CHECK(dynamic.negative_weight == 700.0f);
  const MML<3>::Params three{};
  CHECK(three.margins == std::array<real, 3>{0.7f, 0.8f, 0.9f});
  CHECK(three.weights == std::array<real, 3>{0.10f, 0.15f, 0.75f});
  const MML<4>::Params four{};
  CHECK(four.margins == std::array<real, 4>{0.6f, 0.7f, 0.8f, 0.9f});
  CHECK(four.weights == std::array<real, 4>{0.05f, 0.15f, 0.20f, 0.60f});
  CHECK(MML<1>::Params{}.margins == std::array<real, 1>{0.9f});
}

static bool same_bits(real a, real b) { return std::memcmp(&a, &b, sizeof(real)) == 0; }

TEST_CASE("MML with one margin of weight 1 is CCL, bit for bit", "[losses][mml]") {
  Rng rng(5);
  for (const real margin : {0.9f, 0.2f, -0.3f}) {
    const CCL ccl({.margin = margin, .negative_weight = 150});
    const MML<1> fixed({.margins = {margin}, .weights = {1}, .negative_weight = 150});
    const MML<> dynamic({.margins = {margin}, .weights = {1}, .negative_weight = 150});
    for (int trial = 0; trial < 500; ++trial) {
      const std::size_t n = 1 + rng.below(30);
      std::vector<real> neg(n), w(n), d_ccl(n), d_fixed(n), d_dynamic(n);
      real total = 0;
      for (std::size_t j = 0; j < n; ++j) {
        neg[j] = static_cast<real>(rng.normal());
        w[j] = rng.below(5) == 0 ? 0.0f : rng.uniform_float();
        total += w[j];
      }
      if (total > 0)
        for (real& x : w) x /= total;
      const real pos = static_cast<real>(0.5 + rng.normal());
      real p_ccl = 0, p_fixed = 0, p_dynamic = 0;
      const real l_ccl = ccl.evaluate(pos, neg, w, p_ccl, d_ccl);
      const real l_fixed = fixed.evaluate(pos, neg, w, p_fixed, d_fixed);
      const real l_dynamic = dynamic.evaluate(pos, neg, w, p_dynamic, d_dynamic);
      INFO("margin " << margin << " trial " << trial);
      REQUIRE(same_bits(l_ccl, l_fixed));
      REQUIRE(same_bits(l_ccl, l_dynamic));
      REQUIRE(same_bits(p_ccl, p_fixed));
      REQUIRE(same_bits(p_ccl, p_dynamic));
      for (std::size_t j = 0; j < n; ++j) {
        REQUIRE(same_bits(d_ccl[j], d_fixed[j]));
        REQUIRE(same_bits(d_ccl[j], d_dynamic[j]));
      }
    }
  }
}

TEST_CASE("MML: uniform weights give the paper's w_neg/N sum over negatives and margins",
          "[losses][mml]") {
  const MML<> loss{};
  const std::vector<double> neg{0.75, 0.85, 0.95, 0.1};
  const std::vector<double> w(4, 0.25);
  std::vector<double> d(4);
  double dp = 0;
  const double m[3] = {double(0.7f), double(0.8f), double(0.9f)};
  const double c[3] = {double(0.10f), double(0.15f), double(0.75f)};
  double paper = 0;
  for (double s : neg)
    for (int k = 0; k < 3; ++k) paper += c[k] * std::max(0.0, s - m[k]);
  paper = std::max(0.0, 1 - 0.2) + 700.0 / 4 * paper;
  CHECK(loss.evaluate_as<double>(0.2, neg, w, dp, d) == Approx(paper).epsilon(1e-12));
  CHECK(dp == -1.0);
  CHECK(d[0] == Approx(175.0 * c[0]).epsilon(1e-12));
  CHECK(d[1] == Approx(175.0 * (c[0] + c[1])).epsilon(1e-12));
  CHECK(d[2] == Approx(175.0 * (c[0] + c[1] + c[2])).epsilon(1e-12));
  CHECK(d[3] == 0.0);
}

TEST_CASE("MML: invalid parameters are rejected", "[losses][mml]") {
  CHECK_THROWS_WITH(MML<>({.margins = {0.5f, 0.9f}, .weights = {1.0f}}),
                    Catch::Contains("2 margins but 1 weights"));
  CHECK_THROWS_WITH(MML<>({.margins = {}, .weights = {}}), Catch::Contains("at least one margin"));
  CHECK_THROWS_WITH(MML<2>({.margins = {0.5f, std::numeric_limits<real>::infinity()},
                            .weights = {0.5f, 0.5f}}),
                    Catch::Contains("margin 1 must be finite"));
  CHECK_THROWS_WITH(MML<>({.margins = {0.5f}, .weights = {-1.0f}}),
                    Catch::Contains("weight 0 must be finite and >= 0"));
  CHECK_THROWS_AS(MML<3>({.negative_weight = -700}), InvalidArgument);
  CHECK_THROWS_AS(MML<3>({.positive_weight = std::numeric_limits<real>::quiet_NaN()}),
                  InvalidArgument);
}
