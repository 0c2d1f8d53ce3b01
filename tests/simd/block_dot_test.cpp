#include "hardneg/simd/block_dot.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <vector>

#include "hardneg/core/random.hpp"

using hardneg::index_t;
using hardneg::real;
using hardneg::RowMatrix;

namespace {

RowMatrix random_matrix(std::size_t rows, std::size_t dim, hardneg::Rng& rng) {
  RowMatrix m(rows, dim);
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t k = 0; k < dim; ++k) m(r, k) = static_cast<real>(rng.normal());
  return m;
}

}  // namespace

TEST_CASE("ItemPanels packs items dim-major and zero-pads the last panel", "[simd][block_dot]") {
  constexpr std::size_t W = hardneg::simd::ItemPanels::width;
  RowMatrix items(W + 1, 3);
  for (std::size_t i = 0; i < items.rows(); ++i)
    for (std::size_t k = 0; k < 3; ++k) items(i, k) = static_cast<real>(100 * i + k);
  const hardneg::simd::ItemPanels panels(items);
  REQUIRE(panels.n_items() == W + 1);
  REQUIRE(panels.n_panels() == 2);
  REQUIRE(panels.dim() == 3);
  // panel[k][lane] = item (p * W + lane), coordinate k.
  CHECK(panels.panel(0)[2 * W + 5 % W] == items(5 % W, 2));
  CHECK(panels.panel(1)[1 * W + 0] == items(W, 1));
  for (std::size_t lane = 1; lane < W; ++lane)
    for (std::size_t k = 0; k < 3; ++k) CHECK(panels.panel(1)[k * W + lane] == 0.0f);
}

TEST_CASE("score_block matches the scalar reference", "[simd][block_dot]") {
  hardneg::Rng rng(7, 1);
  const std::size_t n_users = 23;
  for (const std::size_t dim : {1, 7, 16, 32, 33, 64}) {
    for (const std::size_t n_items : {1, 15, 33, 257, 2001}) {
      const RowMatrix users = random_matrix(n_users, dim, rng);
      const RowMatrix items = random_matrix(n_items, dim, rng);
      const hardneg::simd::ItemPanels panels(items);
      // 13 users (not a multiple of the kernel's rows), with a repeat.
      std::vector<index_t> ids;
      for (int r = 0; r < 12; ++r) ids.push_back(static_cast<index_t>(rng.below(n_users)));
      ids.push_back(ids.front());
      const std::size_t ld = n_items + 5;  // odd stride; the tail must stay untouched
      const real sentinel = 12345.0f;
      std::vector<real> got(ids.size() * ld, sentinel);
      std::vector<real> want(ids.size() * ld, sentinel);
      hardneg::simd::score_block(users, ids, panels, got.data(), ld);
      hardneg::simd::score_block_reference(users, ids, items, want.data(), ld);
      INFO("dim " << dim << ", items " << n_items);
      std::size_t bad = 0;
      for (std::size_t r = 0; r < ids.size(); ++r) {
        for (std::size_t i = 0; i < n_items; ++i) {
          // Relative to the sum of |u_k v_k|, the natural scale of a dot
          // product's rounding error (the value itself may cancel to ~0).
          double scale = 0.0;
          for (std::size_t k = 0; k < dim; ++k)
            scale += std::abs(double(users(std::size_t(ids[r]), k)) * double(items(i, k)));
          const double diff = std::abs(double(got[r * ld + i]) - double(want[r * ld + i]));
          bad += !(diff <= 1e-5 * scale + 1e-30);
        }
        for (std::size_t i = n_items; i < ld; ++i) bad += got[r * ld + i] != sentinel;
      }
      CHECK(bad == 0);
    }
  }
}

TEST_CASE("a user's scores do not depend on the block it is scored in", "[simd][block_dot]") {
  // The evaluator relies on this: ties between a positive and a negative must
  // be seen the same way whatever the block size or thread.
  hardneg::Rng rng(3, 2);
  const RowMatrix users = random_matrix(9, 33, rng);
  const RowMatrix items = random_matrix(301, 33, rng);
  const hardneg::simd::ItemPanels panels(items);
  const std::vector<index_t> block = {0, 1, 2, 3, 4, 5, 6, 7, 8};
  std::vector<real> all(block.size() * 301);
  hardneg::simd::score_block(users, block, panels, all.data(), 301);
  for (std::size_t r = 0; r < block.size(); ++r) {
    std::vector<real> one(301);
    hardneg::simd::score_block(users, std::span<const index_t>(&block[r], 1), panels, one.data(), 301);
    CHECK(std::memcmp(one.data(), all.data() + r * 301, 301 * sizeof(real)) == 0);
  }
}

TEST_CASE("score_block checks dims and the stride", "[simd][block_dot]") {
  const RowMatrix users(2, 4);
  const RowMatrix items(5, 3);
  const hardneg::simd::ItemPanels panels(items);
  std::vector<real> out(10);
  const std::vector<index_t> ids = {0};
  CHECK_THROWS_AS(hardneg::simd::score_block(users, ids, panels, out.data(), 5), hardneg::InvalidArgument);
  const RowMatrix users3(2, 3);
  CHECK_THROWS_AS(hardneg::simd::score_block(users3, ids, panels, out.data(), 4), hardneg::InvalidArgument);
  CHECK_NOTHROW(hardneg::simd::score_block(users3, ids, panels, out.data(), 5));
}
