// Tests of simd/gather_dot.hpp: the SIMD kernels against their scalar
// references on random data, over dimensions that hit every code path (less
// than one batch, exact batches, a tail inside the padding, the run-time
// loop for large dims) and id lists that are and are not a multiple of the
// SIMD width, with repeated ids.
#include "hardneg/simd/gather_dot.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstddef>
#include <vector>

#include "hardneg/core/random.hpp"

namespace {

using hardneg::index_t;
using hardneg::real;
using hardneg::RowMatrix;

RowMatrix random_matrix(std::size_t rows, std::size_t dim, std::uint64_t seed) {
  RowMatrix m(rows, dim);
  hardneg::Rng rng(seed);
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t c = 0; c < dim; ++c) m(r, c) = static_cast<real>(rng.normal());
  return m;
}

// |a - b| within 1e-5 of the scale sum_c |u_c v_c| (the size of the terms:
// float sums of n terms are exact to about n * 6e-8 of it, so 1e-5 leaves
// room up to n ~ 150 terms per lane and still catches any wrong term).
bool close(real a, real b, double scale) { return std::abs(double(a) - double(b)) <= 1e-5 * scale + 1e-30; }

double abs_dot(const real* a, const real* b, std::size_t n) {
  double s = 0;
  for (std::size_t c = 0; c < n; ++c) s += std::abs(double(a[c]) * double(b[c]));
  return s;
}

}  // namespace

TEST_CASE("gather_dot matches the scalar reference", "[simd][gather_dot]") {
  const std::size_t dim = GENERATE(1, 7, 16, 32, 33, 64, 100, 257);
  const std::size_t n_ids = GENERATE(0, 1, 5, 16, 17, 200);
  const std::size_t n_items = 50;
  const RowMatrix items = random_matrix(n_items, dim, 11 + dim);
  const RowMatrix users = random_matrix(3, dim, 7 + dim);

  hardneg::Rng rng(dim * 1000 + n_ids);
  std::vector<index_t> ids(n_ids);
  for (auto& id : ids) id = static_cast<index_t>(rng.below(n_items));
  if (n_ids >= 5) {  // repeated ids, including adjacent ones
    ids[1] = ids[0];
    ids[4] = ids[0];
  }

  for (std::size_t u = 0; u < users.rows(); ++u) {
    std::vector<real> fast(n_ids + 1, -7.0f), ref(n_ids, 0.0f);
    hardneg::simd::gather_dot(users.row_ptr(u), items, ids, fast);
    hardneg::simd::gather_dot_reference(users.row_ptr(u), items, ids, ref);
    for (std::size_t k = 0; k < n_ids; ++k) {
      const double scale = abs_dot(users.row_ptr(u), items.row_ptr(ids[k]), dim);
      INFO("dim " << dim << ", n " << n_ids << ", k " << k << ": " << fast[k] << " vs " << ref[k]);
      CHECK(close(fast[k], ref[k], scale));
    }
    CHECK(fast[n_ids] == -7.0f);  // writes nothing past ids.size()
  }
}

TEST_CASE("gather_dot of repeated ids gives identical scores", "[simd][gather_dot]") {
  const RowMatrix items = random_matrix(4, 32, 3);
  const RowMatrix user = random_matrix(1, 32, 4);
  std::vector<index_t> ids(37, 2);
  std::vector<real> out(ids.size());
  hardneg::simd::gather_dot(user.row_ptr(0), items, ids, out);
  for (real s : out) CHECK(s == out[0]);
}

TEST_CASE("gather_dot on hand-computed values", "[simd][gather_dot]") {
  RowMatrix items(3, 3);
  items(0, 0) = 1; items(0, 1) = 2; items(0, 2) = 3;
  items(1, 0) = -1; items(1, 1) = 0; items(1, 2) = 0.5f;
  items(2, 0) = 0; items(2, 1) = 0; items(2, 2) = 0;
  RowMatrix user(1, 3);
  user(0, 0) = 2; user(0, 1) = -1; user(0, 2) = 4;
  const std::vector<index_t> ids{1, 0, 2, 0};
  std::vector<real> out(ids.size());
  hardneg::simd::gather_dot(user.row_ptr(0), items, ids, out);
  CHECK(out[0] == 0.0f);   // -2 + 0 + 2
  CHECK(out[1] == 12.0f);  // 2 - 2 + 12
  CHECK(out[2] == 0.0f);
  CHECK(out[3] == 12.0f);
  CHECK(hardneg::simd::dot(user.row_ptr(0), items.row_ptr(0), 3) == 12.0f);
}

TEST_CASE("dot and axpy match their references", "[simd][gather_dot]") {
  const std::size_t dim = GENERATE(1, 7, 16, 32, 33, 64, 100, 257);
  const RowMatrix m = random_matrix(3, dim, 5 * dim);
  const double scale = abs_dot(m.row_ptr(0), m.row_ptr(1), dim);
  CHECK(close(hardneg::simd::dot(m.row_ptr(0), m.row_ptr(1), dim),
              hardneg::simd::dot_reference(m.row_ptr(0), m.row_ptr(1), dim), scale));

  RowMatrix y_fast = m, y_ref = m;
  hardneg::simd::axpy(0.37f, m.row_ptr(1), y_fast.row_ptr(2), dim);
  hardneg::simd::axpy_reference(0.37f, m.row_ptr(1), y_ref.row_ptr(2), dim);
  for (std::size_t c = 0; c < dim; ++c) {
    // fma rounds once where the reference rounds twice.
    CHECK(std::abs(y_fast(2, c) - y_ref(2, c)) <= 1e-6f * (1 + std::abs(y_ref(2, c))));
  }
  for (std::size_t c = dim; c < m.stride(); ++c) CHECK(y_fast(2, c) == 0.0f);  // padding untouched
}

TEST_CASE("axpy_many equals its axpy calls bit for bit, and leaves the padding", "[simd][gather_dot]") {
  // dims below one batch, inside one tile, whole tiles and tiles plus a tail.
  const std::size_t dim = GENERATE(1, 7, 16, 33, 64, 100, 257);
  const std::size_t m = GENERATE(0, 1, 5, 12);
  const RowMatrix x = random_matrix(m + 1, dim, 11 * dim + m);
  const RowMatrix coef = random_matrix(m + 1, 3, 13 * dim + m);  // a_j in column 1: a stride past 1
  std::vector<const real*> rows(m);
  for (std::size_t j = 0; j < m; ++j) rows[j] = x.row_ptr(j);
  const RowMatrix y0 = random_matrix(1, dim, 17 * dim + m);
  RowMatrix y_many = y0, y_seq = y0;
  hardneg::simd::axpy_many(coef.row_ptr(0) + 1, coef.stride(), rows.data(), m, y_many.row_ptr(0), dim);
  for (std::size_t j = 0; j < m; ++j) hardneg::simd::axpy(coef(j, 1), rows[j], y_seq.row_ptr(0), dim);
  INFO("dim " << dim << ", " << m << " rows");
  for (std::size_t c = 0; c < y_many.stride(); ++c) {
    INFO("column " << c);
    CHECK(y_many(0, c) == y_seq(0, c));
  }
  // And against the sum in double, so that a term dropped by both fails.
  for (std::size_t c = 0; c < dim; ++c) {
    double want = y0(0, c), scale = std::abs(want);
    for (std::size_t j = 0; j < m; ++j) {
      want += double(coef(j, 1)) * double(x(j, c));
      scale += std::abs(double(coef(j, 1)) * double(x(j, c)));
    }
    CHECK(close(y_many(0, c), static_cast<real>(want), scale));
  }
}
