#include "hardneg/losses/hinge.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <limits>

using namespace hardneg;

TEST_CASE("Hinge: hand-computed row, with a negative exactly at the kink", "[losses][hinge]") {
  // pos 1, margin 1: violations 1 + 0.5 - 1 = 0.5 (active), 1 - 1 - 1 = -1,
  // 1 + 0 - 1 = 0 (the kink: subgradient 0).
  const std::array<real, 3> neg{0.5f, -1.0f, 0.0f};
  const std::array<real, 3> w{0.5f, 0.25f, 0.25f};
  std::array<real, 3> d_neg{};
  real d_pos = 0;
  const real loss = Hinge{}.evaluate(1.0f, neg, w, d_pos, d_neg);
  CHECK(loss == 0.25f);
  CHECK(d_neg[0] == 0.5f);
  CHECK(d_neg[1] == 0.0f);
  CHECK(d_neg[2] == 0.0f);
  CHECK(d_pos == -0.5f);
  CHECK(Hinge::name() == "hinge");
  CHECK(Hinge{}.params().margin == 1.0f);
}

TEST_CASE("Hinge: the margin is a runtime parameter", "[losses][hinge]") {
  const std::array<real, 3> neg{0.5f, -1.0f, 0.75f};
  const std::array<real, 3> w{0.5f, 0.25f, 0.25f};
  std::array<real, 3> d_neg{};
  real d_pos = 0;
  // margin 0.5: violations 0 (kink), -1.5, 0.25.
  const real loss = Hinge{{.margin = 0.5f}}.evaluate(1.0f, neg, w, d_pos, d_neg);
  CHECK(loss == 0.0625f);
  CHECK(d_neg[0] == 0.0f);
  CHECK(d_neg[1] == 0.0f);
  CHECK(d_neg[2] == 0.25f);
  CHECK(d_pos == -0.25f);
}

TEST_CASE("Hinge: a non-finite margin is rejected", "[losses][hinge]") {
  CHECK_THROWS_AS(Hinge({.margin = std::numeric_limits<real>::quiet_NaN()}), InvalidArgument);
  CHECK_THROWS_WITH(Hinge({.margin = std::numeric_limits<real>::infinity()}),
                    Catch::Contains("margin must be finite"));
}
