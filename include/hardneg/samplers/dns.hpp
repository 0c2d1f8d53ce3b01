// DNS(M, N): dynamic negative sampling, the top-M of N uniform candidates
// (Shi et al., "On the Theories Behind Hard Negative Sampling for
// Recommendation", WWW 2023; spec/algorithms.md 2.4, spec/theory.md).
//
//   c_1 .. c_N ~ Uniform(admissible items), with replacement
//   negatives  = the M highest-scored c's (s(u, c) by the current model)
//   weights    = 1/M each (Scale::mean, the paper's algorithm: an
//                expectation over P_ns) or 1 each (Scale::sum, its
//                reference code, which sums the M BPR terms)
//
// BPR with DNS(M, N) estimates the OPAUC(beta) surrogate with beta = M/N:
// smaller M or larger N give harder negatives. The candidates are scored
// with one model.score_items call (SIMD gather-dot) and the top-M picked by
// simd::top_k (a SIMD threshold filter, no sort of the N; ties go to the
// earlier candidate). The picks are returned with their scores
// (out.scored = true), best first. A candidate
// drawn twice is two candidates, so it can be picked twice (as torch.topk
// over the reference code's candidates does).
//
// Classic DNS (Zhang et al., SIGIR 2013) is the case M = 1: the best of a
// pool of uniform candidates; ClassicDNS<Pool> = DNS<1, Pool>. The WWW'23
// code's DNS baseline (`tapast`, spec/algorithms.md 2.3) fills k slots, each
// the best of its own pool of 50 candidates: Params::k does that
// (ClassicDNS<50>{{.k = 5}}: five negatives, each the max of its own 50
// candidates, weights 1/5). In general k slots of DNS(M, N) give k * M
// negatives from k independent candidate sets, weights 1/(k M) (or 1).
//
// Unless SampleContext::allow_seen is set, candidates are never the user's
// train items nor the positive (the reference code allows both).
//
// Template parameters: M, N, the default picks and candidates per slot.
// DNS<5, 200> is the paper's default; DNS<>{{.m = 10, .n = 100}} sweeps
// without recompiling. When the run-time n equals N (and N <= 1024) the
// candidates live in stack arrays, otherwise in the thread's
// SamplerWorkspace; nothing is allocated per pair.
#pragma once

#include <algorithm>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "hardneg/core/error.hpp"
#include "hardneg/core/negatives.hpp"
#include "hardneg/core/types.hpp"
#include "hardneg/data/interactions.hpp"
#include "hardneg/samplers/detail/candidates.hpp"
#include "hardneg/samplers/detail/exclusion.hpp"
#include "hardneg/simd/top_k.hpp"

namespace hardneg {

/// How DNS weighs its picks.
enum class DNSScale {
  mean,  ///< 1/(k M) each: weights sum to 1 (the paper's algorithm)
  sum,   ///< 1 each: the loss sums the M terms (the WWW'23 reference code)
};

template <int M = 5, int N = 200>
class DNS {
  static_assert(M >= 1, "hardneg::DNS<M, N>: M (negatives kept) must be at least 1");
  static_assert(N >= M, "hardneg::DNS<M, N>: N (candidates) must be at least M");

 public:
  using Scale = DNSScale;

  struct Params {
    int m = M;                  ///< negatives kept per slot: the top-M
    int n = N;                  ///< uniform candidates per slot
    int k = 1;                  ///< slots, each with its own n candidates (classic DNS: negatives)
    Scale scale = Scale::mean;  ///< weights 1/(k m) (mean) or 1 (sum)
  };

  explicit DNS(Params p = {}) : params_(p) {
    detail::require(p.m >= 1, "dns sampler: m must be at least 1, got " + std::to_string(p.m));
    detail::require(p.n >= p.m, "dns sampler: n must be at least m (" + std::to_string(p.m) +
                                    "), got " + std::to_string(p.n));
    detail::require(p.k >= 1, "dns sampler: k must be at least 1, got " + std::to_string(p.k));
  }

  static constexpr std::string_view name() { return "dns"; }
  const Params& params() const noexcept { return params_; }
  std::size_t max_negatives() const noexcept {
    return static_cast<std::size_t>(params_.k) * static_cast<std::size_t>(params_.m);
  }

  /// Checks, before training, that every user of `train` has an item left to
  /// draw (unless seen items are allowed). Throws InvalidArgument naming the
  /// first user who has seen every item.
  void prepare(const Interactions& train, bool allow_seen = false) const {
    if (!allow_seen) detail::check_sampleable(name(), train);
  }

  /// Fills `out` with k * m negatives: per slot, the top-m of n uniform
  /// candidates, best first, with their scores.
  template <class Model>
  void sample(const Model& model, SampleContext& ctx, Negatives& out) const {
    const auto m = static_cast<std::size_t>(params_.m);
    const auto n = static_cast<std::size_t>(params_.n);
    const auto k = static_cast<std::size_t>(params_.k);
    out.reserve(k * m);  // no-op once the trainer has reserved max_negatives()
    out.resize(k * m);
    out.scored = true;
    detail::with_candidate_buffers<static_cast<std::size_t>(N)>(
        ctx, n, [&](std::span<index_t> ids, std::span<real> scores) {
          for (std::size_t slot = 0; slot < k; ++slot) {
            detail::draw_scored_candidates(name(), model, ctx, ids, scores);
            const auto picks = out.items().subspan(slot * m, m);
            // top_k writes positions in `scores`; map them to item ids.
            simd::top_k(scores, m, picks, out.scores().subspan(slot * m, m));
            for (index_t& p : picks) p = ids[static_cast<std::size_t>(p)];
          }
        });
    const real w = params_.scale == Scale::mean ? real(1) / static_cast<real>(k * m) : real(1);
    std::fill(out.weights().begin(), out.weights().end(), w);
  }

 private:
  Params params_;
};

/// Classic DNS (Zhang et al. 2013): the best of Pool uniform candidates,
/// i.e. DNS(1, Pool). ClassicDNS<>{{.k = 5}} is the WWW'23 code's baseline:
/// five negatives, each the best of its own 50 candidates.
template <int Pool = 50>
using ClassicDNS = DNS<1, Pool>;

}  // namespace hardneg
