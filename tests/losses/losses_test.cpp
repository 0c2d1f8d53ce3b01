// Contract tests over every loss of losses.hpp: the Loss concept, finite
// differences (in double), the float path against the double path, and the
// weights convention.
#include "hardneg/losses.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstddef>
#include <type_traits>
#include <vector>

#include "hardneg/core/concepts.hpp"
#include "hardneg/core/random.hpp"

using namespace hardneg;

namespace {

/// One random row: scores ~ N(0, 1.5^2) around a random positive, weights
/// summing to 1 (uniform in one row of three, random otherwise).
struct Row {
  double pos = 0;
  std::vector<double> neg, w;
};

Row random_row(Rng& rng, std::size_t n) {
  Row r;
  r.pos = 1.5 * rng.normal();
  r.neg.resize(n);
  r.w.resize(n);
  const bool uniform = rng.below(3) == 0;
  double total = 0;
  for (std::size_t j = 0; j < n; ++j) {
    r.neg[j] = 1.5 * rng.normal();
    r.w[j] = uniform ? 1.0 : 0.05 + rng.uniform();
    total += r.w[j];
  }
  for (double& w : r.w) w /= total;
  return r;
}

template <class L>
double value(const L& loss, double pos, const std::vector<double>& neg,
             const std::vector<double>& w) {
  std::vector<double> d(neg.size());
  double dp = 0;
  return loss.template evaluate_as<double>(pos, neg, w, dp, d);
}

/// Hinge is not differentiable where m + s_j - s_i = 0: keep rows away from it.
template <class L>
bool near_kink(const L&, const Row&, double) {
  return false;
}
bool near_kink(const Hinge& h, const Row& r, double distance) {
  for (double s : r.neg)
    if (std::fabs(double(h.params().margin) + s - r.pos) < distance) return true;
  return false;
}

}  // namespace

#define HARDNEG_ALL_LOSSES BPR, BCE, CCE, Hinge, MSE

TEMPLATE_TEST_CASE("every loss satisfies the Loss concept", "[losses][contract]",
                   HARDNEG_ALL_LOSSES) {
  STATIC_REQUIRE(Loss<TestType>);
  CHECK(!TestType::name().empty());
  [[maybe_unused]] const TestType from_braces = {};  // the trainer's `L loss = {}`
}

TEMPLATE_TEST_CASE("every loss passes a central finite-difference check in double",
                   "[losses][contract]", HARDNEG_ALL_LOSSES) {
  // Central differences with h = 1e-5: truncation ~ h^2 |L'''| and rounding
  // ~ 1e-16 |L| / h are both far below the tolerance
  // |fd - analytic| <= 1e-6 * (1 + |analytic|).
  const TestType loss{};
  Rng rng(42);
  const double h = 1e-5;
  for (std::size_t n : {1, 5, 50}) {
    for (int trial = 0; trial < 20; ++trial) {
      Row r = random_row(rng, n);
      while (near_kink(loss, r, 1e-3)) r = random_row(rng, n);
      std::vector<double> d_neg(n);
      double d_pos = 0;
      const double l = loss.template evaluate_as<double>(r.pos, r.neg, r.w, d_pos, d_neg);
      INFO(TestType::name() << " n=" << n << " trial " << trial);
      REQUIRE(std::isfinite(l));
      const double fd_pos =
          (value(loss, r.pos + h, r.neg, r.w) - value(loss, r.pos - h, r.neg, r.w)) / (2 * h);
      CHECK(std::fabs(fd_pos - d_pos) <= 1e-6 * (1 + std::fabs(d_pos)));
      for (std::size_t j = 0; j < n; ++j) {
        auto plus = r.neg, minus = r.neg;
        plus[j] += h;
        minus[j] -= h;
        const double fd =
            (value(loss, r.pos, plus, r.w) - value(loss, r.pos, minus, r.w)) / (2 * h);
        INFO("negative " << j);
        CHECK(std::fabs(fd - d_neg[j]) <= 1e-6 * (1 + std::fabs(d_neg[j])));
      }
    }
  }
}

