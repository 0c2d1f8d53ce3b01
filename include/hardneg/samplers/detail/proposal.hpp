// The proposal q of the importance-sampling samplers PRIS and AdaSIR: the
// Uniform or the Popularity sampler, chosen at run time, drawing a fixed
// number of items per call, with its log q(j) for the importance weights.
//
//   ProposalKind::uniform      q(j) = 1 / n_items                 (PRIS-U, AdaSIR-U)
//   ProposalKind::popularity   q(j) from Popularity's alias table (PRIS-P, AdaSIR-P):
//                              count^alpha or log(1 + count)
//
// Draws go through Uniform::sample / Popularity::sample, so they follow the
// exclusion rule of SampleContext (seen items and the positive are rejected
// unless allow_seen); log_q is the unrestricted proposal's, which is what the
// self-normalised weights need (the restriction rescales q by a constant).
#pragma once

#include <cmath>
#include <cstddef>
#include <string>

#include "hardneg/core/error.hpp"
#include "hardneg/core/negatives.hpp"
#include "hardneg/core/types.hpp"
#include "hardneg/data/interactions.hpp"
#include "hardneg/samplers/popularity.hpp"
#include "hardneg/samplers/uniform.hpp"

namespace hardneg {

/// The proposal an importance-sampling sampler draws its candidates from.
enum class ProposalKind {
  uniform,     ///< q(j) = 1 / n_items
  popularity,  ///< q(j) ∝ count_j^alpha or log(1 + count_j) (see Popularity)
};

namespace detail {

class ProposalDraws {
 public:
  ProposalDraws() = default;
  /// `count` draws per call of draw().
  ProposalDraws(ProposalKind kind, int count, double alpha, PopularityProposal popularity)
      : kind_(kind),
        uniform_({.k = count}),
        popularity_({.k = count, .alpha = alpha, .proposal = popularity}) {}

  ProposalKind kind() const noexcept { return kind_; }
  std::size_t count() const noexcept { return uniform_.max_negatives(); }

  void prepare(const Interactions& train, bool allow_seen) {
    if (kind_ == ProposalKind::uniform)
      uniform_.prepare(train, allow_seen);
    else
      popularity_.prepare(train, allow_seen);
  }

  /// Fills out with count() draws from q (weights 1/count, unscored).
  template <class M>
  void draw(const M& model, SampleContext& ctx, Negatives& out) const {
    if (kind_ == ProposalKind::uniform)
      uniform_.sample(model, ctx, out);
    else
      popularity_.sample(model, ctx, out);
  }

  /// log q(j) of the unrestricted proposal (call prepare() first).
  real log_q(index_t item) const noexcept {
    return kind_ == ProposalKind::uniform ? uniform_.log_proposal(item) : popularity_.log_proposal(item);
  }
  /// Whether log_q is the same for every item (it then cancels in a softmax).
  bool constant() const noexcept { return kind_ == ProposalKind::uniform; }

 private:
  ProposalKind kind_ = ProposalKind::uniform;
  Uniform<> uniform_;
  Popularity<> popularity_;
};

}  // namespace detail
}  // namespace hardneg
