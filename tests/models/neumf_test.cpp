// Tests of models/neumf.hpp (and models/detail/dense.hpp): the Model
// concept, initialisation, the dense kernels against their references,
// score_items == score == a double-precision reference forward, deterministic
// dropout masks, the backward pass of every table against central finite
// differences of the reference (BPR and CCE over several negatives, a
// repeated item; relu, tanh and identity; with dropout), the block scorer,
// save/load, recommend(), deterministic training at 2 threads and a learning
// check against the popularity ranking.
#include "hardneg/models/neumf.hpp"

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

using hardneg::index_t;
using hardneg::NeuMF;
using hardneg::real;
using hardneg::RowMatrix;
using Act = NeuMF::Activation;

static_assert(hardneg::Model<NeuMF>);

/// The dropout a model applies when scoring (u, i) in training mode.
struct RefDropout {
  std::uint64_t batch_seed = 0;
  double p = 0;
};

/// s(u, i) in double from the model's float parameters, written straight
/// from the formula (concatenations and all). `margin`, when given, gets the
/// smallest |pre-activation| of the hidden layers (relu's kink).
double neumf_ref(const NeuMF& m, index_t u, index_t i, const RefDropout* drop = nullptr,
                 double* margin = nullptr) {
  const auto t = m.parameters();
  const std::size_t f = m.dim(), L = m.layers(), dm = m.mlp_dim();
  const auto uu = static_cast<std::size_t>(u), ii = static_cast<std::size_t>(i);
  std::vector<double> x(2 * dm);
  for (std::size_t c = 0; c < dm; ++c) {
    x[c] = t[NeuMF::user_mlp_table](uu, c);
    x[dm + c] = t[NeuMF::item_mlp_table](ii, c);
  }
  const hardneg::detail::DropoutRate rate(drop ? drop->p : 0.0);
  const std::uint64_t key = drop ? hardneg::detail::dropout_key(drop->batch_seed, u, i) : 0;
  std::uint64_t unit = 0;
  for (std::size_t l = 0; l < L; ++l) {
    const RowMatrix& w = t[NeuMF::weight_table(l)];
    const RowMatrix& b = t[NeuMF::layer_bias_table(l)];
    if (drop && drop->p > 0)
      for (std::size_t c = 0; c < x.size(); ++c) x[c] *= hardneg::detail::dropout_factor(key, unit + c, rate);
    unit += x.size();
    std::vector<double> y(w.rows());
    for (std::size_t r = 0; r < w.rows(); ++r) {
      double s = b(0, r);
      for (std::size_t c = 0; c < w.dim(); ++c) s += double(w(r, c)) * x[c];
      if (margin) *margin = std::min(*margin, std::abs(s));
      switch (m.activation()) {
        case Act::relu: s = std::max(s, 0.0); break;
        case Act::tanh: s = std::tanh(s); break;
        case Act::identity: break;
      }
      y[r] = s;
    }
    x = y;
  }
  REQUIRE(x.size() == f);
  const RowMatrix& h = t[m.h_table()];
  double s = t[m.bias_table()](0, 0);
  for (std::size_t c = 0; c < f; ++c)
    s += double(h(0, c)) * double(t[NeuMF::user_gmf_table](uu, c)) * double(t[NeuMF::item_gmf_table](ii, c));
  for (std::size_t c = 0; c < f; ++c) s += double(h(0, f + c)) * x[c];
  return s;
}

/// Random non-zero biases (they start at 0), so their gradients matter.
void randomise_biases(NeuMF& m, std::uint64_t seed) {
  hardneg::Rng rng(seed, 99);
  for (std::size_t l = 0; l < m.layers(); ++l)
    for (real& b : m.parameters()[NeuMF::layer_bias_table(l)].row(0))
      b = static_cast<real>(0.2 * (2 * rng.uniform() - 1));
  m.parameters()[m.bias_table()](0, 0) = 0.1f;
}

