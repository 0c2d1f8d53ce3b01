#include "hardneg/optim/adam.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "hardneg/core/aligned.hpp"
#include "hardneg/core/concepts.hpp"
#include "hardneg/core/random.hpp"
#include "optim_testing.hpp"

using namespace hardneg;
using test::random_gradient;
using test::random_tables;

namespace {

/// Scalar double-precision re-implementation of both flavours (the closed
/// form of DESIGN/adam.hpp), over the `dim` columns only.
struct ReferenceAdam {
  AdamParams p;
  bool dense = true;
  std::int64_t t = 0;
  std::vector<std::size_t> rows, dims;
  std::vector<std::vector<double>> theta, m, v;  // per table, rows * dim

  ReferenceAdam(AdamParams params, bool dense_, const std::vector<RowMatrix>& tables)
      : p(params), dense(dense_) {
    for (const auto& tab : tables) {
      rows.push_back(tab.rows());
      dims.push_back(tab.dim());
      std::vector<double> th;
      for (std::size_t r = 0; r < tab.rows(); ++r)
        for (real x : tab.row(r)) th.push_back(x);
      theta.push_back(th);
      m.emplace_back(th.size(), 0.0);
      v.emplace_back(th.size(), 0.0);
    }
  }

  void step(const SparseGradient& grad) {
    ++t;
    const double bc1 = 1 - std::pow(p.beta1, double(t));
    const double bc2 = 1 - std::pow(p.beta2, double(t));
    for (std::size_t tab = 0; tab < rows.size(); ++tab)
      for (std::size_t r = 0; r < rows[tab]; ++r) {
        const bool touched = grad.n_tables() != 0 && grad.find(tab, index_t(r)) != nullptr;
        if (!dense && !touched) continue;
        const auto g0 = grad.n_tables() ? test::gradient_row(grad, tab, r, dims[tab])
                                        : std::vector<double>(dims[tab], 0.0);
        for (std::size_t c = 0; c < dims[tab]; ++c) {
          const std::size_t i = r * dims[tab] + c;
          const double g = g0[c] + p.weight_decay * theta[tab][i];
          m[tab][i] = p.beta1 * m[tab][i] + (1 - p.beta1) * g;
          v[tab][i] = p.beta2 * v[tab][i] + (1 - p.beta2) * g * g;
          theta[tab][i] -=
              (p.lr / bc1) * m[tab][i] / (std::sqrt(v[tab][i]) / std::sqrt(bc2) + p.eps);
        }
      }
  }
};

/// Largest |float - double| over a table's dim columns, relative to 1 + |double|.
double max_error(const RowMatrix& f, const std::vector<double>& d) {
  double worst = 0;
  for (std::size_t r = 0; r < f.rows(); ++r)
    for (std::size_t c = 0; c < f.dim(); ++c) {
      const double ref = d[r * f.dim() + c];
      worst = std::max(worst, std::fabs(double(f(r, c)) - ref) / (1 + std::fabs(ref)));
    }
  return worst;
}

const std::array<std::pair<std::size_t, std::size_t>, 2> shapes{{{37, 5}, {53, 20}}};

template <class Opt>
void run_against_reference(bool dense, double weight_decay) {
  Rng rng(11);
  ThreadPool pool(2);
  auto tables = random_tables(shapes, rng);
  const AdamParams p{
      .lr = 0.01, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8, .weight_decay = weight_decay};
  Opt adam{p};
  ReferenceAdam ref(p, dense, tables);
  // Rows 0-4 of each table are never touched.
  for (int s = 0; s < 8; ++s) {
    if (s == 5) {  // as a schedule would: the next steps use the new rate
      adam.set_learning_rate(0.004);
      ref.p.lr = 0.004;
    }
    const SparseGradient grad = random_gradient(tables, rng, 0.4, pool, /*skip=*/5);
    adam.step(tables, grad, pool);
    ref.step(grad);
    INFO("step " << s + 1);
    REQUIRE(adam.steps() == s + 1);
    for (std::size_t t = 0; t < tables.size(); ++t) {
      // theta moves by up to ~lr per step from ~N(0, 0.25): 1e-6 is a few
      // float ulps of accumulated rounding, far below any formula error.
      CHECK(max_error(tables[t], ref.theta[t]) < 1e-6);
      CHECK(max_error(adam.first_moments()[t], ref.m[t]) < 1e-6);
      CHECK(max_error(adam.second_moments()[t], ref.v[t]) < 1e-6);
      CHECK(test::padding_is_zero(tables[t]));
      CHECK(test::padding_is_zero(adam.first_moments()[t]));
      CHECK(test::padding_is_zero(adam.second_moments()[t]));
    }
  }
}

}  // namespace

