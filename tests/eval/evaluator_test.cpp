#include "hardneg/eval/evaluator.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "hardneg/core/random.hpp"

using hardneg::EvalOptions;
using hardneg::EvalResult;
using hardneg::index_t;
using hardneg::Interactions;
using hardneg::Pair;
using hardneg::real;
using hardneg::RowMatrix;

namespace {

/// A BlockScorer over an explicit score table (users x items).
struct TableScorer {
  std::vector<std::vector<real>> s;
  index_t n_items() const { return static_cast<index_t>(s.front().size()); }
  index_t n_users() const { return static_cast<index_t>(s.size()); }
  void score_block(std::span<const index_t> users, real* out, std::size_t ld) const {
    for (std::size_t r = 0; r < users.size(); ++r)
      std::copy(s[std::size_t(users[r])].begin(), s[std::size_t(users[r])].end(), out + r * ld);
  }
};
static_assert(hardneg::BlockScorer<TableScorer>);

/// Brute-force metrics: explicit sort of each user's non-train items by score,
/// negatives before positives on ties, then the definitions read off the list.
EvalResult brute_force(const TableScorer& sc, const Interactions& train, const Interactions& test,
                       const EvalOptions& opts) {
  EvalResult res;
  res.ks = opts.ks;
  res.betas = opts.betas;
  res.recall.assign(opts.ks.size(), 0);
  res.precision.assign(opts.ks.size(), 0);
  res.ndcg.assign(opts.ks.size(), 0);
  res.hit.assign(opts.ks.size(), 0);
  res.opauc.assign(opts.betas.size(), 0);
  double gauc_w = 0;
  for (index_t u = 0; u < test.n_users(); ++u) {
    struct Entry { real s; bool pos; };
    std::vector<Entry> list;
    for (index_t i = 0; i < sc.n_items(); ++i) {
      if (u < train.n_users() && train.contains(u, i)) continue;
      list.push_back({sc.s[std::size_t(u)][std::size_t(i)], test.contains(u, i)});
    }
    std::stable_sort(list.begin(), list.end(), [](const Entry& a, const Entry& b) {
      return a.s > b.s || (a.s == b.s && !a.pos && b.pos);
    });
    std::vector<std::size_t> ranks;  // 1-based ranks of the positives
    std::vector<real> pos, neg;
    for (std::size_t r = 0; r < list.size(); ++r) {
      if (list[r].pos) {
        ranks.push_back(r + 1);
        pos.push_back(list[r].s);
      } else {
        neg.push_back(list[r].s);  // sorted descending
      }
    }
    if (ranks.empty()) continue;
    ++res.users_evaluated;
    const double np = double(ranks.size());
    for (std::size_t j = 0; j < opts.ks.size(); ++j) {
      const std::size_t k = std::size_t(opts.ks[j]);
      double hits = 0, dcg = 0, idcg = 0;
      for (const std::size_t r : ranks)
        if (r <= k) ++hits, dcg += 1 / std::log2(double(r) + 1);
      for (std::size_t r = 1; r <= std::min(ranks.size(), k); ++r) idcg += 1 / std::log2(double(r) + 1);
      res.recall[j] += hits / np;
      res.precision[j] += hits / double(k);
      res.ndcg[j] += dcg / idcg;
      res.hit[j] += hits > 0;
    }
    res.mrr += 1.0 / double(ranks.front());
    if (neg.empty()) continue;
    ++res.auc_users;
    const double pairs = np * double(neg.size());
    double beaten = 0;
    for (const real p : pos)
      for (const real n : neg) beaten += p > n;
    res.auc += beaten / pairs;
    res.gauc += np * beaten / pairs;
    gauc_w += np;
    for (std::size_t j = 0; j < opts.betas.size(); ++j) {
      const auto l = std::size_t(std::ceil(opts.betas[j] * double(neg.size()) - 1e-9));
      double b = 0;
      for (const real p : pos)
        for (std::size_t q = 0; q < std::max<std::size_t>(l, 1); ++q) b += p > neg[q];
      res.opauc[j] += b / pairs;
    }
  }
  const double ne = double(res.users_evaluated), na = double(res.auc_users);
  for (std::size_t j = 0; j < opts.ks.size(); ++j) {
    res.recall[j] /= ne;
    res.precision[j] /= ne;
    res.ndcg[j] /= ne;
    res.hit[j] /= ne;
  }
  res.mrr /= ne;
  res.auc /= na;
  res.gauc /= gauc_w;
  for (auto& v : res.opauc) v /= na;
  return res;
}

Interactions from_rows(index_t n_items, const std::vector<std::vector<index_t>>& rows) {
  std::vector<Pair> pairs;
  for (std::size_t u = 0; u < rows.size(); ++u)
    for (const index_t i : rows[u]) pairs.push_back({index_t(u), i});
  return Interactions::from_pairs(index_t(rows.size()), n_items, pairs);
}

}  // namespace

