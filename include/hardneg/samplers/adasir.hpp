// AdaSIR: adaptive sampling with two-pass importance resampling (Chen et al.,
// "Learning recommenders for implicit feedback with importance resampling",
// WWW 2022; spec/algorithms.md 2.10).
//
// Every user keeps a pool of pool_size items, refreshed at every
// on_epoch_begin (on the pool's threads; user u draws from the Rng stream
// (seed, epoch, u), so the pools do not depend on the thread count):
//
//   1. draw Q = sample_size candidates c_1 .. c_Q from the proposal q
//      (uniform: AdaSIR-U; popularity: AdaSIR-P), excluding seen items
//      unless prepare() was told to allow them;
//   2. score them with the current model;
//   3. resample pool_size of them with replacement with probability
//      softmax_t(s_{c_t} - log q_{c_t}) over the Q candidates: the pool
//      approximates the softmax distribution p(j) ∝ exp(s_j);
//   4. epoch 0: pool := the resample; later epochs: pool := pool_size uniform
//      picks (with replacement) from (old pool ∪ resample).
//
// Training: n negatives uniform from the user's pool, scored (out.scored =
// true), with the importance weights of the softmax target over the pool's
// proposal:
//
//   w_j = softmax_j( (s_j - s_i) / lambda - log rho_j )  ∝  exp((s_j - s_i) / lambda) / rho_j
//
// where rho_j is the probability that item j was resampled in step 3 of the
// refresh that put it in the pool (the resample weights of the candidates
// equal to j, summed; a pool entry keeps its rho through the mixing of
// step 4). The reference code returns -log rho_j where the other samplers
// return +log q, so its weights multiply by rho_j instead of dividing
// (spec/algorithms.md 8.5); we implement the paper's intent, dividing.
//
// With allow_seen at prepare() the pools may hold seen items; sample() still
// rejects them (and the positive) when SampleContext::allow_seen is false.
// Memory: n_users x pool_size x (id + log rho), 8 bytes an entry.
//
// Template parameter: N, the default number of negatives per positive;
// AdaSIR<>{{.n = 10, .proposal = ProposalKind::popularity}} overrides it.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hardneg/core/error.hpp"
#include "hardneg/core/negatives.hpp"
#include "hardneg/core/random.hpp"
#include "hardneg/core/thread_pool.hpp"
#include "hardneg/core/types.hpp"
#include "hardneg/data/interactions.hpp"
#include "hardneg/samplers/detail/exclusion.hpp"
#include "hardneg/samplers/detail/importance.hpp"
#include "hardneg/samplers/detail/per_user.hpp"
#include "hardneg/samplers/detail/proposal.hpp"

namespace hardneg {

template <int N = 5>
class AdaSIR {
  static_assert(N >= 1, "hardneg::AdaSIR<N>: N (negatives per positive) must be at least 1");

 public:
  struct Params {
    int n = N;                                                ///< negatives per positive, from the pool
    int pool_size = 50;                                       ///< items in each user's pool
    int sample_size = 200;                                    ///< Q: candidates drawn from q per refresh
    double lambda = 1;                                        ///< temperature of the training weights
    ProposalKind proposal = ProposalKind::uniform;            ///< q: uniform or popularity
    double alpha = 0.75;                                      ///< exponent of popularity = power
    PopularityProposal popularity = PopularityProposal::log;  ///< popularity q: log(1 + count) or count^alpha
    std::uint64_t seed = 1;                                   ///< seeds the pool refreshes
  };

  explicit AdaSIR(Params p = {}) : params_(p) {
    detail::require(p.n >= 1, "adasir sampler: n must be at least 1, got " + std::to_string(p.n));
    detail::require(p.pool_size >= 1,
                    "adasir sampler: pool_size must be at least 1, got " + std::to_string(p.pool_size));
    detail::require(p.sample_size >= 1,
                    "adasir sampler: sample_size must be at least 1, got " + std::to_string(p.sample_size));
    detail::require(std::isfinite(p.lambda) && p.lambda > 0,
                    "adasir sampler: lambda must be finite and > 0, got " + std::to_string(p.lambda));
    detail::require(std::isfinite(p.alpha) && p.alpha >= 0,
                    "adasir sampler: alpha must be finite and >= 0, got " + std::to_string(p.alpha));
    proposal_ = detail::ProposalDraws(p.proposal, p.sample_size, p.alpha, p.popularity);
  }

