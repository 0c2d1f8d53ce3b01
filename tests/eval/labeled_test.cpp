#include "hardneg/eval/labeled.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include "hardneg/core/random.hpp"
#include "hardneg/models/mf.hpp"

using namespace hardneg;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

/// An explicit score table (users x items), usable both as a model
/// (score_items) and, through BlockView, as a BlockScorer.
struct Table {
  std::vector<std::vector<real>> s;
  index_t n_items() const { return static_cast<index_t>(s.front().size()); }
  index_t n_users() const { return static_cast<index_t>(s.size()); }
  void score_items(index_t u, std::span<const index_t> items, std::span<real> out) const {
    for (std::size_t k = 0; k < items.size(); ++k)
      out[k] = s[std::size_t(u)][std::size_t(items[k])];
  }
};

struct BlockView {
  const Table* t;
  index_t n_items() const { return t->n_items(); }
  void score_block(std::span<const index_t> users, real* out, std::size_t ld) const {
    for (std::size_t r = 0; r < users.size(); ++r)
      std::copy(t->s[std::size_t(users[r])].begin(), t->s[std::size_t(users[r])].end(), out + r * ld);
  }
};
static_assert(BlockScorer<BlockView>);

struct Row {
  index_t user, item;
  float label;
};

Interactions labeled(index_t n_users, index_t n_items, const std::vector<Row>& rows) {
  std::vector<Pair> pairs;
  std::vector<float> labels;
  for (const Row& r : rows) {
    pairs.push_back({r.user, r.item});
    labels.push_back(r.label);
  }
  return Interactions::from_pairs(n_users, n_items, pairs, labels);
}

// Three labelled users and one without rows:
//   user 0: item 0 (+, 0.9), item 1 (-, 0.3), item 2 (+, 0.3), item 4 (-, 0.8)
//   user 1: item 1 (+, 0.5), item 3 (+, 0.5)              (one class only)
//   user 2: item 0 (-, 0.2), item 2 (+, 0.1), item 5 (-, 0.0)
Table hand_table() {
  Table t;
  t.s = {{0.9f, 0.3f, 0.3f, 0.f, 0.8f, 0.f},
         {0.f, 0.5f, 0.f, 0.5f, 0.f, 0.f},
         {0.2f, 0.f, 0.1f, 0.f, 0.f, 0.0f},
         {0.f, 0.f, 0.f, 0.f, 0.f, 0.f}};
  return t;
}
Interactions hand_test() {
  return labeled(4, 6,
                 {{0, 0, 1}, {0, 1, 0}, {0, 2, 1}, {0, 4, 0}, {1, 1, 1}, {1, 3, 1}, {2, 0, 0},
                  {2, 2, 1}, {2, 5, 0}});
}

}  // namespace

TEST_CASE("Labelled AUC, GAUC and NDCG on a hand-computed set", "[eval][labeled]") {
  const Table t = hand_table();
  const Interactions test = hand_test();
  const LabeledResult a = evaluate_labeled(t, test, {.ks = {1, 10}});
  const LabeledResult b = evaluate_labeled(BlockView{&t}, test, {.ks = {1, 10}});
  for (const LabeledResult* r : {&a, &b}) {
    CHECK(r->rows == 9);
    CHECK(r->positives == 5);
    CHECK(r->negatives == 4);
    CHECK(r->users == 3);
    CHECK(r->users_evaluated == 2);
    // Pooled: positives 0.9, 0.3, 0.5, 0.5, 0.1 vs negatives 0.3, 0.8, 0.2, 0.0:
    // 4 + 2.5 (a tie) + 3 + 3 + 1 = 13.5 of 20 pairs.
    CHECK_THAT(r->auc, WithinRel(13.5 / 20, 1e-15));
    // User 0: 0.9 beats both, 0.3 ties 0.3 and loses to 0.8: AUC 2.5/4.
    // User 2: 0.1 beats 0.0, loses to 0.2: AUC 1/2. User 1 is skipped.
    CHECK_THAT(r->gauc, WithinRel((4 * 0.625 + 3 * 0.5) / 7, 1e-15));
    CHECK_THAT(r->gauc_unweighted, WithinRel((0.625 + 0.5) / 2, 1e-15));
    // NDCG: user 0 ranks + - - + (the tied negative first): positives at 1 and 4;
    // user 2 ranks - + -.
    const double ndcg0 = (1 + 1 / std::log2(5.0)) / (1 + 1 / std::log2(3.0));
    const double ndcg2 = 1 / std::log2(3.0);
    CHECK_THAT(r->ndcg[1], WithinRel((ndcg0 + ndcg2) / 2, 1e-14));
    CHECK_THAT(r->ndcg[0], WithinRel(0.5, 1e-15));  // @1: user 0 hits, user 2 misses
    CHECK(r->at("ndcg@10") == r->ndcg[1]);
    CHECK(r->at("auc") == r->auc);
    CHECK(r->at("gauc_unweighted") == r->gauc_unweighted);
  }
  CHECK(a.auc == b.auc);
  CHECK(a.gauc == b.gauc);
  CHECK(a.ndcg == b.ndcg);
  CHECK_THROWS_AS(a.at("recall@10"), InvalidArgument);
  // Default K = 10.
  CHECK(evaluate_labeled(t, test).metrics().back().first == "ndcg@10");
}

