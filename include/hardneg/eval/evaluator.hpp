// Full-ranking evaluation: Recall/Precision/NDCG/Hit@K, MRR, AUC, GAUC and
// OPAUC(beta) for every user with test items, for any set of K and beta at once.
//
// Protocol (the seed papers' default, spec/theory.md): every item is ranked for
// every user; the user's train items are removed from the ranking; the
// positives are the user's test items that are not train items; users without
// a positive are skipped; the negatives are all other items. Ties count against
// the positive. Metric definitions and the OPAUC rounding: eval/metrics.hpp.
//
// How: users are taken in blocks of EvalOptions::user_block; a worker scores a
// block against all items with the scorer (simd::score_block for DotScorer)
// into its own buffer, then for each user sets the train items to -inf, reads
// the positives' scores, and counts with one SIMD pass per 8 positives
// (simd::count_at_least) the items scored >= each positive. Removing the
// positives from those counts gives c_j, the negatives ranked at or above each
// positive, from which every metric follows exactly for every K and beta: no
// sort of the n_items scores, no top-K selection.
//
// Determinism: each user's metric values are written to its own slot and
// reduced serially in user order, so results are bit-identical for any thread
// count. Buffers are allocated once per evaluate() call.
//
// Averages: the top-K metrics and MRR over users_evaluated; AUC, GAUC and
// OPAUC over the auc_users among them that have at least one negative. `auc`
// is the per-user AUC averaged with equal weights (so OPAUC(1) = AUC, as in
// spec/theory.md), `gauc` weights it by the user's number of positives, and
// `gauc_unweighted` is the equal-weight mean, i.e. the same number as `auc`,
// kept under the name some reference code reports.
#pragma once

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hardneg/core/aligned.hpp"
#include "hardneg/core/error.hpp"
#include "hardneg/core/thread_pool.hpp"
#include "hardneg/core/types.hpp"
#include "hardneg/data/interactions.hpp"
#include "hardneg/eval/block_scorer.hpp"
#include "hardneg/eval/dot_scorer.hpp"
#include "hardneg/eval/metrics.hpp"
#include "hardneg/simd/count_at_least.hpp"

namespace hardneg {

struct EvalOptions {
  std::vector<int> ks = {20};      ///< cut-offs of Recall/Precision/NDCG/Hit@K (each > 0)
  std::vector<double> betas = {};  ///< OPAUC(beta) false-positive-rate limits, each in (0, 1]
  std::size_t threads = 1;         ///< worker threads when no pool is given (0 = all cores)
  std::size_t user_block = 32;     ///< users scored per block (buffer: user_block x n_items floats per thread)
};

struct EvalResult {
  std::size_t users_evaluated = 0;  ///< users with at least one positive
  std::size_t auc_users = 0;        ///< of those, users with at least one negative
  std::vector<int> ks;
  std::vector<double> recall, precision, ndcg, hit;  ///< one per K, in ks order
  double mrr = 0.0;
  double auc = 0.0;              ///< mean of per-user AUC
  double gauc = 0.0;             ///< per-user AUC weighted by the user's positives
  double gauc_unweighted = 0.0;  ///< equal-weight mean of per-user AUC (= auc)
  std::vector<double> betas;
  std::vector<double> opauc, opauc_norm;  ///< one per beta, in betas order

