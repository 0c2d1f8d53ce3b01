#include "hardneg/eval/metrics.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

using hardneg::index_t;
using hardneg::PositiveRanks;

TEST_CASE("metrics of a hand-made ranking", "[eval][metrics]") {
  // Ranking (best first), P = positive, N = negative:
  //   1 N, 2 P, 3 N, 4 N, 5 P, 6 P, 7 N, 8 N        n+ = 3, n- = 5
  // Negatives above each positive: c = {1, 3, 3}; ranks 1 + c_j + j = 2, 5, 6.
  const std::vector<index_t> c = {1, 3, 3};
  const PositiveRanks r{c, 5};
  CHECK(r.rank(0) == 2);
  CHECK(r.rank(1) == 5);
  CHECK(r.rank(2) == 6);

  CHECK(hardneg::hits_at(r, 1) == 0);
  CHECK(hardneg::hits_at(r, 2) == 1);
  CHECK(hardneg::hits_at(r, 5) == 2);
  CHECK(hardneg::hits_at(r, 100) == 3);

  // Recall@5 = 2/3, Precision@5 = 2/5, Hit@1 = 0, Hit@2 = 1.
  CHECK(hardneg::recall_at(r, 5) == Approx(2.0 / 3.0));
  CHECK(hardneg::precision_at(r, 5) == Approx(0.4));
  CHECK(hardneg::hit_at(r, 1) == 0.0);
  CHECK(hardneg::hit_at(r, 2) == 1.0);

  // NDCG@5 = (1/log2(3) + 1/log2(6)) / (1 + 1/log2(3) + 1/log2(4))
  //        = (0.63093 + 0.38685) / (1 + 0.63093 + 0.5) = 0.477624
  CHECK(hardneg::ndcg_at(r, 5) == Approx((1 / std::log2(3.0) + 1 / std::log2(6.0)) /
                                         (1 + 1 / std::log2(3.0) + 0.5)));
  CHECK(hardneg::ndcg_at(r, 5) == Approx(0.477624).epsilon(1e-5));
  // NDCG@2: one hit at rank 2 over an ideal of 2 hits: 0.63093 / 1.63093.
  CHECK(hardneg::ndcg_at(r, 2) == Approx(0.63093 / 1.63093).epsilon(1e-5));
  // MRR = 1 / 2.
  CHECK(hardneg::reciprocal_rank(r) == 0.5);

  // AUC = sum (n- - c_j) / (n+ n-) = (4 + 2 + 2) / 15.
  CHECK(hardneg::auc(r) == Approx(8.0 / 15.0));
  // OPAUC(0.2): L = ceil(1) = 1; max(0, 1 - c) = 0, 0, 0.
  CHECK(hardneg::opauc(r, 0.2) == 0.0);
  // OPAUC(0.5): L = ceil(2.5) = 3; max(0, 3 - c) = 2, 0, 0 -> 2 / 15.
  CHECK(hardneg::opauc(r, 0.5) == Approx(2.0 / 15.0));
  // OPAUC(0.7): L = ceil(3.5) = 4; 3, 1, 1 -> 5 / 15.
  CHECK(hardneg::opauc(r, 0.7) == Approx(5.0 / 15.0));
  // OPAUC(1) = AUC.
  CHECK(hardneg::opauc(r, 1.0) == Approx(hardneg::auc(r)));
}

TEST_CASE("OPAUC cut-off rounding", "[eval][metrics]") {
  CHECK(hardneg::opauc_cutoff(0.1, 40000) == 4000);  // 0.1 * 40000 is 4000 up to rounding
  CHECK(hardneg::opauc_cutoff(0.3, 10) == 3);
  CHECK(hardneg::opauc_cutoff(0.25, 10) == 3);        // 2.5 rounds up
  CHECK(hardneg::opauc_cutoff(1e-6, 10) == 1);         // at least one negative
  CHECK(hardneg::opauc_cutoff(1.0, 7) == 7);
  CHECK(hardneg::opauc_cutoff(0.5, 0) == 0);
}

TEST_CASE("McClish normalisation", "[eval][metrics]") {
  // beta = 1: the identity.
  CHECK(hardneg::opauc_norm(0.73, 1.0) == Approx(0.73));
  // Random ranking: A = beta^2 / 2 -> 1/2. Perfect: A = beta -> 1.
  CHECK(hardneg::opauc_norm(0.1 * 0.1 / 2, 0.1) == Approx(0.5));
  CHECK(hardneg::opauc_norm(0.1, 0.1) == Approx(1.0));
  // beta = 0.5, A = 1/6: 1/2 (1 + (1/6 - 1/8) / (1/2 - 1/8)) = 1/2 (1 + 1/9) = 5/9.
  CHECK(hardneg::opauc_norm(1.0 / 6.0, 0.5) == Approx(5.0 / 9.0));
}

TEST_CASE("metrics edge cases", "[eval][metrics]") {
  // A single positive ranked first among 4 negatives: perfect.
  const std::vector<index_t> top = {0};
  const PositiveRanks best{top, 4};
  CHECK(hardneg::ndcg_at(best, 1) == 1.0);
  CHECK(hardneg::auc(best) == 1.0);
  CHECK(hardneg::opauc(best, 0.25) == Approx(0.25));  // L = 1: max is L / n- = 1/4
  // Positive ranked last: rank 5 (tie-broken against it), NDCG@5 = 1/log2(6).
  const std::vector<index_t> last = {4};
  const PositiveRanks worst{last, 4};
  CHECK(hardneg::auc(worst) == 0.0);
  CHECK(hardneg::ndcg_at(worst, 5) == Approx(1 / std::log2(6.0)));
  CHECK(hardneg::reciprocal_rank(worst) == Approx(0.2));
  // No negatives: AUC undefined.
  const PositiveRanks none{top, 0};
  CHECK(std::isnan(hardneg::auc(none)));
  CHECK(std::isnan(hardneg::opauc(none, 0.5)));
}
