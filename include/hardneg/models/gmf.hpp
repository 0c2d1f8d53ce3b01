// GMF: generalized matrix factorization, the GMF branch of neural
// collaborative filtering (He et al., WWW 2017), as the DenoisingRec /
// InverseLearning code (`NCF`, model 'GMF') trains it (spec/algorithms.md 5.2).
//
//   s(u, i) = <h, p_u (.) q_i> + b      (.) the elementwise product
//
// Tables (parameters(), in this order; what model files store):
//   0  users  n_users x dim     p_u
//   1  items  n_items x dim     q_i
//   2  h      1 x dim           the output layer's weights
//   3  b      1 x 1             the output bias; absent when Params::bias is
//                               false (from_tables reads its presence)
//
// Initialisation (Params): embeddings N(0, init_std^2) (reference: 0.01) or
// xavier-uniform / xavier-normal (Init); h kaiming-uniform with a = 1, i.e.
// U(-sqrt(3/dim), sqrt(3/dim)) (PyTorch's kaiming_uniform_(a=1,
// nonlinearity='sigmoid')); b = 0. Streams of Rng(seed): users 0, items 1, h 2.
// The WWW'23 GMF differs: no bias, N(0, 0.1^2) embeddings, and h with
// nn.Linear's default init (bound 1/sqrt(dim)).
//
// Scoring a span of candidates: the user's row scaled by h, w = h (.) p_u, is
// built once per call in a per-thread buffer, then s_k = <w, q_k> + b with
// simd::gather_dot; score(u, i) goes through the same path. The block scorer
// (GMFScorer) packs the items and a copy of the users scaled by h, then adds
// b: the same scores up to float rounding (different summation order).
//
// Backward of s_k with upstream d_k, t = sum_k d_k q_k:
//   dL/dp_u = h (.) t     dL/dq_k += d_k (h (.) p_u)     dL/dh = p_u (.) t
//   dL/db = sum_k d_k
#pragma once

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hardneg/core/aligned.hpp"
#include "hardneg/core/error.hpp"
#include "hardneg/core/gradient.hpp"
#include "hardneg/core/matrix.hpp"
#include "hardneg/core/prefetch.hpp"
#include "hardneg/core/random.hpp"
#include "hardneg/core/thread_pool.hpp"
#include "hardneg/core/types.hpp"
#include "hardneg/data/interactions.hpp"
#include "hardneg/eval/block_scorer.hpp"
#include "hardneg/eval/recommend.hpp"
#include "hardneg/models/detail/dense.hpp"
#include "hardneg/models/recommendation.hpp"
#include "hardneg/simd/block_dot.hpp"
#include "hardneg/simd/gather_dot.hpp"

namespace hardneg {

/// The BlockScorer of a GMF: a copy of the user table scaled by h and packed
/// items, plus the bias. Self-contained: it keeps the scores of the model as
/// it was when built.
class GMFScorer {
 public:
  GMFScorer(const RowMatrix& users, const RowMatrix& items, std::span<const real> h, real bias)
      : scaled_users_(users.rows(), users.dim()), panels_(items), bias_(bias) {
    detail::require(users.dim() == items.dim() && h.size() == users.dim(),
                    "GMFScorer: user, item and h sizes differ");
    for (std::size_t r = 0; r < users.rows(); ++r) {
      const real* p = users.row_ptr(r);
      real* w = scaled_users_.row_ptr(r);
      for (std::size_t c = 0; c < h.size(); ++c) w[c] = h[c] * p[c];
    }
  }

  index_t n_users() const noexcept { return static_cast<index_t>(scaled_users_.rows()); }
  index_t n_items() const noexcept { return static_cast<index_t>(panels_.n_items()); }

  /// out[r * ld + i] = <h (.) p_{users[r]}, q_i> + b.
  void score_block(std::span<const index_t> users, real* out, std::size_t ld) const {
    simd::score_block(scaled_users_, users, panels_, out, ld);
    const std::size_t n = panels_.n_items();
    for (std::size_t r = 0; r < users.size(); ++r)
      for (std::size_t i = 0; i < n; ++i) out[r * ld + i] += bias_;
  }

 private:
  RowMatrix scaled_users_;
  simd::ItemPanels panels_;
  real bias_;
};

static_assert(BlockScorer<GMFScorer>);

class GMF {
 public:
  using Init = detail::EmbeddingInit;

