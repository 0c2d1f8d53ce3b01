// Kernel: adaptive sampling from a quadratic-kernel proposal with a tree
// (Blanc & Rendle, "Adaptive sampled softmax with kernel based sampling",
// ICML 2018; spec/algorithms.md 2.11).
//
// The proposal follows the model's scores without scoring every item:
//
//   phi(x) = [ sqrt(alpha) vec(x x^T), 1 ]   so   phi(u).phi(v) = alpha (u.v)^2 + 1 > 0
//   q(j | u) = (alpha (u.v_j)^2 + 1) / sum_i (alpha (u.v_i)^2 + 1)
//
// A binary tree over the items stores in every node the sum of its items'
// phi(v) (the symmetric part packed: D(D+1)/2 + 1 numbers for dimension D).
// A draw descends from the root, going left with probability
// phi(u).left / (phi(u).left + phi(u).right), so one draw costs
// O(D^2 log(|I| / leaf_size)) instead of O(D |I|). The tree ends in leaves
// of leaf_size consecutive items, where the item is drawn from the exact
// alpha (u.v_j)^2 + 1 of the leaf's items. The path probabilities multiply
// to q(j | u) exactly (up to float rounding of the node sums).
//
// Output: k draws (with replacement), their current scores (out.scored =
// true) and either
//   Weighting::importance (default): w_j = softmax_j((s_j - s_i) / lambda - log q_j),
//     the self-normalised importance weights of the softmax target, or
//   Weighting::uniform: 1/k each.
// q_j is the exact normalised proposal probability above (log_proposal),
// not the reference code's unnormalised last-node score (spec/algorithms.md
// 8.8): we implement the paper's q. Seen items and the positive are redrawn
// unless SampleContext::allow_seen; q restricted to the unseen items differs
// by a constant factor, which cancels in the weights.
//
// The tree is rebuilt from the item table at on_epoch_begin (the paper
// updates it with every item update; once per epoch is the mini-batch
// equivalent), on the pool; the sampler keeps that snapshot of the item
// vectors, so the tree and q agree within an epoch, while the user vector is
// read from the model when sampling. Memory: 2 * 2^ceil(log2(|I| / leaf_size))
// nodes of D(D+1)/2 + 1 floats (Gowalla, D = 32, leaf 64: 4.5 MB) plus the
// snapshot. A draw reads two node rows per level (detail::pair_dot, four
// FMA chains) and is bound by memory traffic: leaves of 64 items (10 levels
// on Gowalla, then 64 contiguous item rows) were the fastest of 16 .. 128.
//
// Needs the embedding tables (detail::EmbeddingModel); the weights use the
// model's own scores. Template parameter: K, the default number of
// negatives per positive.
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <xsimd/xsimd.hpp>

#include "hardneg/core/aligned.hpp"
#include "hardneg/core/error.hpp"
#include "hardneg/core/matrix.hpp"
#include "hardneg/core/negatives.hpp"
#include "hardneg/core/thread_pool.hpp"
#include "hardneg/core/types.hpp"
#include "hardneg/data/interactions.hpp"
#include "hardneg/samplers/detail/embedding_model.hpp"
#include "hardneg/samplers/detail/exclusion.hpp"
#include "hardneg/samplers/detail/importance.hpp"
#include "hardneg/simd/gather_dot.hpp"

// GCC 12's _mm512_undefined_ps (inside xsimd's AVX-512 hadd) trips a false
// -Wmaybe-uninitialized / -Wuninitialized; silence it for this kernel.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