  /// Every metric as (name, value): recall@K, precision@K, ndcg@K, hit@K for
  /// each K, then mrr, auc, gauc, gauc_unweighted, then opauc@BETA and
  /// opauc_norm@BETA for each beta (BETA printed in its shortest form, 0.1).
  std::vector<std::pair<std::string, double>> metrics() const {
    std::vector<std::pair<std::string, double>> out;
    const auto per_k = [&](std::string_view name, const std::vector<double>& v) {
      for (std::size_t j = 0; j < ks.size(); ++j)
        out.emplace_back(std::string(name) + "@" + std::to_string(ks[j]), v[j]);
    };
    per_k("recall", recall);
    per_k("precision", precision);
    per_k("ndcg", ndcg);
    per_k("hit", hit);
    out.emplace_back("mrr", mrr);
    out.emplace_back("auc", auc);
    out.emplace_back("gauc", gauc);
    out.emplace_back("gauc_unweighted", gauc_unweighted);
    for (std::size_t j = 0; j < betas.size(); ++j)
      out.emplace_back("opauc@" + format_beta(betas[j]), opauc[j]);
    for (std::size_t j = 0; j < betas.size(); ++j)
      out.emplace_back("opauc_norm@" + format_beta(betas[j]), opauc_norm[j]);
    return out;
  }

  /// The value of a metric by its metrics() name; throws InvalidArgument if absent.
  double at(std::string_view name) const {
    for (const auto& [key, value] : metrics())
      if (key == name) return value;
    throw InvalidArgument("EvalResult: no metric named '" + std::string(name) + "'");
  }

