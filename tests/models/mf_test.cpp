// Tests of models/mf.hpp: the Model concept, deterministic initialisation,
// score_items == score, the backward pass against central finite differences
// of a BPR-like loss (with a repeated item), and recommend() against a
// brute-force ranking.
#include "hardneg/models/mf.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "hardneg/core/concepts.hpp"

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