namespace hardneg {

namespace detail {

/// Scalar reference of pair_dot, in double.
inline void pair_dot_reference(const real* w, const real* a, const real* b, std::size_t n, double& da,
                               double& db) noexcept {
  da = db = 0;
  for (std::size_t c = 0; c < n; ++c) {
    da += static_cast<double>(w[c]) * static_cast<double>(a[c]);
    db += static_cast<double>(w[c]) * static_cast<double>(b[c]);
  }
}

/// <w, a> and <w, b> over n values, all three readable and zero padded up to
/// the next multiple of the SIMD width (the two children of a tree node):
/// four independent FMA chains, so the descent is not bound by FMA latency.
[[gnu::flatten]] inline void pair_dot(const real* w, const real* a, const real* b, std::size_t n, double& da,
                                      double& db) noexcept {
  using batch = xsimd::batch<real>;
  constexpr std::size_t width = batch::size;
  const std::size_t nb = (n + width - 1) / width;
  batch a0(real(0)), a1(real(0)), b0(real(0)), b1(real(0));
  std::size_t k = 0;
  for (; k + 2 <= nb; k += 2) {
    const batch w0 = batch::load_unaligned(w + k * width), w1 = batch::load_unaligned(w + (k + 1) * width);
    a0 = xsimd::fma(w0, batch::load_unaligned(a + k * width), a0);
    b0 = xsimd::fma(w0, batch::load_unaligned(b + k * width), b0);
    a1 = xsimd::fma(w1, batch::load_unaligned(a + (k + 1) * width), a1);
    b1 = xsimd::fma(w1, batch::load_unaligned(b + (k + 1) * width), b1);
  }
  if (k < nb) {
    const batch w0 = batch::load_unaligned(w + k * width);
    a0 = xsimd::fma(w0, batch::load_unaligned(a + k * width), a0);
    b0 = xsimd::fma(w0, batch::load_unaligned(b + k * width), b0);
  }
  da = static_cast<double>(xsimd::hadd(a0 + a1));
  db = static_cast<double>(xsimd::hadd(b0 + b1));
}

}  // namespace detail

/// How the kernel sampler weighs its draws.
enum class KernelWeighting {
  importance,  ///< softmax_j((s_j - s_i) / lambda - log q_j)
  uniform,     ///< 1/k
};

template <int K = 5>
class Kernel {
  static_assert(K >= 1, "hardneg::Kernel<K>: K (negatives per positive) must be at least 1");

 public:
  using Weighting = KernelWeighting;

  struct Params {
    int k = K;                                   ///< negatives per positive
    double alpha = 1;                            ///< weight of the quadratic term
    double lambda = 1;                           ///< temperature of the importance weights
    Weighting weighting = Weighting::importance; ///< importance or uniform weights
    int leaf_size = 64;                          ///< items per leaf of the tree
  };

  explicit Kernel(Params p = {}) : params_(p) {
    detail::require(p.k >= 1, "kernel sampler: k must be at least 1, got " + std::to_string(p.k));
    detail::require(std::isfinite(p.alpha) && p.alpha >= 0,
                    "kernel sampler: alpha must be finite and >= 0, got " + std::to_string(p.alpha));
    detail::require(std::isfinite(p.lambda) && p.lambda > 0,
                    "kernel sampler: lambda must be finite and > 0, got " + std::to_string(p.lambda));
    detail::require(p.leaf_size >= 1,
                    "kernel sampler: leaf_size must be at least 1, got " + std::to_string(p.leaf_size));
  }

  static constexpr std::string_view name() { return "kernel"; }
  const Params& params() const noexcept { return params_; }
  std::size_t max_negatives() const noexcept { return static_cast<std::size_t>(params_.k); }

  /// Checks that every user of `train` has an item left to draw (unless seen
  /// items are allowed).
  void prepare(const Interactions& train, bool allow_seen = false) const {
    if (!allow_seen) detail::check_sampleable(name(), train);
  }

