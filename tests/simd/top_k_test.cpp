#include "hardneg/simd/top_k.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <limits>
#include <vector>

#include "hardneg/core/random.hpp"

using hardneg::index_t;
using hardneg::real;

TEST_CASE("top_k by hand: order, ties and exclusions", "[simd][top_k]") {
  const std::vector<real> scores = {1, 3, 3, 2, 3, 0};
  std::vector<index_t> ids(6, -1);
  std::vector<real> s(6, -1);
  // Best first; the three 3s tie and come out by id.
  REQUIRE(hardneg::simd::top_k(scores, 4, ids, s) == 4);
  CHECK(std::vector<index_t>(ids.begin(), ids.begin() + 4) == std::vector<index_t>{1, 2, 4, 3});
  CHECK(std::vector<real>(s.begin(), s.begin() + 4) == std::vector<real>{3, 3, 3, 2});
  // Excluding 1 and 3: 2, 4, then 0 (score 1).
  const std::vector<index_t> excluded = {1, 3};
  REQUIRE(hardneg::simd::top_k(scores, 3, excluded, ids, s) == 3);
  CHECK(std::vector<index_t>(ids.begin(), ids.begin() + 3) == std::vector<index_t>{2, 4, 0});
  // k larger than what is available: everything admissible, sorted.
  REQUIRE(hardneg::simd::top_k(scores, 10, excluded, ids, s) == 4);
  CHECK(std::vector<index_t>(ids.begin(), ids.begin() + 4) == std::vector<index_t>{2, 4, 0, 5});
  CHECK(hardneg::simd::top_k(scores, 0, ids, s) == 0);
}

TEST_CASE("top_k checks the output size", "[simd][top_k]") {
  const std::vector<real> scores = {1, 2, 3};
  std::vector<index_t> ids(1);
  std::vector<real> s(1);
  CHECK_THROWS_AS(hardneg::simd::top_k(scores, 2, ids, s), hardneg::InvalidArgument);
  CHECK_NOTHROW(hardneg::simd::top_k(std::span<const real>(scores.data(), 1), 2, ids, s));
}

TEST_CASE("top_k matches the reference on random data with ties", "[simd][top_k]") {
  hardneg::Rng rng(5, 3);
  std::size_t cases = 0;
  for (const std::size_t n : {1, 2, 31, 32, 33, 200, 1000, 40981}) {
    for (const std::size_t k : {1, 5, 20, 200, 1000}) {
      for (const std::size_t levels : {3, 1000, 1000000}) {  // many or few ties
        for (const bool exclude : {false, true}) {
          std::vector<real> scores(n);
          for (auto& x : scores) x = static_cast<real>(rng.below(levels)) - real(levels / 2);
          std::vector<index_t> excluded;
          if (exclude)
            for (std::size_t i = 0; i < n; ++i)
              if (rng.below(3) == 0) excluded.push_back(static_cast<index_t>(i));
          if (exclude && rng.below(2) == 0) excluded.push_back(static_cast<index_t>(n + 7));  // out of range: ignored
          const std::size_t cap = std::min(k, n);
          std::vector<index_t> got_ids(cap), want_ids(cap);
          std::vector<real> got_s(cap), want_s(cap);
          const std::size_t got = hardneg::simd::top_k(scores, k, excluded, got_ids, got_s);
          const std::size_t want = hardneg::simd::top_k_reference(scores, k, excluded, want_ids, want_s);
          INFO("n " << n << ", k " << k << ", levels " << levels << ", exclude " << exclude);
          REQUIRE(got == want);
          CHECK(std::equal(got_ids.begin(), got_ids.begin() + got, want_ids.begin()));
          CHECK(std::equal(got_s.begin(), got_s.begin() + got, want_s.begin()));
          ++cases;
        }
      }
    }
  }
  CHECK(cases == 8 * 5 * 3 * 2);
}

TEST_CASE("top_k: increasing and decreasing inputs (worst cases for the threshold)", "[simd][top_k]") {
  for (const bool increasing : {true, false}) {
    std::vector<real> scores(777);
    for (std::size_t i = 0; i < scores.size(); ++i)
      scores[i] = increasing ? real(i) : real(scores.size() - i);
    std::vector<index_t> ids(10);
    std::vector<real> s(10);
    REQUIRE(hardneg::simd::top_k(scores, 10, ids, s) == 10);
    for (std::size_t j = 0; j < 10; ++j)
      CHECK(ids[j] == static_cast<index_t>(increasing ? 776 - j : j));
  }
}

