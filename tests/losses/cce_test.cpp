#include "hardneg/losses/cce.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <cstring>
#include <vector>

#include "hardneg/core/random.hpp"
#include "hardneg/losses/bpr.hpp"

using namespace hardneg;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

TEST_CASE("CCE: hand-computed row", "[losses][cce]") {
  // pos 1, negatives 0 and 2 with weights 1/4, 3/4, n = 2: multiplicities
  // 1/2 and 3/2. Z = e + 1/2 + 3/2 e^2, L = log Z - 1.
  const std::array<real, 2> neg{0.0f, 2.0f};
  const std::array<real, 2> w{0.25f, 0.75f};
  std::array<real, 2> d_neg{};
  real d_pos = 0;
  const real loss = CCE{}.evaluate(1.0f, neg, w, d_pos, d_neg);
  CHECK_THAT(loss, WithinRel(1.6603900166f, 1e-6f));
  CHECK_THAT(d_neg[0], WithinRel(0.0349604730f, 1e-6f));
  CHECK_THAT(d_neg[1], WithinRel(0.7749746898f, 1e-6f));
  CHECK_THAT(d_pos, WithinRel(-0.8099351628f, 1e-6f));
  CHECK(CCE::name() == "cce");
}

TEST_CASE("CCE: with uniform weights it is the softmax cross-entropy over the row",
          "[losses][cce]") {
  const std::array<real, 3> neg{0.3f, -1.2f, 2.0f};
  const std::array<real, 3> w{1.0f / 3, 1.0f / 3, 1.0f / 3};
  std::array<real, 3> d_neg{};
  real d_pos = 0;
  const real pos = 0.7f;
  const real loss = CCE{}.evaluate(pos, neg, w, d_pos, d_neg);
  double z = std::exp(double(pos));
  for (real s : neg) z += std::exp(double(s));
  CHECK_THAT(loss, WithinRel(float(std::log(z) - pos), 1e-6f));
  CHECK_THAT(d_pos, WithinRel(float(std::exp(double(pos)) / z - 1), 1e-6f));
  for (std::size_t j = 0; j < neg.size(); ++j)
    CHECK_THAT(d_neg[j], WithinRel(float(std::exp(double(neg[j])) / z), 1e-5f));
}

TEST_CASE("CCE: huge scores do not overflow", "[losses][cce]") {
  const std::array<real, 2> neg{1000.0f, -1000.0f};
  const std::array<real, 2> w{0.5f, 0.5f};
  std::array<real, 2> d_neg{};
  real d_pos = 0;
  const real loss = CCE{}.evaluate(990.0f, neg, w, d_pos, d_neg);
  CHECK(std::isfinite(loss));
  CHECK_THAT(loss, WithinRel(10.0000454f, 1e-6f));  // log(1 + e^10)
  CHECK_THAT(d_neg[0], WithinRel(1.0f, 1e-4f));
  CHECK(d_neg[1] == 0.0f);
  CHECK_THAT(d_pos, WithinRel(-1.0f, 1e-4f));
}

TEST_CASE("CCE: a zero-weight negative does not count", "[losses][cce]") {
  const std::array<real, 2> neg{0.5f, 50.0f};
  const std::array<real, 2> w{1.0f, 0.0f};
  std::array<real, 2> d_neg{};
  real d_pos = 0;
  // n = 2, so the remaining negative has multiplicity 2: L = log(1 + 2 e^{0.5 - 0.2}).
  const real loss = CCE{}.evaluate(0.2f, neg, w, d_pos, d_neg);
  CHECK_THAT(loss, WithinRel(float(std::log1p(2 * std::exp(0.3))), 1e-6f));
  CHECK(d_neg[1] == 0.0f);
}

static bool same_bits(real a, real b) { return std::memcmp(&a, &b, sizeof(real)) == 0; }

TEST_CASE("CCE with one negative is BPR, bit for bit", "[losses][cce]") {
  // -log(e^a / (e^a + e^b)) = log(1 + e^{b - a}) = softplus(b - a).
  Rng rng(7);
  int checked = 0;
  for (int trial = 0; trial < 20000; ++trial) {
    const double spread = trial % 4 == 0 ? 60.0 : 3.0;  // some huge gaps too
    const real pos = static_cast<real>(spread * rng.normal());
    const std::array<real, 1> neg{static_cast<real>(spread * rng.normal())};
    const std::array<real, 1> w{1.0f};
    std::array<real, 1> d_cce{}, d_bpr{};
    real dp_cce = 0, dp_bpr = 0;
    const real l_cce = CCE{}.evaluate(pos, neg, w, dp_cce, d_cce);
    const real l_bpr = BPR{}.evaluate(pos, neg, w, dp_bpr, d_bpr);
    INFO("pos " << pos << " neg " << neg[0]);
    REQUIRE(same_bits(l_cce, l_bpr));
    REQUIRE(same_bits(dp_cce, dp_bpr));
    REQUIRE(same_bits(d_cce[0], d_bpr[0]));
    ++checked;
  }
  CHECK(checked == 20000);
  // Ties, and the same in double.
  std::array<double, 1> neg{0.25}, w{1.0}, d1{}, d2{};
  double p1 = 0, p2 = 0;
  CHECK(CCE{}.evaluate_as<double>(0.25, neg, w, p1, d1) ==
        BPR{}.evaluate_as<double>(0.25, neg, w, p2, d2));
  CHECK(d1[0] == d2[0]);
  CHECK(d1[0] == 0.5);
  CHECK(p1 == p2);
}
