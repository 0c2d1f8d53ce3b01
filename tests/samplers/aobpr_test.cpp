// Tests of samplers/aobpr.hpp: with one factor the ranks of the drawn items
// follow p(r) ∝ exp(-r / lambda) (chi-square, level 0.001, fixed seeds; a
// wrong lambda is rejected by the same check), descending for a positive
// user factor and ascending for a negative one; with two factors the factor
// is chosen with p(f) ∝ |v_uf| sigma_f (chi-square); the orderings and
// sigma_f; exclusion; the automatic lambda; errors; the Sampler concept
// needs the embedding tables; a short training run through the Trainer.
#include "hardneg/samplers/aobpr.hpp"

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

using hardneg::AOBPR;
using hardneg::index_t;
using hardneg::real;

constexpr double level = 0.001;

static_assert(hardneg::Sampler<AOBPR<>, hardneg::MF>);

// A model that scores but does not expose embedding tables.
struct ScoreOnly {
  static constexpr std::string_view name() { return "score-only"; }
  index_t n_users() const { return 1; }
  index_t n_items() const { return 1; }
  real score(index_t, index_t) const { return 0; }
  void score_items(index_t, std::span<const index_t>, std::span<real>) const {}
};
static_assert(!hardneg::Sampler<AOBPR<>, ScoreOnly>, "AOBPR needs user_embeddings()/item_embeddings()");

hardneg::MF make_model(const std::vector<std::vector<real>>& user_rows, const std::vector<std::vector<real>>& item_rows) {
  const std::size_t d = item_rows[0].size();
  hardneg::RowMatrix users(user_rows.size(), d), items(item_rows.size(), d);
  for (std::size_t u = 0; u < user_rows.size(); ++u)
    for (std::size_t c = 0; c < d; ++c) users(u, c) = user_rows[u][c];
  for (std::size_t j = 0; j < item_rows.size(); ++j)
    for (std::size_t c = 0; c < d; ++c) items(j, c) = item_rows[j][c];
  return hardneg::MF(std::move(users), std::move(items));
}

std::vector<double> rank_law(std::size_t n, double lambda) {
  std::vector<double> p(n);
  for (std::size_t r = 1; r <= n; ++r) p[r - 1] = std::exp(-static_cast<double>(r) / lambda);
  return p;
}

using hardneg::test::sampled_auc;

}  // namespace

TEST_CASE("AOBPR with one factor draws ranks from exp(-r / lambda) (chi-square)", "[samplers][aobpr]") {
  // 60 items with distinct factor values in a scrambled order.
  const std::size_t n = 60;
  std::vector<std::vector<real>> item_rows(n);
  for (std::size_t j = 0; j < n; ++j) item_rows[j] = {static_cast<real>((j * 37) % n) - 30.0f};
  const real sign = GENERATE(1.0f, -1.0f);
  const auto model = make_model({{sign * 0.7f}}, item_rows);
  AOBPR<2> sampler({.lambda = 8});
  hardneg::ThreadPool pool(2);
  sampler.on_epoch_begin(model, hardneg::Interactions(), 0, pool);
  CHECK(sampler.lambda() == 8);

  // rank_of[j]: 1-based position of j in the order the user's sign selects.
  std::vector<std::size_t> rank_of(n);
  const auto order = sampler.factor_order(0);
  for (std::size_t p = 0; p < n; ++p) {
    if (p > 0) CHECK(item_rows[order[p - 1]][0] > item_rows[order[p]][0]);  // descending
    rank_of[static_cast<std::size_t>(order[p])] = sign > 0 ? p + 1 : n - p;
  }

  hardneg::Rng rng(21);
  hardneg::SamplerWorkspace ws;
  hardneg::Negatives out(2);
  const std::vector<index_t> seen{};
  hardneg::SampleContext ctx{0, 0, 0, seen, true, rng, ws};
  std::vector<std::size_t> counts(n, 0);
  for (int c = 0; c < 50'000; ++c) {  // 100,000 draws
    sampler.sample(model, ctx, out);
    REQUIRE(out.size() == 2);
    CHECK(out.weights()[0] == 0.5f);
    for (index_t j : out.items()) ++counts[rank_of[static_cast<std::size_t>(j)] - 1];
  }
  const auto fit = hardneg_test::chi_square(counts, rank_law(n, 8));
  INFO("chi2 " << fit.statistic << " df " << fit.df << " p " << fit.p_value);
  CHECK(fit.p_value > level);
  CHECK(hardneg_test::chi_square(counts, rank_law(n, 9)).p_value < level);
  CHECK(hardneg_test::chi_square(counts, rank_law(n, 7)).p_value < level);
}

