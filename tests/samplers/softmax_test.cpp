// Tests of samplers/softmax.hpp: the SIMD weighting kernels against their
// scalar references and against hand-computed values; the sampler's weights
// against the formula w_j = softmax_j(softplus(s_j - s_i) / tau) recomputed
// in double from its output; the limits tau -> 0 (all mass on the best
// candidate) and tau -> infinity (uniform); exclusion of seen items,
// determinism by seed, parameter checks.
#include "hardneg/samplers/softmax.hpp"

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

static_assert(hardneg::Sampler<hardneg::Softmax<>, hardneg::MF>);
static_assert(hardneg::Sampler<hardneg::Softmax<7>, hardneg::MF>);

// w_j = softmax_j(softplus(s_j - s_pos) / tau), in double.
std::vector<double> softmax_formula(real s_pos, std::span<const real> s, double tau) {
  std::vector<double> z(s.size());
  for (std::size_t j = 0; j < s.size(); ++j) {
    const double x = static_cast<double>(s[j]) - s_pos;
    z[j] = std::log1p(std::exp(x));  // no overflow for the scores used here
  }
  const double top = *std::max_element(z.begin(), z.end());
  double total = 0;
  for (double& v : z) total += (v = std::exp((v - top) / tau));
  for (double& v : z) v /= total;
  return z;
}

}  // namespace

TEST_CASE("softmax kernels give hand-computed values", "[samplers][softmax]") {
  // softmax(1, 2, 3) = e^z / (e + e^2 + e^3)
  const std::vector<real> z{1, 2, 3};
  std::vector<real> w(3);
  hardneg::detail::softmax_weights(z, 1.0f, w);
  CHECK(w[0] == Approx(0.09003057317038046).epsilon(1e-6));
  CHECK(w[1] == Approx(0.24472847105479767).epsilon(1e-6));
  CHECK(w[2] == Approx(0.6652409557748219).epsilon(1e-6));
  // tau = 0.5: softmax(2, 4, 6)
  hardneg::detail::softmax_weights(z, 2.0f, w);
  CHECK(w[0] == Approx(0.015876239976466765).epsilon(1e-6));
  CHECK(w[1] == Approx(0.11731042782619835).epsilon(1e-6));
  CHECK(w[2] == Approx(0.8668133321973348).epsilon(1e-6));
  // softplus: log 2 at 0, ~x for large x, ~e^x for very negative x.
  const std::vector<real> s{0.0f, 1.0f, 40.0f, -20.0f};
  std::vector<real> l(4);
  hardneg::detail::bpr_losses(0.0f, s, l);
  CHECK(l[0] == Approx(std::log(2.0)).epsilon(1e-6));
  CHECK(l[1] == Approx(1.3132616875182228).epsilon(1e-6));
  CHECK(l[2] == Approx(40.0).epsilon(1e-6));
  CHECK(l[3] == Approx(2.0611536181902037e-09).epsilon(1e-4));
}

TEST_CASE("softmax kernels match their scalar references", "[samplers][softmax]") {
  hardneg::Rng rng(8);
  for (std::size_t n : {1u, 2u, 15u, 16u, 17u, 31u, 200u, 1001u}) {
    for (const double spread : {0.1, 3.0, 30.0}) {
      std::vector<real> s(n);
      for (real& v : s) v = static_cast<real>(spread * rng.normal());
      const real s_pos = static_cast<real>(spread * rng.normal());
      std::vector<real> z(n), z_ref(n);
      hardneg::detail::bpr_losses(s_pos, s, z);
      hardneg::detail::bpr_losses_reference(s_pos, s, z_ref);
      CAPTURE(n, spread);
      for (std::size_t j = 0; j < n; ++j) {
        REQUIRE(z[j] >= 0);
        REQUIRE(z[j] == Approx(z_ref[j]).epsilon(1e-5).margin(1e-30));
      }
      for (const double inv_tau : {0.0, 0.01, 1.0, 10.0, 1000.0}) {
        std::vector<real> w(n), w_ref(n);
        hardneg::detail::softmax_weights(z, static_cast<real>(inv_tau), w);
        hardneg::detail::softmax_weights_reference(z, inv_tau, w_ref);
        double total = 0;
        for (std::size_t j = 0; j < n; ++j) {
          REQUIRE(w[j] >= 0);
          REQUIRE(w[j] == Approx(w_ref[j]).epsilon(1e-4).margin(1e-6));
          total += w[j];
        }
        REQUIRE(total == Approx(1.0).epsilon(1e-5));
      }
      // In place (w aliasing z), as the samplers call it.
      std::vector<real> in_place = z, w(n);
      hardneg::detail::softmax_weights(z, 2.0f, w);
      hardneg::detail::softmax_weights(in_place, 2.0f, in_place);
      REQUIRE(in_place == w);
    }
  }
}

