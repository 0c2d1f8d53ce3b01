// Tests of simd/logistic.hpp's tanh_in_place (softplus and sigmoid are
// checked through the losses, tests/losses): xsimd's tanh against std::tanh
// over lengths with and without a scalar tail, saturated inputs and zeros.
#include "hardneg/simd/logistic.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

#include "hardneg/core/random.hpp"

using hardneg::real;

TEST_CASE("tanh_in_place matches std::tanh to a few ulp", "[simd][logistic]") {
  const std::size_t n = GENERATE(1, 7, 8, 16, 17, 64, 100);
  hardneg::Rng rng(n);
  std::vector<real> x(n);
  for (real& v : x) v = static_cast<real>(3 * rng.normal());
  x[0] = 0;  // tanh(0) = 0 exactly
  if (n > 2) x[1] = -30, x[2] = 30;  // saturated: exactly -1 and 1 in float
  std::vector<real> y = x;
  hardneg::simd::tanh_in_place(y.data(), n);
  for (std::size_t c = 0; c < n; ++c) {
    const real want = std::tanh(x[c]);
    CHECK(std::abs(y[c] - want) <= 4 * std::numeric_limits<real>::epsilon() * std::max(real(1e-30), std::abs(want)));
  }
  CHECK(y[0] == 0);
  if (n > 2) CHECK((y[1] == -1 && y[2] == 1));
}

TEST_CASE("tanh_in_place of an empty range and of small inputs", "[simd][logistic]") {
  hardneg::simd::tanh_in_place(nullptr, 0);  // nothing to read or write
  std::vector<real> y{1e-4f, -1e-4f, 1e-20f, 0.5f, -0.5f, 1, -1, 2, 9};
  hardneg::simd::tanh_in_place(y.data(), y.size());
  const std::vector<real> x{1e-4f, -1e-4f, 1e-20f, 0.5f, -0.5f, 1, -1, 2, 9};
  for (std::size_t c = 0; c < x.size(); ++c)
    CHECK(std::abs(y[c] - std::tanh(x[c])) <= 4 * std::numeric_limits<real>::epsilon() * std::abs(std::tanh(x[c])));
}