  /// Snapshots the item table and rebuilds the tree on the pool.
  template <class M>
    requires detail::EmbeddingModel<M>
  void on_epoch_begin(const M& model, const Interactions& /*train*/, int /*epoch*/, ThreadPool& pool) {
    items_ = model.item_embeddings();
    const std::size_t n = items_.rows();
    const std::size_t d = items_.dim();
    detail::require(n > 0, "kernel sampler: the model has no items");
    const auto leaf = static_cast<std::size_t>(params_.leaf_size);
    n_leaves_ = std::bit_ceil((n + leaf - 1) / leaf);
    packed_ = d * (d + 1) / 2;
    tree_ = RowMatrix(2 * n_leaves_, packed_ + 1);
    // Leaves: sums of phi(v) over their items, accumulated in double.
    const std::size_t used = (n + leaf - 1) / leaf;
    std::vector<std::vector<double>> scratch(pool.size(), std::vector<double>(packed_ + 1));
    pool.run(used, [&](std::size_t b, std::size_t worker) {
      std::vector<double>& acc = scratch[worker];
      std::fill(acc.begin(), acc.end(), 0.0);
      for (std::size_t j = b * leaf; j < std::min(n, (b + 1) * leaf); ++j) {
        const real* v = items_.row_ptr(j);
        std::size_t c = 0;
        for (std::size_t a = 0; a < d; ++a)
          for (std::size_t e = a; e < d; ++e) acc[c++] += static_cast<double>(v[a]) * static_cast<double>(v[e]);
        acc[packed_] += 1.0;
      }
      real* row = tree_.row_ptr(n_leaves_ + b);
      for (std::size_t c = 0; c <= packed_; ++c) row[c] = static_cast<real>(acc[c]);
    });
    // Inner nodes, level by level from the bottom: node i = 2i + (2i + 1).
    for (std::size_t level_begin = n_leaves_ / 2; level_begin >= 1; level_begin /= 2) {
      pool.run(level_begin, [&](std::size_t t, std::size_t) {
        const std::size_t i = level_begin + t;
        real* row = tree_.row_ptr(i);
        const real* l = tree_.row_ptr(2 * i);
        const real* r = tree_.row_ptr(2 * i + 1);
        for (std::size_t c = 0; c <= packed_; ++c) row[c] = l[c] + r[c];
      });
    }
  }

  bool ready() const noexcept { return !tree_.empty(); }

  /// q(item | user) = (alpha (u.v)^2 + 1) / sum_i (alpha (u.v_i)^2 + 1), u the
  /// model's user vector, v the item vectors of the last on_epoch_begin.
  template <class M>
    requires detail::EmbeddingModel<M>
  double proposal_probability(const M& model, index_t user, index_t item) const {
    aligned_vector<real> w(padded_size(packed_ + 1), real(0));
    const real* u = model.user_embeddings().row_ptr(static_cast<std::size_t>(user));
    user_features(u, w.data());
    return kernel(u, item) / root_mass(w.data());
  }

