// Ranking metrics of one user, computed from where its positives rank.
//
// A user's full ranking (train items removed) is summarised by its positives
// (test items) in rank order and, for the j-th of them (0-based), the number
// c_j of negatives (items neither in train nor in test) ranked above it. Ties
// count against the positive: a negative whose score equals the positive's
// ranks above it, so c_j = #{negatives with score >= s_j}. Ties between
// positives do not change any metric (positives are interchangeable). Then
//
//   rank_j      = 1 + c_j + j                       (1-based, strictly increasing)
//   hits@K      = #{ j : rank_j <= K }
//   Recall@K    = hits@K / n+                       Precision@K = hits@K / K
//   NDCG@K      = sum_{rank_j <= K} 1/log2(rank_j + 1)  /  sum_{r=1}^{min(n+, K)} 1/log2(r + 1)
//   Hit@K       = 1[hits@K > 0]                     MRR = 1 / rank_0
//   AUC         = sum_j (n- - c_j) / (n+ n-)        (pairs with a strictly higher positive)
//   OPAUC(beta) = sum_j max(0, L - c_j) / (n+ n-),  L = ceil(beta n-)
//
// OPAUC(beta) is the seed paper's estimator (Eq. 8, spec/theory.md): for each
// positive, count the negatives among the L highest-scored ones that it beats
// strictly. Those it does not beat are exactly its c_j highest (whatever the
// order among tied negatives), hence max(0, L - c_j). Rounding: L rounds beta n-
// up (at least one negative when beta > 0), with a 1e-9 slack so that a
// product that is an integer up to floating-point error (0.1 * 40000) is not
// pushed to the next integer. So OPAUC(beta) <= L / n-, which can exceed beta
// by less than 1/n-; OPAUC(1) = AUC.
//
// OPAUC_norm is McClish's standardisation, 1/2 [1 + (A - beta^2/2) / (beta - beta^2/2)]:
// a random ranking scores 1/2 in expectation, a perfect one 1 (up to the
// rounding of L), and OPAUC_norm(1) = AUC.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>

#include "hardneg/core/types.hpp"

namespace hardneg {

/// One user's ranking seen from its positives: negatives_above[j] = c_j, the
/// number of negatives ranked above the j-th best-ranked positive
/// (non-decreasing), and the user's total number of negatives.
struct PositiveRanks {
  std::span<const index_t> negatives_above;
  std::int64_t n_negatives = 0;

  std::size_t n_positives() const noexcept { return negatives_above.size(); }
  /// 1-based rank of the j-th best-ranked positive among positives and negatives.
  std::int64_t rank(std::size_t j) const noexcept {
    return 1 + static_cast<std::int64_t>(negatives_above[j]) + static_cast<std::int64_t>(j);
  }
};

/// Number of positives ranked in the first k.
inline std::size_t hits_at(const PositiveRanks& r, std::size_t k) noexcept {
  std::size_t h = 0;
  while (h < r.n_positives() && r.rank(h) <= static_cast<std::int64_t>(k)) ++h;
  return h;
}

/// hits@K / n+ (0 when the user has no positive).
inline double recall_at(const PositiveRanks& r, std::size_t k) noexcept {
  if (r.n_positives() == 0) return 0.0;
  return static_cast<double>(hits_at(r, k)) / static_cast<double>(r.n_positives());
}

/// hits@K / K.
inline double precision_at(const PositiveRanks& r, std::size_t k) noexcept {
  if (k == 0) return 0.0;
  return static_cast<double>(hits_at(r, k)) / static_cast<double>(k);
}

/// 1 if a positive is ranked in the first k, else 0.
inline double hit_at(const PositiveRanks& r, std::size_t k) noexcept {
  return hits_at(r, k) > 0 ? 1.0 : 0.0;
}

/// DCG@K / IDCG@K with binary relevance and log2(rank + 1) discounts.
inline double ndcg_at(const PositiveRanks& r, std::size_t k) noexcept {
  const std::size_t ideal = std::min(r.n_positives(), k);
  if (ideal == 0) return 0.0;
  double dcg = 0.0;
  for (std::size_t j = 0; j < r.n_positives() && r.rank(j) <= static_cast<std::int64_t>(k); ++j)
    dcg += 1.0 / std::log2(static_cast<double>(r.rank(j)) + 1.0);
  double idcg = 0.0;
  for (std::size_t j = 1; j <= ideal; ++j) idcg += 1.0 / std::log2(static_cast<double>(j) + 1.0);
  return dcg / idcg;
}

/// 1 / rank of the best-ranked positive (0 when the user has no positive).
inline double reciprocal_rank(const PositiveRanks& r) noexcept {
  if (r.n_positives() == 0) return 0.0;
  return 1.0 / static_cast<double>(r.rank(0));
}

/// L = ceil(beta * n_negatives), the number of highest-scored negatives
/// OPAUC(beta) keeps: at least 1 when beta > 0 and n_negatives > 0, at most
/// n_negatives (see the header comment for the rounding).
inline std::int64_t opauc_cutoff(double beta, std::int64_t n_negatives) noexcept {
  if (n_negatives <= 0 || !(beta > 0.0)) return 0;
  const auto l = static_cast<std::int64_t>(std::ceil(beta * static_cast<double>(n_negatives) - 1e-9));
  return std::clamp<std::int64_t>(l, 1, n_negatives);
}

/// Per-user AUC with ties against the positive; NaN when n+ or n- is 0.
inline double auc(const PositiveRanks& r) noexcept {
  if (r.n_positives() == 0 || r.n_negatives == 0) return std::numeric_limits<double>::quiet_NaN();
  std::int64_t beaten = 0;
  for (const index_t c : r.negatives_above) beaten += r.n_negatives - c;
  return static_cast<double>(beaten) /
         (static_cast<double>(r.n_positives()) * static_cast<double>(r.n_negatives));
}

/// Per-user OPAUC(beta) (not normalised; at most about beta); NaN when n+ or n- is 0.
inline double opauc(const PositiveRanks& r, double beta) noexcept {
  if (r.n_positives() == 0 || r.n_negatives == 0) return std::numeric_limits<double>::quiet_NaN();
  const std::int64_t l = opauc_cutoff(beta, r.n_negatives);
  std::int64_t beaten = 0;
  for (const index_t c : r.negatives_above) beaten += std::max<std::int64_t>(0, l - c);
  return static_cast<double>(beaten) /
         (static_cast<double>(r.n_positives()) * static_cast<double>(r.n_negatives));
}

/// McClish's standardisation of an OPAUC(beta) value a (a per-user value or a
/// mean over users: it is affine in a).
inline double opauc_norm(double a, double beta) noexcept {
  return 0.5 * (1.0 + (a - 0.5 * beta * beta) / (beta - 0.5 * beta * beta));
}

}  // namespace hardneg
