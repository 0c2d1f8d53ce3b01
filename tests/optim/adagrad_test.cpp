#include "hardneg/optim/adagrad.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <utility>
#include <vector>

#include "hardneg/core/aligned.hpp"
#include "hardneg/core/concepts.hpp"
#include "hardneg/core/random.hpp"
#include "optim_testing.hpp"

using namespace hardneg;

TEST_CASE("Adagrad satisfies the Optimizer concept", "[optim][adagrad]") {
  STATIC_REQUIRE(Optimizer<Adagrad>);
  CHECK(Adagrad::name() == "adagrad");
  const Adagrad a;
  CHECK(a.learning_rate() == 0.01);
  CHECK(a.params().eps == 1e-10);
  CHECK(a.params().initial_accumulator == 0);
  CHECK_THROWS_AS(Adagrad({.eps = 0}), InvalidArgument);
  CHECK_THROWS_AS(Adagrad({.initial_accumulator = -1}), InvalidArgument);
}

TEST_CASE("Adagrad step: hand-computed row", "[optim][adagrad]") {
  ThreadPool pool(1);
  std::vector<RowMatrix> tables{RowMatrix(2, 1)};
  tables[0](0, 0) = 1.0f;
  tables[0](1, 0) = 5.0f;
  Adagrad opt{{.lr = 0.5, .eps = 1e-10}};
  for (real gv : {3.0f, 4.0f}) {
    GradientAccumulator acc;
    acc.shape(tables);
    acc.row(0, 0)[0] = gv;
    SparseGradient grad;
    grad.merge(std::span<const GradientAccumulator>(&acc, 1), pool);
    opt.step(tables, grad, pool);
  }
  // step 1: s = 9, theta = 1 - 0.5 * 3 / 3 = 0.5; step 2: s = 25, theta = 0.5 - 0.5 * 4 / 5 = 0.1
  CHECK(tables[0](0, 0) == Approx(0.1f).epsilon(1e-6));
  CHECK(opt.accumulators()[0](0, 0) == 25.0f);
  CHECK(tables[0](1, 0) == 5.0f);  // untouched
  CHECK(opt.accumulators()[0](1, 0) == 0.0f);
}

TEST_CASE("Adagrad matches the double-precision closed form over several steps",
          "[optim][adagrad]") {
  Rng rng(31);
  ThreadPool pool(2);
  const std::array<std::pair<std::size_t, std::size_t>, 2> shapes{{{30, 9}, {45, 16}}};
  auto tables = test::random_tables(shapes, rng);
  const Adagrad::Params p{
      .lr = 0.05, .eps = 1e-10, .weight_decay = 0.1, .initial_accumulator = 0.1};
  Adagrad opt{p};
  // double reference state
  std::vector<std::vector<double>> theta, sum;
  for (const auto& tab : tables) {
    theta.emplace_back();
    for (std::size_t r = 0; r < tab.rows(); ++r)
      for (real x : tab.row(r)) theta.back().push_back(x);
    sum.emplace_back(theta.back().size(), p.initial_accumulator);
  }
  for (int s = 0; s < 6; ++s) {
    const SparseGradient grad = test::random_gradient(tables, rng, 0.5, pool);
    opt.step(tables, grad, pool);
    for (std::size_t t = 0; t < tables.size(); ++t) {
      const std::size_t dim = tables[t].dim();
      for (std::size_t r = 0; r < tables[t].rows(); ++r) {
        if (!grad.find(t, index_t(r))) continue;
        const auto g0 = test::gradient_row(grad, t, r, dim);
        for (std::size_t c = 0; c < dim; ++c) {
          double& th = theta[t][r * dim + c];
          double& sm = sum[t][r * dim + c];
          const double g = g0[c] + p.weight_decay * th;
          sm += g * g;
          th -= p.lr * g / (std::sqrt(sm) + p.eps);
        }
      }
      for (std::size_t r = 0; r < tables[t].rows(); ++r)
        for (std::size_t c = 0; c < dim; ++c) {
          INFO("step " << s + 1 << " table " << t << " row " << r << " col " << c);
          CHECK(std::fabs(tables[t](r, c) - theta[t][r * dim + c]) <=
                1e-6 * (1 + std::fabs(theta[t][r * dim + c])));
          CHECK(std::fabs(opt.accumulators()[t](r, c) - sum[t][r * dim + c]) <=
                1e-5 * (1 + sum[t][r * dim + c]));
        }
      CHECK(test::padding_is_zero(tables[t]));
      CHECK(test::padding_is_zero(opt.accumulators()[t]));
    }
  }
}

TEST_CASE("Adagrad's SIMD row update matches the scalar reference", "[optim][adagrad][simd]") {
  Rng rng(4);
  const std::size_t n = 32;
  aligned_vector<real> theta(n), sum(n), g(n);
  for (std::size_t c = 0; c < n; ++c)
    theta[c] = real(rng.normal()), sum[c] = real(rng.uniform()), g[c] = real(rng.normal());
  auto theta2 = theta, sum2 = sum;
  const detail::AdagradRule rule{0.01f, 1e-10f, -0.05f};
  detail::update_row(rule, n, g.data(), theta.data(), sum.data());
  detail::update_row_reference(rule, n, g.data(), theta2.data(), sum2.data());
  for (std::size_t c = 0; c < n; ++c) {
    CHECK(sum[c] == Approx(sum2[c]).epsilon(1e-6));
    CHECK(std::fabs(theta[c] - theta2[c]) <= 1e-6 * (1 + std::fabs(theta2[c])));
  }
}
