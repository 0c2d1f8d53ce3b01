// Tests of models/gmf.hpp: the Model concept, initialisation, score_items ==
// score, the backward pass of every table against central finite
// differences of a double-precision reference (BPR and CCE over several
// negatives, a repeated item, with and without bias), the block scorer,
// save/load, recommend(), deterministic training at 2 threads and a learning
// check against the popularity ranking.
#include "hardneg/models/gmf.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "hardneg/core/concepts.hpp"
#include "hardneg/data/synthetic.hpp"
#include "hardneg/eval/evaluator.hpp"
#include "hardneg/eval/popularity_scorer.hpp"
#include "hardneg/io/model_file.hpp"
#include "hardneg/losses/bce.hpp"
#include "hardneg/losses/bpr.hpp"
#include "hardneg/losses/cce.hpp"
#include "hardneg/optim/adam.hpp"
#include "hardneg/samplers/uniform.hpp"
#include "hardneg/train/trainer.hpp"

namespace {

using hardneg::GMF;
using hardneg::index_t;
using hardneg::real;
using hardneg::RowMatrix;

static_assert(hardneg::Model<GMF>);

/// s(u, i) in double from the model's float parameters.
double gmf_ref(const GMF& m, index_t u, index_t i) {
  const auto p = m.user_embeddings().row(static_cast<std::size_t>(u));
  const auto q = m.item_embeddings().row(static_cast<std::size_t>(i));
  const auto h = m.h();
  double s = m.bias();
  for (std::size_t c = 0; c < m.dim(); ++c) s += double(h[c]) * double(p[c]) * double(q[c]);
  return s;
}

/// One row of a set-wise loss: items[0] the positive, the rest negatives.
template <class Loss>
struct Row {
  Loss loss;
  index_t user;
  std::vector<index_t> items;
  std::vector<double> weights;  // one per negative

  template <class M, class Ref>
  double value(const M& m, Ref ref, std::vector<double>* d = nullptr) const {
    const double pos = ref(m, user, items[0]);
    std::vector<double> neg(items.size() - 1), dneg(items.size() - 1);
    for (std::size_t k = 1; k < items.size(); ++k) neg[k - 1] = ref(m, user, items[k]);
    double dpos = 0;
    const double l = loss.template evaluate_as<double>(pos, neg, weights, dpos, dneg);
    if (d) {
      d->assign(1, dpos);
      d->insert(d->end(), dneg.begin(), dneg.end());
    }
    return l;
  }
};

/// Checks backward() against central differences of row.value for every
/// column of every row backward touched, and that the touched rows are
/// exactly `expected[t]` for each table t.
template <class M, class R, class Ref>
void check_gradients(M& m, const R& row, Ref ref, const std::vector<std::vector<index_t>>& expected,
                     double step, double tol) {
  std::vector<double> d;
  row.value(m, ref, &d);
  std::vector<real> df(d.begin(), d.end());
  hardneg::GradientAccumulator grad;
  grad.shape(m.parameters(), 64);
  m.backward(row.user, row.items, df, grad);
  REQUIRE(expected.size() == m.parameters().size());
  std::size_t checked = 0;
  for (std::size_t t = 0; t < expected.size(); ++t) {
    CHECK(grad.table(t).size() == expected[t].size());
    for (index_t id : expected[t]) {
      RowMatrix& table = m.parameters()[t];
      const real* g = grad.table(t).find(id);
      REQUIRE(g != nullptr);
      for (std::size_t c = 0; c < table.dim(); ++c) {
        real& x = table(static_cast<std::size_t>(id), c);
        const real old = x;
        x = old + static_cast<real>(step);
        const double hp = double(x) - old, lp = row.value(m, ref);
        x = old - static_cast<real>(step);
        const double hm = double(old) - x, lm = row.value(m, ref);
        x = old;
        const double fd = (lp - lm) / (hp + hm);
        INFO("table " << t << " row " << id << " col " << c << ": backward " << g[c] << ", fd " << fd);
        CHECK(std::abs(g[c] - fd) <= tol * (1 + std::abs(fd)));
        ++checked;
      }
      for (std::size_t c = table.dim(); c < table.stride(); ++c) CHECK(g[c] == 0.0f);
    }
  }
  CHECK(checked > 0);
}

const hardneg::Dataset& tiny() {
  static const hardneg::Dataset d = hardneg::make_synthetic(hardneg::SyntheticOptions::tiny(3));
  return d;
}

std::filesystem::path temp_model_path(const std::string& stem) {
  // A clock stamp keeps concurrent runs (other build directories) apart.
  const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
  return std::filesystem::temp_directory_path() / (stem + "-" + std::to_string(stamp) + ".hnm");
}

}  // namespace

