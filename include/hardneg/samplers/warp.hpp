// WARP: weighted approximate-rank pairwise sampling (Weston, Bengio & Usunier,
// "WSABIE", IJCAI 2011; lightfm's fit_warp, spec/algorithms.md 2.8).
//
// For a positive i, draw uniform candidates one after the other, up to
// max_trials of them, until one violates the margin:
//
//   s_j > s_i - margin
//
// If the t-th candidate is the first violator, the positive's rank among the
// n_c candidate items is estimated as k = floor(n_c / t), and that one
// negative is returned with the rank weight
//
//   L(k) = sum_{r=1..k} 1/r      RankWeight::harmonic (Weston et al.; default)
//   L(k) = log(max(1, k))        RankWeight::log (lightfm)
//
// capped at max_weight (default: no cap; lightfm caps at 10). n_c is the
// number of items a candidate is drawn from: the items the user has not
// seen, the positive excluded (unless SampleContext::allow_seen is set; then
// lightfm's n_items - 1). If no candidate violates, no negative is returned
// (out.size() == 0): the pair is already ranked well enough.
//
// Two exceptions to the sampler contract, declared by traits the contract
// test reads: the weight is a rank weight, not a probability
// (normalised_weights = false), and a pair may get no negative
// (may_return_empty = true). WARP is meant for the Hinge loss with the same
// margin (L(k) * max(0, margin - s_i + s_j), Weston's objective); BPR works
// too. A loss with a positive-only term (BCE, MSE) still trains the positive
// of a pair that got no negative, which is not WARP.
//
// All max_trials candidates are drawn and scored in one batch (one SIMD
// gather-dot) and the first violator is taken, which gives the same
// negative and rank estimate as drawing one at a time; only the number of
// random numbers used differs. With exclusion, a candidate is never a seen
// item (lightfm draws over all items and skips a positive violator, counting
// the trial). out.scored = true.
//
// Template parameter: MaxTrials, the default max_trials (lightfm's
// max_sampled = 10); WARP<>{{.max_trials = 50}} overrides it at run time.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>

#include "hardneg/core/error.hpp"
#include "hardneg/core/negatives.hpp"
#include "hardneg/core/types.hpp"
#include "hardneg/data/interactions.hpp"
#include "hardneg/samplers/detail/candidates.hpp"
#include "hardneg/samplers/detail/exclusion.hpp"

namespace hardneg {

/// How WARP turns its rank estimate k into a weight.
enum class WARPRankWeight {
  harmonic,  ///< sum_{r=1..k} 1/r (Weston et al.)
  log,       ///< log(max(1, k)) (lightfm)
};

template <int MaxTrials = 10>
class WARP {
  static_assert(MaxTrials >= 1, "hardneg::WARP<MaxTrials>: MaxTrials must be at least 1");

 public:
  using RankWeight = WARPRankWeight;

  struct Params {
    int max_trials = MaxTrials;                              ///< candidates drawn at most
    real margin = 1;                                         ///< violation: s_j > s_i - margin
    RankWeight rank_weight = RankWeight::harmonic;           ///< L(k)
    double max_weight = std::numeric_limits<double>::infinity();  ///< cap on L(k) (lightfm: 10)
  };

  /// The weight is a rank weight L(k) >= 0, not a probability.
  static constexpr bool normalised_weights = false;
  /// A pair with no violating candidate gets no negative.
  static constexpr bool may_return_empty = true;

  explicit WARP(Params p = {}) : params_(p) {
    detail::require(p.max_trials >= 1,
                    "warp sampler: max_trials must be at least 1, got " + std::to_string(p.max_trials));
    detail::require(std::isfinite(p.margin),
                    "warp sampler: margin must be finite, got " + std::to_string(p.margin));
    detail::require(!std::isnan(p.max_weight) && p.max_weight >= 0,
                    "warp sampler: max_weight must be >= 0, got " + std::to_string(p.max_weight));
  }

  static constexpr std::string_view name() { return "warp"; }
  const Params& params() const noexcept { return params_; }
  std::size_t max_negatives() const noexcept { return 1; }

  /// Checks that every user of `train` has an item left to draw (unless seen
  /// items are allowed).
  void prepare(const Interactions& train, bool allow_seen = false) const {
    if (!allow_seen) detail::check_sampleable(name(), train);
  }

  /// H(k) = sum_{r=1..k} 1/r (H(0) = 0): exact sum up to k = 64, the
  /// asymptotic series beyond (error below 1e-12).
  static double harmonic(std::uint64_t k) noexcept {
    if (k <= 64) {
      double h = 0;
      for (std::uint64_t r = k; r >= 1; --r) h += 1.0 / static_cast<double>(r);
      return h;
    }
    const double x = static_cast<double>(k);
    constexpr double euler_gamma = 0.57721566490153286061;
    return std::log(x) + euler_gamma + 1 / (2 * x) - 1 / (12 * x * x) + 1 / (120 * x * x * x * x);
  }

  /// L(k) of the configured rank weight, capped at max_weight.
  double rank_weight(std::uint64_t k) const noexcept {
    const double l = params_.rank_weight == RankWeight::harmonic
                         ? harmonic(k)
                         : std::log(static_cast<double>(std::max<std::uint64_t>(1, k)));
    return std::min(l, params_.max_weight);
  }

  /// Fills `out` with the first margin violator among up to max_trials
  /// uniform candidates, weighted L(floor(n_c / trials)), or with nothing.
  template <class M>
  void sample(const M& model, SampleContext& ctx, Negatives& out) const {
    const auto trials = static_cast<std::size_t>(params_.max_trials);
    const index_t n_items = model.n_items();
    out.reserve(1);
    out.scored = true;
    const real threshold = ctx.positive_score - params_.margin;
    std::size_t found = trials;
    index_t item = 0;
    real score = 0;
    detail::with_candidate_buffers<static_cast<std::size_t>(MaxTrials)>(
        ctx, trials, [&](std::span<index_t> ids, std::span<real> scores) {
          detail::draw_scored_candidates(name(), model, ctx, ids, scores);
          for (std::size_t t = 0; t < trials; ++t)
            if (scores[t] > threshold) {
              found = t;
              item = ids[t];
              score = scores[t];
              break;
            }
        });
    if (found == trials) {
      out.resize(0);
      return;
    }
    const std::uint64_t n_candidates =
        ctx.allow_seen ? static_cast<std::uint64_t>(n_items) - 1
                       : detail::count_admissible(ctx.seen, ctx.positive, n_items);
    out.resize(1);
    out.items()[0] = item;
    out.scores()[0] = score;
    out.weights()[0] = static_cast<real>(rank_weight(n_candidates / (found + 1)));
  }

 private:
  Params params_;
};

}  // namespace hardneg
