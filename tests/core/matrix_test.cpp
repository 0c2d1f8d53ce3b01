#include "hardneg/core/matrix.hpp"

#include <catch2/catch.hpp>

#include <cstdint>

using hardneg::RowMatrix;

TEST_CASE("RowMatrix rows are aligned, padded and zero-initialised", "[matrix]") {
  RowMatrix m(5, 7);
  CHECK(m.rows() == 5);
  CHECK(m.dim() == 7);
  CHECK(m.stride() == 16);
  for (std::size_t r = 0; r < m.rows(); ++r) {
    CHECK(reinterpret_cast<std::uintptr_t>(m.row_ptr(r)) % hardneg::alignment == 0);
    CHECK(m.row(r).size() == 7);
  }
  m.fill(2.0f);
  CHECK(m(4, 6) == 2.0f);
  CHECK(m.row_ptr(4)[7] == 0.0f);  // padding stays zero
  RowMatrix copy = m;
  CHECK(copy == m);
  copy(0, 0) = 1;
  CHECK_FALSE(copy == m);
}