TEST_CASE("Adam and LazyAdam satisfy the Optimizer concept", "[optim][adam]") {
  STATIC_REQUIRE(Optimizer<Adam>);
  STATIC_REQUIRE(Optimizer<LazyAdam>);
  CHECK(Adam::name() == "adam");
  CHECK(LazyAdam::name() == "lazy-adam");
  const Adam a;
  CHECK(a.learning_rate() == 1e-3);
  CHECK(a.params().beta1 == 0.9);
  CHECK(a.params().beta2 == 0.999);
  CHECK(a.params().eps == 1e-8);
  CHECK(a.params().weight_decay == 0);
  CHECK(Adam{{.lr = 1e-2, .weight_decay = 1e-4}}.params().weight_decay == 1e-4);
  const LazyAdam from_braces = {};  // the trainer's `O optimizer = {}`
  CHECK(from_braces.learning_rate() == 1e-3);
}

TEST_CASE("dense Adam matches the double-precision closed form over several steps",
          "[optim][adam]") {
  SECTION("with weight decay") { run_against_reference<Adam>(true, 0.1); }
  SECTION("without weight decay") { run_against_reference<Adam>(true, 0.0); }
}

TEST_CASE("LazyAdam matches the double-precision closed form over several steps", "[optim][adam]") {
  SECTION("with weight decay") { run_against_reference<LazyAdam>(false, 0.1); }
  SECTION("without weight decay") { run_against_reference<LazyAdam>(false, 0.0); }
}

TEST_CASE("dense Adam moves untouched rows, LazyAdam leaves them alone", "[optim][adam]") {
  Rng rng(5);
  ThreadPool pool(1);
  const std::array<std::pair<std::size_t, std::size_t>, 1> shape{{{4, 3}}};
  auto dense_tables = random_tables(shape, rng);
  auto lazy_tables = dense_tables;
  const RowMatrix before = dense_tables[0];
  const AdamParams p{.lr = 0.1, .weight_decay = 0.5};
  Adam dense{p};
  LazyAdam lazy{p};
  // Step 1 touches row 0 only, step 2 touches nothing, step 3 touches row 1.
  auto make = [&](int touched_row) {
    GradientAccumulator acc;
    acc.shape(dense_tables);
    if (touched_row >= 0) {
      real* g = acc.row(0, touched_row);
      g[0] = 1.0f, g[1] = -2.0f, g[2] = 0.5f;
    }
    SparseGradient grad;
    grad.merge(std::span<const GradientAccumulator>(&acc, 1), pool);
    return grad;
  };
  ReferenceAdam ref_dense(p, true, dense_tables), ref_lazy(p, false, lazy_tables);
  for (int touched : {0, -1, 1}) {
    const SparseGradient grad = make(touched);
    const RowMatrix lazy_before = lazy_tables[0];
    dense.step(dense_tables, grad, pool);
    lazy.step(lazy_tables, grad, pool);
    ref_dense.step(grad);
    ref_lazy.step(grad);
    CHECK(max_error(dense_tables[0], ref_dense.theta[0]) < 1e-6);
    CHECK(max_error(lazy_tables[0], ref_lazy.theta[0]) < 1e-6);
    for (std::size_t r = 0; r < 4; ++r) {
      if (int(r) == touched) continue;
      for (std::size_t c = 0; c < 3; ++c) CHECK(lazy_tables[0](r, c) == lazy_before(r, c));
    }
  }
  // Rows 2 and 3 never had a gradient: weight decay alone moved them towards 0
  // in the dense flavour; the lazy flavour never touched them.
  for (std::size_t r : {2u, 3u})
    for (std::size_t c = 0; c < 3; ++c) {
      CHECK(std::fabs(dense_tables[0](r, c)) < std::fabs(before(r, c)));
      CHECK(lazy_tables[0](r, c) == before(r, c));
    }
  CHECK(lazy.steps() == 3);  // the step count is global
}

