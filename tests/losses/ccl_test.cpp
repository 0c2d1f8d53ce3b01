#include "hardneg/losses/ccl.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <limits>

using namespace hardneg;

TEST_CASE("CCL: hand-computed row", "[losses][ccl]") {
  // margin 0.5, W = 8, pos 0.5: relu(1 - 0.5) = 0.5; negatives 0.75, 0.25, 2
  // with weights 1/4, 1/4, 1/2: 1/4 * 0.25 + 0 + 1/2 * 1.5 = 0.8125, times 8 = 6.5.
  const CCL loss({.margin = 0.5f, .negative_weight = 8});
  const std::array<real, 3> neg{0.75f, 0.25f, 2.0f};
  const std::array<real, 3> w{0.25f, 0.25f, 0.5f};
  std::array<real, 3> d_neg{};
  real d_pos = 0;
  CHECK(loss.evaluate(0.5f, neg, w, d_pos, d_neg) == 7.0f);
  CHECK(d_pos == -1.0f);
  CHECK(d_neg[0] == 2.0f);
  CHECK(d_neg[1] == 0.0f);
  CHECK(d_neg[2] == 4.0f);
  CHECK(CCL::name() == "ccl");
}

TEST_CASE("CCL: defaults are SimpleX's MF Gowalla setting", "[losses][ccl]") {
  CHECK(CCL{}.params().margin == 0.9f);
  CHECK(CCL{}.params().negative_weight == 150.0f);
}

TEST_CASE("CCL: uniform weights give the paper's W/N sum, W = N gives RecBox's plain sum",
          "[losses][ccl]") {
  // pos 1.25 (beyond 1: no positive loss, no gradient); negatives above and
  // below m = 0.9.
  const std::array<double, 4> neg{0.95, 1.5, -0.5, 0.5};
  const std::array<double, 4> w{0.25, 0.25, 0.25, 0.25};
  std::array<double, 4> d{};
  double dp = 0;
  const double paper = 150.0 / 4 * ((0.95 - double(0.9f)) + (1.5 - double(0.9f)));
  CHECK(CCL{}.evaluate_as<double>(1.25, neg, w, dp, d) == Approx(paper).epsilon(1e-12));
  CHECK(dp == 0.0);
  CHECK(d[0] == 37.5);
  CHECK(d[1] == 37.5);
  CHECK(d[2] == 0.0);
  CHECK(d[3] == 0.0);
  const double plain = (0.95 - double(0.9f)) + (1.5 - double(0.9f));
  CHECK(CCL({.negative_weight = 4}).evaluate_as<double>(1.25, neg, w, dp, d) ==
        Approx(plain).epsilon(1e-12));
}

TEST_CASE("CCL: invalid parameters are rejected", "[losses][ccl]") {
  CHECK_THROWS_AS(CCL({.margin = std::numeric_limits<real>::quiet_NaN()}), InvalidArgument);
  CHECK_THROWS_WITH(CCL({.negative_weight = -1}),
                    Catch::Contains("negative_weight must be finite and >= 0"));
  CHECK_NOTHROW(CCL({.margin = -0.5f, .negative_weight = 0}));
}
