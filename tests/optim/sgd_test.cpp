#include "hardneg/optim/sgd.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <utility>

#include "hardneg/core/aligned.hpp"
#include "hardneg/core/concepts.hpp"
#include "hardneg/core/random.hpp"
#include "optim_testing.hpp"

using namespace hardneg;

TEST_CASE("SGD satisfies the Optimizer concept", "[optim][sgd]") {
  STATIC_REQUIRE(Optimizer<SGD>);
  CHECK(SGD::name() == "sgd");
  CHECK(SGD{}.learning_rate() == 0.01);
  SGD s{{.lr = 0.5}};
  s.set_learning_rate(0.25);
  CHECK(s.learning_rate() == 0.25);
  CHECK_THROWS_WITH(SGD({.lr = -1}), Catch::Contains("lr must be finite and >= 0, got -1"));
  CHECK_THROWS_AS(SGD({.weight_decay = -0.1}), InvalidArgument);
}

TEST_CASE("SGD step: hand-computed row, untouched rows unchanged", "[optim][sgd]") {
  ThreadPool pool(1);
  std::vector<RowMatrix> tables{RowMatrix(3, 2)};
  tables[0](0, 0) = 1.0f, tables[0](0, 1) = -2.0f;
  tables[0](1, 0) = 4.0f, tables[0](1, 1) = 8.0f;
  GradientAccumulator acc;
  acc.shape(tables);
  real* g = acc.row(0, 1);
  g[0] = 0.5f, g[1] = -1.0f;
  SparseGradient grad;
  grad.merge(std::span<const GradientAccumulator>(&acc, 1), pool);
  SGD{{.lr = 0.5, .weight_decay = 0.25}}.step(tables, grad, pool);
  // row 1: theta - 0.5 * (g + 0.25 theta) = (4 - 0.5 * 1.5, 8 - 0.5 * 1) = (3.25, 7.5)
  CHECK(tables[0](1, 0) == 3.25f);
  CHECK(tables[0](1, 1) == 7.5f);
  CHECK(tables[0](0, 0) == 1.0f);  // untouched: no decay either
  CHECK(tables[0](0, 1) == -2.0f);
  CHECK(test::padding_is_zero(tables[0]));
}

TEST_CASE("SGD matches the double-precision closed form on random tables", "[optim][sgd]") {
  Rng rng(21);
  ThreadPool pool(2);
  const std::array<std::pair<std::size_t, std::size_t>, 2> shapes{{{40, 7}, {25, 33}}};
  auto tables = test::random_tables(shapes, rng);
  SGD sgd{{.lr = 0.1, .weight_decay = 0.05}};
  for (int s = 0; s < 3; ++s) {
    const auto before = tables;
    const SparseGradient grad = test::random_gradient(tables, rng, 0.5, pool);
    sgd.step(tables, grad, pool);
    for (std::size_t t = 0; t < tables.size(); ++t)
      for (std::size_t r = 0; r < tables[t].rows(); ++r) {
        const bool touched = grad.find(t, index_t(r)) != nullptr;
        const auto g = test::gradient_row(grad, t, r, tables[t].dim());
        for (std::size_t c = 0; c < tables[t].dim(); ++c) {
          const double th = before[t](r, c);
          const double expected = touched ? th - 0.1 * (g[c] + 0.05 * th) : th;
          CHECK(std::fabs(tables[t](r, c) - expected) <= 1e-6 * (1 + std::fabs(expected)));
        }
      }
    for (const auto& tab : tables) CHECK(test::padding_is_zero(tab));
  }
}

TEST_CASE("SGD's SIMD row update matches the scalar reference", "[optim][sgd][simd]") {
  // 1e-6 relative to the operands: FMA contraction may differ between paths.
  Rng rng(2);
  const std::size_t n = 48;
  aligned_vector<real> theta(n), g(n);
  for (std::size_t c = 0; c < n; ++c) theta[c] = real(rng.normal()), g[c] = real(rng.normal());
  auto theta2 = theta;
  const detail::SGDRule rule{0.01f, -0.1f};
  detail::update_row(rule, n, g.data(), theta.data());
  detail::update_row_reference(rule, n, g.data(), theta2.data());
  for (std::size_t c = 0; c < n; ++c)
    CHECK(std::fabs(theta[c] - theta2[c]) <= 1e-6 * (std::fabs(theta2[c]) + std::fabs(g[c])));
}
