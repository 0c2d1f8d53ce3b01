#include "hardneg/losses/tce.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "hardneg/core/random.hpp"
#include "hardneg/losses/bce.hpp"

using namespace hardneg;
using Catch::Matchers::WithinRel;

namespace {
bool same_bits(real a, real b) { return std::memcmp(&a, &b, sizeof(real)) == 0; }

std::vector<std::size_t> dropped_rows(const TCE& loss, std::size_t rows) {
  std::vector<std::size_t> out;
  for (std::size_t r = 0; r < rows; ++r)
    if (loss.dropped(r)) out.push_back(r);
  return out;
}

/// Starts a batch of rows (user r, item r) with these positive scores.
void begin_batch(TCE& loss, const std::vector<real>& scores, std::size_t max_negatives,
                 std::uint64_t iteration) {
  std::vector<Pair> pairs(scores.size());
  for (std::size_t r = 0; r < pairs.size(); ++r)
    pairs[r] = {static_cast<index_t>(r), static_cast<index_t>(r)};
  loss.begin_batch(LossBatch{pairs, scores, max_negatives, iteration});
}
}  // namespace

TEST_CASE("TCE drops exactly floor(d S) positives, the largest losses first", "[losses][tce]") {
  // Ten rows; the positives' losses rank (largest first) row 5 (-3), then
  // rows 1, 3, 7 (-1, tied: earlier row first), row 4 (0), row 9 (0.1), ...
  const std::vector<real> scores{0.5f, -1, 2, -1, 0, -3, 1, -1, 4, 0.1f};
  const std::size_t rows = scores.size();
  // num_gradual 0: d = d_max from the first batch. k = 1 negative per row:
  // S = 10 (1 + 1) = 20 samples, floor(0.15 * 20) = 3 positives dropped.
  TCE loss({.drop_rate = 0.15, .num_gradual = 0});
  begin_batch(loss, scores, 1, 0);
  CHECK(loss.dropped_count() == 3);
  CHECK(dropped_rows(loss, rows) == std::vector<std::size_t>{1, 3, 5});

  // Through evaluate_row: the dropped rows have d_pos = 0, the others BCE's.
  const std::vector<real> neg{0.3f}, w{1.0f};
  for (std::size_t r = 0; r < rows; ++r) {
    std::vector<real> d(1), d_bce(1);
    real dp = 1, dp_bce = 0;
    const real l = loss.evaluate_row(r, scores[r], neg, w, dp, d);
    const real l_bce = BCE{}.evaluate(scores[r], neg, w, dp_bce, d_bce);
    CHECK(same_bits(d[0], d_bce[0]));  // negatives are never dropped
    if (r == 1 || r == 3 || r == 5) {
      CHECK(dp == 0.0f);
      CHECK_THAT(l, WithinRel(std::log1p(std::exp(0.3)), 1e-6));
    } else {
      CHECK(same_bits(dp, dp_bce));
      CHECK(same_bits(l, l_bce));
    }
  }

  // d = 0.2, k = 1: floor(4) = 4 rows (the fourth of the tie, row 7, too).
  TCE four({.drop_rate = 0.2, .num_gradual = 0});
  begin_batch(four, scores, 1, 0);
  CHECK(dropped_rows(four, rows) == std::vector<std::size_t>{1, 3, 5, 7});
  // k = 4: S = 50, floor(0.2 * 50) = 10: every positive.
  begin_batch(four, scores, 4, 0);
  CHECK(four.dropped_count() == rows);
  // k = 0 (S = B): floor(2) = 2.
  begin_batch(four, scores, 0, 0);
  CHECK(dropped_rows(four, rows) == std::vector<std::size_t>{1, 5});
  // rate_of_positives: S = B whatever k is.
  TCE pos({.drop_rate = 0.2, .num_gradual = 0, .rate_of_positives = true});
  begin_batch(pos, scores, 7, 0);
  CHECK(dropped_rows(pos, rows) == std::vector<std::size_t>{1, 5});
  // A new batch forgets the previous one's rows.
  begin_batch(pos, std::vector<real>{1, 2}, 7, 0);
  CHECK(pos.dropped_count() == 0);
  CHECK_FALSE(pos.dropped(5));
}

