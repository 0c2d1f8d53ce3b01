// Tests of samplers/softmax_v.hpp: the weights on a hand-computed example
// (Z = 1, 2, 3, 4: unbiased variance 5/3, tau = sqrt(Var / (2 rho))); the
// SIMD variance and weights against their scalar references; the sampler's
// weights against the formula recomputed in double from its output; the
// Var = 0 and N = 1 guards (uniform weights); the limits of rho; exclusion
// of seen items, determinism by seed, parameter checks.
#include "hardneg/samplers/softmax_v.hpp"

#include <catch2/catch.hpp>

#include "training_check.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <vector>

#include "hardneg/core/concepts.hpp"
#include "hardneg/models/mf.hpp"

namespace {

using hardneg::index_t;
using hardneg::real;

static_assert(hardneg::Sampler<hardneg::SoftmaxV<>, hardneg::MF>);
static_assert(hardneg::Sampler<hardneg::SoftmaxV<9>, hardneg::MF>);

// Softmax-v's weights from the scores, in double: Z_j = softplus(s_j - s_i),
// Var = unbiased variance of Z, tau = sqrt(Var / (2 rho)), w = softmax(Z / tau).
std::vector<double> softmax_v_formula(real s_pos, std::span<const real> s, double rho) {
  const std::size_t n = s.size();
  std::vector<double> z(n);
  for (std::size_t j = 0; j < n; ++j) z[j] = std::log1p(std::exp(static_cast<double>(s[j]) - s_pos));
  const double mean = std::accumulate(z.begin(), z.end(), 0.0) / static_cast<double>(n);
  double ss = 0;
  for (double v : z) ss += (v - mean) * (v - mean);
  const double var = n > 1 ? ss / static_cast<double>(n - 1) : 0;
  if (var == 0) return std::vector<double>(n, 1.0 / static_cast<double>(n));
  const double tau = std::sqrt(var / (2 * rho));
  const double top = *std::max_element(z.begin(), z.end());
  double total = 0;
  for (double& v : z) total += (v = std::exp((v - top) / tau));
  for (double& v : z) v /= total;
  return z;
}

// A model whose item j scores x_j for user 0 (dim 1, user vector 1).
hardneg::MF scores_model(const std::vector<double>& x) {
  hardneg::RowMatrix users(1, 1), items(x.size(), 1);
  users(0, 0) = 1;
  for (std::size_t j = 0; j < x.size(); ++j) items(j, 0) = static_cast<real>(x[j]);
  return hardneg::MF(std::move(users), std::move(items));
}

}  // namespace

TEST_CASE("Softmax-v weights on a hand-computed example", "[samplers][softmax_v]") {
  // Z = 1, 2, 3, 4: mean 5/2, unbiased variance (9/4 + 1/4 + 1/4 + 9/4) / 3 = 5/3.
  // rho = 1: tau = sqrt(5/6) = 0.91287..., w_j ∝ e^{Z_j / tau}.
  const std::vector<real> z{1, 2, 3, 4};
  CHECK(hardneg::detail::sample_variance(z) == Approx(5.0 / 3.0).epsilon(1e-6));
  std::vector<real> w(4);
  CHECK(hardneg::detail::softmax_v_weights(z, 1.0, w) == Approx(0.9128709291752769).epsilon(1e-6));
  CHECK(w[0] == Approx(0.02520265555578782).epsilon(1e-5));
  CHECK(w[1] == Approx(0.07536888191833069).epsilon(1e-5));
  CHECK(w[2] == Approx(0.22539165958306123).epsilon(1e-5));
  CHECK(w[3] == Approx(0.6740368029428203).epsilon(1e-5));
  CHECK(w[0] + w[1] + w[2] + w[3] == Approx(1.0f).epsilon(1e-6));
  // rho = 1/2: tau = sqrt(5/3) = 1.29099...: softer.
  CHECK(hardneg::detail::softmax_v_weights(z, 0.5, w) == Approx(1.2909944487358056).epsilon(1e-6));
  CHECK(w[0] == Approx(0.05527396126751506).epsilon(1e-5));
  CHECK(w[3] == Approx(0.5645855613228616).epsilon(1e-5));

  // The same through the sampler: items scoring log(e^z - 1) have
  // softplus(score - 0) = z. With allow_seen and 4 items the candidates are
  // random; the weights must follow their Z.
  std::vector<double> x;
  for (double v : {1.0, 2.0, 3.0, 4.0}) x.push_back(std::log(std::expm1(v)));
  const hardneg::MF model = scores_model(x);
  hardneg::Rng rng(1);
  hardneg::SamplerWorkspace ws;
  hardneg::Negatives out(4);
  const std::vector<index_t> none;
  hardneg::SampleContext ctx{0, 0, 0.0f, none, true, rng, ws};
  for (int call = 0; call < 50; ++call) {
    hardneg::SoftmaxV<4>{}.sample(model, ctx, out);
    std::vector<index_t> ids(out.items().begin(), out.items().end());
    std::sort(ids.begin(), ids.end());
    if (ids != std::vector<index_t>{0, 1, 2, 3}) continue;  // keep the calls that drew each item once
    for (std::size_t j = 0; j < 4; ++j) {
      const double expected = std::vector<double>{0.02520265555578782, 0.07536888191833069,
                                                  0.22539165958306123, 0.6740368029428203}[static_cast<std::size_t>(out.items()[j])];
      CHECK(out.weights()[j] == Approx(expected).epsilon(1e-4));
    }
  }
}

