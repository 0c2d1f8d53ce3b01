// Tests of models/mf.hpp: the Model concept, deterministic initialisation,
// score_items == score, the backward pass against central finite differences
// of a BPR-like loss (with a repeated item), and recommend() against a
// brute-force ranking. The cosine / user-dropout options: double central
// differences of the same loss through the normalisations and the mask,
// scores in [-1, 1], the dropout mask (deterministic, off outside training,
// p = 0 identical to the plain model), the block scorer, xavier init and
// the model-file round trip of the options.
#include "hardneg/models/mf.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <numeric>
#include <thread>
#include <vector>

#include "hardneg/core/concepts.hpp"
#include "hardneg/io/model_file.hpp"

namespace {

using hardneg::index_t;
using hardneg::MF;
using hardneg::real;

static_assert(hardneg::Model<MF>);

double softplus(double x) { return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)); }
double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

double dot_double(const MF& m, index_t u, index_t i) {
  double s = 0;
  for (std::size_t c = 0; c < m.dim(); ++c)
    s += double(m.user_embeddings()(u, c)) * double(m.item_embeddings()(i, c));
  return s;
}

// L = sum_k w_k softplus(-(s_pos - s_k)) + 0.5 * s_pos^2: a BPR-weighted loss
// of several scores (the extra term gives the positive a gradient of its own).
struct Loss {
  index_t user;
  std::vector<index_t> items;  // items[0] is the positive
  std::vector<double> weights;  // one per negative

  double value(const MF& m) const {
    const double sp = dot_double(m, user, items[0]);
    double l = 0.5 * sp * sp;
    for (std::size_t k = 1; k < items.size(); ++k)
      l += weights[k - 1] * softplus(-(sp - dot_double(m, user, items[k])));
    return l;
  }
  // dL/ds for each entry of items.
  std::vector<real> d_scores(const MF& m) const {
    const double sp = dot_double(m, user, items[0]);
    std::vector<real> d(items.size(), 0.0f);
    double dpos = sp;
    for (std::size_t k = 1; k < items.size(); ++k) {
      const double g = weights[k - 1] * sigmoid(-(sp - dot_double(m, user, items[k])));
      dpos -= g;
      d[k] = static_cast<real>(g);
    }
    d[0] = static_cast<real>(dpos);
    return d;
  }
};

}  // namespace

TEST_CASE("MF initialisation is deterministic by seed and N(0, std^2)", "[models][mf]") {
  const MF a(50, 70, {.dim = 16, .init_std = 0.1, .seed = 3});
  const MF b(50, 70, {.dim = 16, .init_std = 0.1, .seed = 3});
  const MF c(50, 70, {.dim = 16, .init_std = 0.1, .seed = 4});
  CHECK(a.user_embeddings() == b.user_embeddings());
  CHECK(a.item_embeddings() == b.item_embeddings());
  CHECK_FALSE(a.user_embeddings() == c.user_embeddings());
  CHECK_FALSE(a.item_embeddings() == c.item_embeddings());
  CHECK_FALSE(a.user_embeddings().row(0)[0] == a.item_embeddings().row(0)[0]);  // separate streams

  // The item table does not depend on the number of users.
  const MF d(5, 70, {.dim = 16, .init_std = 0.1, .seed = 3});
  CHECK(d.item_embeddings() == a.item_embeddings());

  // Moments of 2000 x 32 = 64,000 draws: the standard error of the mean is
  // 0.5/sqrt(64000) = 0.002, of the std about 0.5/sqrt(128000) = 0.0014;
  // 5 standard errors are allowed.
  const MF big(10, 2000, {.dim = 32, .init_std = 0.5, .seed = 9});
  double s = 0, s2 = 0;
  std::size_t n = 0;
  for (std::size_t r = 0; r < 2000; ++r)
    for (real x : big.item_embeddings().row(r)) {
      s += x;
      s2 += double(x) * x;
      ++n;
    }
  const double mean = s / n, sd = std::sqrt(s2 / n - mean * mean);
  CHECK(std::abs(mean) < 0.01);
  CHECK(std::abs(sd - 0.5) < 0.007);
  // Padding stays zero.
  for (std::size_t c = big.dim(); c < big.item_embeddings().stride(); ++c)
    CHECK(big.item_embeddings().row_ptr(0)[c] == 0.0f);
}

