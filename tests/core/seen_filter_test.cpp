#include "hardneg/core/seen_filter.hpp"

#include <catch2/catch.hpp>

#include <cstddef>
#include <set>
#include <utility>

#include "hardneg/core/random.hpp"

using namespace hardneg;

TEST_CASE("SeenFilter: no false negatives, false positives near 1 - e^(-1/bits)", "[seen_filter]") {
  Rng rng(12);
  std::set<std::pair<index_t, index_t>> inserted;
  SeenFilter filter;
  const std::size_t pairs = 20000;
  filter.reset(pairs, 8);
  while (inserted.size() < pairs) {
    const auto u = static_cast<index_t>(rng.below(3000)), i = static_cast<index_t>(rng.below(5000));
    inserted.insert({u, i});
    filter.insert(u, i);
  }
  for (const auto& [u, i] : inserted) REQUIRE(filter.may_contain(u, i));
  // 20000 pairs in bit_ceil(160000) = 262144 bits: a fraction 1 - e^(-20000/262144)
  // = 0.0735 of the bits is set, and so of the pairs not inserted answers "maybe".
  std::size_t maybe = 0, probes = 0;
  while (probes < 200000) {
    const auto u = static_cast<index_t>(rng.below(3000)), i = static_cast<index_t>(rng.below(5000));
    if (inserted.count({u, i})) continue;
    ++probes;
    maybe += filter.may_contain(u, i);
  }
  const double rate = static_cast<double>(maybe) / static_cast<double>(probes);
  CHECK(rate > 0.065);
  CHECK(rate < 0.082);
  // Empty after reset.
  filter.reset(10);
  CHECK_FALSE(filter.may_contain(inserted.begin()->first, inserted.begin()->second));
}