TEST_CASE("evaluate on a ranking computed by hand", "[eval][evaluator]") {
  // 6 items, dim 1: item "embeddings" are the scores 9 5 7 7 1 3 of user 0;
  // user 1 has the opposite vector (scores -9 -5 -7 -7 -1 -3).
  RowMatrix items(6, 1), users(4, 1);
  const real v[6] = {9, 5, 7, 7, 1, 3};
  for (std::size_t i = 0; i < 6; ++i) items(i, 0) = v[i];
  users(0, 0) = 1;
  users(1, 0) = -1;
  users(2, 0) = 1;
  users(3, 0) = 1;
  const hardneg::DotScorer scorer(users, items);
  // user 0: train {0}, test {3, 5}; user 1: test {0, 1, 2}; user 2: no test;
  // user 3: its only test item is a train item -> no positive, skipped.
  const Interactions train = from_rows(6, {{0}, {}, {}, {4}});
  const Interactions test = from_rows(6, {{3, 5}, {0, 1, 2}, {}, {4}});
  //
  // user 0, ranking without item 0: i2 (7, N), i3 (7, P: loses the tie), i1 (5, N),
  //   i5 (3, P), i4 (1, N). n+ = 2, n- = 3, c = {1, 2}, ranks {2, 4}.
  //   K=1: 0 hits. K=2: recall 1/2, precision 1/2, hit 1, NDCG (1/log2 3)/(1 + 1/log2 3).
  //   K=5: recall 1, precision 2/5, NDCG (1/log2 3 + 1/log2 5)/(1 + 1/log2 3). MRR 1/2.
  //   AUC = ((3-1) + (3-2)) / 6 = 1/2. OPAUC(0.5): L = 2 -> (1 + 0)/6 = 1/6.
  //   OPAUC(1/3): L = 1 -> 0.
  // user 1, ranking: i4 (-1, N), i5 (-3, N), i1 (-5, P), i3 (-7, N), i2 (-7, P), i0 (-9, P).
  //   n+ = 3, n- = 3, c = {2, 3, 3}, ranks {3, 5, 6}.
  //   K=1, 2: 0 hits. K=5: recall 2/3, precision 2/5, hit 1,
  //   NDCG (1/log2 4 + 1/log2 6) / (1 + 1/log2 3 + 1/log2 4). MRR 1/3.
  //   AUC = (1 + 0 + 0) / 9 = 1/9. OPAUC(0.5): L = 2 -> 0. OPAUC(1/3): 0.
  EvalOptions opts;
  opts.ks = {1, 2, 5};
  opts.betas = {0.5, 1.0 / 3.0, 1.0};
  const EvalResult r = hardneg::evaluate(scorer, train, test, opts);
  CHECK(r.users_evaluated == 2);
  CHECK(r.auc_users == 2);
  const double l3 = std::log2(3.0), l5 = std::log2(5.0), l6 = std::log2(6.0);
  CHECK(r.recall == std::vector<double>{0.0, 0.25, (1.0 + 2.0 / 3.0) / 2});
  CHECK(r.precision[1] == Approx(0.25));
  CHECK(r.precision[2] == Approx(0.4));
  CHECK(r.hit == std::vector<double>{0.0, 0.5, 1.0});
  CHECK(r.ndcg[0] == 0.0);
  CHECK(r.ndcg[1] == Approx((1 / l3) / (1 + 1 / l3) / 2));
  CHECK(r.ndcg[2] == Approx(((1 / l3 + 1 / l5) / (1 + 1 / l3) + (0.5 + 1 / l6) / (1 + 1 / l3 + 0.5)) / 2));
  CHECK(r.mrr == Approx((0.5 + 1.0 / 3.0) / 2));
  CHECK(r.auc == Approx((0.5 + 1.0 / 9.0) / 2));
  CHECK(r.gauc_unweighted == r.auc);
  CHECK(r.gauc == Approx((2 * 0.5 + 3 * (1.0 / 9.0)) / 5));  // weights n+ = 2, 3
  CHECK(r.opauc[0] == Approx((1.0 / 6.0 + 0.0) / 2));
  CHECK(r.opauc[1] == 0.0);
  CHECK(r.opauc[2] == Approx(r.auc));
  // McClish at beta = 0.5: 1/2 (1 + (1/12 - 1/8) / (1/2 - 1/8)) = 1/2 (1 - 1/9) = 4/9.
  CHECK(r.opauc_norm[0] == Approx(4.0 / 9.0));
  CHECK(r.opauc_norm[2] == Approx(r.auc));

  // Named values for the tool's JSON.
  CHECK(r.at("recall@2") == 0.25);
  CHECK(r.at("hit@5") == 1.0);
  CHECK(r.at("opauc@0.5") == r.opauc[0]);
  CHECK(r.at("opauc@1") == r.opauc[2]);
  CHECK(r.at("opauc_norm@0.5") == r.opauc_norm[0]);
  CHECK(r.at("auc") == r.auc);
  CHECK_THROWS_AS(r.at("recall@3"), hardneg::InvalidArgument);
  const auto named = r.metrics();
  REQUIRE(named.size() == 4 * 3 + 4 + 2 * 3);
  CHECK(named.front().first == "recall@1");
  CHECK(named[3].first == "precision@1");
}

