#include "hardneg/losses/bpr.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <cmath>

using namespace hardneg;
using Catch::Matchers::WithinRel;

TEST_CASE("BPR: hand-computed row", "[losses][bpr]") {
  // pos 1, negatives 0 and 2 with weights 1/4, 3/4:
  // L = 1/4 softplus(-1) + 3/4 softplus(1), dL/ds_j = w_j sigmoid(s_j - s_i).
  const std::array<real, 2> neg{0.0f, 2.0f};
  const std::array<real, 2> w{0.25f, 0.75f};
  std::array<real, 2> d_neg{};
  real d_pos = 0;
  const real loss = BPR{}.evaluate(1.0f, neg, w, d_pos, d_neg);
  CHECK_THAT(loss, WithinRel(1.0632616875f, 1e-6f));
  CHECK_THAT(d_neg[0], WithinRel(0.0672353553f, 1e-6f));
  CHECK_THAT(d_neg[1], WithinRel(0.5482939340f, 1e-6f));
  CHECK_THAT(d_pos, WithinRel(-0.6155292893f, 1e-6f));
  CHECK(BPR::name() == "bpr");
}

TEST_CASE("BPR: large score gaps neither overflow nor lose the gradient", "[losses][bpr]") {
  const std::array<real, 2> neg{-200.0f, 300.0f};
  const std::array<real, 2> w{0.5f, 0.5f};
  std::array<real, 2> d_neg{};
  real d_pos = 0;
  const real loss = BPR{}.evaluate(100.0f, neg, w, d_pos, d_neg);
  CHECK_THAT(loss, WithinRel(100.0f, 1e-6f));  // 1/2 * softplus(200) ~ 100
  CHECK(d_neg[0] >= 0.0f);
  CHECK(d_neg[0] < 1e-30f);
  CHECK(d_neg[1] == 0.5f);
  CHECK(d_pos == -0.5f);
}

TEST_CASE("BPR: a row without negatives has zero loss and gradient", "[losses][bpr]") {
  real d_pos = 1;
  CHECK(BPR{}.evaluate(0.3f, {}, {}, d_pos, {}) == 0.0f);
  CHECK(d_pos == 0.0f);
}