  struct Params {
    std::size_t dim = 32;     ///< predictive factors
    double init_std = 0.01;   ///< std of the normal embedding initialisation
    std::uint64_t seed = 1;   ///< initialisation seed
    bool bias = true;         ///< the output bias b (the WWW'23 GMF has none)
    Init init = Init::normal; ///< embedding initialisation: normal, xavier (uniform), xavier_normal
  };

  static constexpr std::string_view name() { return "gmf"; }
  static constexpr std::size_t user_table = 0;
  static constexpr std::size_t item_table = 1;
  static constexpr std::size_t h_table = 2;
  static constexpr std::size_t bias_table = 3;

  GMF(index_t n_users, index_t n_items) : GMF(n_users, n_items, Params{}) {}
  GMF(index_t n_users, index_t n_items, Params p) {
    detail::require(n_users >= 0 && n_items >= 0, "GMF: negative number of users or items");
    detail::require(p.dim > 0, "GMF: dim must be positive");
    detail::require(std::isfinite(p.init_std) && p.init_std >= 0,
                    "GMF: init_std must be finite and >= 0, got " + std::to_string(p.init_std));
    tables_.emplace_back(static_cast<std::size_t>(n_users), p.dim);
    tables_.emplace_back(static_cast<std::size_t>(n_items), p.dim);
    tables_.emplace_back(1, p.dim);
    if (p.bias) tables_.emplace_back(1, 1);  // b = 0
    detail::init_embeddings(tables_[user_table], p.init, p.init_std, p.seed, 0);
    detail::init_embeddings(tables_[item_table], p.init, p.init_std, p.seed, 1);
    Rng rng(p.seed, 2);
    detail::init_uniform(tables_[h_table], detail::kaiming_uniform_bound(p.dim, 1.0), rng);
  }

  /// The model of tables {users, items, h} or {users, items, h, b} (what
  /// io/model_file.hpp loads); the bias is on when b is there. Throws
  /// InvalidArgument when the shapes do not fit.
  static GMF from_tables(std::vector<RowMatrix> tables) {
    detail::require(tables.size() == 3 || tables.size() == 4,
                    "GMF: expected 3 or 4 tables (users, items, h[, b]), got " +
                        std::to_string(tables.size()));
    const std::size_t d = tables[user_table].dim();
    detail::require(d > 0, "GMF: dim must be positive");
    detail::require(tables[item_table].dim() == d,
                    "GMF: user and item tables have different dims (" + std::to_string(d) + " and " +
                        std::to_string(tables[item_table].dim()) + ")");
    detail::require(tables[h_table].rows() == 1 && tables[h_table].dim() == d,
                    "GMF: table 2 (h) must be 1 x " + std::to_string(d) + ", got " +
                        std::to_string(tables[h_table].rows()) + " x " + std::to_string(tables[h_table].dim()));
    if (tables.size() == 4)
      detail::require(tables[bias_table].rows() == 1 && tables[bias_table].dim() == 1,
                      "GMF: table 3 (b) must be 1 x 1");
    detail::require(tables[user_table].rows() <= static_cast<std::size_t>(max_id) &&
                        tables[item_table].rows() <= static_cast<std::size_t>(max_id),
                    "GMF: too many rows for 32-bit ids");
    GMF m;
    m.tables_ = std::move(tables);
    return m;
  }

  index_t n_users() const noexcept { return static_cast<index_t>(tables_[user_table].rows()); }
  index_t n_items() const noexcept { return static_cast<index_t>(tables_[item_table].rows()); }
  std::size_t dim() const noexcept { return tables_[user_table].dim(); }
  bool has_bias() const noexcept { return tables_.size() > bias_table; }
  /// The output bias b (0 without one).
  real bias() const noexcept { return has_bias() ? tables_[bias_table](0, 0) : real{0}; }
  /// The output weights h.
  std::span<const real> h() const noexcept { return tables_[h_table].row(0); }

  /// s(u, i) = <h, p_u (.) q_i> + b.
  real score(index_t u, index_t i) const noexcept {
    // A whole SIMD batch of room: GCC 12 warns (-Warray-bounds) about
    // gather_dot's full-batch store, which is dead code for one item.
    real s[simd::detail::width];
    score_items(u, std::span<const index_t>(&i, 1), std::span<real>(s, 1));
    return s[0];
  }