TEST_CASE("top_k: the interpolation path directly, and its fall-back", "[simd][top_k]") {
  hardneg::Rng rng(9, 1);
  for (const std::size_t n : {20, 64, 200, 1000, 4096}) {
    for (const std::size_t k : {2, 5, 20, 64}) {
      if (k >= n) continue;  // then the k-th best is the minimum: no bracket
      std::vector<real> scores(n);
      for (auto& x : scores) x = static_cast<real>(rng.normal());
      std::vector<index_t> got_ids(k), want_ids(k);
      std::vector<real> got_s(k), want_s(k);
      INFO("n " << n << ", k " << k);
      // Continuous scores: the window is always bracketed.
      REQUIRE(hardneg::simd::detail::interpolation_top_k(scores.data(), n, k, got_ids.data(), got_s.data()));
      hardneg::simd::top_k_reference(scores, k, {}, want_ids, want_s);
      CHECK(got_ids == want_ids);
      CHECK(got_s == want_s);
    }
  }
  // All equal, or an infinite score: no bracket; top_k still answers through
  // the buffered path.
  std::vector<real> flat(200, 1.5f);
  std::vector<index_t> ids(5);
  std::vector<real> s(5);
  CHECK_FALSE(hardneg::simd::detail::interpolation_top_k(flat.data(), 200, 5, ids.data(), s.data()));
  REQUIRE(hardneg::simd::top_k(flat, 5, ids, s) == 5);
  CHECK(ids == std::vector<index_t>{0, 1, 2, 3, 4});
  flat[7] = std::numeric_limits<real>::infinity();
  CHECK_FALSE(hardneg::simd::detail::interpolation_top_k(flat.data(), 200, 5, ids.data(), s.data()));
  REQUIRE(hardneg::simd::top_k(flat, 5, ids, s) == 5);
  CHECK(ids == std::vector<index_t>{7, 0, 1, 2, 3});
}

TEST_CASE("top_k: the lane-maximum path directly, and its fall-back", "[simd][top_k]") {
  constexpr std::size_t W = xsimd::batch<float>::size;
  hardneg::Rng rng(11, 2);
  std::size_t answered = 0;
  for (const std::size_t n : {2 * W, 2 * W + 3, std::size_t{200}, std::size_t{1000}, std::size_t{4096}}) {
    for (std::size_t k = 1; k <= W; ++k) {
      for (const bool ties : {false, true}) {
        std::vector<real> scores(n);
        // With ties: few distinct values, so many entries equal the bound.
        for (auto& x : scores)
          x = ties ? static_cast<real>(rng.below(n / 4 + 1)) : static_cast<real>(rng.normal());
        std::vector<index_t> got_ids(k, -1), want_ids(k);
        std::vector<real> got_s(k), want_s(k);
        INFO("n " << n << ", k " << k << ", ties " << ties);
        hardneg::simd::top_k_reference(scores, k, {}, want_ids, want_s);
        if (hardneg::simd::detail::lane_max_top_k(scores.data(), n, k, got_ids.data(), got_s.data())) {
          ++answered;
          CHECK(got_ids == want_ids);
          CHECK(got_s == want_s);
        } else {
          CHECK(ties);  // continuous scores always have few entries at the bound
        }
      }
    }
  }
  CHECK(answered >= 5 * W);
  // Too short, k above the width, all equal, infinite: no answer; top_k
  // still answers through another path.
  std::vector<real> flat(200, 1.5f);
  std::vector<index_t> ids(W + 1);
  std::vector<real> s(W + 1);
  CHECK_FALSE(hardneg::simd::detail::lane_max_top_k(flat.data(), 2 * W - 1, 1, ids.data(), s.data()));
  CHECK_FALSE(hardneg::simd::detail::lane_max_top_k(flat.data(), 200, W + 1, ids.data(), s.data()));
  CHECK_FALSE(hardneg::simd::detail::lane_max_top_k(flat.data(), 200, 5, ids.data(), s.data()));
  flat[7] = std::numeric_limits<real>::infinity();
  CHECK_FALSE(hardneg::simd::detail::lane_max_top_k(flat.data(), 200, 1, ids.data(), s.data()));
  REQUIRE(hardneg::simd::top_k(flat, 5, ids, s) == 5);
  CHECK(std::vector<index_t>(ids.begin(), ids.begin() + 5) == std::vector<index_t>{7, 0, 1, 2, 3});
  // Scores around zero: the bound's neighbour below 0 and below negatives.
  std::vector<real> around(64);
  for (std::size_t i = 0; i < around.size(); ++i) around[i] = static_cast<real>(i % 5) - 2.0f;
  around[40] = -0.0f;
  std::vector<index_t> want(W);
  std::vector<real> want_s(W);
  for (std::size_t k = 1; k <= W; ++k) {
    hardneg::simd::top_k_reference(around, k, {}, want, want_s);
    REQUIRE(hardneg::simd::top_k(around, k, ids, s) == k);
    CHECK(std::equal(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(k), want.begin()));
  }
}