TEST_CASE("MF rejects bad parameters and mismatched tables", "[models][mf]") {
  CHECK_THROWS_AS(MF(3, 4, {.dim = 0}), hardneg::InvalidArgument);
  CHECK_THROWS_AS(MF(-1, 4), hardneg::InvalidArgument);
  CHECK_THROWS_AS(MF(3, 4, {.init_std = -1}), hardneg::InvalidArgument);
  CHECK_THROWS_AS(MF(hardneg::RowMatrix(3, 8), hardneg::RowMatrix(4, 9)), hardneg::InvalidArgument);
  std::vector<hardneg::RowMatrix> one(1, hardneg::RowMatrix(3, 8));
  CHECK_THROWS_AS(MF::from_tables(one), hardneg::InvalidArgument);
}

TEST_CASE("MF score_items equals score bit for bit", "[models][mf]") {
  const std::size_t dim = GENERATE(1, 7, 32, 33, 64, 100);
  const MF m(6, 40, {.dim = dim, .seed = 2});
  hardneg::Rng rng(dim);
  std::vector<index_t> ids(37);
  for (auto& i : ids) i = static_cast<index_t>(rng.below(40));
  ids[5] = ids[3];
  std::vector<real> out(ids.size());
  for (index_t u = 0; u < 6; ++u) {
    m.score_items(u, ids, out);
    for (std::size_t k = 0; k < ids.size(); ++k) {
      CHECK(out[k] == m.score(u, ids[k]));
      CHECK(std::abs(out[k] - dot_double(m, u, ids[k])) <= 1e-5 * (1 + std::abs(out[k])));
    }
  }
}

TEST_CASE("MF backward matches finite differences, with a repeated item", "[models][mf]") {
  const std::size_t dim = GENERATE(5, 32);
  MF m(4, 12, {.dim = dim, .init_std = 0.5, .seed = 7});
  // Positive 3; negatives 7, 1, 7 (repeated), 9.
  const Loss loss{2, {3, 7, 1, 7, 9}, {0.25, 0.5, 0.125, 0.125}};

  hardneg::GradientAccumulator grad;
  grad.shape(m.parameters(), 16);
  const auto d = loss.d_scores(m);
  m.backward(loss.user, loss.items, d, grad);

  const auto check_row = [&](std::size_t table, index_t id) {
    hardneg::RowMatrix& t = m.parameters()[table];
    const real* g = grad.table(table).find(id);
    REQUIRE(g != nullptr);
    for (std::size_t c = 0; c < dim; ++c) {
      real& x = t(static_cast<std::size_t>(id), c);
      const real old = x;
      x = old + 1e-2f;
      const double hp = double(x) - old, lp = loss.value(m);
      x = old - 1e-2f;
      const double hm = double(old) - x, lm = loss.value(m);
      x = old;
      const double fd = (lp - lm) / (hp + hm);
      INFO("table " << table << " row " << id << " col " << c << ": backward " << g[c] << ", fd " << fd);
      CHECK(std::abs(g[c] - fd) <= 1e-3 * (1 + std::abs(fd)));
    }
    for (std::size_t c = dim; c < t.stride(); ++c) CHECK(g[c] == 0.0f);  // padding untouched
  };
  check_row(MF::user_table, 2);
  for (index_t i : {3, 7, 1, 9}) check_row(MF::item_table, i);

  // Nothing else is touched.
  CHECK(grad.table(MF::user_table).size() == 1);
  CHECK(grad.table(MF::item_table).size() == 4);
  CHECK(grad.table(MF::item_table).find(0) == nullptr);
}

