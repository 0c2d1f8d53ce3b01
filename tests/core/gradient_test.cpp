#include "hardneg/core/gradient.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <vector>

#include "hardneg/core/random.hpp"

using namespace hardneg;

TEST_CASE("SparseGradient sums thread parts in thread order", "[gradient]") {
  std::array<RowMatrix, 2> tables{RowMatrix(4, 3), RowMatrix(6, 3)};
  std::vector<GradientAccumulator> parts(2);
  for (auto& p : parts) p.shape(tables, 2);
  parts[0].row(1, 5)[0] += 1.0f;
  parts[0].row(1, 2)[1] += 2.0f;
  parts[1].row(1, 5)[0] += 10.0f;
  parts[1].row(0, 3)[2] += 4.0f;
  parts[1].row(1, 0)[2] += 7.0f;  // grows past the reserved two rows
  ThreadPool pool(2);
  SparseGradient g;
  g.merge(parts, pool);
  REQUIRE(g.n_tables() == 2);
  CHECK(std::vector<index_t>(g.rows(1).begin(), g.rows(1).end()) == std::vector<index_t>{5, 2, 0});
  CHECK(g.find(1, 5)[0] == 11.0f);
  CHECK(g.find(1, 2)[1] == 2.0f);
  CHECK(g.find(1, 0)[2] == 7.0f);
  CHECK(g.find(1, 1) == nullptr);
  CHECK(g.find(0, 3)[2] == 4.0f);
  // After clear() the accumulators start from zero again.
  for (auto& p : parts) p.clear();
  parts[0].row(1, 5)[0] += 3.0f;
  g.merge(parts, pool);
  CHECK(g.rows(1).size() == 1);
  CHECK(g.find(1, 5)[0] == 3.0f);
  CHECK(g.find(1, 2) == nullptr);
}

TEST_CASE("SparseGradient::link sums on demand exactly as merge stores", "[gradient]") {
  // Three parts over two tables (dim 5, stride padded), rows touched by one,
  // two or all three parts, values with no exact sum.
  std::array<RowMatrix, 2> tables{RowMatrix(50, 5), RowMatrix(80, 5)};
  std::vector<GradientAccumulator> parts(3);
  for (auto& p : parts) p.shape(tables);
  Rng rng(21);
  for (std::size_t t = 0; t < tables.size(); ++t)
    for (index_t r = 0; r < static_cast<index_t>(tables[t].rows()); ++r)
      for (auto& p : parts)
        if (rng.uniform() < 0.4) {
          real* g = p.row(t, r);
          for (std::size_t c = 0; c < 5; ++c) g[c] += static_cast<real>(rng.normal());
        }
  ThreadPool pool(2);
  SparseGradient merged, linked;
  merged.merge(parts, pool);
  linked.link(parts);
  CHECK_FALSE(merged.linked());
  CHECK(linked.linked());
  aligned_vector<real> scratch(tables[0].stride());
  for (std::size_t t = 0; t < tables.size(); ++t) {
    REQUIRE(std::vector<index_t>(linked.rows(t).begin(), linked.rows(t).end()) ==
            std::vector<index_t>(merged.rows(t).begin(), merged.rows(t).end()));
    for (std::size_t k = 0; k < merged.rows(t).size(); ++k) {
      const real* a = merged.values(t, k);
      const real* b = linked.row_sum(t, k, scratch.data());
      for (std::size_t c = 0; c < tables[t].stride(); ++c) REQUIRE(a[c] == b[c]);  // padding too
      CHECK(merged.row_sum(t, k, scratch.data()) == a);  // stored: no copy
    }
    for (index_t id = 0; id < static_cast<index_t>(tables[t].rows()); ++id) {
      const real* a = merged.find(t, id);
      const real* b = linked.find_sum(t, id, scratch.data());
      REQUIRE((a == nullptr) == (b == nullptr));
      if (a)
        for (std::size_t c = 0; c < 5; ++c) REQUIRE(a[c] == b[c]);
    }
  }
  // A row only one part touched is read in place.
  std::vector<GradientAccumulator> one(2);
  for (auto& p : one) p.shape(tables);
  one[1].row(0, 7)[0] = 3.0f;
  linked.link(one);
  CHECK(linked.find_sum(0, 7, scratch.data()) == one[1].table(0).find(7));
  CHECK(linked.find_sum(0, 8, scratch.data()) == nullptr);
  // merge after link stores again.
  merged.merge(one, pool);
  CHECK_FALSE(merged.linked());
  CHECK(merged.find(0, 7)[0] == 3.0f);
}
