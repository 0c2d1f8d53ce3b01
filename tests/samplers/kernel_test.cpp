// Tests of samplers/kernel.hpp: the exact proposal q(j | u) = (alpha
// (u.v_j)^2 + 1) / sum_i (...) sums to 1 and matches a double-precision
// reference; the tree's draws fit q (chi-square, level 0.001, fixed seeds,
// leaves of 1, 4 and 64 items; the same check rejects the uniform law and the
// wrong alpha), restricted to the unseen items with exclusion; the importance
// and uniform weights; errors; the Sampler concept needs the embedding
// tables; a short training run through the Trainer.
#include "hardneg/samplers/kernel.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "chi_square.hpp"
#include "training_check.hpp"
#include "hardneg/core/concepts.hpp"
#include "hardneg/data/synthetic.hpp"
#include "hardneg/losses/bpr.hpp"
#include "hardneg/models/mf.hpp"
#include "hardneg/optim/adam.hpp"
#include "hardneg/train/trainer.hpp"

namespace {

using hardneg::index_t;
using hardneg::Kernel;
using hardneg::KernelWeighting;
using hardneg::real;

constexpr double level = 0.001;

static_assert(hardneg::Sampler<Kernel<>, hardneg::MF>);

struct ScoreOnly {
  static constexpr std::string_view name() { return "score-only"; }
  index_t n_users() const { return 1; }
  index_t n_items() const { return 1; }
  real score(index_t, index_t) const { return 0; }
  void score_items(index_t, std::span<const index_t>, std::span<real>) const {}
};
static_assert(!hardneg::Sampler<Kernel<>, ScoreOnly>, "the kernel sampler needs the embedding tables");

// q(. | u) in double, straight from the definition.
std::vector<double> reference_q(const hardneg::MF& model, index_t u, double alpha) {
  const auto n = static_cast<std::size_t>(model.n_items());
  std::vector<double> q(n);
  double total = 0;
  for (std::size_t j = 0; j < n; ++j) {
    double dot = 0;
    for (std::size_t c = 0; c < model.dim(); ++c)
      dot += static_cast<double>(model.user_embeddings()(static_cast<std::size_t>(u), c)) *
             static_cast<double>(model.item_embeddings()(j, c));
    total += q[j] = alpha * dot * dot + 1;
  }
  for (double& x : q) x /= total;
  return q;
}

using hardneg::test::sampled_auc;

}  // namespace

TEST_CASE("pair_dot matches its scalar reference", "[samplers][kernel]") {
  hardneg::Rng rng(2);
  for (std::size_t n : {1u, 15u, 16u, 17u, 33u, 529u}) {
    const std::size_t padded = hardneg::padded_size(n);
    hardneg::aligned_vector<real> w(padded, 0), a(padded, 0), b(padded, 0);
    for (std::size_t c = 0; c < n; ++c) {
      w[c] = static_cast<real>(rng.normal());
      a[c] = static_cast<real>(rng.normal());
      b[c] = static_cast<real>(rng.normal());
    }
    double da, db, ra, rb;
    hardneg::detail::pair_dot(w.data(), a.data(), b.data(), n, da, db);
    hardneg::detail::pair_dot_reference(w.data(), a.data(), b.data(), n, ra, rb);
    CHECK(da == Approx(ra).epsilon(1e-5).margin(1e-4));
    CHECK(db == Approx(rb).epsilon(1e-5).margin(1e-4));
  }
}

TEST_CASE("Kernel proposal q sums to 1 and matches the definition", "[samplers][kernel]") {
  const hardneg::MF model(5, 37, {.dim = 6, .init_std = 0.8, .seed = 4});
  for (const double alpha : {1.0, 0.3}) {
    Kernel<> sampler({.alpha = alpha, .leaf_size = 4});
    hardneg::ThreadPool pool(2);
    sampler.on_epoch_begin(model, hardneg::Interactions(), 0, pool);
    for (index_t u = 0; u < 5; ++u) {
      const auto ref = reference_q(model, u, alpha);
      double total = 0;
      for (index_t j = 0; j < 37; ++j) {
        const double q = sampler.proposal_probability(model, u, j);
        CHECK(q == Approx(ref[static_cast<std::size_t>(j)]).epsilon(1e-5));
        total += q;
      }
      CHECK(total == Approx(1.0).epsilon(1e-5));
    }
  }
}

