#include "hardneg/losses/idl.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <vector>

using namespace hardneg;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {
double sigmoid(double x) { return 1 / (1 + std::exp(-x)); }
double softplus(double x) { return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)); }

/// The reference's weights, literally (InverseDualLoss/loss.py).
std::array<double, 2> literal_weights(double y) {
  const double l1 = softplus(-y), l0 = softplus(y), eps = 1e-9;
  const double r = l0 / (l1 + eps), r_inv = l1 / (l0 + eps);
  return {r / (r + r_inv), r_inv / (r + r_inv)};
}
}  // namespace

TEST_CASE("IDL: the dual weights match the reference formula", "[losses][idl]") {
  for (double y = -30; y <= 30; y += 0.125) {
    const auto v = IDL::dual_weights(y);
    const auto ref = literal_weights(y);
    INFO("y = " << y);
    CHECK_THAT(v.v1, WithinRel(ref[0], 1e-12) || WithinAbs(ref[0], 1e-300));
    CHECK_THAT(v.v0, WithinRel(ref[1], 1e-12) || WithinAbs(ref[1], 1e-300));
    CHECK_THAT(v.v0 + v.v1, WithinRel(1.0, 1e-15));
    // The item leans to the label its score favours.
    if (y > 0) CHECK(v.v1 > v.v0);
    if (y < 0) CHECK(v.v0 > v.v1);
  }
  const auto half = IDL::dual_weights(0.0);
  CHECK(half.v1 == 0.5);
  CHECK(half.v0 == 0.5);
  // Roughly l0^2 / (l0^2 + l1^2): y = 2 gives 0.99645.
  CHECK_THAT(IDL::dual_weights(2.0).v1, WithinRel(0.9964513312447169, 1e-12));
}

TEST_CASE("IDL: hand-computed rows", "[losses][idl]") {
  {
    // Everything at 0: L = log 2 + (log 2)/2 + (log 2)/2, and the dual
    // gradient 1/2 * 1/2 - 1/2 * 1/2 = 0.
    const std::array<double, 1> neg{0.0}, w{1.0};
    std::array<double, 1> d{1.0};
    double dp = 0;
    CHECK_THAT(IDL{}.evaluate_as<double>(0.0, neg, w, dp, d), WithinRel(2 * std::log(2.0), 1e-15));
    CHECK(dp == -0.5);
    CHECK(d[0] == 0.0);
  }
  {
    // pos 1, unlabelled items 2 and -0.5 with weights 3/4, 1/4, n = 2.
    const std::array<double, 2> neg{2.0, -0.5}, w{0.75, 0.25};
    std::array<double, 2> d{};
    double dp = 0;
    CHECK_THAT(IDL{}.evaluate_as<double>(1.0, neg, w, dp, d), WithinRel(0.7992152011736399, 1e-12));
    CHECK_THAT(dp, WithinRel(-0.2689414213699951, 1e-12));
    CHECK_THAT(d[0], WithinRel(-0.17348137990025153, 1e-12));
    CHECK_THAT(d[1], WithinRel(0.09301633692896202, 1e-12));
  }
  CHECK(IDL::name() == "idl");
}

TEST_CASE("IDL: the weights carry no gradient", "[losses][idl]") {
  // dL/ds_j = n w_j (v0 sigmoid(s_j) - v1 sigmoid(-s_j)) with v held constant;
  // the derivative of L(s) through the weights differs.
  const std::vector<double> neg{1.3, -0.4, 0.2};
  const std::vector<double> w{0.5, 0.25, 0.25};
  std::vector<double> d(3), scratch(3);
  double dp = 0, sp = 0;
  const double pos = -0.3;
  const double l = IDL{}.evaluate_as<double>(pos, neg, w, dp, d);
  CHECK_THAT(IDL{}.surrogate_as<double>(pos, neg, w, pos, neg), WithinRel(l, 1e-14));
  const double h = 1e-5;
  for (std::size_t j = 0; j < 3; ++j) {
    const auto v = literal_weights(neg[j]);
    CHECK_THAT(d[j], WithinRel(3 * w[j] * (v[1] * sigmoid(neg[j]) - v[0] * sigmoid(-neg[j])), 1e-9));
    auto plus = neg, minus = neg;
    plus[j] += h;
    minus[j] -= h;
    const double full = (IDL{}.evaluate_as<double>(pos, plus, w, sp, scratch) -
                         IDL{}.evaluate_as<double>(pos, minus, w, sp, scratch)) / (2 * h);
    const double frozen = (IDL{}.surrogate_as<double>(pos, plus, w, pos, neg) -
                           IDL{}.surrogate_as<double>(pos, minus, w, pos, neg)) / (2 * h);
    INFO("negative " << j);
    CHECK_THAT(frozen, WithinRel(d[j], 1e-7));
    CHECK(std::fabs(full - d[j]) > 1e-3);
  }
  // The pull goes the way the score leans: down below 0, up above 0.
  CHECK(d[0] < 0);
  CHECK(d[1] > 0);
  CHECK(d[2] < 0);
}

TEST_CASE("IDL: extreme scores give finite values and weights", "[losses][idl]") {
  // The literal formula overflows in float (r = l0 / 1e-9 ~ 1e39 for l0 ~ 1e30).
  const std::array<real, 3> neg{1e30f, -1e30f, 1000.0f}, w{0.25f, 0.25f, 0.5f};
  std::array<real, 3> d{};
  real dp = 0;
  const real l = IDL{}.evaluate(-1e30f, neg, w, dp, d);
  CHECK(std::isfinite(l));
  CHECK(std::isfinite(dp));
  for (real x : d) CHECK(std::isfinite(x));
  const auto v = IDL::dual_weights(1e30f);
  CHECK(v.v1 == 1.0f);
  CHECK(v.v0 == 0.0f);
}
