// Popularity: k negatives drawn from a popularity proposal over the items
// (spec/algorithms.md 2.2), with replacement:
//
//   q(j) ∝ count_j ^ alpha        Proposal::power (word2vec's 0.75; default)
//   q(j) ∝ log(1 + count_j)       Proposal::log (the WWW'23 / AdaSIR default)
//
// count_j = number of train interactions of item j. Items with q(j) = 0 (no
// train interaction, except with power and alpha = 0, which is uniform) are
// never drawn. Draws use an alias table built by prepare(train): O(1) each.
// Unless SampleContext::allow_seen is set, the user's train items and the
// positive are rejected and redrawn (q restricted to the unseen items). Each
// negative weighs 1/k. log_proposal(j) = log q(j) of the unrestricted
// proposal, for importance-sampling samplers built on this one.
//
// Differences from the reference code: WWW'23 draws without replacement
// within a row and never excludes positives (allow_seen reproduces the
// latter); PRIS draws with replacement and rejects positives, as here.
//
// Template parameter: K, the default number of negatives per positive.
#pragma once

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "hardneg/core/error.hpp"
#include "hardneg/core/negatives.hpp"
#include "hardneg/core/types.hpp"
#include "hardneg/data/interactions.hpp"
#include "hardneg/samplers/detail/alias_table.hpp"
#include "hardneg/samplers/detail/exclusion.hpp"

namespace hardneg {

/// How Popularity turns item counts into a proposal.
enum class PopularityProposal {
  power,  ///< q ∝ count^alpha
  log,    ///< q ∝ log(1 + count)
};

template <int K = 1>
class Popularity {
  static_assert(K >= 1, "hardneg::Popularity<K>: K (negatives per positive) must be at least 1");

 public:
  using Proposal = PopularityProposal;

  struct Params {
    int k = K;                            ///< negatives per positive
    double alpha = 0.75;                  ///< exponent of Proposal::power
    Proposal proposal = Proposal::power;  ///< power or log
  };

  explicit Popularity(Params p = {}) : params_(p) {
    detail::require(p.k >= 1, "popularity sampler: k must be at least 1, got " + std::to_string(p.k));
    detail::require(std::isfinite(p.alpha) && p.alpha >= 0,
                    "popularity sampler: alpha must be finite and >= 0, got " + std::to_string(p.alpha));
  }
  /// Constructs and prepares on `train`.
  explicit Popularity(const Interactions& train, Params p = {}) : Popularity(p) { prepare(train); }

  static constexpr std::string_view name() { return "popularity"; }
  const Params& params() const noexcept { return params_; }
  std::size_t max_negatives() const noexcept { return static_cast<std::size_t>(params_.k); }

  /// Builds the proposal from the item counts of `train` and checks that
  /// every user keeps a drawable unseen item (unless seen items are allowed).
  void prepare(const Interactions& train, bool allow_seen = false) {
    const auto counts = train.item_counts();
    std::vector<double> mass(counts.size());
    for (std::size_t i = 0; i < counts.size(); ++i) {
      const auto c = static_cast<double>(counts[i]);
      mass[i] = params_.proposal == Proposal::power ? std::pow(c, params_.alpha) : std::log1p(c);
    }
    const std::size_t n_drawable =
        static_cast<std::size_t>(std::count_if(mass.begin(), mass.end(), [](double m) { return m > 0; }));
    if (n_drawable == 0)
      throw InvalidArgument("popularity sampler: the train data has no interaction to count");
    if (!allow_seen)
      detail::check_sampleable(name(), train, n_drawable,
                               [&](index_t i) { return mass[static_cast<std::size_t>(i)] > 0; });
    table_ = detail::AliasTable(mass);
    double total = 0;
    for (double m : mass) total += m;
    log_q_.resize(mass.size());
    for (std::size_t i = 0; i < mass.size(); ++i)
      log_q_[i] = mass[i] > 0 ? static_cast<real>(std::log(mass[i] / total))
                              : -std::numeric_limits<real>::infinity();
  }

  bool prepared() const noexcept { return !table_.empty(); }
  /// Number of items of the proposal (those of the train data).
  index_t n_items() const noexcept { return static_cast<index_t>(log_q_.size()); }

  /// log q(item) of the proposal before exclusion (-inf for q = 0).
  real log_proposal(index_t item) const noexcept { return log_q_[static_cast<std::size_t>(item)]; }

  /// Fills `out` with k negatives drawn from the proposal, weights 1/k.
  /// Call prepare() first.
  template <class M>
  void sample(const M& model, SampleContext& ctx, Negatives& out) const {
    if (!prepared()) throw InvalidArgument("popularity sampler: call prepare(train) before sample()");
    assert(model.n_items() >= n_items());
    (void)model;
    const std::size_t k = max_negatives();
    out.reserve(k);  // no-op once the trainer has reserved max_negatives()
    out.resize(k);
    out.scored = false;
    const auto items = out.items();
    for (std::size_t j = 0; j < k; ++j)
      items[j] = detail::draw_admissible(name(), ctx, [&] { return table_.draw(ctx.rng); });
    std::fill(out.weights().begin(), out.weights().end(), real{1} / static_cast<real>(k));
  }

 private:
  Params params_;
  detail::AliasTable table_;
  std::vector<real> log_q_;
};

}  // namespace hardneg