TEST_CASE("MF backward of one score is the other embedding", "[models][mf]") {
  hardneg::RowMatrix users(1, 3), items(2, 3);
  users(0, 0) = 1; users(0, 1) = 2; users(0, 2) = 3;
  items(1, 0) = -1; items(1, 1) = 0.5f; items(1, 2) = 4;
  const MF m(users, items);
  hardneg::GradientAccumulator grad;
  grad.shape(m.parameters());
  const index_t ids[] = {1, 1};
  const real d[] = {2.0f, 0.5f};  // repeated item: total upstream 2.5
  m.backward(0, ids, d, grad);
  const real* gu = grad.table(0).find(0);
  const real* gi = grad.table(1).find(1);
  CHECK(gu[0] == -2.5f);
  CHECK(gu[1] == 1.25f);
  CHECK(gu[2] == 10.0f);
  CHECK(gi[0] == 2.5f);
  CHECK(gi[1] == 5.0f);
  CHECK(gi[2] == 7.5f);
  CHECK(m.score(0, 1) == 12.0f);  // -1 + 1 + 12
}

TEST_CASE("MF recommend excludes seen items and sorts best first", "[models][mf]") {
  // Integer embeddings: every score is exact, so the brute force is exact.
  const std::size_t n_items = 30;
  hardneg::RowMatrix users(3, 4), items(n_items, 4);
  hardneg::Rng rng(5);
  for (std::size_t r = 0; r < 3; ++r)
    for (real& x : users.row(r)) x = static_cast<real>(static_cast<int>(rng.below(7)) - 3);
  for (std::size_t r = 0; r < n_items; ++r)
    for (real& x : items.row(r)) x = static_cast<real>(static_cast<int>(rng.below(5)) - 2);
  const MF m(users, items);

  std::vector<hardneg::Pair> pairs;
  for (index_t i = 0; i < 30; i += 3) pairs.push_back({0, i});
  for (index_t i = 0; i < 28; ++i) pairs.push_back({2, i});  // user 2 has 2 unseen items
  const auto seen = hardneg::Interactions::from_pairs(3, n_items, pairs);

  for (index_t u = 0; u < 3; ++u) {
    std::vector<index_t> expected;
    for (index_t i = 0; i < static_cast<index_t>(n_items); ++i)
      if (!seen.contains(u, i)) expected.push_back(i);
    std::stable_sort(expected.begin(), expected.end(),
                     [&](index_t a, index_t b) { return m.score(u, a) > m.score(u, b); });
    const std::size_t k = 10;
    const auto rec = m.recommend(u, k, seen);
    REQUIRE(rec.size() == std::min(k, expected.size()));
    for (std::size_t r = 0; r < rec.size(); ++r) {
      CHECK(rec[r].item == expected[r]);
      CHECK(rec[r].score == m.score(u, expected[r]));
      CHECK_FALSE(seen.contains(u, rec[r].item));
    }
  }

  // The batch form gives the same lists.
  const std::vector<index_t> all{0, 1, 2};
  const auto batch = m.recommend(all, 10, seen);
  for (std::size_t r = 0; r < all.size(); ++r) {
    const auto single = m.recommend(all[r], 10, seen);
    REQUIRE(batch.ids_of(r).size() == single.size());
    for (std::size_t j = 0; j < single.size(); ++j) CHECK(batch.ids_of(r)[j] == single[j].item);
  }
  CHECK_THROWS_AS(m.recommend(3, 10, seen), hardneg::InvalidArgument);
}

// ------------------------------------------------ cosine and user dropout ----

namespace {

// The model's two tables in double, row-major without padding.
struct DoubleMF {
  std::size_t dim;
  std::vector<double> users, items;