  static constexpr std::string_view name() { return "adasir"; }
  const Params& params() const noexcept { return params_; }
  std::size_t max_negatives() const noexcept { return static_cast<std::size_t>(params_.n); }

  /// Builds the proposal; remembers whether the pools may hold seen items.
  void prepare(const Interactions& train, bool allow_seen = false) {
    proposal_.prepare(train, allow_seen);
    allow_seen_ = allow_seen;
    prepared_ = true;
  }

  /// Refreshes every user's pool with the current model (steps 1-4 above).
  template <class M>
  void on_epoch_begin(const M& model, const Interactions& train, int epoch, ThreadPool& pool) {
    if (!prepared_) throw InvalidArgument("adasir sampler: call prepare(train) before on_epoch_begin()");
    const auto p = static_cast<std::size_t>(params_.pool_size);
    const auto q = static_cast<std::size_t>(params_.sample_size);
    const index_t n_users = train.n_users();
    const bool fresh = epoch == 0 || n_users_ != n_users || ids_.empty();
    std::vector<index_t> next_ids(static_cast<std::size_t>(n_users) * p);
    std::vector<real> next_log_rho(next_ids.size());

    struct Scratch {
      Negatives candidates;
      SamplerWorkspace workspace;
      std::vector<double> cumulative;
      std::vector<double> exponent;
      std::vector<std::size_t> by_item;
      std::vector<real> log_rho;
      std::vector<index_t> draw_ids;
      std::vector<real> draw_log_rho;
    };
    std::vector<Scratch> scratch(pool.size());
    for (Scratch& s : scratch) {
      s.candidates.reserve(q);
      s.cumulative.resize(q);
      s.exponent.resize(q);
      s.by_item.resize(q);
      s.log_rho.resize(q);
      s.draw_ids.resize(p);
      s.draw_log_rho.resize(p);
    }

    detail::for_each_user(pool, n_users, [&](index_t u, std::size_t worker) {
      Scratch& s = scratch[worker];
      Rng rng = detail::user_rng(params_.seed, epoch, u);
      SampleContext ctx{u, index_t{-1}, real(0), train.items_of(u), allow_seen_, rng, s.workspace};
      // 1-2. Q candidates from q, scored.
      proposal_.draw(model, ctx, s.candidates);
      const auto cand = s.candidates.items();
      model.score_items(u, cand, s.candidates.scores());
      // 3. Resample weights softmax(s - log q), summed over equal candidates.
      resample_weights(cand, s.candidates.scores(), s);
      for (std::size_t t = 0; t < p; ++t) {
        const std::size_t c = detail::draw_cumulative(s.cumulative, rng);
        s.draw_ids[t] = cand[c];
        s.draw_log_rho[t] = s.log_rho[c];
      }
      // 4. Mix with the old pool after the first epoch.
      index_t* out_ids = next_ids.data() + static_cast<std::size_t>(u) * p;
      real* out_rho = next_log_rho.data() + static_cast<std::size_t>(u) * p;
      if (fresh) {
        std::copy(s.draw_ids.begin(), s.draw_ids.end(), out_ids);
        std::copy(s.draw_log_rho.begin(), s.draw_log_rho.end(), out_rho);
        return;
      }
      const index_t* old_ids = ids_.data() + static_cast<std::size_t>(u) * p;
      const real* old_rho = log_rho_.data() + static_cast<std::size_t>(u) * p;
      for (std::size_t t = 0; t < p; ++t) {
        const auto pick = static_cast<std::size_t>(rng.below(2 * p));
        out_ids[t] = pick < p ? old_ids[pick] : s.draw_ids[pick - p];
        out_rho[t] = pick < p ? old_rho[pick] : s.draw_log_rho[pick - p];
      }
    });
    ids_ = std::move(next_ids);
    log_rho_ = std::move(next_log_rho);
    n_users_ = n_users;
  }