TEST_CASE("Labelled evaluation: perfect and reversed scorers", "[eval][labeled]") {
  const Interactions test = hand_test();
  Table t = hand_table();
  // Score = label: every positive above every negative.
  for (index_t u = 0; u < test.n_users(); ++u)
    for (std::size_t r = 0; r < test.items_of(u).size(); ++r)
      t.s[std::size_t(u)][std::size_t(test.items_of(u)[r])] = test.labels_of(u)[r];
  LabeledResult r = evaluate_labeled(t, test, {.ks = {1, 2}});
  CHECK(r.auc == 1.0);
  CHECK(r.gauc == 1.0);
  CHECK(r.gauc_unweighted == 1.0);
  CHECK(r.ndcg == std::vector<double>{1.0, 1.0});
  for (auto& row : t.s)
    for (real& x : row) x = -x;
  r = evaluate_labeled(t, test, {.ks = {1, 2}});
  CHECK(r.auc == 0.0);
  CHECK(r.gauc == 0.0);
  CHECK(r.ndcg[0] == 0.0);
  // All scores equal: every pair is a tie, AUC 1/2.
  for (auto& row : t.s) std::fill(row.begin(), row.end(), 0.25f);
  r = evaluate_labeled(t, test);
  CHECK(r.auc == 0.5);
  CHECK(r.gauc == 0.5);
  CHECK(r.gauc_unweighted == 0.5);
}

namespace {
/// Brute force: every (positive, negative) pair counted; NDCG from an
/// explicit sort of each user's rows, negatives before positives on ties.
LabeledResult brute_force(const Table& t, const Interactions& test, const std::vector<int>& ks) {
  LabeledResult res;
  res.ks = ks;
  res.ndcg.assign(ks.size(), 0);
  std::vector<real> all_pos, all_neg;
  double weight = 0;
  for (index_t u = 0; u < test.n_users(); ++u) {
    struct E { real s; bool pos; };
    std::vector<E> rows;
    for (std::size_t r = 0; r < test.items_of(u).size(); ++r) {
      real s = t.s[std::size_t(u)][std::size_t(test.items_of(u)[r])];
      if (std::isnan(s)) s = -INFINITY;
      const bool pos = test.labels_of(u)[r] == 1.0f;
      rows.push_back({s, pos});
      (pos ? all_pos : all_neg).push_back(s);
    }
    std::size_t np = 0, nn = 0;
    double wins = 0;
    for (const E& p : rows)
      for (const E& n : rows)
        if (p.pos && !n.pos) wins += p.s > n.s ? 1.0 : p.s == n.s ? 0.5 : 0.0;
    for (const E& e : rows) (e.pos ? np : nn) += 1;
    if (np == 0 || nn == 0) continue;
    ++res.users_evaluated;
    const double auc = wins / double(np * nn);
    res.gauc_unweighted += auc;
    res.gauc += double(rows.size()) * auc;
    weight += double(rows.size());
    std::stable_sort(rows.begin(), rows.end(), [](const E& a, const E& b) {
      return a.s > b.s || (a.s == b.s && !a.pos && b.pos);
    });
    for (std::size_t j = 0; j < ks.size(); ++j) {
      const std::size_t k = std::min<std::size_t>(rows.size(), std::size_t(ks[j]));
      double dcg = 0, idcg = 0;
      for (std::size_t r = 0; r < k; ++r) dcg += rows[r].pos ? 1 / std::log2(r + 2.0) : 0;
      for (std::size_t r = 0; r < std::min(k, np); ++r) idcg += 1 / std::log2(r + 2.0);
      res.ndcg[j] += dcg / idcg;
    }
  }
  double wins = 0;
  for (const real p : all_pos)
    for (const real n : all_neg) wins += p > n ? 1.0 : p == n ? 0.5 : 0.0;
  res.auc = wins / double(all_pos.size() * all_neg.size());
  res.gauc /= weight;
  res.gauc_unweighted /= double(res.users_evaluated);
  for (double& v : res.ndcg) v /= double(res.users_evaluated);
  return res;
}
}  // namespace