  explicit DoubleMF(const MF& m) : dim(m.dim()) {
    for (std::size_t r = 0; r < m.user_embeddings().rows(); ++r)
      for (real x : m.user_embeddings().row(r)) users.push_back(x);
    for (std::size_t r = 0; r < m.item_embeddings().rows(); ++r)
      for (real x : m.item_embeddings().row(r)) items.push_back(x);
  }
  std::vector<double>& table(std::size_t t) { return t == MF::user_table ? users : items; }
};

// s(u, i) in double: optional normalisation of both vectors, then the user
// vector times `scale` (the dropout scaling; empty = none).
double reference_score(const DoubleMF& m, index_t u, index_t i, bool cosine, const std::vector<real>& scale) {
  const double* p = m.users.data() + std::size_t(u) * m.dim;
  const double* q = m.items.data() + std::size_t(i) * m.dim;
  double np = 0, nq = 0, s = 0;
  for (std::size_t c = 0; c < m.dim; ++c) np += p[c] * p[c], nq += q[c] * q[c];
  np = cosine ? std::max(std::sqrt(np), 1e-12) : 1.0;
  nq = cosine ? std::max(std::sqrt(nq), 1e-12) : 1.0;
  for (std::size_t c = 0; c < m.dim; ++c) s += (p[c] / np) * (scale.empty() ? 1.0 : scale[c]) * (q[c] / nq);
  return s;
}

// The test loss of the first part on reference scores.
struct RowLoss {
  index_t user;
  std::vector<index_t> items;   // items[0] is the positive
  std::vector<double> weights;  // one per negative

  double value(const std::vector<double>& s) const {
    double l = 0.5 * s[0] * s[0];
    for (std::size_t k = 1; k < s.size(); ++k) l += weights[k - 1] * softplus(s[k] - s[0]);
    return l;
  }
  std::vector<real> d_scores(const std::vector<double>& s) const {
    std::vector<real> d(s.size());
    double dpos = s[0];
    for (std::size_t k = 1; k < s.size(); ++k) {
      const double g = weights[k - 1] * sigmoid(s[k] - s[0]);
      dpos -= g;
      d[k] = static_cast<real>(g);
    }
    d[0] = static_cast<real>(dpos);
    return d;
  }
};

// Checks MF::backward of `loss` against double central differences over every
// parameter of both tables (untouched rows must have a zero gradient).
void check_mf_gradient(const MF& model, const RowLoss& loss, const std::vector<real>& scale) {
  DoubleMF ref(model);
  const auto scores_of = [&](const DoubleMF& m) {
    std::vector<double> s;
    for (index_t i : loss.items) s.push_back(reference_score(m, loss.user, i, model.cosine(), scale));
    return s;
  };
  // The model's own scores agree with the reference.
  const auto s0 = scores_of(ref);
  std::vector<real> out(loss.items.size());
  model.score_items(loss.user, loss.items, out);
  for (std::size_t k = 0; k < out.size(); ++k) CHECK(std::abs(out[k] - s0[k]) <= 1e-5 * (1 + std::abs(s0[k])));

  hardneg::GradientAccumulator grad;
  grad.shape(model.parameters(), 16);
  model.backward(loss.user, loss.items, loss.d_scores(s0), grad);

  const double h = 1e-6;
  for (std::size_t t : {MF::user_table, MF::item_table}) {
    auto& values = ref.table(t);
    for (std::size_t at = 0; at < values.size(); ++at) {
      const double old = values[at];
      values[at] = old + h;
      const double lp = loss.value(scores_of(ref));
      values[at] = old - h;
      const double lm = loss.value(scores_of(ref));
      values[at] = old;
      const double fd = (lp - lm) / (2 * h);
      const real* g = grad.table(t).find(static_cast<index_t>(at / ref.dim));
      const double got = g ? g[at % ref.dim] : 0.0;
      INFO("table " << t << " row " << at / ref.dim << " col " << at % ref.dim << ": backward " << got << ", fd " << fd);
      CHECK(std::abs(got - fd) <= 2e-4 * (1 + std::abs(fd)));
    }
  }
}

std::vector<real> mask_of(const MF& m, std::uint64_t seed, index_t u) {
  std::vector<real> scale(m.dim());
  hardneg::detail::dropout_scale(seed, u, m.user_dropout(), m.dim(), scale.data());
  return scale;
}

}  // namespace