  bool ready() const noexcept { return !ids_.empty(); }
  /// The items of `user`'s pool (pool_size entries, repeats possible).
  std::span<const index_t> pool_items(index_t user) const noexcept {
    const auto p = static_cast<std::size_t>(params_.pool_size);
    return {ids_.data() + static_cast<std::size_t>(user) * p, p};
  }
  /// log rho of each entry of pool_items(user).
  std::span<const real> pool_log_rho(index_t user) const noexcept {
    const auto p = static_cast<std::size_t>(params_.pool_size);
    return {log_rho_.data() + static_cast<std::size_t>(user) * p, p};
  }

  /// Fills `out` with n negatives uniform from the user's pool, their scores
  /// and importance weights. Call on_epoch_begin first.
  template <class M>
  void sample(const M& model, SampleContext& ctx, Negatives& out) const {
    if (!ready())
      throw InvalidArgument("adasir sampler: call on_epoch_begin(model, train, epoch, pool) before sample()");
    detail::require(ctx.user >= 0 && ctx.user < n_users_, "adasir sampler: user outside the pools");
    const std::size_t n = max_negatives();
    const auto ids = pool_items(ctx.user);
    const auto rho = pool_log_rho(ctx.user);
    ctx.workspace.reserve(n);
    real* log_q = ctx.workspace.values.data();
    out.reserve(n);
    out.resize(n);
    for (std::size_t j = 0; j < n; ++j) {
      std::size_t t = 0;
      out.items()[j] = detail::draw_admissible(name(), ctx, [&] {
        t = static_cast<std::size_t>(ctx.rng.below(ids.size()));
        return ids[t];
      });
      log_q[j] = rho[t];
    }
    model.score_items(ctx.user, out.items(), out.scores());
    out.scored = true;
    detail::importance_weights(ctx.positive_score, out.scores(), std::span<const real>(log_q, n),
                               params_.lambda, out.weights());
  }

 private:
  template <class Scratch>
  void resample_weights(std::span<const index_t> cand, std::span<const real> scores, Scratch& s) const {
    const std::size_t q = cand.size();
    double top = -std::numeric_limits<double>::infinity();
    for (std::size_t t = 0; t < q; ++t) {
      s.exponent[t] = static_cast<double>(scores[t]) - static_cast<double>(proposal_.log_q(cand[t]));
      top = std::max(top, s.exponent[t]);
    }
    double total = 0;
    for (std::size_t t = 0; t < q; ++t) {
      total += std::exp(s.exponent[t] - top);
      s.cumulative[t] = total;
    }
    // rho of an item = the summed weight of the candidates equal to it.
    std::iota(s.by_item.begin(), s.by_item.end(), std::size_t{0});
    std::sort(s.by_item.begin(), s.by_item.end(), [&](std::size_t a, std::size_t b) {
      return cand[a] < cand[b] || (cand[a] == cand[b] && a < b);
    });
    for (std::size_t g = 0; g < q;) {
      std::size_t e = g;
      double mass = 0;
      for (; e < q && cand[s.by_item[e]] == cand[s.by_item[g]]; ++e) mass += std::exp(s.exponent[s.by_item[e]] - top);
      const auto lr = static_cast<real>(std::log(mass / total));
      for (std::size_t t = g; t < e; ++t) s.log_rho[s.by_item[t]] = lr;
      g = e;
    }
  }

  Params params_;
  detail::ProposalDraws proposal_;
  bool prepared_ = false;
  bool allow_seen_ = false;
  index_t n_users_ = 0;
  std::vector<index_t> ids_;   // n_users x pool_size
  std::vector<real> log_rho_;  // same layout
};

}  // namespace hardneg
