// Labelled evaluation: AUC, GAUC and NDCG@K over test rows that carry an
// explicit label (1 = positive, 0 = negative, e.g. ratings mapped by
// load_dataset's positive_threshold / negative_threshold), as the denoising
// papers evaluate (InverseLearning InverseDualLoss/evaluate.py and
// data_utils.py, spec/algorithms.md 1.5). Only the labelled rows are scored:
// a user's positives are compared with that user's labelled negatives, not
// with all items, and nothing is masked.
//
// With s the model's score of a row, P and N the positive and negative rows:
//   AUC   = #{(p, n) in P x N : s_p > s_n} + 1/2 #{s_p = s_n}, over |P| |N|,
//           all test rows of all users pooled (the reference's roc_auc_score
//           over the whole test file, users with one class included);
//   AUC_u = the same over user u's rows, for the users whose rows hold both
//           labels (the others are skipped, as the reference drops them);
//   GAUC  = sum_u rows_u AUC_u / sum_u rows_u   (weighted by the user's
//           labelled rows, the usual group AUC);
//   gauc_unweighted = mean_u AUC_u: the number the reference reports as its
//           GAUC ("wauc"; despite the name it is not weighted);
//   NDCG@K = mean_u over the same users of DCG@K / IDCG@K on the user's rows
//           ranked by score, gain 2^label - 1 (1 for a positive), discount
//           1/log2(rank + 1), IDCG over min(|P_u|, K) positives (reference:
//           NDCG@10 with k = min(rows_u, K), the same value).
// Ties: pairs tied in score count 1/2 in the AUCs (as roc_auc_score); in
// NDCG a negative tied with a positive ranks above it (eval/metrics.hpp's
// convention; the reference breaks ties by numpy's argsort order). A NaN
// score counts as -inf. The reference's MRR (computed from the labels, not
// the scores, spec/algorithms.md 8.14) and its "harm" score are not computed.
//
// The scorer is a model (anything with score_items(u, items, out)) or a
// BlockScorer (eval/block_scorer.hpp; it then scores every item of each user
// with a labelled row). Users are spread over the pool's threads; each
// user's values go to its own slot and are reduced in user order, and the
// pooled AUC is counted serially, so results are the same for any thread
// count.
#pragma once

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
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
#include "hardneg/eval/metrics.hpp"

namespace hardneg {

struct LabeledOptions {
  std::vector<int> ks = {10};  ///< NDCG@K cut-offs (each > 0); the reference reports K = 10
  std::size_t threads = 1;     ///< worker threads when no pool is given (0 = all cores)
};

struct LabeledResult {
  std::size_t rows = 0;             ///< labelled test rows
  std::size_t positives = 0;        ///< rows labelled 1
  std::size_t negatives = 0;        ///< rows labelled 0
  std::size_t users = 0;            ///< users with at least one row
  std::size_t users_evaluated = 0;  ///< users whose rows hold both labels (GAUC, NDCG)
  std::vector<int> ks;
  double auc = 0.0;              ///< pooled over all rows (0 when P or N is empty)
  double gauc = 0.0;             ///< per-user AUC weighted by the user's rows
  double gauc_unweighted = 0.0;  ///< equal-weight mean of per-user AUC (the reference's GAUC)
  std::vector<double> ndcg;      ///< one per K, in ks order

  /// Every metric as (name, value): auc, gauc, gauc_unweighted, ndcg@K.
  std::vector<std::pair<std::string, double>> metrics() const {
    std::vector<std::pair<std::string, double>> out;
    out.emplace_back("auc", auc);
    out.emplace_back("gauc", gauc);
    out.emplace_back("gauc_unweighted", gauc_unweighted);
    for (std::size_t j = 0; j < ks.size(); ++j)
      out.emplace_back("ndcg@" + std::to_string(ks[j]), ndcg[j]);
    return out;
  }

