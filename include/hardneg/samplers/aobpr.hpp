// AOBPR: adaptive oversampling of BPR (Rendle & Freudenthaler, "Improving
// pairwise learning for item recommendation from implicit feedback",
// WSDM 2014; spec/algorithms.md 2.7). Items the model ranks high for the user
// are drawn more often, without scoring all items: per negative,
//
//   r ~ p(r) ∝ exp(-r / lambda),  r = 1 .. |I|       (a truncated geometric rank)
//   f ~ p(f) ∝ |v_uf| * sigma_f                       (a latent factor)
//   j = the item at rank r of the items sorted by factor f,
//       descending if v_uf > 0, ascending otherwise
//
// v_u is the user's embedding and sigma_f the standard deviation of item
// factor f over the items. The idea: <v_u, q_j> is large where the factors
// with large |v_uf| sigma_f are large with the sign of v_uf. A seen item or
// the positive is redrawn (new r and f) unless SampleContext::allow_seen.
// k negatives, weights 1/k, out.scored = false.
//
// The per-factor orderings and sigma_f come from the item table at
// on_epoch_begin (sorted on the pool, one factor per task); the user vector
// is read when sampling. The paper recomputes them every |I| log |I| SGD
// updates; once per epoch is the mini-batch trainer's equivalent (an epoch
// of Gowalla is ~810k pairs against 41k log 41k = 435k updates).
//
// lambda: the paper tunes it per data set; Params::lambda = 0 (the default)
// picks |I| / 20, so a draw's rank is on average 5% of the catalogue (the
// third-party implementation of spec/algorithms.md 2.7 defaults to 6682).
//
// Needs the embedding tables (detail::EmbeddingModel: user_embeddings() and
// item_embeddings(), as MF has). Template parameter: K, the default number of
// negatives per positive.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hardneg/core/error.hpp"
#include "hardneg/core/matrix.hpp"
#include "hardneg/core/negatives.hpp"
#include "hardneg/core/random.hpp"
#include "hardneg/core/thread_pool.hpp"
#include "hardneg/core/types.hpp"
#include "hardneg/data/interactions.hpp"
#include "hardneg/samplers/detail/embedding_model.hpp"
#include "hardneg/samplers/detail/exclusion.hpp"

namespace hardneg {

template <int K = 1>
class AOBPR {
  static_assert(K >= 1, "hardneg::AOBPR<K>: K (negatives per positive) must be at least 1");

 public:
  struct Params {
    int k = K;           ///< negatives per positive
    double lambda = 0;   ///< scale of the rank distribution exp(-r / lambda); 0: n_items / 20
  };

  explicit AOBPR(Params p = {}) : params_(p) {
    detail::require(p.k >= 1, "aobpr sampler: k must be at least 1, got " + std::to_string(p.k));
    detail::require(std::isfinite(p.lambda) && p.lambda >= 0,
                    "aobpr sampler: lambda must be finite and >= 0 (0: automatic), got " +
                        std::to_string(p.lambda));
  }

  static constexpr std::string_view name() { return "aobpr"; }
  const Params& params() const noexcept { return params_; }
  std::size_t max_negatives() const noexcept { return static_cast<std::size_t>(params_.k); }

  /// Checks that every user of `train` has an item left to draw (unless seen
  /// items are allowed).
  void prepare(const Interactions& train, bool allow_seen = false) const {
    if (!allow_seen) detail::check_sampleable(name(), train);
  }