  /// Fills `out` with k draws from q, their scores and weights. Call
  /// on_epoch_begin first.
  template <class M>
    requires detail::EmbeddingModel<M>
  void sample(const M& model, SampleContext& ctx, Negatives& out) const {
    if (!ready())
      throw InvalidArgument("kernel sampler: call on_epoch_begin(model, train, epoch, pool) before sample()");
    const std::size_t k = max_negatives();
    const auto leaf = static_cast<std::size_t>(params_.leaf_size);
    const std::size_t wpad = padded_size(packed_ + 1);
    // Workspace: values = [phi(u) (wpad) | leaf cumulative (leaf) | log q (k)],
    // ids/scores = one leaf's items and dot products.
    ctx.workspace.reserve(wpad + leaf + k);
    real* w = ctx.workspace.values.data();
    real* cum = w + wpad;
    real* log_kappa = cum + leaf;
    const real* u = model.user_embeddings().row_ptr(static_cast<std::size_t>(ctx.user));
    user_features(u, w);
    std::fill(w + packed_ + 1, w + wpad, real(0));
    const std::span<index_t> leaf_ids(ctx.workspace.ids.data(), leaf);
    const std::span<real> leaf_dots(ctx.workspace.scores.data(), leaf);
    const auto n = static_cast<index_t>(items_.rows());

    real kappa_of_draw = 1;
    const auto draw = [&]() -> index_t {
      std::size_t node = 1;
      while (node < n_leaves_) {
        double l, r;
        detail::pair_dot(w, tree_.row_ptr(2 * node), tree_.row_ptr(2 * node + 1), packed_ + 1, l, r);
        l = std::max(0.0, l);
        r = std::max(0.0, r);
        node = 2 * node + (ctx.rng.uniform() * (l + r) < l ? 0 : 1);
      }
      const index_t first = static_cast<index_t>((node - n_leaves_) * leaf);
      const std::size_t size = static_cast<std::size_t>(std::min<index_t>(n, first + static_cast<index_t>(leaf)) - first);
      for (std::size_t t = 0; t < size; ++t) leaf_ids[t] = first + static_cast<index_t>(t);
      simd::gather_dot(u, items_, leaf_ids.first(size), leaf_dots);
      double total = 0;
      for (std::size_t t = 0; t < size; ++t) {
        total += kappa_from_dot(leaf_dots[t]);
        cum[t] = static_cast<real>(total);
      }
      const real x = static_cast<real>(ctx.rng.uniform() * total);
      std::size_t t = static_cast<std::size_t>(std::upper_bound(cum, cum + size, x) - cum);
      if (t == size) t = size - 1;
      kappa_of_draw = static_cast<real>(kappa_from_dot(leaf_dots[t]));
      return first + static_cast<index_t>(t);
    };

    out.reserve(k);
    out.resize(k);
    for (std::size_t j = 0; j < k; ++j) {
      out.items()[j] = detail::draw_admissible(name(), ctx, draw);
      log_kappa[j] = std::log(kappa_of_draw);
    }
    model.score_items(ctx.user, out.items(), out.scores());
    out.scored = true;
    if (params_.weighting == Weighting::uniform) {
      std::fill(out.weights().begin(), out.weights().end(), real{1} / static_cast<real>(k));
      return;
    }
    // log q_j = log kappa_j - log Z; the constant log Z cancels in the softmax.
    detail::importance_weights(ctx.positive_score, out.scores(), std::span<const real>(log_kappa, k),
                               params_.lambda, out.weights());
  }

 private:
  double kappa_from_dot(real dot) const noexcept {
    const double x = static_cast<double>(dot);
    return params_.alpha * x * x + 1.0;
  }

  double kernel(const real* u, index_t item) const noexcept {
    return kappa_from_dot(simd::dot(u, items_.row_ptr(static_cast<std::size_t>(item)), items_.dim()));
  }

  /// phi(u) packed against the node layout: alpha u_a u_e (doubled off the
  /// diagonal) for a <= e, then 1.
  void user_features(const real* u, real* w) const noexcept {
    const std::size_t d = items_.dim();
    const double alpha = params_.alpha;
    std::size_t c = 0;
    for (std::size_t a = 0; a < d; ++a)
      for (std::size_t e = a; e < d; ++e)
        w[c++] = static_cast<real>(alpha * (a == e ? 1.0 : 2.0) * static_cast<double>(u[a]) *
                                   static_cast<double>(u[e]));
    w[packed_] = 1;
  }

  double root_mass(const real* w) const noexcept {
    // The root's packed sums against phi(u), in double for the normaliser.
    const real* root = tree_.row_ptr(1);
    double z = 0;
    for (std::size_t c = 0; c <= packed_; ++c) z += static_cast<double>(w[c]) * static_cast<double>(root[c]);
    return z;
  }

  Params params_;
  RowMatrix items_;         // snapshot of the item table
  RowMatrix tree_;          // node i at row i (1 = root), leaves at [n_leaves_, 2 n_leaves_)
  std::size_t n_leaves_ = 0;
  std::size_t packed_ = 0;  // D(D+1)/2
};

}  // namespace hardneg

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