TEST_CASE("MF cosine and user dropout: backward matches double central differences", "[models][mf][cosine]") {
  const std::size_t dim = GENERATE(5, 32);
  const bool cosine = GENERATE(true, false);
  const double p = GENERATE(0.0, 0.4);
  if (!cosine && p == 0) return;  // the plain model: tested above
  MF m(4, 12, {.dim = dim, .init_std = 0.5, .seed = 7, .cosine = cosine, .user_dropout = p});
  const RowLoss loss{2, {3, 7, 1, 7, 9}, {0.25, 0.5, 0.125, 0.125}};
  INFO("dim " << dim << " cosine " << cosine << " dropout " << p);
  SECTION("evaluation mode: no dropout") { check_mf_gradient(m, loss, {}); }
  SECTION("training mode: the batch's mask") {
    m.set_training(true);
    m.begin_batch(12345);
    const auto scale = p > 0 ? mask_of(m, 12345, 2) : std::vector<real>{};
    if (p > 0) {
      // dim 32 at p = 0.4 drops some and keeps some components of user 2.
      const auto zeros = std::count(scale.begin(), scale.end(), 0.0f);
      if (dim == 32) CHECK((zeros > 0 && zeros < 32));
    }
    check_mf_gradient(m, loss, scale);
  }
}

TEST_CASE("MF cosine backward: a zero upstream gradient touches its row and adds nothing", "[models][mf][cosine]") {
  // CCL's inactive negatives have d = 0; the backward skips their arithmetic
  // but still lists their rows, so lazy optimizers see the same rows.
  const MF m(4, 12, {.dim = 32, .init_std = 0.5, .seed = 7, .cosine = true});
  const std::vector<index_t> all{3, 5, 7, 5};
  const std::vector<real> d_all{0.5f, 0.0f, -0.25f, 0.0f};
  const std::vector<index_t> active{3, 7};
  const std::vector<real> d_active{0.5f, -0.25f};
  hardneg::GradientAccumulator with_zeros, without;
  with_zeros.shape(m.parameters());
  without.shape(m.parameters());
  m.backward(1, all, d_all, with_zeros);
  m.backward(1, active, d_active, without);
  const auto& items = with_zeros.table(MF::item_table);
  CHECK(std::vector<index_t>(items.ids.begin(), items.ids.end()) == std::vector<index_t>{3, 5, 7});
  const real* zero_row = items.find(5);
  REQUIRE(zero_row != nullptr);
  for (std::size_t c = 0; c < 32; ++c) CHECK(zero_row[c] == 0.0f);
  for (const index_t i : {3, 7})
    for (std::size_t c = 0; c < 32; ++c) CHECK(items.find(i)[c] == without.table(MF::item_table).find(i)[c]);
  for (std::size_t c = 0; c < 32; ++c)
    CHECK(with_zeros.table(MF::user_table).find(1)[c] == without.table(MF::user_table).find(1)[c]);
}

TEST_CASE("MF cosine scores are cosines between -1 and 1, the block scorer agrees", "[models][mf][cosine]") {
  const MF m(20, 50, {.dim = 24, .init_std = 0.3, .seed = 3, .cosine = true});
  const DoubleMF ref(m);
  const auto scorer = m.block_scorer();
  std::vector<real> block(20 * 50);
  std::vector<index_t> users(20);
  std::iota(users.begin(), users.end(), 0);
  scorer.score_block(users, block.data(), 50);
  for (index_t u = 0; u < 20; ++u)
    for (index_t i = 0; i < 50; ++i) {
      const real s = m.score(u, i);
      CHECK(std::abs(s) <= 1 + 1e-6);
      CHECK(std::abs(s - reference_score(ref, u, i, true, {})) <= 1e-6);
      CHECK(std::abs(block[std::size_t(u) * 50 + std::size_t(i)] - s) <= 1e-6);
    }
  // A vector and its positive multiple score 1; its negation -1.
  hardneg::RowMatrix users_t(1, 3), items_t(2, 3);
  users_t(0, 0) = 1, users_t(0, 1) = 2, users_t(0, 2) = -2;
  for (std::size_t c = 0; c < 3; ++c) items_t(0, c) = 4 * users_t(0, c), items_t(1, c) = -users_t(0, c);
  const MF tiny(users_t, items_t, {.cosine = true});
  CHECK(tiny.score(0, 0) == Approx(1).margin(1e-6));
  CHECK(tiny.score(0, 1) == Approx(-1).margin(1e-6));
  // The guard: a zero vector scores 0 and has a finite gradient.
  hardneg::RowMatrix zero_items(1, 3);
  const MF with_zero(users_t, zero_items, {.cosine = true});
  CHECK(with_zero.score(0, 0) == 0.0f);
  hardneg::GradientAccumulator grad;
  grad.shape(with_zero.parameters());
  const index_t id = 0;
  const real d = 1;
  with_zero.backward(0, std::span<const index_t>(&id, 1), std::span<const real>(&d, 1), grad);
  for (std::size_t c = 0; c < 3; ++c) {
    CHECK(std::isfinite(grad.table(MF::item_table).find(0)[c]));
    CHECK(grad.table(MF::user_table).find(0)[c] == 0.0f);  // <p^, 0> does not depend on p
  }
}