TEST_CASE("AOBPR chooses the factor with p(f) ∝ |v_uf| sigma_f (chi-square)", "[samplers][aobpr]") {
  // Factor 0 takes values 0 .. 9 (item 9 largest), factor 1 takes values
  // 0, 3, 6, .., 27 in reverse (item 9 smallest): sigma_1 = 3 sigma_0.
  std::vector<std::vector<real>> item_rows(10);
  for (std::size_t j = 0; j < 10; ++j)
    item_rows[j] = {static_cast<real>(j), static_cast<real>(3 * (9 - j))};
  // Items 10 .. 11 sit in the middle of both factors.
  item_rows.push_back({4.5f, 13.5f});
  item_rows.push_back({4.5f, 13.6f});
  const auto model = make_model({{2.0f, 0.5f}, {0.5f, -1.0f}}, item_rows);
  AOBPR<> sampler({.lambda = 0.01});  // rank 1 with probability 1 - e^-100
  hardneg::ThreadPool pool(1);
  sampler.on_epoch_begin(model, hardneg::Interactions(), 0, pool);

  const auto sigma = sampler.factor_std();
  for (std::size_t f = 0; f < 2; ++f) {
    double mean = 0, var = 0;
    for (const auto& row : item_rows) mean += row[f];
    mean /= 12;
    for (const auto& row : item_rows) var += (row[f] - mean) * (row[f] - mean);
    CHECK(sigma[f] == Approx(std::sqrt(var / 12)).epsilon(1e-6));
  }
  // User 0 (+2, +0.5): f = 0 gives the largest factor-0 item (9), f = 1 the
  // largest factor-1 item (0). User 1 (+0.5, -1): f = 0 gives item 9, f = 1
  // the smallest factor-1 item (9 as well): always 9.
  hardneg::Rng rng(5);
  hardneg::SamplerWorkspace ws;
  hardneg::Negatives out(1);
  const std::vector<index_t> seen{};
  hardneg::SampleContext ctx{0, 5, 0, seen, true, rng, ws};
  std::vector<std::size_t> counts(2, 0);
  for (int c = 0; c < 20'000; ++c) {
    sampler.sample(model, ctx, out);
    const index_t j = out.items()[0];
    REQUIRE((j == 9 || j == 0));
    ++counts[j == 9 ? 0 : 1];
  }
  const std::vector<double> expected{2.0 * sigma[0], 0.5 * sigma[1]};
  const auto fit = hardneg_test::chi_square(counts, expected);
  INFO("counts " << counts[0] << " " << counts[1] << " p " << fit.p_value);
  CHECK(fit.p_value > level);
  const std::vector<double> ignoring_sigma{2.0, 0.5};
  CHECK(hardneg_test::chi_square(counts, ignoring_sigma).p_value < level);

  hardneg::SampleContext other{1, 5, 0, seen, true, rng, ws};
  for (int c = 0; c < 200; ++c) {
    sampler.sample(model, other, out);
    CHECK(out.items()[0] == 9);
  }
}

TEST_CASE("AOBPR redraws seen items and the positive", "[samplers][aobpr]") {
  std::vector<std::vector<real>> item_rows(30);
  for (std::size_t j = 0; j < 30; ++j) item_rows[j] = {static_cast<real>(j)};
  const auto model = make_model({{1.0f}}, item_rows);
  AOBPR<3> sampler({.lambda = 2});  // mostly the top items 29, 28, ...
  hardneg::ThreadPool pool(1);
  sampler.on_epoch_begin(model, hardneg::Interactions(), 0, pool);
  const std::vector<index_t> seen{25, 27, 28, 29};
  hardneg::Rng rng(9);
  hardneg::SamplerWorkspace ws;
  hardneg::Negatives out(3);
  hardneg::SampleContext ctx{0, 26, 0, seen, false, rng, ws};
  std::size_t top = 0;
  for (int c = 0; c < 2000; ++c) {
    sampler.sample(model, ctx, out);
    for (index_t j : out.items()) {
      CHECK(j != 26);
      CHECK_FALSE(hardneg::detail::is_seen(seen, j));
      top += j == 24 ? 1 : 0;
    }
  }
  // Item 24 (rank 6) is the best admissible one: the law restricted to the
  // admissible ranks 6, 7, 8, ... gives it 1 - e^(-1/2) = 0.3935 (6000
  // draws: standard deviation 0.0063).
  CHECK(static_cast<double>(top) / 6000 == Approx(1 - std::exp(-0.5)).margin(0.03));
}

TEST_CASE("AOBPR's automatic lambda and errors", "[samplers][aobpr]") {
  std::vector<std::vector<real>> item_rows(200, std::vector<real>{0.5f});
  const auto model = make_model({{1.0f}}, item_rows);
  AOBPR<> sampler;
  hardneg::Rng rng(1);
  hardneg::SamplerWorkspace ws;
  hardneg::Negatives out(1);
  const std::vector<index_t> seen{0};
  hardneg::SampleContext ctx{0, 0, 0, seen, false, rng, ws};
  CHECK_THROWS_AS(sampler.sample(model, ctx, out), hardneg::InvalidArgument);
  hardneg::ThreadPool pool(1);
  sampler.on_epoch_begin(model, hardneg::Interactions(), 0, pool);
  CHECK(sampler.lambda() == Approx(10.0));
  // sigma = 0 (all items equal): any factor, any rank; still admissible.
  sampler.sample(model, ctx, out);
  CHECK(out.items()[0] != 0);
  CHECK_THROWS_AS(AOBPR<>({.k = 0}), hardneg::InvalidArgument);
  CHECK_THROWS_AS(AOBPR<>({.lambda = -1}), hardneg::InvalidArgument);
}

TEST_CASE("AOBPR trains MF with BPR through the Trainer", "[samplers][aobpr][trainer]") {
  const auto data = hardneg::make_synthetic(hardneg::SyntheticOptions::tiny());
  const auto run = [&] {
    hardneg::MF model(data.n_users(), data.n_items(), {.dim = 16, .seed = 2});
    hardneg::Trainer<hardneg::MF, AOBPR<>, hardneg::BPR, hardneg::Adam> trainer(
        model, {.batch = 256, .epochs = 5, .threads = 2, .seed = 3}, AOBPR<>({.k = 2}), {},
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