TEST_CASE("TCE: a NaN positive counts as the largest loss", "[losses][tce]") {
  const std::vector<real> scores{-5, std::numeric_limits<real>::quiet_NaN(), 1, -6};
  TCE loss({.drop_rate = 0.25, .num_gradual = 0, .rate_of_positives = true});  // floor(1) = 1
  begin_batch(loss, scores, 1, 0);
  CHECK(dropped_rows(loss, scores.size()) == std::vector<std::size_t>{1});
  TCE two({.drop_rate = 0.5, .num_gradual = 0, .rate_of_positives = true});
  begin_batch(two, scores, 1, 0);
  CHECK(dropped_rows(two, scores.size()) == std::vector<std::size_t>{1, 3});
}

TEST_CASE("TCE: the drop-rate schedule d(t)", "[losses][tce]") {
  // The reference: linspace(0, d_max^exponent, num_gradual)[t], then d_max.
  const TCE lin({.drop_rate = 0.2, .num_gradual = 11});
  CHECK(lin.drop_rate_at(0) == 0.0);
  CHECK_THAT(lin.drop_rate_at(1), WithinRel(0.02, 1e-12));
  CHECK_THAT(lin.drop_rate_at(5), WithinRel(0.1, 1e-12));
  CHECK_THAT(lin.drop_rate_at(10), WithinRel(0.2, 1e-12));
  CHECK(lin.drop_rate_at(11) == 0.2);
  CHECK(lin.drop_rate_at(1'000'000) == 0.2);
  // Monotone over the ramp.
  for (std::uint64_t t = 1; t < 20; ++t) CHECK(lin.drop_rate_at(t) >= lin.drop_rate_at(t - 1));
  // Counts follow: 100 rows, k = 1 (S = 200): t = 5 -> floor(0.1 * 200) = 20.
  CHECK(lin.drop_count(100, 1, 0) == 0);
  CHECK(lin.drop_count(100, 1, 1) == 4);
  CHECK(lin.drop_count(100, 1, 5) == 20);
  CHECK(lin.drop_count(100, 1, 10) == 40);
  CHECK(lin.drop_count(100, 1, 99) == 40);
  // exponent 2: the ramp ends at d_max^2 = 0.04 and then jumps to d_max.
  const TCE sq({.drop_rate = 0.2, .num_gradual = 11, .exponent = 2});
  CHECK_THAT(sq.drop_rate_at(10), WithinRel(0.04, 1e-12));
  CHECK(sq.drop_rate_at(11) == 0.2);
  // num_gradual 1: d(0) = 0, then d_max; num_gradual 0: d_max at once.
  const TCE one({.drop_rate = 0.3, .num_gradual = 1});
  CHECK(one.drop_rate_at(0) == 0.0);
  CHECK(one.drop_rate_at(1) == 0.3);
  CHECK(TCE({.drop_rate = 0.3, .num_gradual = 0}).drop_rate_at(0) == 0.3);
  // Defaults: d_max 0.2 over 30000 batches.
  const TCE def{};
  CHECK(def.params().drop_rate == 0.2);
  CHECK(def.params().num_gradual == 30000);
  CHECK(def.params().exponent == 1.0);
  CHECK_FALSE(def.params().rate_of_positives);
  CHECK_THAT(def.drop_rate_at(14999), WithinRel(0.2 * 14999.0 / 29999.0, 1e-12));
  CHECK(TCE::name() == "tce");
}

TEST_CASE("TCE: floor(d S) is not pushed below an integer by rounding", "[losses][tce]") {
  // 0.29 * 100 = 28.999999999999996 in double.
  const TCE t({.drop_rate = 0.29, .num_gradual = 0, .rate_of_positives = true});
  CHECK(t.drop_count(100, 5, 0) == 29);
  CHECK(t.drop_count(99, 5, 0) == 28);  // 28.71
  const TCE s({.drop_rate = 0.7, .num_gradual = 0, .rate_of_positives = true});
  CHECK(s.drop_count(10, 0, 0) == 7);
  // Never more than the rows.
  CHECK(TCE({.drop_rate = 1.0, .num_gradual = 0}).drop_count(10, 3, 0) == 10);
  CHECK(TCE({.drop_rate = 0.0, .num_gradual = 0}).drop_count(10, 3, 0) == 0);
}