TEST_CASE("GMF initialisation: seeded streams, kaiming-uniform h, zero bias", "[models][gmf]") {
  const GMF a(40, 60, {.dim = 16, .seed = 3});
  const GMF b(40, 60, {.dim = 16, .seed = 3});
  const GMF c(40, 60, {.dim = 16, .seed = 4});
  for (std::size_t t = 0; t < 4; ++t) CHECK(a.parameters()[t] == b.parameters()[t]);
  CHECK_FALSE(a.user_embeddings() == c.user_embeddings());
  CHECK_FALSE(a.parameters()[GMF::h_table] == c.parameters()[GMF::h_table]);
  REQUIRE(a.parameters().size() == 4);
  CHECK(a.has_bias());
  CHECK(a.bias() == 0.0f);
  // h ~ U(-sqrt(3/16), sqrt(3/16)): inside the bound, not all tiny.
  const double bound = std::sqrt(3.0 / 16);
  double max_abs = 0;
  for (real x : a.h()) {
    CHECK(std::abs(x) <= bound);
    max_abs = std::max(max_abs, double(std::abs(x)));
  }
  CHECK(max_abs > bound / 4);
  // Embeddings N(0, 0.01^2): 60 x 16 = 960 draws, sd within 10 % (the
  // standard error of a sd estimate is 1/sqrt(2 * 960) = 2.3 %).
  double s2 = 0;
  for (std::size_t r = 0; r < 60; ++r)
    for (real x : a.item_embeddings().row(r)) s2 += double(x) * x;
  CHECK(std::abs(std::sqrt(s2 / 960) - 0.01) < 0.001);

  const GMF nb(4, 5, {.dim = 8, .bias = false});
  CHECK(nb.parameters().size() == 3);
  CHECK_FALSE(nb.has_bias());

  // Xavier-uniform embeddings: bound sqrt(6 / (rows + dim)).
  const GMF x(100, 50, {.dim = 10, .init = GMF::Init::xavier});
  const double xb = std::sqrt(6.0 / (50 + 10));
  double xmax = 0;
  for (std::size_t r = 0; r < 50; ++r)
    for (real v : x.item_embeddings().row(r)) xmax = std::max(xmax, double(std::abs(v)));
  CHECK(xmax <= xb);
  CHECK(xmax > 0.9 * xb);
}

TEST_CASE("GMF rejects bad parameters and tables", "[models][gmf]") {
  CHECK_THROWS_AS(GMF(3, 4, {.dim = 0}), hardneg::InvalidArgument);
  CHECK_THROWS_AS(GMF(-1, 4), hardneg::InvalidArgument);
  CHECK_THROWS_AS(GMF(3, 4, {.init_std = -1}), hardneg::InvalidArgument);
  CHECK_THROWS_AS(GMF::from_tables({RowMatrix(3, 8), RowMatrix(4, 8)}), hardneg::InvalidArgument);
  CHECK_THROWS_AS(GMF::from_tables({RowMatrix(3, 8), RowMatrix(4, 7), RowMatrix(1, 8)}),
                  hardneg::InvalidArgument);
  CHECK_THROWS_AS(GMF::from_tables({RowMatrix(3, 8), RowMatrix(4, 8), RowMatrix(2, 8)}),
                  hardneg::InvalidArgument);
  CHECK_THROWS_AS(GMF::from_tables({RowMatrix(3, 8), RowMatrix(4, 8), RowMatrix(1, 8), RowMatrix(1, 2)}),
                  hardneg::InvalidArgument);
  const GMF ok = GMF::from_tables({RowMatrix(3, 8), RowMatrix(4, 8), RowMatrix(1, 8)});
  CHECK_FALSE(ok.has_bias());
  CHECK(ok.n_users() == 3);
  CHECK(ok.n_items() == 4);
}

