#include "hardneg/core/gradient.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <vector>

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