  /// The value of a metric by its metrics() name; throws InvalidArgument if absent.
  double at(std::string_view name) const {
    for (const auto& [key, value] : metrics())
      if (key == name) return value;
    throw InvalidArgument("LabeledResult: no metric named '" + std::string(name) + "'");
  }
};

namespace detail {

/// Twice the number of (positive, negative) pairs won by the positive, ties
/// counting 1 (so half a pair): both spans sorted ascending, no NaN.
inline std::int64_t twice_auc_wins(std::span<const real> pos, std::span<const real> neg) noexcept {
  std::int64_t twice = 0;
  std::size_t below = 0, up_to = 0;  // negatives < p, negatives <= p
  for (const real p : pos) {
    while (below < neg.size() && neg[below] < p) ++below;
    if (up_to < below) up_to = below;
    while (up_to < neg.size() && neg[up_to] <= p) ++up_to;
    twice += static_cast<std::int64_t>(2 * below + (up_to - below));
  }
  return twice;
}

/// AUC of two ascending score lists with ties counting 1/2 (NaN when one is empty).
inline double sorted_auc(std::span<const real> pos, std::span<const real> neg) noexcept {
  if (pos.empty() || neg.empty()) return std::numeric_limits<double>::quiet_NaN();
  return static_cast<double>(twice_auc_wins(pos, neg)) /
         (2.0 * static_cast<double>(pos.size()) * static_cast<double>(neg.size()));
}

/// Shortest decimal form of a label for messages (0.5, not 0.500000).
inline std::string format_label(float x) {
  char buf[32];
  const auto res = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, res.ptr);
}

inline real labeled_score(real s) noexcept {
  return std::isnan(s) ? -std::numeric_limits<real>::infinity() : s;
}

/// Per-worker scratch of evaluate_labeled.
struct LabeledScratch {
  aligned_vector<real> all;  // a block scorer's row of all items
  std::vector<real> pos, neg;
  std::vector<index_t> above;
};

/// AUC_u and NDCG@K of one user (both classes present) from its rows' scores.
inline void labeled_user(std::span<const real> scores, std::span<const float> labels,
                         const std::vector<int>& ks, LabeledScratch& sc, double* slot) {
  sc.pos.clear();
  sc.neg.clear();
  for (std::size_t r = 0; r < scores.size(); ++r)
    (labels[r] == 1.0f ? sc.pos : sc.neg).push_back(labeled_score(scores[r]));
  std::sort(sc.pos.begin(), sc.pos.end());
  std::sort(sc.neg.begin(), sc.neg.end());
  slot[0] = sorted_auc(sc.pos, sc.neg);
  // NDCG: positives best first; c_j = negatives scored >= s_j (ties against
  // the positive), non-decreasing in j.
  const std::size_t m = sc.pos.size();
  sc.above.resize(m);
  for (std::size_t j = 0; j < m; ++j) {
    const real s = sc.pos[m - 1 - j];
    const auto below = std::lower_bound(sc.neg.begin(), sc.neg.end(), s) - sc.neg.begin();
    sc.above[j] = static_cast<index_t>(static_cast<std::ptrdiff_t>(sc.neg.size()) - below);
  }
  const PositiveRanks ranks{{sc.above.data(), m}, static_cast<std::int64_t>(sc.neg.size())};
  for (std::size_t j = 0; j < ks.size(); ++j)
    slot[2 + j] = ndcg_at(ranks, static_cast<std::size_t>(ks[j]));
}

}  // namespace detail

/// Evaluates `scorer` on the labelled rows of `test` (labels 1 or 0). The
/// scorer is a model with score_items(u, items, out) or a BlockScorer. Uses
/// `pool` when given, else a pool of opts.threads threads.
template <class S>
  requires(requires(const S& s, index_t u, std::span<const index_t> items, std::span<real> out) {
    s.score_items(u, items, out);
  } || BlockScorer<S>)