TEST_CASE("GMF score_items equals score bit for bit and the double reference", "[models][gmf]") {
  const std::size_t dim = GENERATE(1, 7, 32, 33, 100);
  GMF m(6, 40, {.dim = dim, .init_std = 0.5, .seed = 2});
  m.parameters()[GMF::bias_table](0, 0) = 0.25f;
  hardneg::Rng rng(dim);
  std::vector<index_t> ids(37);
  for (auto& i : ids) i = static_cast<index_t>(rng.below(40));
  ids[5] = ids[3];
  std::vector<real> out(ids.size());
  for (index_t u = 0; u < 6; ++u) {
    m.score_items(u, ids, out);
    for (std::size_t k = 0; k < ids.size(); ++k) {
      CHECK(out[k] == m.score(u, ids[k]));
      CHECK(std::abs(out[k] - gmf_ref(m, u, ids[k])) <= 1e-5 * (1 + std::abs(out[k])));
    }
  }
}

TEST_CASE("GMF backward matches finite differences (BPR and CCE, several negatives)", "[models][gmf]") {
  const std::size_t dim = GENERATE(5, 32);
  const bool bias = GENERATE(true, false);
  GMF m(4, 12, {.dim = dim, .init_std = 0.5, .seed = 7, .bias = bias});
  if (bias) m.parameters()[GMF::bias_table](0, 0) = -0.3f;
  // Positive 3; negatives 7, 1, 7 (repeated), 9.
  const std::vector<index_t> items{3, 7, 1, 7, 9};
  std::vector<std::vector<index_t>> expected{{2}, {3, 7, 1, 9}, {0}};
  if (bias) expected.push_back({0});
  INFO("dim " << dim << ", bias " << bias);
  SECTION("BPR") {
    const Row<hardneg::BPR> row{{}, 2, items, {0.25, 0.5, 0.125, 0.125}};
    check_gradients(m, row, gmf_ref, expected, 1e-3, 2e-4);
  }
  SECTION("CCE") {
    const Row<hardneg::CCE> row{{}, 2, items, {0.25, 0.25, 0.25, 0.25}};
    check_gradients(m, row, gmf_ref, expected, 1e-3, 2e-4);
  }
}

TEST_CASE("GMF block scorer gives score() for every (user, item)", "[models][gmf]") {
  GMF m(13, 45, {.dim = 20, .init_std = 0.4, .seed = 5});
  m.parameters()[GMF::bias_table](0, 0) = 0.5f;
  const auto scorer = m.block_scorer();
  static_assert(hardneg::BlockScorer<hardneg::GMFScorer>);
  REQUIRE(scorer.n_items() == 45);
  REQUIRE(scorer.n_users() == 13);
  std::vector<index_t> users{12, 0, 5, 5, 7};
  const std::size_t ld = 48;
  std::vector<real> out(users.size() * ld, -7.0f);
  scorer.score_block(users, out.data(), ld);
  for (std::size_t r = 0; r < users.size(); ++r) {
    for (index_t i = 0; i < 45; ++i) {
      const real s = m.score(users[r], i);
      CHECK(std::abs(out[r * ld + static_cast<std::size_t>(i)] - s) <= 1e-6 * (1 + std::abs(s)));
    }
    for (std::size_t i = 45; i < ld; ++i) CHECK(out[r * ld + i] == -7.0f);  // beyond n_items: untouched
  }
}