TEST_CASE("MF user dropout is deterministic, off outside training, and p = 0 is the plain model",
          "[models][mf][dropout]") {
  const MF plain(30, 40, {.dim = 16, .seed = 5});
  MF drop(plain.user_embeddings(), plain.item_embeddings(), {.user_dropout = 0.5});
  MF zero(plain.user_embeddings(), plain.item_embeddings(), {.user_dropout = 0});
  std::vector<index_t> items(40);
  std::iota(items.begin(), items.end(), 0);
  std::vector<real> a(40), b(40);
  const auto same_as_plain = [&](const MF& m) {
    bool same = true;
    for (index_t u = 0; u < 30; ++u) {
      plain.score_items(u, items, a);
      m.score_items(u, items, b);
      same = same && a == b;
    }
    return same;
  };
  // Not training: dropout is off.
  CHECK(same_as_plain(drop));
  drop.set_training(true);
  drop.begin_batch(99);
  CHECK_FALSE(same_as_plain(drop));
  // The scores are those of the masked user vector, the same on every call
  // and thread, and change with the batch seed.
  const DoubleMF ref(plain);
  for (index_t u = 0; u < 30; ++u) {
    const auto scale = mask_of(drop, 99, u);
    drop.score_items(u, items, a);
    for (index_t i = 0; i < 40; ++i)
      CHECK(std::abs(a[std::size_t(i)] - reference_score(ref, u, i, false, scale)) <= 1e-5);
  }
  std::vector<real> here(40), there(40);
  drop.score_items(7, items, here);
  std::thread([&] { drop.score_items(7, items, there); }).join();
  CHECK(here == there);
  drop.begin_batch(100);
  drop.score_items(7, items, there);
  CHECK_FALSE(here == there);
  drop.set_training(false);
  CHECK(same_as_plain(drop));

  // p = 0 in training: bit-identical scores and gradients.
  zero.set_training(true);
  zero.begin_batch(99);
  CHECK(same_as_plain(zero));
  hardneg::GradientAccumulator g1, g2;
  g1.shape(plain.parameters(), 8);
  g2.shape(zero.parameters(), 8);
  const std::vector<index_t> row{3, 8, 1, 8};
  const std::vector<real> d{-0.7f, 0.25f, 0.125f, 0.5f};
  plain.backward(4, row, d, g1);
  zero.backward(4, row, d, g2);
  for (std::size_t t = 0; t < 2; ++t) {
    REQUIRE(g1.table(t).ids == g2.table(t).ids);
    for (index_t id : g1.table(t).ids)
      CHECK(std::equal(g1.table(t).find(id), g1.table(t).find(id) + 16, g2.table(t).find(id)));
  }
}

