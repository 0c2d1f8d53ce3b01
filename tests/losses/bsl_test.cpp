#include "hardneg/losses/bsl.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <limits>
#include <span>
#include <vector>

#include "hardneg/core/random.hpp"
#include "hardneg/losses/infonce.hpp"

using namespace hardneg;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {
const std::array<double, 2> kNeg{0.0, 2.0};
const std::array<double, 2> kW{0.25, 0.75};
}  // namespace

TEST_CASE("BSL: hand-computed rows, sum and mean over the negatives", "[losses][bsl]") {
  // tau1 0.5, tau2 2, pos 1: -s_i/tau1 = -2; negatives 0 and 2 (e^0, e^4)
  // with weights 1/4, 3/4, n = 2.
  //   sum:  P = 1/2 + 3/2 e^4,  L = -2 + 2 log P
  //   mean: P = 1/4 + 3/4 e^4,  L = -2 + 2 log P = the sum's - 2 log 2
  // dL/ds_j = (tau2/tau1) p_j = 4 p_j in both, dL/ds_i = -1/tau1 = -2.
  std::array<double, 2> d_neg{};
  double d_pos = 0;
  const BSL sum({.tau1 = 0.5f, .tau2 = 2.0f, .mean_negatives = false});
  CHECK_THAT(sum.evaluate_as<double>(1.0, kNeg, kW, d_pos, d_neg),
             WithinRel(6.82310351953449, 1e-12));
  CHECK_THAT(d_neg[0], WithinRel(0.024272662080467536, 1e-12));
  CHECK_THAT(d_neg[1], WithinRel(3.9757273379195324, 1e-12));
  CHECK(d_pos == -2.0);
  const BSL mean({.tau1 = 0.5f, .tau2 = 2.0f, .mean_negatives = true});
  CHECK_THAT(mean.evaluate_as<double>(1.0, kNeg, kW, d_pos, d_neg),
             WithinRel(5.436809158414599, 1e-12));
  CHECK_THAT(d_neg[0], WithinRel(0.024272662080467536, 1e-12));
  CHECK_THAT(d_neg[1], WithinRel(3.9757273379195324, 1e-12));
  CHECK(d_pos == -2.0);
  CHECK(BSL::name() == "bsl");
}

TEST_CASE("BSL: defaults are the Gowalla MF setting", "[losses][bsl]") {
  CHECK(BSL{}.params().tau1 == 0.08f);
  CHECK(BSL{}.params().tau2 == 1.22f);
  CHECK(BSL{}.params().mean_negatives);
  CHECK(BSL{}.params().same_user);
  CHECK(BSL{}.uses_batch());
  CHECK_FALSE(BSL({.same_user = false}).uses_batch());
}

TEST_CASE("BSL matches the reference formula -log(e^{s_i/tau1} / P^tau2)", "[losses][bsl]") {
  // Direct evaluation (no log-sum-exp) is safe for these moderate scores.
  Rng rng(3);
  const BSL loss{};
  const double tau1 = double(0.08f), tau2 = double(1.22f);
  for (int trial = 0; trial < 100; ++trial) {
    const std::size_t n = 1 + rng.below(40);
    std::vector<double> neg(n), w(n, 1.0 / double(n)), d(n);
    for (double& s : neg) s = 0.3 * rng.normal();
    const double pos = 0.3 * rng.normal();
    double p = 0;
    for (double s : neg) p += std::exp(s / tau1) / double(n);  // mean over negatives
    const double reference = -std::log(std::exp(pos / tau1) / std::pow(p, tau2));
    double dp = 0;
    CHECK_THAT(loss.evaluate_as<double>(pos, neg, w, dp, d), WithinRel(reference, 1e-11));
    double d_sum = 0;
    for (double x : d) d_sum += x;
    CHECK_THAT(d_sum, WithinRel(tau2 / tau1, 1e-12));  // the p_j sum to 1
  }
}

TEST_CASE("BSL with tau2 = 1 and the sum is InfoNCE without the positive", "[losses][bsl]") {
  Rng rng(4);
  const BSL bsl({.tau1 = 0.2f, .tau2 = 1.0f, .mean_negatives = false});
  const InfoNCE sl({.tau = 0.2f, .include_positive = false});
  for (int trial = 0; trial < 100; ++trial) {
    const std::size_t n = 1 + rng.below(20);
    std::vector<double> neg(n), w(n), d1(n), d2(n);
    double total = 0;
    for (std::size_t j = 0; j < n; ++j) {
      neg[j] = rng.normal();
      w[j] = rng.uniform();
      total += w[j];
    }
    for (double& x : w) x /= total;
    const double pos = rng.normal();
    double p1 = 0, p2 = 0;
    const double l1 = bsl.evaluate_as<double>(pos, neg, w, p1, d1);
    const double l2 = sl.evaluate_as<double>(pos, neg, w, p2, d2);
    CHECK_THAT(l1, WithinRel(l2, 1e-12) || WithinAbs(l2, 1e-12));
    CHECK(p1 == p2);
    for (std::size_t j = 0; j < n; ++j) CHECK_THAT(d1[j], WithinRel(d2[j], 1e-12));
  }
}