TEST_CASE("Labelled evaluation matches a brute force on random data", "[eval][labeled]") {
  Rng rng(31);
  const std::vector<int> ks = {1, 3, 10};
  for (int trial = 0; trial < 20; ++trial) {
    const index_t n_users = 30, n_items = 40;
    Table t;
    t.s.assign(n_users, std::vector<real>(n_items));
    // Few distinct scores, so ties are common; a few NaN.
    for (auto& row : t.s)
      for (real& x : row)
        x = rng.below(50) == 0 ? NAN : static_cast<real>(rng.below(6)) * 0.5f - 1.0f;
    std::vector<Row> rows;
    for (index_t u = 0; u < n_users; ++u) {
      const std::size_t deg = rng.below(9);  // 0 .. 8 rows, some users single-class
      for (std::size_t k = 0; k < deg; ++k)
        rows.push_back({u, static_cast<index_t>(rng.below(n_items)), rng.below(3) == 0 ? 1.f : 0.f});
    }
    const Interactions test = labeled(n_users, n_items, rows);
    const LabeledResult want = brute_force(t, test, ks);
    ThreadPool pool(3);
    const LabeledResult got = evaluate_labeled(t, test, {.ks = ks});
    const LabeledResult par = evaluate_labeled(t, test, {.ks = ks}, &pool);
    const LabeledResult blk = evaluate_labeled(BlockView{&t}, test, {.ks = ks, .threads = 2});
    REQUIRE(got.users_evaluated == want.users_evaluated);
    CHECK_THAT(got.auc, WithinAbs(want.auc, 1e-12));
    CHECK_THAT(got.gauc, WithinAbs(want.gauc, 1e-12));
    CHECK_THAT(got.gauc_unweighted, WithinAbs(want.gauc_unweighted, 1e-12));
    for (std::size_t j = 0; j < ks.size(); ++j) CHECK_THAT(got.ndcg[j], WithinAbs(want.ndcg[j], 1e-12));
    // Any thread count and either scorer path: the same bits.
    for (const LabeledResult* o : {&par, &blk}) {
      CHECK(o->auc == got.auc);
      CHECK(o->gauc == got.gauc);
      CHECK(o->gauc_unweighted == got.gauc_unweighted);
      CHECK(o->ndcg == got.ndcg);
    }
  }
}

TEST_CASE("Labelled evaluation of a model through score_items", "[eval][labeled]") {
  const Interactions test = hand_test();
  const MF model(4, 6, {.dim = 8, .seed = 3});
  const LabeledResult via_items = evaluate_labeled(model, test);
  const LabeledResult via_block = evaluate_labeled(model.block_scorer(), test);
  CHECK(via_items.users_evaluated == 2);
  CHECK_THAT(via_items.auc, WithinAbs(via_block.auc, 1e-12));
  CHECK_THAT(via_items.gauc, WithinAbs(via_block.gauc, 1e-12));
  CHECK_THAT(via_items.ndcg[0], WithinAbs(via_block.ndcg[0], 1e-12));
}

TEST_CASE("Labelled evaluation rejects bad input", "[eval][labeled]") {
  const Table t = hand_table();
  // No labels.
  const std::vector<Pair> pairs{{0, 1}, {1, 2}};
  const Interactions unlabeled = Interactions::from_pairs(4, 6, pairs);
  CHECK_THROWS_WITH(evaluate_labeled(t, unlabeled), Catch::Contains("has no labels"));
  // A label that is neither 1 nor 0, named with its user and item.
  const Interactions odd = labeled(4, 6, {{0, 1, 1}, {2, 5, 0.5f}});
  CHECK_THROWS_WITH(evaluate_labeled(t, odd),
                    Catch::Contains("user 2, item 5 is 0.5") && Catch::Contains("must be 1 or 0"));
  CHECK_THROWS_WITH(evaluate_labeled(t, hand_test(), {.ks = {0}}), Catch::Contains("K must be positive"));
  // More items or users than the scorer knows.
  const Interactions wide = labeled(4, 9, {{0, 8, 1}});
  CHECK_THROWS_WITH(evaluate_labeled(t, wide), Catch::Contains("has 9 items"));
  const Interactions tall = labeled(6, 6, {{5, 0, 1}});
  CHECK_THROWS_WITH(evaluate_labeled(t, tall), Catch::Contains("test user 5"));
  // No negative at all: the pooled AUC is 0 and no user is evaluated.
  const LabeledResult r = evaluate_labeled(t, labeled(4, 6, {{0, 1, 1}}));
  CHECK(r.auc == 0.0);
  CHECK(r.users_evaluated == 0);
  CHECK(r.gauc == 0.0);
}
