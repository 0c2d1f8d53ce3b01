// PRIS: personalized ranking with importance sampling (Lian, Liu & Chen,
// WWW 2020; spec/algorithms.md 2.9). Negatives come from a cheap proposal q
// and are reweighted towards the softmax distribution of the current model:
//
//   j_1 .. j_n ~ q                            (uniform: PRIS-U; popularity: PRIS-P)
//   w_j = softmax_j( (s_j - s_i) / lambda - log q_j )  ∝  exp((s_j - s_i) / lambda) / q_j
//
// All n draws are returned with their weights and scores (out.scored = true).
// The weights are constants to the loss (stop-gradient), as in the PyTorch
// re-implementation of the WWW'23/AdaSIR code; PRIS's own TensorFlow code
// back-propagates through the softmax (spec/algorithms.md 8.10), which a
// loss over fixed weights cannot express. With BPR the row loss is
// sum_j w_j softplus(s_j - s_i).
//
// The proposal is the Uniform or the Popularity sampler (detail::ProposalDraws,
// reusing Popularity's alias table and log_proposal); the popularity default
// is log(1 + count), the reference code's mode (Popularity's own default is
// count^0.75). Unless SampleContext::allow_seen is set, seen items and the
// positive are rejected and redrawn; q restricted to the unseen items differs
// from q by a constant factor, which cancels in the softmax.
//
// Template parameter: N, the default number of negatives (the reference
// code's 5); PRIS<>{{.n = 10, .proposal = ProposalKind::popularity}}
// overrides it at run time.
#pragma once

#include <cmath>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "hardneg/core/error.hpp"
#include "hardneg/core/negatives.hpp"
#include "hardneg/core/types.hpp"
#include "hardneg/data/interactions.hpp"
#include "hardneg/samplers/detail/importance.hpp"
#include "hardneg/samplers/detail/proposal.hpp"

namespace hardneg {

template <int N = 5>
class PRIS {
  static_assert(N >= 1, "hardneg::PRIS<N>: N (negatives per positive) must be at least 1");

 public:
  struct Params {
    int n = N;                                                ///< negatives drawn from q per positive
    double lambda = 1;                                        ///< temperature of the softmax target
    ProposalKind proposal = ProposalKind::uniform;            ///< q: uniform or popularity
    double alpha = 0.75;                                      ///< exponent of popularity = power
    PopularityProposal popularity = PopularityProposal::log;  ///< popularity q: log(1 + count) or count^alpha
  };

  explicit PRIS(Params p = {}) : params_(p) {
    detail::require(p.n >= 1, "pris sampler: n must be at least 1, got " + std::to_string(p.n));
    detail::require(std::isfinite(p.lambda) && p.lambda > 0,
                    "pris sampler: lambda must be finite and > 0, got " + std::to_string(p.lambda));
    detail::require(std::isfinite(p.alpha) && p.alpha >= 0,
                    "pris sampler: alpha must be finite and >= 0, got " + std::to_string(p.alpha));
    proposal_ = detail::ProposalDraws(p.proposal, p.n, p.alpha, p.popularity);
  }

  static constexpr std::string_view name() { return "pris"; }
  const Params& params() const noexcept { return params_; }
  std::size_t max_negatives() const noexcept { return static_cast<std::size_t>(params_.n); }

  /// Builds the proposal (the popularity alias table) and checks that every
  /// user keeps a drawable unseen item (unless seen items are allowed).
  void prepare(const Interactions& train, bool allow_seen = false) {
    proposal_.prepare(train, allow_seen);
    prepared_ = true;
  }

  /// log q(item) of the proposal (before exclusion).
  real log_proposal(index_t item) const noexcept { return proposal_.log_q(item); }

  /// Fills `out` with n draws from q, their scores and importance weights.
  /// Call prepare() first.
  template <class M>
  void sample(const M& model, SampleContext& ctx, Negatives& out) const {
    if (!prepared_) throw InvalidArgument("pris sampler: call prepare(train) before sample()");
    const std::size_t n = max_negatives();
    proposal_.draw(model, ctx, out);
    model.score_items(ctx.user, out.items(), out.scores());
    out.scored = true;
    std::span<const real> log_q;
    if (!proposal_.constant()) {
      ctx.workspace.reserve(n);  // grows once per thread
      const std::span<real> lq(ctx.workspace.values.data(), n);
      for (std::size_t j = 0; j < n; ++j) lq[j] = proposal_.log_q(out.items()[j]);
      log_q = lq;
    }
    detail::importance_weights(ctx.positive_score, out.scores(), log_q, params_.lambda, out.weights());
  }

 private:
  Params params_;
  detail::ProposalDraws proposal_;
  bool prepared_ = false;
};

}  // namespace hardneg