LabeledResult evaluate_labeled(const S& scorer, const Interactions& test,
                               const LabeledOptions& opts = {}, ThreadPool* pool = nullptr) {
  constexpr bool by_items =
      requires(const S& s, index_t u, std::span<const index_t> items, std::span<real> out) {
        s.score_items(u, items, out);
      };
  for (const int k : opts.ks)
    if (k <= 0)
      throw InvalidArgument("evaluate_labeled: K must be positive, got " + std::to_string(k));
  if (!test.has_labels())
    throw InvalidArgument(
        "evaluate_labeled: the test data has no labels (load it with a positive and a negative "
        "threshold)");
  if constexpr (requires { { scorer.n_items() } -> std::convertible_to<index_t>; })
    if (test.n_items() > static_cast<index_t>(scorer.n_items()))
      throw InvalidArgument("evaluate_labeled: the test data has " + std::to_string(test.n_items()) +
                            " items but the model scores " + std::to_string(scorer.n_items()));

  LabeledResult res;
  res.ks = opts.ks;
  // Validate the labels and collect the users with rows, in id order.
  std::vector<index_t> users;
  std::size_t max_rows = 0;
  for (index_t u = 0; u < test.n_users(); ++u) {
    const auto labels = test.labels_of(u);
    if (labels.empty()) continue;
    const auto items = test.items_of(u);
    for (std::size_t r = 0; r < labels.size(); ++r) {
      if (labels[r] == 1.0f)
        ++res.positives;
      else if (labels[r] == 0.0f)
        ++res.negatives;
      else
        throw InvalidArgument("evaluate_labeled: the label of user " + std::to_string(u) +
                              ", item " + std::to_string(items[r]) + " is " +
                              detail::format_label(labels[r]) + "; labels must be 1 or 0");
    }
    users.push_back(u);
    max_rows = std::max(max_rows, labels.size());
  }
  res.rows = res.positives + res.negatives;
  res.users = users.size();
  if constexpr (requires { { scorer.n_users() } -> std::convertible_to<index_t>; })
    if (!users.empty() && users.back() >= static_cast<index_t>(scorer.n_users()))
      throw InvalidArgument("evaluate_labeled: test user " + std::to_string(users.back()) +
                            " is outside the model's " + std::to_string(scorer.n_users()) + " users");

  std::optional<ThreadPool> own_pool;
  if (pool == nullptr) pool = &own_pool.emplace(opts.threads);
  std::vector<detail::LabeledScratch> scratch(pool->size());
  for (auto& sc : scratch) {
    sc.pos.reserve(max_rows);
    sc.neg.reserve(max_rows);
  }

  // Scores of every row, aligned with the CSR of `test`, and per-user slots
  // [AUC_u, weight (rows_u when both labels are present, else 0), NDCG@K...].
  std::vector<real> scores(static_cast<std::size_t>(test.size()));
  const std::size_t width = 2 + opts.ks.size();
  std::vector<double> table(users.size() * width, 0.0);
  constexpr std::size_t block = 64;
  const std::size_t n_blocks = (users.size() + block - 1) / block;
  pool->run(n_blocks, [&](std::size_t b, std::size_t worker) {
    detail::LabeledScratch& sc = scratch[worker];
    for (std::size_t k = b * block; k < std::min(users.size(), (b + 1) * block); ++k) {
      const index_t u = users[k];
      const auto items = test.items_of(u);
      const auto offset = static_cast<std::size_t>(test.offsets()[static_cast<std::size_t>(u)]);
      const std::span<real> out(scores.data() + offset, items.size());
      if constexpr (by_items) {
        scorer.score_items(u, items, out);
      } else {
        const auto n_items = static_cast<std::size_t>(scorer.n_items());
        if (sc.all.size() < n_items) sc.all.resize(padded_size(n_items));  // once per worker
        scorer.score_block(std::span<const index_t>(&u, 1), sc.all.data(), sc.all.size());
        for (std::size_t r = 0; r < items.size(); ++r)
          out[r] = sc.all[static_cast<std::size_t>(items[r])];
      }
      const auto labels = test.labels_of(u);
      const bool both = std::find(labels.begin(), labels.end(), 1.0f) != labels.end() &&
                        std::find(labels.begin(), labels.end(), 0.0f) != labels.end();
      if (!both) continue;
      double* slot = table.data() + k * width;
      slot[1] = static_cast<double>(items.size());
      detail::labeled_user(out, labels, opts.ks, sc, slot);
    }
  });

  // Pooled AUC, counted serially over the sorted scores.
  {
    std::vector<real> pos, neg;
    pos.reserve(res.positives);
    neg.reserve(res.negatives);
    const auto& labels = test.labels();
    for (std::size_t r = 0; r < scores.size(); ++r)
      (labels[r] == 1.0f ? pos : neg).push_back(detail::labeled_score(scores[r]));
    std::sort(pos.begin(), pos.end());
    std::sort(neg.begin(), neg.end());
    res.auc = pos.empty() || neg.empty() ? 0.0 : detail::sorted_auc(pos, neg);
  }

  // Per-user values reduced in user order.
  res.ndcg.assign(opts.ks.size(), 0.0);
  double weight_sum = 0.0;
  for (std::size_t k = 0; k < users.size(); ++k) {
    const double* slot = table.data() + k * width;
    if (!(slot[1] > 0.0)) continue;
    ++res.users_evaluated;
    res.gauc_unweighted += slot[0];
    res.gauc += slot[1] * slot[0];
    weight_sum += slot[1];
    for (std::size_t j = 0; j < opts.ks.size(); ++j) res.ndcg[j] += slot[2 + j];
  }
  if (res.users_evaluated > 0) {
    const auto n = static_cast<double>(res.users_evaluated);
    res.gauc /= weight_sum;
    res.gauc_unweighted /= n;
    for (double& v : res.ndcg) v /= n;
  }
  return res;
}

}  // namespace hardneg
