// Contract tests over every loss of losses.hpp: the Loss concept, finite
// differences (in double), the float path against the double path, zero
// weights, extreme scores, and the weights convention.
#include "hardneg/losses.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstddef>
#include <span>
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

/// Hinge, CCL and MML are not differentiable at their kinks (and the
/// Contrastive loss has no second derivative there): keep rows away from them.
template <class L>
bool near_kink(const L&, const Row&, double) {
  return false;
}
bool near_kink(const Hinge& h, const Row& r, double distance) {
  for (double s : r.neg)
    if (std::fabs(double(h.params().margin) + s - r.pos) < distance) return true;
  return false;
}
bool near_margins(const Row& r, std::span<const real> margins, double distance) {
  if (std::fabs(r.pos - 1) < distance) return true;  // relu(1 - s_i)
  for (double s : r.neg)
    for (real m : margins)
      if (std::fabs(s - double(m)) < distance) return true;
  return false;
}
bool near_kink(const CCL& l, const Row& r, double distance) {
  return near_margins(r, std::span<const real>(&l.params().margin, 1), distance);
}
template <std::size_t K>
bool near_kink(const MML<K>& l, const Row& r, double distance) {
  return near_margins(r, l.params().margins, distance);
}
bool near_kink(const Contrastive& l, const Row& r, double distance) {
  return near_margins(r, std::span<const real>(&l.params().margin, 1), distance);
}

/// Losses whose negatives' term is an expectation over the weights: pairwise
/// losses and those whose paper averages over the negatives.
template <class L>
bool averages_negatives(const L&) {
  return std::is_same_v<L, BPR> || std::is_same_v<L, Hinge> || std::is_same_v<L, CCL> ||
         std::is_same_v<L, MML<>> || std::is_same_v<L, MML<3>>;
}
bool averages_negatives(const BSL& l) { return l.params().mean_negatives; }

// Non-default settings that change the code path, run through the contract too.
struct InfoNCEWithoutPositive : InfoNCE {
  InfoNCEWithoutPositive() : InfoNCE({.tau = 0.5f, .include_positive = false}) {}
};
struct BSLSum : BSL {
  BSLSum() : BSL({.tau1 = 0.2f, .tau2 = 0.8f, .mean_negatives = false}) {}
};
bool averages_negatives(const BSLSum&) { return false; }

}  // namespace

#define HARDNEG_ALL_LOSSES                                                                   \
  BPR, BCE, CCE, Hinge, MSE, InfoNCE, InfoNCEWithoutPositive, CCL, MML<>, MML<3>, BSL, BSLSum, \
      Contrastive, RCE, IDL, TCE

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
      // Losses with stop-gradient factors are differentiated with those
      // factors frozen at the row's scores (their surrogate_as).
      auto f = [&](double pos, const std::vector<double>& neg) {
        if constexpr (requires { loss.template surrogate_as<double>(pos, neg, r.w, r.pos, r.neg); })
          return loss.template surrogate_as<double>(pos, neg, r.w, r.pos, r.neg);
        else
          return value(loss, pos, neg, r.w);
      };
      CHECK(f(r.pos, r.neg) == Approx(l).epsilon(1e-14));
      const double fd_pos = (f(r.pos + h, r.neg) - f(r.pos - h, r.neg)) / (2 * h);
      CHECK(std::fabs(fd_pos - d_pos) <= 1e-6 * (1 + std::fabs(d_pos)));
      for (std::size_t j = 0; j < n; ++j) {
        auto plus = r.neg, minus = r.neg;
        plus[j] += h;
        minus[j] -= h;
        const double fd = (f(r.pos, plus) - f(r.pos, minus)) / (2 * h);
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

TEMPLATE_TEST_CASE("every loss stays finite on extreme scores", "[losses][contract]",
                   HARDNEG_ALL_LOSSES) {
  const TestType loss{};
  for (real pos : {-1000.0f, 0.0f, 1000.0f}) {
    for (real big : {-1000.0f, 1000.0f}) {
      const std::vector<real> neg{big, -big, 0.5f, big};
      const std::vector<real> w{0.25f, 0.25f, 0.5f, 0.0f};
      std::vector<real> d_neg(4, 1.0f);
      real d_pos = 0;
      const real l = loss.evaluate(pos, neg, w, d_pos, d_neg);
      INFO(TestType::name() << " pos " << pos << " big " << big);
      CHECK(std::isfinite(l));
      CHECK(std::isfinite(d_pos));
      for (real d : d_neg) CHECK(std::isfinite(d));
      CHECK(d_neg[3] == 0.0f);
    }
  }
}

TEMPLATE_TEST_CASE("the weights convention: averaging losses average, the others count n * w_j",
                   "[losses][contract]", HARDNEG_ALL_LOSSES) {
  // Split each negative into two copies of half its weight (n doubles, w_j
  // halves). A loss whose negatives' term is an expectation over the weights
  // (pairwise, CCL, MML, BSL's mean) is unchanged. A pointwise or set-wise
  // loss counts each copy n * w_j times, so every negative now counts twice
  // as much: the same as the original row with doubled weights.
  const TestType loss{};
  const bool averages = averages_negatives(loss);
  const std::vector<double> neg{0.4, 1.5, -0.3};
  const std::vector<double> w{0.2, 0.3, 0.5};
  const std::vector<double> w_doubled{0.4, 0.6, 1.0};
  std::vector<double> neg2, w2;
  for (std::size_t j = 0; j < neg.size(); ++j) {
    neg2.insert(neg2.end(), {neg[j], neg[j]});
    w2.insert(w2.end(), {w[j] / 2, w[j] / 2});
  }
  INFO(TestType::name());
  const double expected = averages ? value(loss, 0.1, neg, w) : value(loss, 0.1, neg, w_doubled);
  CHECK(value(loss, 0.1, neg2, w2) == Approx(expected).epsilon(1e-12));
  CHECK(value(loss, 0.1, neg2, w2) !=
        Approx(averages ? value(loss, 0.1, neg, w_doubled) : value(loss, 0.1, neg, w)));
}