TEST_CASE("dense Adam without weight decay leaves never-touched rows exactly unchanged",
          "[optim][adam]") {
  Rng rng(6);
  ThreadPool pool(1);
  auto tables = random_tables(shapes, rng);
  const auto before = tables;
  Adam adam;
  GradientAccumulator acc;
  acc.shape(tables);
  acc.row(1, 7)[3] = 1.0f;
  SparseGradient grad;
  grad.merge(std::span<const GradientAccumulator>(&acc, 1), pool);
  for (int s = 0; s < 3; ++s) adam.step(tables, grad, pool);
  CHECK(test::same_bytes(tables[0], before[0]));
  CHECK(tables[1](7, 3) != before[1](7, 3));
  CHECK(tables[1](7, 2) == before[1](7, 2));
  // An empty gradient still advances the dense flavour: row 7 keeps moving.
  const real moved = tables[1](7, 3);
  adam.step(tables, SparseGradient{}, pool);
  CHECK(tables[1](7, 3) < moved);
  CHECK(adam.steps() == 4);
}

TEST_CASE("Adam's SIMD row update matches the scalar reference", "[optim][adam][simd]") {
  // Same arithmetic in the same order, but the compiler may contract a*b + c
  // into an FMA in one path and not the other, so the check is 1e-6 relative
  // to the size of the operands (m = b1 m + (1 - b1) g may cancel).
  Rng rng(9);
  const std::size_t n = 64;
  aligned_vector<real> theta(n), m(n), v(n), g(n);
  const AdamParams p{.lr = 0.01, .weight_decay = 0.01};
  for (std::int64_t t : {1, 2, 10, 1000}) {
    for (bool with_grad : {true, false}) {
      for (std::size_t c = 0; c < n; ++c) {
        theta[c] = real(rng.normal());
        m[c] = real(0.1 * rng.normal());
        v[c] = real(0.01 * rng.uniform());
        g[c] = real(rng.normal());
      }
      const auto theta0 = theta, m0 = m, v0 = v;
      auto theta2 = theta, m2 = m, v2 = v;
      const auto rule = detail::AdamRule::at(p, t);
      const real* gp = with_grad ? g.data() : nullptr;
      detail::update_row(rule, n, gp, theta.data(), m.data(), v.data());
      detail::update_row_reference(rule, n, gp, theta2.data(), m2.data(), v2.data());
      for (std::size_t c = 0; c < n; ++c) {
        INFO("t " << t << " grad " << with_grad << " lane " << c);
        const double g_scale = std::fabs(with_grad ? g[c] : 0.0f) + 0.01 * std::fabs(theta0[c]);
        CHECK(std::fabs(m[c] - m2[c]) <= 1e-6 * (std::fabs(m0[c]) + g_scale));
        CHECK(std::fabs(v[c] - v2[c]) <= 1e-6 * (std::fabs(v0[c]) + g_scale * g_scale));
        CHECK(std::fabs(theta[c] - theta2[c]) <=
              1e-6 * (std::fabs(theta0[c]) + std::fabs(theta2[c] - theta0[c])));
        CHECK(theta[c] != theta0[c]);
      }
    }
  }
}

