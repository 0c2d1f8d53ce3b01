// The four policy kinds of a hardneg training algorithm, as C++20 concepts.
//
//   Trainer<Model, Sampler, Loss, Optimizer>
//
// Each concept is built from small named parts so that a failing check names
// the missing member. Trainer opens with one static_assert per policy whose
// sentence is the first thing a user reads; docs/policies.md describes each
// member and ends each kind with a "write your own" skeleton.
#pragma once

#include <concepts>
#include <cstddef>
#include <span>
#include <string_view>

#include "hardneg/core/gradient.hpp"
#include "hardneg/core/loss_batch.hpp"
#include "hardneg/core/matrix.hpp"
#include "hardneg/core/negatives.hpp"
#include "hardneg/core/thread_pool.hpp"
#include "hardneg/core/types.hpp"

namespace hardneg {

// ---------------------------------------------------------------- Model ----

/// A model has a name and its sizes.
template <class M>
concept NamedModel = requires(const M& m) {
  { M::name() } -> std::convertible_to<std::string_view>;
  { m.n_users() } -> std::convertible_to<index_t>;
  { m.n_items() } -> std::convertible_to<index_t>;
};

/// Scores one item, and a span of candidate items for one user into a buffer
/// (the samplers' hot path: a SIMD gather-dot for embedding models).
template <class M>
concept CandidateScorer =
    requires(const M& m, index_t u, index_t i, std::span<const index_t> items, std::span<real> out) {
      { m.score(u, i) } -> std::convertible_to<real>;
      m.score_items(u, items, out);
    };

/// Back-propagates d(loss)/d(score) of (u, items[k]) into sparse gradient rows.
template <class M>
concept Backpropagating =
    requires(const M& m, index_t u, std::span<const index_t> items, std::span<const real> d_scores,
             GradientAccumulator& grad) { m.backward(u, items, d_scores, grad); };

/// Exposes its parameters as tables of rows, which optimizers update.
template <class M>
concept HasParameters = requires(M& m, const M& cm) {
  { m.parameters() } -> std::convertible_to<std::span<RowMatrix>>;
  { cm.parameters() } -> std::convertible_to<std::span<const RowMatrix>>;
};

/// Gives a scorer of blocks of users against all items (evaluation,
/// recommend): see eval/block_scorer.hpp.
template <class M>
concept HasBlockScorer = requires(const M& m) { m.block_scorer(); };

template <class M>
concept Model = NamedModel<M> && CandidateScorer<M> && Backpropagating<M> && HasParameters<M> &&
                HasBlockScorer<M>;

// -------------------------------------------------------------- Sampler ----

/// Fills a Negatives buffer for one (user, positive) pair, scoring candidates
/// with the model when it needs to. max_negatives() bounds out.size().
template <class S, class M>
concept Sampler = requires(const S& s, const M& model, SampleContext& ctx, Negatives& out) {
  { S::name() } -> std::convertible_to<std::string_view>;
  { s.max_negatives() } -> std::convertible_to<std::size_t>;
  s.sample(model, ctx, out);
};

// ----------------------------------------------------------------- Loss ----

/// Maps (positive score, negative scores, negative weights) to the loss of
/// one row and writes d(loss)/d(score) for the positive and each negative.
/// Pairwise, pointwise and set-wise losses all take this one signature.
template <class L>
concept Loss = requires(const L& loss, real pos, std::span<const real> neg,
                        std::span<const real> weights, real& d_pos, std::span<real> d_neg) {
  { L::name() } -> std::convertible_to<std::string_view>;
  { loss.evaluate(pos, neg, weights, d_pos, d_neg) } -> std::convertible_to<real>;
};

/// A loss that sees the whole mini-batch before its rows (T-CE, BSL's
/// same-user form; see core/loss_batch.hpp). The trainer detects it.
template <class L>
concept BatchLoss =
    Loss<L> && requires(L& loss, const L& cl, const LossBatch& batch, std::size_t row, real pos,
                        std::span<const real> neg, std::span<const real> weights, real& d_pos,
                        std::span<real> d_neg) {
      loss.begin_batch(batch);
      { cl.evaluate_row(row, pos, neg, weights, d_pos, d_neg) } -> std::convertible_to<real>;
    };

// ------------------------------------------------------------ Optimizer ----

/// Applies one step of a sparse gradient to a model's parameter tables.
template <class O>
concept Optimizer = requires(O& o, const O& co, std::span<RowMatrix> params,
                             const SparseGradient& grad, ThreadPool& pool, double lr) {
  { O::name() } -> std::convertible_to<std::string_view>;
  o.step(params, grad, pool);
  { co.learning_rate() } -> std::convertible_to<double>;
  o.set_learning_rate(lr);
};

}  // namespace hardneg