  /// Sorts the items by each factor of the model's item table and computes
  /// the factors' standard deviations.
  template <class M>
    requires detail::EmbeddingModel<M>
  void on_epoch_begin(const M& model, const Interactions& /*train*/, int /*epoch*/, ThreadPool& pool) {
    const RowMatrix& items = model.item_embeddings();
    const std::size_t n = items.rows();
    const std::size_t d = items.dim();
    detail::require(n > 0, "aobpr sampler: the model has no items");
    n_items_ = static_cast<index_t>(n);
    dim_ = d;
    lambda_ = params_.lambda > 0 ? params_.lambda : std::max(1.0, static_cast<double>(n) / 20.0);
    // P(r <= R) = (1 - e^{-R/lambda}) / mass, mass = 1 - e^{-n/lambda}.
    rank_mass_ = -std::expm1(-static_cast<double>(n) / lambda_);
    order_.resize(n * d);
    sigma_.assign(d, 0.0);
    pool.run(d, [&](std::size_t f, std::size_t) {
      index_t* order = order_.data() + f * n;
      std::iota(order, order + n, index_t{0});
      // Descending by factor f, ties by smaller id: the same order everywhere.
      std::sort(order, order + n, [&](index_t a, index_t b) {
        const real va = items(static_cast<std::size_t>(a), f), vb = items(static_cast<std::size_t>(b), f);
        return va > vb || (va == vb && a < b);
      });
      double mean = 0;
      for (std::size_t j = 0; j < n; ++j) mean += static_cast<double>(items(j, f));
      mean /= static_cast<double>(n);
      double var = 0;
      for (std::size_t j = 0; j < n; ++j) {
        const double x = static_cast<double>(items(j, f)) - mean;
        var += x * x;
      }
      sigma_[f] = std::sqrt(var / static_cast<double>(n));
    });
  }

  bool ready() const noexcept { return n_items_ > 0; }
  /// The lambda in use (after on_epoch_begin).
  double lambda() const noexcept { return lambda_; }
  /// sigma_f of the last on_epoch_begin.
  std::span<const double> factor_std() const noexcept { return sigma_; }
  /// The items sorted by factor f, descending (ties by smaller id).
  std::span<const index_t> factor_order(std::size_t f) const noexcept {
    return {order_.data() + f * static_cast<std::size_t>(n_items_), static_cast<std::size_t>(n_items_)};
  }

  /// One rank r in [1, n_items] with P(r) ∝ exp(-r / lambda) (inverse CDF of
  /// the truncated geometric distribution).
  std::size_t draw_rank(Rng& rng) const noexcept {
    const double x = -lambda_ * std::log1p(-rng.uniform() * rank_mass_);
    const auto r = static_cast<std::size_t>(std::ceil(x));
    return std::clamp<std::size_t>(r, 1, static_cast<std::size_t>(n_items_));
  }

  /// Fills `out` with k negatives drawn by rank and factor, weights 1/k.
  /// Call on_epoch_begin first.
  template <class M>
    requires detail::EmbeddingModel<M>
  void sample(const M& model, SampleContext& ctx, Negatives& out) const {
    if (!ready())
      throw InvalidArgument("aobpr sampler: call on_epoch_begin(model, train, epoch, pool) before sample()");
    const std::size_t k = max_negatives();
    const std::size_t d = dim_;
    const real* v = model.user_embeddings().row_ptr(static_cast<std::size_t>(ctx.user));
    // Cumulative factor weights |v_uf| sigma_f in the workspace (no
    // allocation once it has grown to dim).
    ctx.workspace.reserve(d);
    real* cum = ctx.workspace.values.data();
    double total = 0;
    for (std::size_t f = 0; f < d; ++f) {
      total += std::fabs(static_cast<double>(v[f])) * sigma_[f];
      cum[f] = static_cast<real>(total);
    }
    const auto n = static_cast<std::size_t>(n_items_);
    const auto draw = [&]() -> index_t {
      const std::size_t r = draw_rank(ctx.rng);
      std::size_t f;
      if (total > 0) {
        const real x = static_cast<real>(ctx.rng.uniform() * total);
        f = static_cast<std::size_t>(std::upper_bound(cum, cum + d, x) - cum);
        if (f == d) f = static_cast<std::size_t>(std::lower_bound(cum, cum + d, cum[d - 1]) - cum);
      } else {
        f = static_cast<std::size_t>(ctx.rng.below(d));  // a zero user vector: any factor
      }
      const index_t* order = order_.data() + f * n;
      return v[f] > 0 ? order[r - 1] : order[n - r];
    };
    out.reserve(k);
    out.resize(k);
    out.scored = false;
    for (index_t& item : out.items()) item = detail::draw_admissible(name(), ctx, draw);
    std::fill(out.weights().begin(), out.weights().end(), real{1} / static_cast<real>(k));
  }

 private:
  Params params_;
  index_t n_items_ = 0;
  std::size_t dim_ = 0;
  double lambda_ = 1;
  double rank_mass_ = 1;
  std::vector<index_t> order_;  // dim x n_items, factor-major
  std::vector<double> sigma_;
};

}  // namespace hardneg