TEST_CASE("GMF save and load give identical scores", "[models][gmf][io]") {
  const bool bias = GENERATE(true, false);
  GMF m(9, 21, {.dim = 12, .init_std = 0.3, .seed = 11, .bias = bias});
  if (bias) m.parameters()[GMF::bias_table](0, 0) = 0.125f;
  const auto path = temp_model_path(bias ? "gmf-bias" : "gmf-nobias");
  hardneg::save_model(path, m);
  const GMF back = hardneg::load_model<GMF>(path);
  std::filesystem::remove(path);
  CHECK(back.has_bias() == bias);
  for (index_t u = 0; u < 9; ++u)
    for (index_t i = 0; i < 21; ++i) CHECK(back.score(u, i) == m.score(u, i));
  CHECK_THROWS_AS(hardneg::load_model<hardneg::GMF>("/nonexistent/gmf.hnm"), hardneg::IoError);
}

TEST_CASE("GMF recommend excludes seen items and sorts best first", "[models][gmf]") {
  const GMF m(3, 30, {.dim = 6, .init_std = 0.5, .seed = 8});
  std::vector<hardneg::Pair> pairs;
  for (index_t i = 0; i < 30; i += 3) pairs.push_back({0, i});
  for (index_t i = 0; i < 28; ++i) pairs.push_back({2, i});
  const auto seen = hardneg::Interactions::from_pairs(3, 30, pairs);
  const auto scorer = m.block_scorer();
  std::vector<real> all(32);
  for (index_t u = 0; u < 3; ++u) {
    scorer.score_block(std::span<const index_t>(&u, 1), all.data(), 32);
    std::vector<index_t> expected;
    for (index_t i = 0; i < 30; ++i)
      if (!seen.contains(u, i)) expected.push_back(i);
    std::stable_sort(expected.begin(), expected.end(),
                     [&](index_t a, index_t b) { return all[std::size_t(a)] > all[std::size_t(b)]; });
    const auto rec = m.recommend(u, 10, seen);
    REQUIRE(rec.size() == std::min<std::size_t>(10, expected.size()));
    for (std::size_t r = 0; r < rec.size(); ++r) CHECK(rec[r].item == expected[r]);
  }
  const std::vector<index_t> users{0, 1, 2};
  const auto batch = m.recommend(users, 10, seen);
  for (std::size_t r = 0; r < users.size(); ++r) {
    const auto single = m.recommend(users[r], 10, seen);
    REQUIRE(batch.ids_of(r).size() == single.size());
    for (std::size_t j = 0; j < single.size(); ++j) CHECK(batch.ids_of(r)[j] == single[j].item);
  }
}

namespace {
GMF train_gmf(std::size_t threads, int epochs, std::uint64_t seed) {
  GMF model(tiny().n_users(), tiny().n_items(), {.dim = 32, .seed = seed});
  hardneg::Trainer<GMF, hardneg::Uniform<>, hardneg::BCE, hardneg::Adam> trainer(
      model, {.batch = 256, .epochs = epochs, .threads = threads, .seed = seed},
      hardneg::Uniform<>({.k = 4}), hardneg::BCE(), hardneg::Adam({.lr = 0.01}));
  trainer.fit(tiny().train);
  return model;
}
}  // namespace

TEST_CASE("GMF training is deterministic at 2 threads", "[models][gmf][train]") {
  const GMF a = train_gmf(2, 2, 5);
  const GMF b = train_gmf(2, 2, 5);
  for (std::size_t t = 0; t < a.parameters().size(); ++t) CHECK(a.parameters()[t] == b.parameters()[t]);
  CHECK_FALSE(a.item_embeddings() == GMF(tiny().n_users(), tiny().n_items(), {.dim = 32, .seed = 5}).item_embeddings());
}

TEST_CASE("GMF with BCE and Adam learns: NDCG@20 at least twice the popularity ranking's", "[models][gmf][learning]") {
  const GMF model = train_gmf(2, 20, 1);
  const auto ndcg = [](const auto& scorer) {
    return hardneg::evaluate(scorer, tiny().train, tiny().test, {.ks = {20}}).at("ndcg@20");
  };
  const double learned = ndcg(model.block_scorer());
  const double popular = ndcg(hardneg::PopularityScorer(tiny().train));
  INFO("GMF ndcg@20 " << learned << ", popularity " << popular);
  // Seeds 1-5 (this data set, 20 epochs) reach 2.96-3.09x; a model that learned
  // nothing personal scores about 1x.
  CHECK(learned >= 2 * popular);
}