TEST_CASE("TCE with drop rate 0, or outside a batch, is BCE bit for bit", "[losses][tce]") {
  Rng rng(17);
  TCE zero({.drop_rate = 0.0, .num_gradual = 0});
  const TCE outside{};
  for (int trial = 0; trial < 300; ++trial) {
    const std::size_t n = 1 + rng.below(8);
    std::vector<real> neg(n), w(n, 1.0f / static_cast<real>(n)), d1(n), d2(n), d3(n);
    for (real& s : neg) s = static_cast<real>(3 * rng.normal());
    const std::vector<real> batch{static_cast<real>(3 * rng.normal()), static_cast<real>(3 * rng.normal())};
    begin_batch(zero, batch, n, 7);
    REQUIRE(zero.dropped_count() == 0);
    for (std::size_t r = 0; r < batch.size(); ++r) {
      real p1 = 0, p2 = 0, p3 = 0;
      const real l1 = zero.evaluate_row(r, batch[r], neg, w, p1, d1);
      const real l2 = BCE{}.evaluate(batch[r], neg, w, p2, d2);
      const real l3 = outside.evaluate(batch[r], neg, w, p3, d3);
      REQUIRE(same_bits(l1, l2));
      REQUIRE(same_bits(l3, l2));
      REQUIRE(same_bits(p1, p2));
      REQUIRE(same_bits(p3, p2));
      for (std::size_t j = 0; j < n; ++j) {
        REQUIRE(same_bits(d1[j], d2[j]));
        REQUIRE(same_bits(d3[j], d2[j]));
      }
    }
  }
}

TEST_CASE("TCE: finite differences of kept and dropped rows", "[losses][tce]") {
  // With the dropped set held fixed (it is piecewise constant in the
  // scores), each row's gradient is the derivative of its loss.
  Rng rng(23);
  const double h = 1e-6;
  for (int trial = 0; trial < 200; ++trial) {
    const bool drop = trial % 2 == 1;
    const std::size_t n = 1 + rng.below(6);
    std::vector<double> neg(n), w(n), d(n), scratch(n);
    double total = 0;
    for (std::size_t j = 0; j < n; ++j) {
      neg[j] = 2 * rng.normal();
      w[j] = 0.05 + rng.uniform();
      total += w[j];
    }
    for (double& x : w) x /= total;
    const double pos = 2 * rng.normal();
    double dp = 0, sp = 0;
    TCE::evaluate_row_as<double>(drop, pos, neg, w, dp, d);
    const auto f = [&](double p, const std::vector<double>& ng) {
      return TCE::evaluate_row_as<double>(drop, p, ng, w, sp, scratch);
    };
    const double fd_pos = (f(pos + h, neg) - f(pos - h, neg)) / (2 * h);
    REQUIRE(std::fabs(fd_pos - dp) < 1e-7);
    if (drop) REQUIRE(dp == 0.0);
    for (std::size_t j = 0; j < n; ++j) {
      std::vector<double> a = neg, b = neg;
      a[j] += h;
      b[j] -= h;
      REQUIRE(std::fabs((f(pos, a) - f(pos, b)) / (2 * h) - d[j]) < 1e-7);
    }
  }
}

TEST_CASE("TCE: out-of-range parameters are rejected", "[losses][tce]") {
  CHECK_THROWS_WITH(TCE({.drop_rate = -0.1}), Catch::Contains("drop_rate must be in [0, 1]"));
  CHECK_THROWS_WITH(TCE({.drop_rate = 1.5}), Catch::Contains("drop_rate must be in [0, 1]"));
  CHECK_THROWS_AS(TCE({.drop_rate = std::numeric_limits<double>::quiet_NaN()}), InvalidArgument);
  CHECK_THROWS_WITH(TCE({.exponent = 0}), Catch::Contains("exponent must be finite and > 0"));
  CHECK_NOTHROW(TCE({.drop_rate = 1.0}));
  CHECK_NOTHROW(TCE({.drop_rate = 0.0}));
}