TEST_CASE("Adam divides by sqrt(1 - beta2^t) exactly, without a division", "[optim][adam]") {
  // The rule multiplies by the reciprocal and corrects with an FMA; on the
  // values it divides (s = sqrt(v) for a positive float v) that must equal
  // the correctly rounded quotient s / sqrt(1 - beta2^t), in the scalar and
  // the SIMD form.
  Rng rng(21);
  std::size_t checked = 0;
  for (const double beta2 : {0.999, 0.99, 0.98, 0.9, 0.5}) {
    for (std::int64_t t = 1; t <= 1'000'000; t = t < 64 ? t + 1 : t * 3) {
      const auto rule = detail::AdamRule::at({.beta2 = beta2}, t);
      for (int k = 0; k < 512; ++k) {
        // A positive finite float with uniformly random bits.
        const auto bits = static_cast<std::uint32_t>(rng.below(0x7f800000u - 1) + 1);
        const real s = std::sqrt(std::bit_cast<real>(bits));
        const real want = s / rule.bias2_sqrt;
        INFO("beta2 " << beta2 << " t " << t << " s " << s);
        REQUIRE(rule.divide_by_bias2_sqrt(s) == want);
        const auto lanes = rule.divide_by_bias2_sqrt(detail::optim_batch(s));
        REQUIRE(lanes.get(0) == want);
        ++checked;
      }
    }
  }
  CHECK(checked == 5 * 512 * (63 + 9));  // t = 1..63, then 64 * 3^j up to 10^6
}

TEST_CASE("dense Adam gives identical bytes with 1 and 2 threads", "[optim][adam][determinism]") {
  Rng rng(3);
  const std::array<std::pair<std::size_t, std::size_t>, 2> big{{{3001, 32}, {2003, 64}}};
  auto one = random_tables(big, rng);
  auto two = one;
  ThreadPool pool1(1), pool2(2);
  Adam a1{{.lr = 1e-3, .weight_decay = 1e-4}}, a2{{.lr = 1e-3, .weight_decay = 1e-4}};
  for (int s = 0; s < 4; ++s) {
    const SparseGradient grad = random_gradient(one, rng, 0.2, pool1);
    a1.step(one, grad, pool1);
    a2.step(two, grad, pool2);
  }
  for (std::size_t t = 0; t < one.size(); ++t) {
    CHECK(test::same_bytes(one[t], two[t]));
    CHECK(test::same_bytes(a1.first_moments()[t], a2.first_moments()[t]));
    CHECK(test::same_bytes(a1.second_moments()[t], a2.second_moments()[t]));
  }
}

TEST_CASE("Adam rejects bad parameters and mismatched tables", "[optim][adam]") {
  CHECK_THROWS_WITH(Adam({.beta1 = 1.0}), Catch::Contains("beta1 must be in [0, 1), got 1"));
  CHECK_THROWS_AS(Adam({.beta2 = -0.1}), InvalidArgument);
  CHECK_THROWS_AS(Adam({.eps = 0}), InvalidArgument);
  CHECK_THROWS_AS(LazyAdam({.lr = -1}), InvalidArgument);
  CHECK_THROWS_WITH(LazyAdam({.weight_decay = -1}), Catch::Contains("hardneg::LazyAdam"));
  Adam adam;
  CHECK_THROWS_AS(adam.set_learning_rate(std::nan("")), InvalidArgument);

  Rng rng(1);
  ThreadPool pool(1);
  auto tables = random_tables(shapes, rng);
  const SparseGradient grad = random_gradient(tables, rng, 0.5, pool);
  adam.step(tables, grad, pool);
  // A different model: the state no longer fits.
  std::vector<RowMatrix> other{RowMatrix(10, 5), RowMatrix(53, 20)};
  CHECK_THROWS_WITH(adam.step(other, SparseGradient{}, pool), Catch::Contains("changed shape"));
  // A gradient of another number of tables.
  std::vector<RowMatrix> one_table{RowMatrix(37, 5)};
  CHECK_THROWS_WITH(adam.step(one_table, grad, pool), Catch::Contains("the gradient has 2 tables"));
  adam.reset();
  CHECK(adam.steps() == 0);
  CHECK(adam.first_moments().empty());
  CHECK_NOTHROW(adam.step(other, SparseGradient{}, pool));
}
