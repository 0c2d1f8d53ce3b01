#include "hardneg/losses/mse.hpp"

#include <catch2/catch.hpp>

#include <array>

using namespace hardneg;

TEST_CASE("MSE: hand-computed row", "[losses][mse]") {
  // pos 0.5, negatives 1 and -2 with weights 1/4, 3/4, n = 2: multiplicities
  // 1/2 and 3/2. L = (0.5 - 1)^2/2 + 1/2 * 1/2 + 3/2 * 4/2 = 0.125 + 0.25 + 3.
  const std::array<real, 2> neg{1.0f, -2.0f};
  const std::array<real, 2> w{0.25f, 0.75f};
  std::array<real, 2> d_neg{};
  real d_pos = 0;
  const real loss = MSE{}.evaluate(0.5f, neg, w, d_pos, d_neg);
  CHECK(loss == 3.375f);
  CHECK(d_pos == -0.5f);
  CHECK(d_neg[0] == 0.5f);
  CHECK(d_neg[1] == -3.0f);
  CHECK(MSE::name() == "mse");
}

TEST_CASE("MSE: the perfect row has zero loss", "[losses][mse]") {
  const std::array<real, 3> neg{0.0f, 0.0f, 0.0f};
  const std::array<real, 3> w{0.2f, 0.3f, 0.5f};
  std::array<real, 3> d_neg{};
  real d_pos = 1;
  CHECK(MSE{}.evaluate(1.0f, neg, w, d_pos, d_neg) == 0.0f);
  CHECK(d_pos == 0.0f);
  for (real d : d_neg) CHECK(d == 0.0f);
}