TEST_CASE("Softmax-v kernels match their scalar references", "[samplers][softmax_v]") {
  hardneg::Rng rng(5);
  for (std::size_t n : {2u, 3u, 16u, 17u, 200u, 777u}) {
    for (const double spread : {1e-3, 1.0, 20.0}) {
      std::vector<real> z(n);
      for (real& v : z) v = static_cast<real>(spread * std::abs(rng.normal()));
      CAPTURE(n, spread);
      REQUIRE(hardneg::detail::sample_variance(z) ==
              Approx(hardneg::detail::sample_variance_reference(z)).epsilon(1e-4));
      for (const double rho : {0.01, 1.0, 100.0}) {
        std::vector<real> w(n), w_ref(n);
        const double tau = hardneg::detail::softmax_v_weights(z, rho, w);
        const double tau_ref = hardneg::detail::softmax_v_weights_reference(z, rho, w_ref);
        REQUIRE(tau == Approx(tau_ref).epsilon(1e-4));
        double total = 0;
        for (std::size_t j = 0; j < n; ++j) {
          REQUIRE(w[j] == Approx(w_ref[j]).epsilon(1e-3).margin(1e-6));
          total += w[j];
        }
        REQUIRE(total == Approx(1.0).epsilon(1e-5));
      }
    }
  }
}

TEST_CASE("Softmax-v sample() weights follow the formula over all N candidates", "[samplers][softmax_v]") {
  const hardneg::MF model(3, 400, {.dim = 16, .init_std = 0.4, .seed = 4});
  const std::vector<index_t> seen{0, 9, 99, 399};
  for (const double rho : {0.1, 1.0, 10.0}) {
    for (const int n : {2, 13, 200}) {
      const hardneg::SoftmaxV<> sampler({.rho = rho, .n = n});
      REQUIRE(sampler.max_negatives() == static_cast<std::size_t>(n));
      for (const bool allow_seen : {false, true}) {
        hardneg::Rng rng(2);
        hardneg::SamplerWorkspace ws;
        hardneg::Negatives out(sampler.max_negatives());
        for (int call = 0; call < 30; ++call) {
          const index_t user = call % 3;
          hardneg::SampleContext ctx{user, 9, model.score(user, 9), seen, allow_seen, rng, ws};
          sampler.sample(model, ctx, out);
          REQUIRE(out.size() == static_cast<std::size_t>(n));
          REQUIRE(out.scored);
          for (std::size_t j = 0; j < out.size(); ++j) {
            REQUIRE(out.scores()[j] == model.score(user, out.items()[j]));
            if (!allow_seen) {
              REQUIRE(out.items()[j] != 9);
              REQUIRE_FALSE(std::binary_search(seen.begin(), seen.end(), out.items()[j]));
            }
          }
          const auto expected = softmax_v_formula(ctx.positive_score, out.scores(), rho);
          double total = 0;
          for (std::size_t j = 0; j < out.size(); ++j) {
            CAPTURE(rho, n, j);
            REQUIRE(out.weights()[j] == Approx(expected[j]).epsilon(1e-3).margin(1e-6));
            total += out.weights()[j];
          }
          REQUIRE(total == Approx(1.0).epsilon(1e-5));
        }
      }
    }
  }
}