TEST_CASE("Softmax weights are softmax(softplus(s_j - s_i) / tau) over all N candidates",
          "[samplers][softmax]") {
  const hardneg::MF model(3, 400, {.dim = 16, .init_std = 0.4, .seed = 4});
  const std::vector<index_t> seen{0, 9, 99, 399};
  for (const double tau : {0.01, 0.1, 1.0}) {
    for (const int n : {1, 13, 200}) {
      const hardneg::Softmax<> sampler({.tau = tau, .n = n});
      REQUIRE(sampler.max_negatives() == static_cast<std::size_t>(n));
      hardneg::Rng rng(2);
      hardneg::SamplerWorkspace ws;
      hardneg::Negatives out(sampler.max_negatives());
      for (int call = 0; call < 30; ++call) {
        const index_t user = call % 3;
        hardneg::SampleContext ctx{user, 9, model.score(user, 9), seen, false, rng, ws};
        sampler.sample(model, ctx, out);
        REQUIRE(out.size() == static_cast<std::size_t>(n));
        REQUIRE(out.scored);
        for (std::size_t j = 0; j < out.size(); ++j) {
          REQUIRE(out.scores()[j] == model.score(user, out.items()[j]));
          REQUIRE_FALSE(std::binary_search(seen.begin(), seen.end(), out.items()[j]));
        }
        const auto expected = softmax_formula(ctx.positive_score, out.scores(), tau);
        double total = 0;
        for (std::size_t j = 0; j < out.size(); ++j) {
          CAPTURE(tau, n, j);
          REQUIRE(out.weights()[j] == Approx(expected[j]).epsilon(1e-4).margin(1e-6));
          total += out.weights()[j];
        }
        REQUIRE(total == Approx(1.0).epsilon(1e-5));
      }
    }
  }
}

TEST_CASE("Softmax's temperature moves the weights between uniform and the best candidate",
          "[samplers][softmax]") {
  const hardneg::MF model(1, 500, {.dim = 16, .init_std = 0.5, .seed = 5});
  const std::vector<index_t> seen{4};
  const auto weights_for = [&](double tau) {
    hardneg::Rng rng(12);  // the same candidates for every tau
    hardneg::SamplerWorkspace ws;
    hardneg::Negatives out(100);
    hardneg::SampleContext ctx{0, 4, model.score(0, 4), seen, false, rng, ws};
    hardneg::Softmax<100>({.tau = tau}).sample(model, ctx, out);
    // The weight on the best item (which may have been drawn more than once).
    const auto best = std::max_element(out.scores().begin(), out.scores().end()) - out.scores().begin();
    const index_t best_item = out.items()[static_cast<std::size_t>(best)];
    double on_best = 0;
    for (std::size_t j = 0; j < out.size(); ++j) on_best += out.items()[j] == best_item ? out.weights()[j] : 0;
    return std::pair{std::vector<real>(out.weights().begin(), out.weights().end()), on_best};
  };
  CHECK(weights_for(1e-6).second == Approx(1.0).epsilon(1e-6));
  for (real w : weights_for(1e6).first) CHECK(w == Approx(0.01).epsilon(1e-4));
}

TEST_CASE("Softmax is deterministic by seed, and checks its parameters", "[samplers][softmax]") {
  const hardneg::MF model(2, 1000, {.dim = 8});
  const std::vector<index_t> seen{1, 2, 3};
  const hardneg::Softmax<> sampler;
  CHECK(hardneg::Softmax<>::name() == "softmax");
  CHECK(sampler.params().tau == 0.1);
  CHECK(sampler.params().n == 200);
  const auto run = [&](std::uint64_t seed) { return hardneg::test::draw_trace(sampler, model, seen, seed); };
  CHECK(run(5) == run(5));
  CHECK(run(5) != run(6));

  CHECK_THROWS_AS(hardneg::Softmax<>({.tau = 0}), hardneg::InvalidArgument);
  CHECK_THROWS_AS(hardneg::Softmax<>({.tau = -1}), hardneg::InvalidArgument);
  CHECK_THROWS_AS(hardneg::Softmax<>({.tau = std::nan("")}), hardneg::InvalidArgument);
  CHECK_THROWS_AS(hardneg::Softmax<>({.tau = 1e-300}), hardneg::InvalidArgument);
  CHECK_THROWS_AS(hardneg::Softmax<>({.n = 0}), hardneg::InvalidArgument);
}