TEST_CASE("MF dropout mask: a pure function of (seed, user, component) with rate p", "[models][mf][dropout]") {
  // 400 users x 64 components = 25,600 draws at p = 0.3: the dropped share
  // has standard error sqrt(0.3 * 0.7 / 25600) = 0.0029; 5 are allowed.
  const double p = 0.3;
  std::vector<real> s(64), again(64);
  std::size_t dropped = 0, differ = 0;
  for (index_t u = 0; u < 400; ++u) {
    hardneg::detail::dropout_scale(17, u, p, 64, s.data());
    hardneg::detail::dropout_scale(17, u, p, 64, again.data());
    CHECK(s == again);
    for (real x : s) {
      CHECK((x == 0.0f || x == static_cast<real>(1 / (1 - p))));
      dropped += x == 0.0f;
    }
    hardneg::detail::dropout_scale(18, u, p, 64, again.data());
    differ += s != again;
  }
  CHECK(std::abs(double(dropped) / 25600 - p) < 5 * 0.0029);
  CHECK(differ >= 395);
}

TEST_CASE("MF xavier initialisation: uniform in +-sqrt(6 / (rows + dim))", "[models][mf]") {
  const MF m(100, 2000, {.dim = 32, .seed = 4, .init = MF::Init::xavier});
  // Items: bound sqrt(6 / 2032) = 0.0543; variance bound^2 / 3 = 9.84e-4.
  // 64,000 draws: the variance's standard error is about 1.1e-6 (x5 allowed).
  const double bound = std::sqrt(6.0 / 2032);
  double s2 = 0, top = 0;
  for (std::size_t r = 0; r < 2000; ++r)
    for (real x : m.item_embeddings().row(r)) s2 += double(x) * x, top = std::max(top, std::abs(double(x)));
  CHECK(top <= bound);
  CHECK(top > 0.99 * bound);
  CHECK(std::abs(s2 / 64000 - bound * bound / 3) < 5 * 1.1e-6 * 5);
  const double user_bound = std::sqrt(6.0 / 132);
  for (std::size_t r = 0; r < 100; ++r)
    for (real x : m.user_embeddings().row(r)) CHECK(std::abs(x) <= user_bound);
  const MF same(100, 2000, {.dim = 32, .seed = 4, .init = MF::Init::xavier});
  CHECK(same.item_embeddings() == m.item_embeddings());
}

TEST_CASE("MF options survive save and load, a plain MF file has no settings", "[models][mf][io]") {
  const auto dir = std::filesystem::temp_directory_path() / "hardneg_mf_cosine_test";
  std::filesystem::create_directories(dir);
  const MF m(6, 9, {.dim = 5, .seed = 2, .cosine = true, .user_dropout = 0.1});
  hardneg::save_model(dir / "cos", m, {{"loss", "ccl"}});
  hardneg::Metadata meta;
  const MF back = hardneg::load_model<MF>(dir / "cos", &meta);
  CHECK(back.cosine());
  CHECK(back.user_dropout() == 0.1);
  CHECK(meta.at("mf.cosine") == "true");
  CHECK(meta.at("mf.user_dropout") == "0.1");
  CHECK(meta.at("loss") == "ccl");
  CHECK(back.score(3, 4) == m.score(3, 4));

  hardneg::save_model(dir / "plain", MF(6, 9, {.dim = 5}));
  CHECK(hardneg::load_model_file(dir / "plain").metadata.empty());
  CHECK_FALSE(hardneg::load_model<MF>(dir / "plain").cosine());

  std::vector<hardneg::RowMatrix> tables{hardneg::RowMatrix(2, 3), hardneg::RowMatrix(2, 3)};
  CHECK_THROWS_WITH(MF::from_tables(tables, {{"mf.cosine", "yes"}}), Catch::Contains("true or false"));
  CHECK_THROWS_WITH(MF::from_tables(tables, {{"mf.user_dropout", "1"}}), Catch::Contains("[0, 1)"));
  CHECK_THROWS_WITH(MF::from_tables(tables, {{"mf.temperature", "1"}}), Catch::Contains("unknown model setting"));
  CHECK_NOTHROW(MF::from_tables(tables, {{"sampler", "uniform"}}));
  CHECK_THROWS_AS(MF(3, 4, {.user_dropout = -0.1}), hardneg::InvalidArgument);
  std::filesystem::remove_all(dir);
}