TEST_CASE("Softmax-v guards Var = 0 and N = 1 with uniform weights", "[samplers][softmax_v]") {
  // Every item scores 0.5: all Z are equal, Var = 0 (tau would be 0: NaN).
  const hardneg::MF flat = scores_model(std::vector<double>(50, 0.5));
  const std::vector<index_t> seen{3};
  hardneg::Rng rng(7);
  hardneg::SamplerWorkspace ws;
  hardneg::Negatives out(200);
  hardneg::SampleContext ctx{0, 3, 0.5f, seen, false, rng, ws};
  hardneg::SoftmaxV<>{}.sample(flat, ctx, out);
  REQUIRE(out.size() == 200);
  for (real w : out.weights()) CHECK(w == 1.0f / 200);

  const std::vector<real> same(7, 2.5f);
  std::vector<real> w(7);
  CHECK(hardneg::detail::softmax_v_weights(same, 1.0, w) == 0.0);
  for (real x : w) CHECK(x == 1.0f / 7);

  // N = 1: one candidate, weight 1 (no variance from one value).
  const hardneg::MF model(1, 50, {.dim = 4, .init_std = 1.0});
  for (int call = 0; call < 20; ++call) {
    hardneg::SoftmaxV<1>{}.sample(model, ctx, out);
    REQUIRE(out.size() == 1);
    CHECK(out.weights()[0] == 1.0f);
    CHECK(std::isfinite(out.weights()[0]));
  }
}

TEST_CASE("Softmax-v's rho moves the weights between uniform and the best candidate",
          "[samplers][softmax_v]") {
  const hardneg::MF model(1, 500, {.dim = 16, .init_std = 0.5, .seed = 5});
  const std::vector<index_t> seen{4};
  const auto weight_on_best = [&](double rho) {
    hardneg::Rng rng(12);  // the same candidates for every rho
    hardneg::SamplerWorkspace ws;
    hardneg::Negatives out(100);
    hardneg::SampleContext ctx{0, 4, model.score(0, 4), seen, false, rng, ws};
    hardneg::SoftmaxV<100>({.rho = rho}).sample(model, ctx, out);
    const auto best = std::max_element(out.scores().begin(), out.scores().end()) - out.scores().begin();
    const index_t best_item = out.items()[static_cast<std::size_t>(best)];
    double on_best = 0, smallest = 1;
    for (std::size_t j = 0; j < out.size(); ++j) {
      on_best += out.items()[j] == best_item ? out.weights()[j] : 0;
      smallest = std::min(smallest, static_cast<double>(out.weights()[j]));
    }
    return std::pair{on_best, smallest};
  };
  CHECK(weight_on_best(1e12).first == Approx(1.0).epsilon(1e-6));  // tau -> 0
  CHECK(weight_on_best(1e300).first == Approx(1.0).epsilon(1e-6));  // 1/tau overflows a float
  const auto soft = weight_on_best(1e-8);                            // tau -> infinity
  CHECK(soft.second == Approx(0.01).epsilon(1e-3));
  CHECK(soft.first < 0.05);
}

TEST_CASE("Softmax-v is deterministic by seed, and checks its parameters", "[samplers][softmax_v]") {
  const hardneg::MF model(2, 1000, {.dim = 8});
  const std::vector<index_t> seen{1, 2, 3};
  const hardneg::SoftmaxV<> sampler;
  CHECK(hardneg::SoftmaxV<>::name() == "softmax-v");
  CHECK(sampler.params().rho == 1.0);
  CHECK(sampler.params().n == 200);
  const auto run = [&](std::uint64_t seed) { return hardneg::test::draw_trace(sampler, model, seen, seed); };
  CHECK(run(5) == run(5));
  CHECK(run(5) != run(6));

  CHECK_THROWS_AS(hardneg::SoftmaxV<>({.rho = 0}), hardneg::InvalidArgument);
  CHECK_THROWS_AS(hardneg::SoftmaxV<>({.rho = -2}), hardneg::InvalidArgument);
  CHECK_THROWS_AS(hardneg::SoftmaxV<>({.rho = INFINITY}), hardneg::InvalidArgument);
  CHECK_THROWS_AS(hardneg::SoftmaxV<>({.n = 0}), hardneg::InvalidArgument);
}