  /// Shortest decimal form that reads back as the same double (0.1, 0.05, 1).
  static std::string format_beta(double beta) {
    char buf[32];
    const auto res = std::to_chars(buf, buf + sizeof buf, beta);
    return std::string(buf, res.ptr);
  }
};

namespace detail {

/// Positives of user u: its test items that are not train items (both rows
/// sorted, so a merge). Returns their number, written to `out`.
inline std::size_t user_positives(const Interactions& train, const Interactions& test, index_t u,
                                  index_t* out) noexcept {
  const auto t = test.items_of(u);
  const auto seen = u < train.n_users() ? train.items_of(u) : std::span<const index_t>{};
  std::size_t n = 0;
  std::size_t s = 0;
  for (const index_t i : t) {
    while (s < seen.size() && seen[s] < i) ++s;
    if (s < seen.size() && seen[s] == i) continue;
    out[n++] = i;
  }
  return n;
}

/// Per-worker scratch, sized once per evaluate() call.
struct EvalScratch {
  aligned_vector<real> scores;  // user_block rows of ld floats
  std::vector<index_t> positives;
  std::vector<real> pos_scores;
  std::vector<index_t> counts;
  std::vector<index_t> above;
};

/// Layout of one user's slot in the per-user table.
struct EvalLayout {
  std::size_t n_k = 0, n_beta = 0;
  std::size_t recall(std::size_t j) const { return j; }
  std::size_t precision(std::size_t j) const { return n_k + j; }
  std::size_t ndcg(std::size_t j) const { return 2 * n_k + j; }
  std::size_t hit(std::size_t j) const { return 3 * n_k + j; }
  std::size_t mrr() const { return 4 * n_k; }
  std::size_t auc() const { return 4 * n_k + 1; }
  std::size_t weight() const { return 4 * n_k + 2; }  // n+ when AUC is defined, else 0
  std::size_t opauc(std::size_t j) const { return 4 * n_k + 3 + j; }
  std::size_t size() const { return 4 * n_k + 3 + n_beta; }
};

/// Metrics of one user from its score row (train items already at -inf).
inline void user_metrics(std::span<const real> row, std::span<const index_t> positives,
                         std::int64_t n_negatives, const EvalOptions& opts, const EvalLayout& lay,
                         EvalScratch& sc, double* slot) {
  const std::size_t m = positives.size();
  real* ps = sc.pos_scores.data();
  constexpr real lowest = -std::numeric_limits<real>::infinity();
  for (std::size_t j = 0; j < m; ++j) {
    const real s = row[static_cast<std::size_t>(positives[j])];
    ps[j] = std::isnan(s) ? lowest : s;  // a NaN positive ranks last
  }
  std::sort(ps, ps + m, std::greater<>());
  simd::count_at_least(row, {ps, m}, {sc.counts.data(), m});
  // c_j = (items >= s_j) - (positives >= s_j). Positives tied with s_j are the
  // run of equal values around j in the sorted list.
  index_t* above = sc.above.data();
  for (std::size_t j = 0; j < m;) {
    std::size_t e = j + 1;
    while (e < m && ps[e] == ps[j]) ++e;
    for (std::size_t q = j; q < e; ++q)
      above[q] = ps[q] == lowest ? static_cast<index_t>(n_negatives)  // train items sit at -inf too
                                 : sc.counts[q] - static_cast<index_t>(e);
    j = e;
  }
  const PositiveRanks r{{above, m}, n_negatives};
  for (std::size_t j = 0; j < opts.ks.size(); ++j) {
    const auto k = static_cast<std::size_t>(opts.ks[j]);
    slot[lay.recall(j)] = recall_at(r, k);
    slot[lay.precision(j)] = precision_at(r, k);
    slot[lay.ndcg(j)] = ndcg_at(r, k);
    slot[lay.hit(j)] = hit_at(r, k);
  }
  slot[lay.mrr()] = reciprocal_rank(r);
  const bool has_auc = n_negatives > 0;
  slot[lay.weight()] = has_auc ? static_cast<double>(m) : 0.0;
  slot[lay.auc()] = has_auc ? auc(r) : 0.0;
  for (std::size_t j = 0; j < opts.betas.size(); ++j)
    slot[lay.opauc(j)] = has_auc ? opauc(r, opts.betas[j]) : 0.0;
}

inline void validate(const EvalOptions& opts) {
  for (const int k : opts.ks)
    if (k <= 0) throw InvalidArgument("evaluate: K must be positive, got " + std::to_string(k));
  for (const double b : opts.betas)
    if (!(b > 0.0 && b <= 1.0))
      throw InvalidArgument("evaluate: beta must be in (0, 1], got " + std::to_string(b));
  require(opts.user_block > 0, "evaluate: user_block must be positive");
}

}  // namespace detail

/// Evaluates `scorer` on `test` with `train` items removed from the ranking.
/// Uses `pool` when given, else a pool of opts.threads threads.
template <BlockScorer S>
EvalResult evaluate(const S& scorer, const Interactions& train, const Interactions& test,
                    const EvalOptions& opts = {}, ThreadPool* pool = nullptr) {
  detail::validate(opts);
  const auto n_items = static_cast<std::size_t>(scorer.n_items());
  if (static_cast<std::size_t>(train.n_items()) > n_items ||
      static_cast<std::size_t>(test.n_items()) > n_items)
    throw InvalidArgument("evaluate: the data has " +
                          std::to_string(std::max(train.n_items(), test.n_items())) +
                          " items but the model scores " + std::to_string(n_items));

  // The users to evaluate, in id order, and the largest positive count.
  std::vector<index_t> users;
  std::size_t max_pos = 0;
  {
    std::vector<index_t> tmp;
    for (index_t u = 0; u < test.n_users(); ++u) {
      if (test.degree(u) == 0) continue;
      tmp.resize(static_cast<std::size_t>(test.degree(u)));
      const std::size_t m = detail::user_positives(train, test, u, tmp.data());
      if (m == 0) continue;
      users.push_back(u);
      max_pos = std::max(max_pos, m);
    }
  }
  const index_t known_users = detail::scorer_users(scorer);
  if (known_users >= 0 && !users.empty() && users.back() >= known_users)
    throw InvalidArgument("evaluate: test user " + std::to_string(users.back()) +
                          " is outside the model's " + std::to_string(known_users) + " users");

  EvalResult res;
  res.ks = opts.ks;
  res.betas = opts.betas;
  const detail::EvalLayout lay{opts.ks.size(), opts.betas.size()};
  std::vector<double> table(users.size() * lay.size(), 0.0);

  std::optional<ThreadPool> own_pool;
  if (pool == nullptr) pool = &own_pool.emplace(opts.threads);
  const std::size_t block = opts.user_block;
  const std::size_t ld = padded_size(n_items);
  std::vector<detail::EvalScratch> scratch(pool->size());
  for (auto& sc : scratch) {
    sc.positives.resize(max_pos);
    sc.pos_scores.resize(max_pos);
    sc.counts.resize(max_pos);
    sc.above.resize(max_pos);
  }
  const std::size_t n_blocks = (users.size() + block - 1) / block;
  constexpr real masked = -std::numeric_limits<real>::infinity();

  pool->run(n_blocks, [&](std::size_t b, std::size_t worker) {
    detail::EvalScratch& sc = scratch[worker];
    const std::size_t first = b * block;
    const std::size_t count = std::min(block, users.size() - first);
    if (sc.scores.size() < count * ld) sc.scores.resize(block * ld);  // once per worker
    scorer.score_block(std::span<const index_t>(users).subspan(first, count), sc.scores.data(), ld);
    for (std::size_t r = 0; r < count; ++r) {
      const index_t u = users[first + r];
      real* row = sc.scores.data() + r * ld;
      std::size_t n_train = 0;
      if (u < train.n_users())
        for (const index_t i : train.items_of(u)) {
          row[static_cast<std::size_t>(i)] = masked;
          ++n_train;
        }
      const std::size_t m = detail::user_positives(train, test, u, sc.positives.data());
      const auto n_neg = static_cast<std::int64_t>(n_items - n_train - m);
      detail::user_metrics({row, n_items}, {sc.positives.data(), m}, n_neg, opts, lay, sc,
                           table.data() + (first + r) * lay.size());
    }
  });

  // Serial reduction in user order: bit-identical for any thread count.
  res.users_evaluated = users.size();
  res.recall.assign(opts.ks.size(), 0.0);
  res.precision.assign(opts.ks.size(), 0.0);
  res.ndcg.assign(opts.ks.size(), 0.0);
  res.hit.assign(opts.ks.size(), 0.0);
  res.opauc.assign(opts.betas.size(), 0.0);
  double weight_sum = 0.0;
  for (std::size_t k = 0; k < users.size(); ++k) {
    const double* slot = table.data() + k * lay.size();
    for (std::size_t j = 0; j < opts.ks.size(); ++j) {
      res.recall[j] += slot[lay.recall(j)];
      res.precision[j] += slot[lay.precision(j)];
      res.ndcg[j] += slot[lay.ndcg(j)];
      res.hit[j] += slot[lay.hit(j)];
    }
    res.mrr += slot[lay.mrr()];
    const double w = slot[lay.weight()];
    if (w > 0.0) {
      ++res.auc_users;
      res.auc += slot[lay.auc()];
      res.gauc += w * slot[lay.auc()];
      weight_sum += w;
      for (std::size_t j = 0; j < opts.betas.size(); ++j) res.opauc[j] += slot[lay.opauc(j)];
    }
  }
  const auto mean = [](double sum, std::size_t n) { return n > 0 ? sum / static_cast<double>(n) : 0.0; };
  for (std::size_t j = 0; j < opts.ks.size(); ++j) {
    res.recall[j] = mean(res.recall[j], users.size());
    res.precision[j] = mean(res.precision[j], users.size());
    res.ndcg[j] = mean(res.ndcg[j], users.size());
    res.hit[j] = mean(res.hit[j], users.size());
  }
  res.mrr = mean(res.mrr, users.size());
  res.auc = mean(res.auc, res.auc_users);
  res.gauc = weight_sum > 0.0 ? res.gauc / weight_sum : 0.0;
  res.gauc_unweighted = res.auc;
  res.opauc_norm.resize(opts.betas.size());
  for (std::size_t j = 0; j < opts.betas.size(); ++j) {
    res.opauc[j] = mean(res.opauc[j], res.auc_users);
    res.opauc_norm[j] = res.auc_users > 0 ? opauc_norm(res.opauc[j], opts.betas[j]) : 0.0;
  }
  return res;
}

}  // namespace hardneg