  void prefetch(index_t u, index_t i) const noexcept {
    detail::prefetch_row(tables_[user_table].row_ptr(static_cast<std::size_t>(u)), dim());
    detail::prefetch_row(tables_[item_table].row_ptr(static_cast<std::size_t>(i)), dim());
  }

  /// out[k] = s(u, items[k]); out.size() >= items.size(). No allocation
  /// (after a thread's first call), ids not checked.
  void score_items(index_t u, std::span<const index_t> items, std::span<real> out) const noexcept {
    assert(u >= 0 && u < n_users() && out.size() >= items.size());
    const real* w = scaled_user(u, detail::thread_scratch<GMF>(padded_size(dim())));
    simd::gather_dot(w, tables_[item_table], items, out);
    if (has_bias()) {
      const real b = bias();
      for (std::size_t k = 0; k < items.size(); ++k) out[k] += b;
    }
  }

  /// Adds d(loss)/d(parameters) of the scores s(u, items[k]) with upstream
  /// gradients d_scores[k] into `grad` (every table; see the header comment).
  void backward(index_t u, std::span<const index_t> items, std::span<const real> d_scores,
                GradientAccumulator& grad) const {
    assert(d_scores.size() >= items.size());
    const std::size_t d = dim();
    const std::size_t pd = padded_size(d);
    real* scratch = detail::thread_scratch<GMF>(2 * pd);
    const real* w = scaled_user(u, scratch);  // h (.) p_u
    real* t = scratch + pd;                   // sum_k d_k q_k
    std::fill_n(t, d, real{0});
    const RowMatrix& item_rows = tables_[item_table];
    real d_sum = 0;
    for (std::size_t k = 0; k < items.size(); ++k) {
      const real dk = d_scores[k];
      simd::axpy(dk, item_rows.row_ptr(static_cast<std::size_t>(items[k])), t, d);
      // Fetched per k: a repeated item accumulates into the same row.
      simd::axpy(dk, w, grad.row(item_table, items[k]), d);
      d_sum += dk;
    }
    const real* p = tables_[user_table].row_ptr(static_cast<std::size_t>(u));
    const real* hv = tables_[h_table].row_ptr(0);
    real* g_u = grad.row(user_table, u);
    for (std::size_t c = 0; c < d; ++c) g_u[c] += hv[c] * t[c];
    real* g_h = grad.row(h_table, 0);
    for (std::size_t c = 0; c < d; ++c) g_h[c] += p[c] * t[c];
    if (has_bias()) grad.row(bias_table, 0)[0] += d_sum;
  }

  std::span<RowMatrix> parameters() noexcept { return tables_; }
  std::span<const RowMatrix> parameters() const noexcept { return tables_; }

  RowMatrix& user_embeddings() noexcept { return tables_[user_table]; }
  const RowMatrix& user_embeddings() const noexcept { return tables_[user_table]; }
  RowMatrix& item_embeddings() noexcept { return tables_[item_table]; }
  const RowMatrix& item_embeddings() const noexcept { return tables_[item_table]; }

  /// Scores blocks of users against all items (evaluation); a snapshot of
  /// the model: build a new one after the model changes.
  GMFScorer block_scorer() const {
    return GMFScorer(tables_[user_table], tables_[item_table], h(), bias());
  }

  /// The k best items of `user` it has not seen (its row of `seen`), best first.
  std::vector<Recommendation> recommend(index_t user, std::size_t k, const Interactions& seen) const {
    return detail::recommend_list(block_scorer(), user, k, seen);
  }

  /// The k best unseen items of each of `users`, on `pool` when given.
  Recommendations recommend(std::span<const index_t> users, std::size_t k, const Interactions& seen,
                            ThreadPool* pool = nullptr) const {
    return recommend_top_k(block_scorer(), users, k, seen, pool);
  }

 private:
  GMF() = default;

  /// Writes h (.) p_u into `w` (padded_size(dim) floats, zero padded for
  /// gather_dot) and returns it.
  const real* scaled_user(index_t u, real* w) const noexcept {
    const std::size_t d = dim();
    const real* p = tables_[user_table].row_ptr(static_cast<std::size_t>(u));
    const real* hv = tables_[h_table].row_ptr(0);
    for (std::size_t c = 0; c < d; ++c) w[c] = hv[c] * p[c];
    std::fill(w + d, w + padded_size(d), real{0});
    return w;
  }

  std::vector<RowMatrix> tables_;
};

}  // namespace hardneg
