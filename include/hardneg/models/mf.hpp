// MF: matrix factorisation, the embedding-dot model of implicit-feedback
// recommendation (Koren et al. 2009; the MF of the WWW'23 hard-negative
// code, spec/algorithms.md 5.1).
//
//   s(u, i) = <p_u, q_i>          p_u: row u of the user table (table 0)
//                                 q_i: row i of the item table (table 1)
//
// No biases. Both tables are initialised N(0, init_std^2) (WWW'23: std 0.1,
// dim 32) from hardneg::Rng: the user table from stream 0 of `seed`, the item
// table from stream 1, so the same seed gives the same model everywhere.
//
// Backward of the scores s_k = <p_u, q_{i_k}> with upstream d_k = dL/ds_k:
//   dL/dp_u     = sum_k d_k q_{i_k}
//   dL/dq_{i_k} += d_k p_u      (an item listed twice gets both terms)
//
// Scoring a span of candidates is simd::gather_dot; score(u, i) goes through
// the same kernel, so score(u, i) and score_items(u, {i}) are bit-identical.
// Evaluation and recommendation use DotScorer (eval/dot_scorer.hpp).
#pragma once

#include <array>
#include <cassert>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hardneg/core/error.hpp"
#include "hardneg/core/gradient.hpp"
#include "hardneg/core/matrix.hpp"
#include "hardneg/core/prefetch.hpp"
#include "hardneg/core/random.hpp"
#include "hardneg/core/thread_pool.hpp"
#include "hardneg/core/types.hpp"
#include "hardneg/data/interactions.hpp"
#include "hardneg/eval/dot_scorer.hpp"
#include "hardneg/eval/recommend.hpp"
#include "hardneg/models/recommendation.hpp"
#include "hardneg/simd/gather_dot.hpp"

namespace hardneg {

class MF {
 public:
  struct Params {
    std::size_t dim = 32;     ///< embedding size
    double init_std = 0.1;    ///< standard deviation of the normal initialisation
    std::uint64_t seed = 1;   ///< initialisation seed
  };

  static constexpr std::string_view name() { return "mf"; }
  static constexpr std::size_t user_table = 0;
  static constexpr std::size_t item_table = 1;

  /// A new model with random N(0, init_std^2) embeddings.
  MF(index_t n_users, index_t n_items) : MF(n_users, n_items, Params{}) {}
  MF(index_t n_users, index_t n_items, Params p) {
    detail::require(n_users >= 0 && n_items >= 0, "MF: negative number of users or items");
    detail::require(p.dim > 0, "MF: dim must be positive");
    detail::require(std::isfinite(p.init_std) && p.init_std >= 0,
                    "MF: init_std must be finite and >= 0, got " + std::to_string(p.init_std));
    tables_[user_table] = RowMatrix(static_cast<std::size_t>(n_users), p.dim);
    tables_[item_table] = RowMatrix(static_cast<std::size_t>(n_items), p.dim);
    for (std::size_t t = 0; t < tables_.size(); ++t) {
      Rng rng(p.seed, t);
      RowMatrix& m = tables_[t];
      for (std::size_t r = 0; r < m.rows(); ++r)
        for (real& x : m.row(r)) x = static_cast<real>(p.init_std * rng.normal());
    }
  }

  /// A model from existing embedding tables (e.g. loaded from a file).
  MF(RowMatrix users, RowMatrix items) {
    detail::require(users.dim() == items.dim(),
                    "MF: user and item tables have different dims (" + std::to_string(users.dim()) +
                        " and " + std::to_string(items.dim()) + ")");
    detail::require(users.dim() > 0, "MF: dim must be positive");
    detail::require(users.rows() <= static_cast<std::size_t>(max_id) &&
                        items.rows() <= static_cast<std::size_t>(max_id),
                    "MF: too many rows for 32-bit ids");
    tables_[user_table] = std::move(users);
    tables_[item_table] = std::move(items);
  }