TEST_CASE("Kernel tree draws fit q (chi-square)", "[samplers][kernel]") {
  const hardneg::MF model(3, 37, {.dim = 4, .init_std = 1.0, .seed = 7});
  const int leaf = GENERATE(1, 4, 64);
  Kernel<5> sampler({.leaf_size = leaf});
  hardneg::ThreadPool pool(2);
  sampler.on_epoch_begin(model, hardneg::Interactions(), 0, pool);
  hardneg::Rng rng(31 + static_cast<std::uint64_t>(leaf));
  hardneg::SamplerWorkspace ws;
  hardneg::Negatives out(5);
  const std::vector<index_t> seen{3, 10, 11};
  const index_t u = 1;
  for (const bool allow_seen : {true, false}) {
    hardneg::SampleContext ctx{u, 3, model.score(u, 3), seen, allow_seen, rng, ws};
    std::vector<std::size_t> counts(37, 0);
    for (int c = 0; c < 30'000; ++c) {  // 150,000 draws
      sampler.sample(model, ctx, out);
      for (index_t j : out.items()) ++counts[static_cast<std::size_t>(j)];
    }
    auto q = reference_q(model, u, 1.0);
    auto wrong_alpha = reference_q(model, u, 1.5);
    std::vector<double> uniform(37, 1.0);
    if (!allow_seen)
      for (index_t s : seen) q[static_cast<std::size_t>(s)] = wrong_alpha[static_cast<std::size_t>(s)] =
                                 uniform[static_cast<std::size_t>(s)] = 0;
    const auto fit = hardneg_test::chi_square(counts, q);
    INFO("leaf " << leaf << " allow_seen " << allow_seen << " chi2 " << fit.statistic << " p " << fit.p_value);
    CHECK(fit.p_value > level);
    CHECK(hardneg_test::chi_square(counts, wrong_alpha).p_value < level);
    CHECK(hardneg_test::chi_square(counts, uniform).p_value < level);
  }
}

TEST_CASE("Kernel weights: importance formula with the exact q, or 1/k", "[samplers][kernel]") {
  const hardneg::MF model(3, 50, {.dim = 4, .init_std = 0.7, .seed = 11});
  hardneg::ThreadPool pool(1);
  const std::vector<index_t> seen{2, 7};
  for (const double lambda : {1.0, 0.5}) {
    Kernel<6> sampler({.lambda = lambda});
    sampler.on_epoch_begin(model, hardneg::Interactions(), 0, pool);
    hardneg::Rng rng(3);
    hardneg::SamplerWorkspace ws;
    hardneg::Negatives out(6);
    const real s_pos = model.score(0, 2);
    hardneg::SampleContext ctx{0, 2, s_pos, seen, false, rng, ws};
    for (int c = 0; c < 30; ++c) {
      sampler.sample(model, ctx, out);
      REQUIRE(out.scored);
      std::vector<double> e(6);
      double z = 0, total = 0;
      for (std::size_t j = 0; j < 6; ++j) {
        const index_t item = out.items()[j];
        CHECK(out.scores()[j] == model.score(0, item));
        e[j] = std::exp((out.scores()[j] - s_pos) / lambda) / sampler.proposal_probability(model, 0, item);
        z += e[j];
      }
      for (std::size_t j = 0; j < 6; ++j) {
        CHECK(out.weights()[j] == Approx(e[j] / z).epsilon(1e-4));
        total += out.weights()[j];
      }
      CHECK(total == Approx(1.0).epsilon(1e-6));
    }
  }
  Kernel<4> plain({.weighting = KernelWeighting::uniform});
  plain.on_epoch_begin(model, hardneg::Interactions(), 0, pool);
  hardneg::Rng rng(3);
  hardneg::SamplerWorkspace ws;
  hardneg::Negatives out(4);
  hardneg::SampleContext ctx{0, 2, 0, seen, false, rng, ws};
  plain.sample(model, ctx, out);
  for (real w : out.weights()) CHECK(w == 0.25f);
}

TEST_CASE("Kernel rejects bad parameters and sampling before on_epoch_begin", "[samplers][kernel]") {
  CHECK_THROWS_AS(Kernel<>({.k = 0}), hardneg::InvalidArgument);
  CHECK_THROWS_AS(Kernel<>({.alpha = -1}), hardneg::InvalidArgument);
  CHECK_THROWS_AS(Kernel<>({.lambda = 0}), hardneg::InvalidArgument);
  CHECK_THROWS_AS(Kernel<>({.leaf_size = 0}), hardneg::InvalidArgument);
  const hardneg::MF model(1, 5, {.dim = 2});
  const Kernel<> sampler;
  hardneg::Rng rng(1);
  hardneg::SamplerWorkspace ws;
  hardneg::Negatives out(5);
  const std::vector<index_t> seen{0};
  hardneg::SampleContext ctx{0, 0, 0, seen, false, rng, ws};
  CHECK_THROWS_AS(sampler.sample(model, ctx, out), hardneg::InvalidArgument);
}

TEST_CASE("Kernel trains MF with BPR through the Trainer", "[samplers][kernel][trainer]") {
  const auto data = hardneg::make_synthetic(hardneg::SyntheticOptions::tiny());
  const auto run = [&] {
    hardneg::MF model(data.n_users(), data.n_items(), {.dim = 16, .seed = 2});
    hardneg::Trainer<hardneg::MF, Kernel<>, hardneg::BPR, hardneg::Adam> trainer(
        model, {.batch = 256, .epochs = 5, .threads = 2, .seed = 3}, Kernel<>(), {},
        hardneg::Adam({.lr = 0.01}));
    const auto ctx = trainer.fit(data.train);
    CHECK(std::isfinite(ctx.loss));
    return model;
  };
  const hardneg::MF before(data.n_users(), data.n_items(), {.dim = 16, .seed = 2});
  const auto model = run();
  const double auc_before = sampled_auc(before, data), auc = sampled_auc(model, data);
  INFO("sampled AUC " << auc_before << " -> " << auc);
  CHECK(auc > auc_before + 0.1);
  CHECK(run().item_embeddings() == model.item_embeddings());  // deterministic
}