TEST_CASE("evaluate equals a brute-force sort on random data with ties", "[eval][evaluator]") {
  hardneg::Rng rng(21, 4);
  for (const int levels : {3, 1 << 20}) {  // heavy ties, then almost none
    const index_t n_users = 37, n_items = 211;
    TableScorer sc;
    sc.s.assign(std::size_t(n_users), std::vector<real>(std::size_t(n_items)));
    for (auto& row : sc.s)
      for (auto& x : row) x = real(rng.below(std::uint64_t(levels)));
    std::vector<std::vector<index_t>> tr(static_cast<std::size_t>(n_users));
    std::vector<std::vector<index_t>> te(static_cast<std::size_t>(n_users));
    for (index_t u = 0; u < n_users; ++u)
      for (index_t i = 0; i < n_items; ++i) {
        const auto p = rng.below(100);
        if (p < 10) tr[std::size_t(u)].push_back(i);
        else if (p < 14 || (u == 5 && p < 99)) te[std::size_t(u)].push_back(i);  // user 5: few negatives
        if (p == 0 && u % 3 == 0) te[std::size_t(u)].push_back(i);  // some test items also in train
      }
    te[7].clear();  // a user without test items
    const Interactions train = from_rows(n_items, tr), test = from_rows(n_items, te);
    EvalOptions opts;
    opts.ks = {1, 5, 20, 300};
    opts.betas = {0.001, 0.01, 0.1, 0.37, 1.0};
    opts.user_block = 5;
    const EvalResult got = hardneg::evaluate(sc, train, test, opts);
    const EvalResult want = brute_force(sc, train, test, opts);
    INFO("levels " << levels);
    CHECK(got.users_evaluated == want.users_evaluated);
    CHECK(got.auc_users == want.auc_users);
    for (std::size_t j = 0; j < opts.ks.size(); ++j) {
      CHECK(got.recall[j] == Approx(want.recall[j]).epsilon(1e-12));
      CHECK(got.precision[j] == Approx(want.precision[j]).epsilon(1e-12));
      CHECK(got.ndcg[j] == Approx(want.ndcg[j]).epsilon(1e-12));
      CHECK(got.hit[j] == Approx(want.hit[j]).epsilon(1e-12));
    }
    CHECK(got.mrr == Approx(want.mrr).epsilon(1e-12));
    CHECK(got.auc == Approx(want.auc).epsilon(1e-12));
    CHECK(got.gauc == Approx(want.gauc).epsilon(1e-12));
    for (std::size_t j = 0; j < opts.betas.size(); ++j)
      CHECK(got.opauc[j] == Approx(want.opauc[j]).epsilon(1e-12));
  }
}