  /// The model of a list of tables {users, items} (what io/model_file.hpp
  /// loads); throws InvalidArgument when there are not two tables of one dim.
  static MF from_tables(std::vector<RowMatrix> tables) {
    detail::require(tables.size() == 2, "MF: expected 2 tables (users, items), got " +
                                            std::to_string(tables.size()));
    return MF(std::move(tables[0]), std::move(tables[1]));
  }

  index_t n_users() const noexcept { return static_cast<index_t>(tables_[user_table].rows()); }
  index_t n_items() const noexcept { return static_cast<index_t>(tables_[item_table].rows()); }
  std::size_t dim() const noexcept { return tables_[user_table].dim(); }

  /// s(u, i) = <p_u, q_i>.
  real score(index_t u, index_t i) const noexcept {
    real s;
    score_items(u, std::span<const index_t>(&i, 1), std::span<real>(&s, 1));
    return s;
  }

  /// Hints the cache to load the rows of user u and item i (the trainer calls
  /// this a few pairs ahead, so random row reads overlap instead of stalling).
  void prefetch(index_t u, index_t i) const noexcept {
    detail::prefetch_row(tables_[user_table].row_ptr(static_cast<std::size_t>(u)), dim());
    detail::prefetch_row(tables_[item_table].row_ptr(static_cast<std::size_t>(i)), dim());
  }

  /// out[k] = s(u, items[k]); out.size() >= items.size(). The samplers' hot
  /// path: no allocation, ids are not checked.
  void score_items(index_t u, std::span<const index_t> items, std::span<real> out) const noexcept {
    assert(u >= 0 && u < n_users());
    simd::gather_dot(tables_[user_table].row_ptr(static_cast<std::size_t>(u)), tables_[item_table],
                     items, out);
  }

  /// Adds d(loss)/d(parameters) of the scores s(u, items[k]) with upstream
  /// gradients d_scores[k] into `grad` (table 0: users, table 1: items).
  void backward(index_t u, std::span<const index_t> items, std::span<const real> d_scores,
                GradientAccumulator& grad) const {
    assert(d_scores.size() >= items.size());
    const std::size_t d = dim();
    const RowMatrix& item_rows = tables_[item_table];
    const real* p_u = tables_[user_table].row_ptr(static_cast<std::size_t>(u));
    // g_u stays valid: only the item table's rows are touched below.
    real* g_u = grad.row(user_table, u);
    for (std::size_t k = 0; k < items.size(); ++k) {
      const real dk = d_scores[k];
      simd::axpy(dk, item_rows.row_ptr(static_cast<std::size_t>(items[k])), g_u, d);
      // Fetched per k: a repeated item accumulates into the same row.
      simd::axpy(dk, p_u, grad.row(item_table, items[k]), d);
    }
  }

  std::span<RowMatrix> parameters() noexcept { return tables_; }
  std::span<const RowMatrix> parameters() const noexcept { return tables_; }

  RowMatrix& user_embeddings() noexcept { return tables_[user_table]; }
  const RowMatrix& user_embeddings() const noexcept { return tables_[user_table]; }
  RowMatrix& item_embeddings() noexcept { return tables_[item_table]; }
  const RowMatrix& item_embeddings() const noexcept { return tables_[item_table]; }

  /// Scores blocks of users against all items (evaluation). The scorer
  /// refers to this model's user table and packs a copy of the item table:
  /// build a new one after the model changes.
  DotScorer block_scorer() const { return DotScorer(tables_[user_table], tables_[item_table]); }

  /// The k best items of `user` it has not seen (its row of `seen`), best
  /// first. Packs the item table once per call: for many users, use the
  /// batch form.
  std::vector<Recommendation> recommend(index_t user, std::size_t k, const Interactions& seen) const {
    return detail::recommend_list(block_scorer(), user, k, seen);
  }

  /// The k best unseen items of each of `users` (see eval/recommend.hpp),
  /// on `pool` when given.
  Recommendations recommend(std::span<const index_t> users, std::size_t k, const Interactions& seen,
                            ThreadPool* pool = nullptr) const {
    return recommend_top_k(block_scorer(), users, k, seen, pool);
  }

 private:
  std::array<RowMatrix, 2> tables_;
};

}  // namespace hardneg