TEST_CASE("BSL: rows without a counted negative, and huge scores", "[losses][bsl]") {
  real d_pos = 1;
  std::array<real, 0> none{};
  CHECK(BSL{}.evaluate(0.3f, none, none, d_pos, std::span<real>(none)) == 0.0f);
  CHECK(d_pos == 0.0f);
  const std::array<real, 2> neg{1000.0f, -1000.0f};
  const std::array<real, 2> w{0.5f, 0.5f};
  std::array<real, 2> d{};
  // mean: P = e^{1000/tau1}/2 (+ nothing), L = -990/tau1 + tau2 (1000/tau1 - log 2).
  const BSL loss({.tau1 = 0.5f, .tau2 = 2.0f});
  const real l = loss.evaluate(990.0f, neg, w, d_pos, d);
  CHECK_THAT(l, WithinRel(float(-1980.0 + 2 * (2000.0 - std::log(2.0))), 1e-5f));
  CHECK(d[0] == 4.0f);
  CHECK(d[1] == 0.0f);
  CHECK(d_pos == -2.0f);
}

TEST_CASE("BSL: invalid temperatures are rejected", "[losses][bsl]") {
  CHECK_THROWS_WITH(BSL({.tau1 = 0.0f}), Catch::Contains("tau1 must be finite and > 0"));
  CHECK_THROWS_WITH(BSL({.tau2 = -1.0f}), Catch::Contains("tau2 must be finite and > 0"));
  CHECK_THROWS_AS(BSL({.tau1 = std::numeric_limits<real>::infinity()}), InvalidArgument);
}

namespace {
// A batch of six rows of three users (3, 1, 3, 2, 3, 1) with two or three
// negatives each, and the same-user form's summed loss computed directly
// from the definition, in double.
struct SameUserBatch {
  std::vector<Pair> pairs{{3, 0}, {1, 1}, {3, 2}, {2, 3}, {3, 4}, {1, 5}};
  std::vector<double> pos{0.4, -0.2, 0.9, 0.1, -0.5, 0.3};
  std::vector<std::vector<double>> neg{{0.1, 0.5}, {0.2, -0.3, 0.6}, {-0.1, 0.3},
                                       {0.7, 0.0}, {0.2, 0.2, -0.4}, {0.5, -0.6}};
  double tau1 = double(0.25f), tau2 = double(1.5f);

  /// sum_r -log(mean_{r' of r's user} e^{pos_r'/tau1}) + tau2 log(mean_j e^{neg_rj/tau1})
  double total(const std::vector<double>& p) const {
    double sum = 0;
    for (std::size_t r = 0; r < pairs.size(); ++r) {
      double group = 0, count = 0;
      for (std::size_t q = 0; q < pairs.size(); ++q)
        if (pairs[q].user == pairs[r].user) group += std::exp(p[q] / tau1), ++count;
      double part = 0;
      for (double s : neg[r]) part += std::exp(s / tau1) / double(neg[r].size());
      sum += -std::log(group / count) + tau2 * std::log(part);
    }
    return sum;
  }
};
}  // namespace

TEST_CASE("BSL same-user form: the batch's summed loss and its gradient", "[losses][bsl]") {
  const SameUserBatch b;
  BSL loss({.tau1 = 0.25f, .tau2 = 1.5f});
  const std::vector<real> scores(b.pos.begin(), b.pos.end());
  loss.begin_batch(LossBatch{b.pairs, scores, 3, 0});
  double total = 0;
  std::vector<double> d_pos(b.pairs.size());
  for (std::size_t r = 0; r < b.pairs.size(); ++r) {
    const std::vector<real> neg(b.neg[r].begin(), b.neg[r].end());
    const std::vector<real> w(neg.size(), 1.0f / static_cast<real>(neg.size()));
    std::vector<real> d_neg(neg.size());
    real dp = 0;
    total += loss.evaluate_row(r, scores[r], neg, w, dp, d_neg);
    d_pos[r] = dp;
    // The negatives' derivatives are the per-row form's.
    std::vector<real> d_row(neg.size());
    real dp_row = 0;
    loss.evaluate(scores[r], neg, w, dp_row, d_row);
    CHECK(d_neg == d_row);
  }
  CHECK_THAT(total, WithinRel(b.total(b.pos), 1e-5));
  // Central differences of the summed loss in each positive score.
  for (std::size_t q = 0; q < b.pairs.size(); ++q) {
    const double h = 1e-6;
    std::vector<double> up = b.pos, down = b.pos;
    up[q] += h;
    down[q] -= h;
    INFO("row " << q);
    CHECK_THAT(d_pos[q], WithinAbs((b.total(up) - b.total(down)) / (2 * h), 1e-4));
  }
  // User 2 has one row: the per-row d_pos, -1/tau1.
  CHECK_THAT(d_pos[3], WithinRel(-4.0, 1e-6));
}

TEST_CASE("BSL same-user form with one row per user is the per-row form", "[losses][bsl]") {
  Rng rng(9);
  BSL grouped{};
  const BSL per_row({.same_user = false});
  std::vector<Pair> pairs;
  std::vector<real> scores;
  for (index_t u = 0; u < 20; ++u) {
    pairs.push_back({u, u});
    scores.push_back(static_cast<real>(0.3 * rng.normal()));
  }
  grouped.begin_batch(LossBatch{pairs, scores, 4, 0});
  for (std::size_t r = 0; r < pairs.size(); ++r) {
    std::vector<real> neg(4), w(4, 0.25f), d1(4), d2(4);
    for (real& s : neg) s = static_cast<real>(0.3 * rng.normal());
    real p1 = 0, p2 = 0;
    const real l1 = grouped.evaluate_row(r, scores[r], neg, w, p1, d1);
    const real l2 = per_row.evaluate_row(r, scores[r], neg, w, p2, d2);
    CHECK_THAT(l1, WithinAbs(l2, 1e-5));
    CHECK_THAT(p1, WithinRel(p2, 1e-6f));
    CHECK(d1 == d2);
  }
}