/// One row of a set-wise loss: items[0] the positive, the rest negatives.
template <class Loss>
struct Row {
  Loss loss;
  index_t user;
  std::vector<index_t> items;
  std::vector<double> weights;  // one per negative

  template <class Ref>
  double value(const NeuMF& m, Ref ref, std::vector<double>* d = nullptr) const {
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
/// column of every row of every table backward touched, and that it touched
/// exactly the expected rows (all rows of the dense tables).
template <class R, class Ref>
void check_gradients(NeuMF& m, const R& row, Ref ref, double step, double tol) {
  std::vector<double> d;
  row.value(m, ref, &d);
  const std::vector<real> df(d.begin(), d.end());
  hardneg::GradientAccumulator grad;
  grad.shape(m.parameters(), 64);
  m.backward(row.user, row.items, df, grad);

  std::vector<index_t> unique_items = row.items;
  std::sort(unique_items.begin(), unique_items.end());
  unique_items.erase(std::unique(unique_items.begin(), unique_items.end()), unique_items.end());
  const auto params = m.parameters();
  std::size_t checked = 0;
  for (std::size_t t = 0; t < params.size(); ++t) {
    std::vector<index_t> expected;
    if (t == NeuMF::user_gmf_table || t == NeuMF::user_mlp_table)
      expected = {row.user};
    else if (t == NeuMF::item_gmf_table || t == NeuMF::item_mlp_table)
      expected = unique_items;
    else
      for (std::size_t r = 0; r < params[t].rows(); ++r) expected.push_back(static_cast<index_t>(r));
    CHECK(grad.table(t).size() == expected.size());
    for (index_t id : expected) {
      RowMatrix& table = params[t];
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

TEST_CASE("dense kernels match their scalar references", "[models][neumf][dense]") {
  namespace dd = hardneg::detail;
  hardneg::Rng rng(4);
  for (std::size_t n : {1u, 5u, 16u, 17u, 40u, 100u}) {
    RowMatrix w(7, n + 3);
    for (std::size_t r = 0; r < 7; ++r)
      for (real& x : w.row(r)) x = static_cast<real>(rng.uniform() - 0.5);
    std::vector<std::vector<real>> inputs(6, std::vector<real>(n));
    std::vector<const real*> xs;
    for (auto& in : inputs) {
      for (real& x : in) x = static_cast<real>(rng.uniform() - 0.5);
      xs.push_back(in.data());
    }
    // Columns [3, 3 + n) of each row against 6 inputs (a tile of 4 + 2 single).
    std::vector<real> y(6 * 9, -1.0f);
    dd::dense_rows(w, 3, n, xs.data(), 6, y.data(), 9);
    for (std::size_t j = 0; j < 6; ++j)
      for (std::size_t r = 0; r < 7; ++r) {
        const real ref = dd::dense_dot_reference(w.row_ptr(r) + 3, xs[j], n);
        CHECK(std::abs(y[j * 9 + r] - ref) <= 1e-5f);
        // The batched kernel and the one-input kernel agree bit for bit.
        CHECK(y[j * 9 + r] == dd::dense_dot(w.row_ptr(r) + 3, xs[j], n));
      }
    // The input gradient is W^T dy, on the same columns.
    std::vector<real> dy(7), dx(n, 0.0f);
    for (real& v : dy) v = static_cast<real>(rng.uniform() - 0.5);
    dd::dense_input_grad(w, 3, n, dy.data(), dx.data());
    for (std::size_t c = 0; c < n; ++c) {
      double s = 0;
      for (std::size_t r = 0; r < 7; ++r) s += double(dy[r]) * w(r, 3 + c);
      CHECK(std::abs(dx[c] - s) <= 1e-5);
    }
  }
  // Dropout: the share of dropped units is p (200,000 draws: the standard
  // error is 0.001; 5 of them allowed), and kept units are scaled by 1/(1-p).
  const dd::DropoutRate rate(0.3);
  std::size_t dropped = 0;
  const std::size_t n = 200000;
  for (std::size_t k = 0; k < n; ++k) {
    const real v = dd::dropout_factor(dd::dropout_key(7, static_cast<index_t>(k % 97), static_cast<index_t>(k / 97)),
                                      k % 13, rate);
    if (v == 0) ++dropped;
    else CHECK(v == static_cast<real>(1 / 0.7));
  }
  CHECK(std::abs(double(dropped) / n - 0.3) < 0.005);
  CHECK(dd::DropoutRate(0.0).threshold == 0);
  CHECK(dd::parse_activation("tanh") == Act::tanh);
  CHECK_THROWS_AS(dd::parse_activation("gelu"), hardneg::InvalidArgument);
}

TEST_CASE("NeuMF shapes and initialisation follow the reference", "[models][neumf]") {
  const NeuMF m(30, 50, {.dim = 8, .layers = 3, .seed = 3});
  REQUIRE(m.parameters().size() == 12);
  CHECK(m.mlp_dim() == 32);
  CHECK(m.parameters()[NeuMF::weight_table(0)].rows() == 32);
  CHECK(m.parameters()[NeuMF::weight_table(0)].dim() == 64);
  CHECK(m.parameters()[NeuMF::weight_table(2)].rows() == 8);
  CHECK(m.parameters()[NeuMF::weight_table(2)].dim() == 16);
  CHECK(m.parameters()[m.h_table()].dim() == 16);
  CHECK(m.parameters()[m.bias_table()](0, 0) == 0.0f);
  for (std::size_t l = 0; l < 3; ++l) {
    for (real b : m.parameters()[NeuMF::layer_bias_table(l)].row(0)) CHECK(b == 0.0f);
    // Xavier-uniform: inside sqrt(6 / (in + out)), and reaching most of it.
    const RowMatrix& w = m.parameters()[NeuMF::weight_table(l)];
    const double bound = std::sqrt(6.0 / double(w.rows() + w.dim()));
    double mx = 0;
    for (std::size_t r = 0; r < w.rows(); ++r)
      for (real x : w.row(r)) mx = std::max(mx, double(std::abs(x)));
    CHECK(mx <= bound);
    CHECK(mx > 0.8 * bound);
  }
  // h: kaiming-uniform with a = 1 over 2f = 16 inputs.
  for (real x : m.parameters()[m.h_table()].row(0)) CHECK(std::abs(x) <= std::sqrt(3.0 / 16));
  // MLP embeddings N(0, 0.01^2): 50 x 32 = 1600 draws, sd within 10 %.
  double s2 = 0;
  for (std::size_t r = 0; r < 50; ++r)
    for (real x : m.parameters()[NeuMF::item_mlp_table].row(r)) s2 += double(x) * x;
  CHECK(std::abs(std::sqrt(s2 / 1600) - 0.01) < 0.001);
  // Deterministic by seed.
  const NeuMF same(30, 50, {.dim = 8, .layers = 3, .seed = 3});
  const NeuMF other(30, 50, {.dim = 8, .layers = 3, .seed = 4});
  for (std::size_t t = 0; t < 12; ++t) CHECK(m.parameters()[t] == same.parameters()[t]);
  CHECK_FALSE(m.parameters()[NeuMF::weight_table(1)] == other.parameters()[NeuMF::weight_table(1)]);
}

TEST_CASE("NeuMF rejects bad parameters and tables", "[models][neumf]") {
  CHECK_THROWS_AS(NeuMF(3, 4, {.dim = 0}), hardneg::InvalidArgument);
  CHECK_THROWS_AS(NeuMF(3, 4, {.layers = 0}), hardneg::InvalidArgument);
  CHECK_THROWS_AS(NeuMF(3, 4, {.dropout = 1.0}), hardneg::InvalidArgument);
  CHECK_THROWS_AS(NeuMF(3, 4, {.dropout = -0.1}), hardneg::InvalidArgument);
  CHECK_THROWS_AS(NeuMF(-1, 4), hardneg::InvalidArgument);
  const NeuMF m(3, 4, {.dim = 4, .layers = 2});
  std::vector<RowMatrix> tables(m.parameters().begin(), m.parameters().end());
  CHECK_NOTHROW(NeuMF::from_tables(tables));
  auto fewer = tables;
  fewer.pop_back();
  CHECK_THROWS_AS(NeuMF::from_tables(fewer), hardneg::InvalidArgument);
  auto bad = tables;
  bad[NeuMF::weight_table(1)] = RowMatrix(4, 7);
  CHECK_THROWS_WITH(NeuMF::from_tables(bad), Catch::Contains("table 6"));
  bad = tables;
  bad[NeuMF::item_mlp_table] = RowMatrix(4, 4);
  CHECK_THROWS_AS(NeuMF::from_tables(bad), hardneg::InvalidArgument);
}

TEST_CASE("NeuMF score_items equals score and the double reference", "[models][neumf]") {
  const std::size_t dim = GENERATE(4, 5, 16);
  const std::size_t layers = GENERATE(1, 3);
  const Act act = GENERATE(Act::relu, Act::tanh);
  NeuMF m(5, 40, {.dim = dim, .layers = layers, .activation = act, .init_std = 0.5, .seed = dim + layers});
  randomise_biases(m, 1);
  hardneg::Rng rng(dim * 7 + layers);
  std::vector<index_t> ids(29);
  for (auto& i : ids) i = static_cast<index_t>(rng.below(40));
  ids[11] = ids[2];
  std::vector<real> out(ids.size());
  INFO("dim " << dim << " layers " << layers);
  for (index_t u = 0; u < 5; ++u) {
    m.score_items(u, ids, out);
    for (std::size_t k = 0; k < ids.size(); ++k) {
      CHECK(out[k] == m.score(u, ids[k]));
      CHECK(std::abs(out[k] - neumf_ref(m, u, ids[k])) <= 1e-5 * (1 + std::abs(out[k])));
    }
    CHECK(out[11] == out[2]);
  }
}

TEST_CASE("NeuMF dropout: on in training mode only, a pure function of (batch, user, item)",
          "[models][neumf][dropout]") {
  NeuMF m(4, 30, {.dim = 4, .layers = 2, .dropout = 0.4, .activation = Act::tanh, .init_std = 0.5, .seed = 3});
  randomise_biases(m, 2);
  std::vector<index_t> ids{3, 8, 3, 0, 29, 8, 17, 3, 3, 12, 8};  // repeats, across chunks
  std::vector<real> eval_scores(ids.size()), train_scores(ids.size()), other(ids.size());
  m.score_items(1, ids, eval_scores);
  m.set_training(true);
  m.set_batch_seed(77);
  m.score_items(1, ids, train_scores);
  for (std::size_t k = 0; k < ids.size(); ++k) {
    const RefDropout drop{77, 0.4};
    CHECK(train_scores[k] == m.score(1, ids[k]));
    CHECK(std::abs(train_scores[k] - neumf_ref(m, 1, ids[k], &drop)) <= 1e-5 * (1 + std::abs(train_scores[k])));
    CHECK(std::abs(eval_scores[k] - neumf_ref(m, 1, ids[k])) <= 1e-5 * (1 + std::abs(eval_scores[k])));
  }
  CHECK(train_scores[0] == train_scores[2]);
  CHECK(train_scores[0] == train_scores[8]);
  CHECK(train_scores != eval_scores);
  m.set_batch_seed(78);
  m.score_items(1, ids, other);
  CHECK(other != train_scores);
  m.set_training(false);
  m.score_items(1, ids, other);
  CHECK(other == eval_scores);
}

TEST_CASE("NeuMF backward matches finite differences of every table", "[models][neumf]") {
  struct Case {
    std::size_t dim, layers;
    Act act;
    double dropout;
  };
  const Case c = GENERATE((Case{4, 3, Act::relu, 0.0}), (Case{5, 2, Act::tanh, 0.0}),
                          (Case{3, 1, Act::identity, 0.0}), (Case{4, 3, Act::tanh, 0.3}),
                          (Case{5, 2, Act::relu, 0.3}));
  NeuMF m(4, 12, {.dim = c.dim, .layers = c.layers, .dropout = c.dropout, .activation = c.act,
                  .init_std = 0.5, .seed = 7});
  randomise_biases(m, 3);
  RefDropout drop{0, c.dropout};
  if (c.dropout > 0) {
    m.set_training(true);
    m.set_batch_seed(12345);
    drop.batch_seed = 12345;
  }
  const RefDropout* dp = c.dropout > 0 ? &drop : nullptr;
  const auto ref = [dp](const NeuMF& model, index_t u, index_t i) { return neumf_ref(model, u, i, dp); };
  // Positive 3; negatives 7, 1, 7 (repeated), 9, 0, 11, 5, 2, 10: 10 items,
  // more than one chunk.
  const std::vector<index_t> items{3, 7, 1, 7, 9, 0, 11, 5, 2, 10};
  // ReLU's kink: the step must not cross it. The central difference steps
  // 1e-5; every hidden pre-activation stays at least 1e-4 away from 0 for
  // these seeds (checked here, so a change of seed cannot hide a crossing).
  double margin = 1e9;
  for (index_t i : items) neumf_ref(m, 2, i, dp, &margin);
  INFO("dim " << c.dim << " layers " << c.layers << " dropout " << c.dropout << " margin " << margin);
  if (c.act == Act::relu) REQUIRE(margin > 1e-4);
  SECTION("BPR") {
    const Row<hardneg::BPR> row{{}, 2, items, std::vector<double>(9, 1.0 / 9)};
    check_gradients(m, row, ref, 1e-5, 2e-4);
  }
  SECTION("CCE") {
    const Row<hardneg::CCE> row{{}, 2, items, std::vector<double>(9, 1.0 / 9)};
    check_gradients(m, row, ref, 1e-5, 2e-4);
  }
}

TEST_CASE("NeuMF block scorer gives score() for every (user, item)", "[models][neumf]") {
  const std::size_t dim = GENERATE(4, 5, 32);
  const std::size_t layers = GENERATE(1, 3);
  NeuMF m(11, 143, {.dim = dim, .layers = layers, .init_std = 0.4, .seed = 5});
  randomise_biases(m, 4);
  const auto scorer = m.block_scorer();
  REQUIRE(scorer.n_items() == 143);  // two full chunks of 64 and a partial one
  REQUIRE(scorer.n_users() == 11);
  const std::vector<index_t> users{10, 0, 5, 5, 7};
  const std::size_t ld = 150;
  std::vector<real> out(users.size() * ld, -7.0f);
  scorer.score_block(users, out.data(), ld);
  for (std::size_t r = 0; r < users.size(); ++r) {
    for (index_t i = 0; i < 143; ++i) {
      const real s = m.score(users[r], i);
      CHECK(std::abs(out[r * ld + static_cast<std::size_t>(i)] - s) <= 2e-6 * (1 + std::abs(s)));
    }
    for (std::size_t i = 143; i < ld; ++i) CHECK(out[r * ld + i] == -7.0f);
  }
  // The scorer never drops, even in training mode.
  m.set_dropout(0.5);
  m.set_training(true);
  std::vector<real> again(out.size(), -7.0f);
  scorer.score_block(users, again.data(), ld);
  CHECK(again == out);
}

TEST_CASE("NeuMF save and load give identical scores and settings", "[models][neumf][io]") {
  NeuMF m(6, 25, {.dim = 6, .layers = 2, .dropout = 0.25, .activation = Act::tanh, .init_std = 0.3, .seed = 11});
  randomise_biases(m, 5);
  const auto path = temp_model_path("neumf");
  hardneg::save_model(path, m, {{"note", "kept"}});
  hardneg::Metadata meta;
  const NeuMF back = hardneg::load_model<NeuMF>(path, &meta);
  std::filesystem::remove(path);
  // The activation and dropout come back from the file's metadata.
  CHECK(meta.at("neumf.activation") == "tanh");
  CHECK(meta.at("note") == "kept");
  CHECK(back.activation() == Act::tanh);
  CHECK(back.dropout() == 0.25);
  CHECK(back.layers() == 2);
  CHECK(back.dim() == 6);
  for (index_t u = 0; u < 6; ++u)
    for (index_t i = 0; i < 25; ++i) CHECK(back.score(u, i) == m.score(u, i));
  // The reference settings write no metadata.
  CHECK(NeuMF(2, 3, {.dim = 4}).file_metadata().empty());
  std::vector<RowMatrix> tables(m.parameters().begin(), m.parameters().end());
  CHECK_THROWS_AS(NeuMF::from_tables(tables, {{"neumf.activation", "gelu"}}), hardneg::InvalidArgument);
  CHECK_THROWS_AS(NeuMF::from_tables(tables, {{"neumf.dropout", "x"}}), hardneg::InvalidArgument);
  CHECK_THROWS_AS(NeuMF::from_tables(tables, {{"neumf.width", "3"}}), hardneg::InvalidArgument);
  CHECK(NeuMF::from_tables(tables, {{"other", "1"}}).activation() == Act::relu);
}

TEST_CASE("NeuMF recommend excludes seen items and sorts best first", "[models][neumf]") {
  const NeuMF m(3, 30, {.dim = 4, .layers = 2, .init_std = 0.5, .seed = 8});
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
    for (std::size_t r = 0; r < rec.size(); ++r) {
      CHECK(rec[r].item == expected[r]);
      CHECK(rec[r].score == all[std::size_t(expected[r])]);
    }
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
NeuMF train_neumf(std::size_t threads, int epochs, std::uint64_t seed, double dropout) {
  NeuMF model(tiny().n_users(), tiny().n_items(), {.dim = 16, .layers = 2, .dropout = dropout, .seed = seed});
  hardneg::Trainer<NeuMF, hardneg::Uniform<>, hardneg::BCE, hardneg::Adam> trainer(
      model, {.batch = 256, .epochs = epochs, .threads = threads, .seed = seed},
      hardneg::Uniform<>({.k = 4}), hardneg::BCE(), hardneg::Adam({.lr = 0.01}));
  trainer.fit(tiny().train);
  CHECK_FALSE(model.training());  // fit() switches training mode off at the end
  return model;
}
}  // namespace

TEST_CASE("NeuMF training with dropout is deterministic at 2 threads", "[models][neumf][train]") {
  const NeuMF a = train_neumf(2, 2, 5, 0.2);
  const NeuMF b = train_neumf(2, 2, 5, 0.2);
  for (std::size_t t = 0; t < a.parameters().size(); ++t) CHECK(a.parameters()[t] == b.parameters()[t]);
  // Dropout changes the result.
  const NeuMF c = train_neumf(2, 2, 5, 0.0);
  CHECK_FALSE(a.parameters()[NeuMF::weight_table(0)] == c.parameters()[NeuMF::weight_table(0)]);
}

TEST_CASE("NeuMF with BCE and Adam learns: NDCG@20 at least twice the popularity ranking's",
          "[models][neumf][learning]") {
  const NeuMF model = train_neumf(2, 20, 1, 0.0);
  const auto ndcg = [](const auto& scorer) {
    return hardneg::evaluate(scorer, tiny().train, tiny().test, {.ks = {20}}).at("ndcg@20");
  };
  const double learned = ndcg(model.block_scorer());
  const double popular = ndcg(hardneg::PopularityScorer(tiny().train));
  INFO("NeuMF ndcg@20 " << learned << ", popularity " << popular);
  // Seeds 1-5 (this data set, 20 epochs) reach 3.02-3.22x; a model that learned
  // nothing personal scores about 1x.
  CHECK(learned >= 2 * popular);
}
