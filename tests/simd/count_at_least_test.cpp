#include "hardneg/simd/count_at_least.hpp"

#include <catch2/catch.hpp>

#include <limits>
#include <vector>

#include "hardneg/core/random.hpp"

using hardneg::index_t;
using hardneg::real;

TEST_CASE("count_at_least by hand", "[simd][count_at_least]") {
  const std::vector<real> scores = {3, 1, 4, 1, 5, 9, 2, 6};
  const std::vector<real> thr = {5, 1, 10, 4};
  std::vector<index_t> counts(4, -1);
  hardneg::simd::count_at_least(scores, thr, counts);
  // >= 5: {5, 9, 6} = 3; >= 1: all 8; >= 10: none; >= 4: {4, 5, 9, 6} = 4.
  CHECK(counts == std::vector<index_t>{3, 8, 0, 4});
}

TEST_CASE("count_at_least matches the scalar reference", "[simd][count_at_least]") {
  hardneg::Rng rng(11, 0);
  const real inf = std::numeric_limits<real>::infinity();
  for (const std::size_t n : {0, 1, 15, 16, 17, 63, 64, 65, 1000, 40981}) {
    std::vector<real> scores(n);
    // Few distinct values, so thresholds hit ties; some -inf (masked items).
    for (auto& s : scores) s = rng.below(10) == 0 ? -inf : static_cast<real>(rng.below(50)) * 0.5f;
    for (std::size_t m = 0; m <= 19; ++m) {
      std::vector<real> thr(m);
      for (auto& t : thr) {
        const auto pick = rng.below(8);
        t = pick == 0 ? -inf : pick == 1 ? inf : static_cast<real>(rng.below(52)) * 0.5f - 0.5f;
      }
      std::vector<index_t> got(m), want(m);
      hardneg::simd::count_at_least(scores, thr, got);
      hardneg::simd::count_at_least_reference(scores, thr, want);
      INFO("n " << n << ", thresholds " << m);
      CHECK(got == want);
    }
  }
}

TEST_CASE("count_at_least checks the output size", "[simd][count_at_least]") {
  const std::vector<real> scores = {1, 2};
  const std::vector<real> thr = {1, 2};
  std::vector<index_t> counts(1);
  CHECK_THROWS_AS(hardneg::simd::count_at_least(scores, thr, counts), hardneg::InvalidArgument);
}
