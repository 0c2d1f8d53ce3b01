#include "hardneg/losses/bce.hpp"

#include <catch2/catch.hpp>

#include <array>

using namespace hardneg;
using Catch::Matchers::WithinRel;

TEST_CASE("BCE: hand-computed row", "[losses][bce]") {
  // pos 0.5, negatives -1 and 2 with weights 1/4, 3/4, n = 2: multiplicities
  // 1/2 and 3/2. L = softplus(-0.5) + 1/2 softplus(-1) + 3/2 softplus(2).
  const std::array<real, 2> neg{-1.0f, 2.0f};
  const std::array<real, 2> w{0.25f, 0.75f};
  std::array<real, 2> d_neg{};
  real d_pos = 0;
  const real loss = BCE{}.evaluate(0.5f, neg, w, d_pos, d_neg);
  CHECK_THAT(loss, WithinRel(3.8210998445f, 1e-6f));
  CHECK_THAT(d_pos, WithinRel(-0.3775406688f, 1e-6f));
  CHECK_THAT(d_neg[0], WithinRel(0.1344707107f, 1e-6f));
  CHECK_THAT(d_neg[1], WithinRel(1.3211956170f, 1e-6f));
  CHECK(BCE::name() == "bce");
}

TEST_CASE("BCE: uniform weights give the plain sum over the negatives", "[losses][bce]") {
  // n w_j = 1: L = softplus(-s_i) + sum_j softplus(s_j) with softplus(0) = log 2.
  const std::array<real, 4> neg{0.0f, 0.0f, 0.0f, 0.0f};
  const std::array<real, 4> w{0.25f, 0.25f, 0.25f, 0.25f};
  std::array<real, 4> d_neg{};
  real d_pos = 0;
  const real loss = BCE{}.evaluate(0.0f, neg, w, d_pos, d_neg);
  CHECK_THAT(loss, WithinRel(5.0f * 0.6931471806f, 1e-6f));
  CHECK(d_pos == -0.5f);
  for (real d : d_neg) CHECK(d == 0.5f);
}

TEST_CASE("BCE: extreme logits stay finite", "[losses][bce]") {
  const std::array<real, 1> neg{-500.0f};
  const std::array<real, 1> w{1.0f};
  std::array<real, 1> d_neg{};
  real d_pos = 0;
  const real loss = BCE{}.evaluate(-400.0f, neg, w, d_pos, d_neg);
  CHECK_THAT(loss, WithinRel(400.0f, 1e-6f));
  CHECK(d_pos == -1.0f);
  CHECK(d_neg[0] == 0.0f);
}