TEST_CASE("evaluate is bit-identical for 1 and 2 threads and any block size", "[eval][evaluator]") {
  hardneg::Rng rng(8, 9);
  const std::size_t n_users = 400, n_items = 1500, dim = 16;
  RowMatrix users(n_users, dim), items(n_items, dim);
  for (std::size_t r = 0; r < n_users; ++r)
    for (std::size_t k = 0; k < dim; ++k) users(r, k) = real(rng.normal());
  for (std::size_t r = 0; r < n_items; ++r)
    for (std::size_t k = 0; k < dim; ++k) items(r, k) = real(rng.normal());
  std::vector<Pair> tr, te;
  for (std::size_t u = 0; u < n_users; ++u)
    for (int j = 0; j < 30; ++j) {
      const Pair p{index_t(u), index_t(rng.below(n_items))};
      (j < 22 ? tr : te).push_back(p);
    }
  const Interactions train = Interactions::from_pairs(index_t(n_users), index_t(n_items), tr);
  const Interactions test = Interactions::from_pairs(index_t(n_users), index_t(n_items), te);
  const hardneg::DotScorer scorer(users, items);
  EvalOptions opts;
  opts.ks = {5, 20, 50};
  opts.betas = {0.01, 0.1};
  opts.user_block = 7;
  const auto one = hardneg::evaluate(scorer, train, test, opts).metrics();
  opts.threads = 2;
  const auto two = hardneg::evaluate(scorer, train, test, opts).metrics();
  hardneg::ThreadPool pool(2);
  opts.user_block = 64;
  const auto pooled = hardneg::evaluate(scorer, train, test, opts, &pool).metrics();
  REQUIRE(one.size() == two.size());
  for (std::size_t j = 0; j < one.size(); ++j) {
    INFO(one[j].first);
    CHECK(std::memcmp(&one[j].second, &two[j].second, sizeof(double)) == 0);
    CHECK(std::memcmp(&one[j].second, &pooled[j].second, sizeof(double)) == 0);
  }
  // A random model: AUC near 1/2, OPAUC_norm near 1/2.
  const auto r = hardneg::evaluate(scorer, train, test, opts, &pool);
  CHECK(r.auc == Approx(0.5).margin(0.03));
  CHECK(r.opauc_norm[1] == Approx(0.5).margin(0.05));
}

TEST_CASE("evaluate rejects bad options and mismatched data", "[eval][evaluator]") {
  RowMatrix users(2, 3), items(4, 3);
  const hardneg::DotScorer scorer(users, items);
  const Interactions train = from_rows(4, {{0}, {1}});
  const Interactions test = from_rows(4, {{2}, {3}});
  EvalOptions opts;
  opts.ks = {0};
  CHECK_THROWS_AS(hardneg::evaluate(scorer, train, test, opts), hardneg::InvalidArgument);
  opts.ks = {20};
  opts.betas = {0.0};
  CHECK_THROWS_AS(hardneg::evaluate(scorer, train, test, opts), hardneg::InvalidArgument);
  opts.betas = {1.5};
  CHECK_THROWS_AS(hardneg::evaluate(scorer, train, test, opts), hardneg::InvalidArgument);
  opts.betas = {};
  const Interactions wide = from_rows(5, {{4}, {}});
  CHECK_THROWS_AS(hardneg::evaluate(scorer, train, wide, opts), hardneg::InvalidArgument);
  const Interactions many_users = from_rows(4, {{2}, {3}, {1}});
  CHECK_THROWS_AS(hardneg::evaluate(scorer, train, many_users, opts), hardneg::InvalidArgument);
  CHECK_NOTHROW(hardneg::evaluate(scorer, train, test, opts));
}

TEST_CASE("evaluate with no test user, and beta names", "[eval][evaluator]") {
  RowMatrix users(2, 3), items(4, 3);
  const hardneg::DotScorer scorer(users, items);
  const Interactions train = from_rows(4, {{0}, {1}});
  const Interactions empty = from_rows(4, {{}, {}});
  EvalOptions opts;
  opts.betas = {0.05};
  const EvalResult r = hardneg::evaluate(scorer, train, empty, opts);
  CHECK(r.users_evaluated == 0);
  CHECK(r.at("recall@20") == 0.0);
  CHECK(r.at("opauc@0.05") == 0.0);
  CHECK(EvalResult::format_beta(0.1) == "0.1");
  CHECK(EvalResult::format_beta(0.001) == "0.001");
  CHECK(EvalResult::format_beta(1.0) == "1");
}
