#include "hardneg/losses/contrastive.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <limits>

using namespace hardneg;

TEST_CASE("Contrastive: hand-computed row", "[losses][contrastive]") {
  // margin 0.5, pos 0.5: (1 - 0.5)^2 / 2 = 0.125, d = -0.5. Negatives 1, 0.25,
  // 1.5 with weights 1/4, 1/4, 1/2, n = 3: multiplicities 3/4, 3/4, 3/2.
  // 1: x = 0.5, 3/4 * 0.125 = 0.09375, d = 0.375; 0.25: below the margin;
  // 1.5: x = 1, 3/2 * 0.5 = 0.75, d = 1.5. L = 0.96875.
  const std::array<real, 3> neg{1.0f, 0.25f, 1.5f};
  const std::array<real, 3> w{0.25f, 0.25f, 0.5f};
  std::array<real, 3> d_neg{};
  real d_pos = 0;
  CHECK(Contrastive{}.evaluate(0.5f, neg, w, d_pos, d_neg) == 0.96875f);
  CHECK(d_pos == -0.5f);
  CHECK(d_neg[0] == 0.375f);
  CHECK(d_neg[1] == 0.0f);
  CHECK(d_neg[2] == 1.5f);
  CHECK(Contrastive::name() == "contrastive");
  CHECK(Contrastive{}.params().margin == 0.5f);
}

TEST_CASE("Contrastive: the positive is pulled to 1 from both sides, the margin is runtime",
          "[losses][contrastive]") {
  const std::array<real, 1> neg{0.0f};
  const std::array<real, 1> w{1.0f};
  std::array<real, 1> d{};
  real dp = 0;
  // margin -0.5: the negative at 0 is 0.5 above it: 0.125, d = 0.5.
  CHECK(Contrastive({.margin = -0.5f}).evaluate(3.0f, neg, w, dp, d) == 2.0f + 0.125f);
  CHECK(dp == 2.0f);
  CHECK(d[0] == 0.5f);
  CHECK(Contrastive{}.evaluate(1.0f, neg, w, dp, d) == 0.0f);
  CHECK(dp == 0.0f);
  CHECK(d[0] == 0.0f);
}

TEST_CASE("Contrastive: a non-finite margin is rejected", "[losses][contrastive]") {
  CHECK_THROWS_AS(Contrastive({.margin = std::numeric_limits<real>::infinity()}), InvalidArgument);
  CHECK_THROWS_WITH(Contrastive({.margin = std::numeric_limits<real>::quiet_NaN()}),
                    Catch::Contains("margin must be finite"));
}