TEMPLATE_TEST_CASE("every loss gives the same row in float as in double", "[losses][contract]",
                   HARDNEG_ALL_LOSSES) {
  // Float rounding over up to 50 terms: relative 1e-5 of the row's scale.
  const TestType loss{};
  Rng rng(43);
  for (std::size_t n : {1, 5, 50}) {
    for (int trial = 0; trial < 50; ++trial) {
      const Row r = random_row(rng, n);
      std::vector<real> neg(r.neg.begin(), r.neg.end()), w(r.w.begin(), r.w.end()), d_neg(n);
      // Compare with the double loss of the float-rounded inputs.
      const std::vector<double> negd(neg.begin(), neg.end()), wd(w.begin(), w.end());
      const double posd = static_cast<real>(r.pos);
      std::vector<double> d_negd(n);
      double d_posd = 0;
      const double ld = loss.template evaluate_as<double>(posd, negd, wd, d_posd, d_negd);
      real d_pos = 0;
      const real l = loss.evaluate(static_cast<real>(r.pos), neg, w, d_pos, d_neg);
      INFO(TestType::name() << " n=" << n << " trial " << trial);
      CHECK(std::fabs(l - ld) <= 1e-5 * (1 + std::fabs(ld)));
      CHECK(std::fabs(d_pos - d_posd) <= 1e-5 * (1 + std::fabs(d_posd)));
      for (std::size_t j = 0; j < n; ++j)
        CHECK(std::fabs(d_neg[j] - d_negd[j]) <= 1e-5 * (1 + std::fabs(d_negd[j])));
    }
  }
}

TEMPLATE_TEST_CASE("every loss gives a zero-weight negative no gradient", "[losses][contract]",
                   HARDNEG_ALL_LOSSES) {
  const TestType loss{};
  const std::vector<real> neg{0.4f, 1.5f, -0.3f};
  const std::vector<real> w{0.5f, 0.0f, 0.5f};
  std::vector<real> d_neg(3, 1.0f);
  real d_pos = 0;
  CHECK(std::isfinite(loss.evaluate(0.1f, neg, w, d_pos, d_neg)));
  CHECK(d_neg[1] == 0.0f);
}

template <class L>
constexpr bool is_pairwise = std::is_same_v<L, BPR> || std::is_same_v<L, Hinge>;

TEMPLATE_TEST_CASE("the weights convention: pairwise losses average, the others count n * w_j",
                   "[losses][contract]", HARDNEG_ALL_LOSSES) {
  // Split each negative into two copies of half its weight (n doubles, w_j
  // halves). A pairwise loss is an expectation over the weights: unchanged.
  // A pointwise or set-wise loss counts each copy n * w_j times, so every
  // negative now counts twice as much: the same as the original row with
  // doubled weights.
  const TestType loss{};
  const std::vector<double> neg{0.4, 1.5, -0.3};
  const std::vector<double> w{0.2, 0.3, 0.5};
  const std::vector<double> w_doubled{0.4, 0.6, 1.0};
  std::vector<double> neg2, w2;
  for (std::size_t j = 0; j < neg.size(); ++j) {
    neg2.insert(neg2.end(), {neg[j], neg[j]});
    w2.insert(w2.end(), {w[j] / 2, w[j] / 2});
  }
  const double expected =
      is_pairwise<TestType> ? value(loss, 0.1, neg, w) : value(loss, 0.1, neg, w_doubled);
  CHECK(value(loss, 0.1, neg2, w2) == Approx(expected).epsilon(1e-12));
  CHECK(
      value(loss, 0.1, neg2, w2) !=
      Approx(is_pairwise<TestType> ? value(loss, 0.1, neg, w_doubled) : value(loss, 0.1, neg, w)));
}
