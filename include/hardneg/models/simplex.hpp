// SimpleX: a two-tower model whose user tower aggregates the user's history
// (Mao et al., "SimpleX: A Simple and Strong Baseline for Collaborative
// Filtering", CIKM 2021; reczoo/RecZoo matching/cf/SimpleX, spec/algorithms.md
// 5.5), scored by cosine similarity and trained with CCL in the paper.
//
//   user tower  x_u = g e_u + (1 - g) W_v agg(H_u)
//   item tower  q_i                     (the item embedding)
//   score       s(u, i) = < D x^_u, q^_i >,   y^ = y / max(|y|, eps), eps = 1e-12
//
// e_u: row u of the user table; H_u: the user's items in `history` (the
// Interactions given at construction, normally the train set), whose
// embeddings h_t are rows of a history table of their own
// (HistoryEmbedding::own, the reference's Gowalla configuration) or of the
// item table (HistoryEmbedding::shared, its share_embedding: user_history of
// the Yelp configuration); W_v: dim x dim, no bias; agg:
//   - Aggregation::mean            agg = (1/|H|) sum_t h_t
//   - Aggregation::user_attention  agg = sum_t a_t h_t,
//                                  a_t = e^{l_t} / (sum_s e^{l_s} + P),
//                                  l_t = <tanh(W_k h_t + b), e_u>
//     P = max(0, pad_length - |H_u|): the reference pads every history to
//     the longest one's length and its masked softmax counts each padding
//     slot as e^0 = 1 in the denominator; pad_length = 0 (P = 0) is the
//     plain softmax.
// An empty history gives agg = 0. D: dropout (rate `dropout`, RecBox's
// net_dropout) on the normalised user vector, in training mode only (between
// set_training(true) and set_training(false)), scaled by 1/(1 - p), the mask
// a pure function of (batch_seed from begin_batch, user, component) as in
// MF (models/mf.hpp).
//
// Tables (parameters(), in this order): 0 users e (n_users x dim), 1 items q
// (n_items x dim), 2 W_v (dim x dim; row r is output r), with user_attention
// 3 W_k (dim x dim) and 4 b (1 x dim), and last, with HistoryEmbedding::own,
// the history table h (n_items x dim; history_table() gives its index).
// Initialisation (the reference's): e, q, h ~ N(0, init_std^2) (RecBox:
// 1e-4), W_v and W_k xavier-normal N(0, 1/dim), b = 0; streams 0..3 of `seed`
// and stream 5 for h.
//
// Backward is exact through the whole tower (into e_u, W_v, W_k, b and every
// history item's row of the history table) and through both normalisations
// (d/dx of x/|x| is (I - x^ x^T)/|x|; under the guard |x| < eps, I/eps).
//
// Training rows leave their positive out of the history (leave_target_out,
// on by default), as the reference's data files do; evaluation uses the full
// history. The Trainer announces each row with begin_row(user, positive) on
// the thread that scores it; within the row's batch, scores and gradients of
// that user on that thread then use H_u without the positive.
//
// Cost: a tower is O(|H| dim + dim^2) and the attention keys tanh(W_k h_t +
// b) with their logits O(|H| dim^2) (one tiled product over the history,
// dense_rows, and a SIMD tanh); score_items/backward need the tower, and
// backward's gradients of W_k and the h_t are O(|H| dim^2) again (axpy_many
// keeps the output row in registers). On Gowalla's training rows the sum of
// |H| is 62.5 M per epoch, and these products weigh about as much as the
// 2000 negatives' cosines (perf, 2026-12-07). Each thread keeps its last
// towers and users' keys in thread_local scratch (no allocation per call
// once it has grown); within a training batch
// (between begin_batch and the next mutable access to the parameters, which
// the optimizer step is) the keys are computed once per thread and user (they
// do not depend on the row) and a tower once per thread, user and left-out
// item, else both are recomputed per call. The cached values are
// bit-identical to recomputed ones, so results do not depend on it.
// block_scorer() computes every user tower once.
//
// Differences from the reference code (RecZoo SimpleX.py with RecBox):
//   - the softmax is shifted by max(0, max_t l_t) and lacks the reference's
//     1e-9 in the denominator; the mean divides by |H| (reference: |H| +
//     1e-9); a history longer than pad_length is not truncated to its last
//     pad_length items (P is then 0);
//   - no attention dropout, no self_attention, no biases (enable_bias: False
//     in the configs).
//
// Model files: save_model stores the tables and file_metadata() ("simplex.g",
// "simplex.dropout", "simplex.aggregation", "simplex.history"; a file without
// the last is a shared-table model); the history is not stored, so
// load with load_simplex(path, history) (load_model<SimpleX> does not apply).
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <cassert>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hardneg/core/error.hpp"
#include "hardneg/core/gradient.hpp"
#include "hardneg/core/matrix.hpp"
#include "hardneg/core/random.hpp"
#include "hardneg/core/thread_pool.hpp"
#include "hardneg/core/types.hpp"
#include "hardneg/data/interactions.hpp"
#include "hardneg/eval/recommend.hpp"
#include "hardneg/io/model_file.hpp"
#include "hardneg/models/detail/dense.hpp"
#include "hardneg/models/mf.hpp"  // EmbeddingScorer and the cosine / dropout helpers
#include "hardneg/models/recommendation.hpp"
#include "hardneg/simd/gather_dot.hpp"

namespace hardneg {

namespace detail {
/// Tokens of SimpleX training batches (0: none); unique per process, so a
/// thread's cached tower never matches another batch or model.
inline std::atomic<std::uint64_t> simplex_batch_tokens{1};
}  // namespace detail

class SimpleX {
 public:
  enum class Aggregation { mean, user_attention };
  /// Where the history items' embeddings h_t live.
  enum class HistoryEmbedding { own, shared };

  struct Params {
    std::size_t dim = 64;                                  ///< embedding size
    double g = 0.8;                                        ///< weight of e_u in the user tower, in [0, 1]
    Aggregation aggregation = Aggregation::user_attention;  ///< history aggregation
    double dropout = 0.1;                                  ///< dropout on the user vector in training, in [0, 1)
    HistoryEmbedding history = HistoryEmbedding::own;      ///< own table, or the item table's rows
    bool leave_target_out = true;                          ///< training rows: H_u without the positive
    std::size_t pad_length = 0;                            ///< attention: padded history length (0: none)
    double init_std = 1e-4;                                ///< std of the embeddings' normal initialisation
    std::uint64_t seed = 1;                                ///< initialisation seed
  };

  static constexpr std::string_view name() { return "simplex"; }
  static constexpr std::size_t user_table = 0;
  static constexpr std::size_t item_table = 1;
  static constexpr std::size_t value_table = 2;     ///< W_v
  static constexpr std::size_t key_table = 3;       ///< W_k (user_attention)
  static constexpr std::size_t key_bias_table = 4;  ///< b (user_attention)

  /// A new model; `history` (users' items, normally the train set) has at
  /// most n_users users and n_items items and is copied.
  SimpleX(index_t n_users, index_t n_items, const Interactions& history)
      : SimpleX(n_users, n_items, history, Params{}) {}
  SimpleX(index_t n_users, index_t n_items, const Interactions& history, Params p) {
    detail::require(n_users >= 0 && n_items >= 0, "SimpleX: negative number of users or items");
    detail::require(p.dim > 0, "SimpleX: dim must be positive");
    detail::require(std::isfinite(p.init_std) && p.init_std >= 0,
                    "SimpleX: init_std must be finite and >= 0, got " + std::to_string(p.init_std));
    set_options(p.g, p.dropout, p.aggregation, p.history);
    leave_target_out_ = p.leave_target_out;
    pad_length_ = p.pad_length;
    set_history(history, n_users, n_items);
    tables_.emplace_back(static_cast<std::size_t>(n_users), p.dim);
    tables_.emplace_back(static_cast<std::size_t>(n_items), p.dim);
    tables_.emplace_back(p.dim, p.dim);
    if (attention()) {
      tables_.emplace_back(p.dim, p.dim);
      tables_.emplace_back(1, p.dim);  // b = 0
    }
    if (p.history == HistoryEmbedding::own) tables_.emplace_back(static_cast<std::size_t>(n_items), p.dim);
    const double xavier_std = std::sqrt(2.0 / static_cast<double>(2 * p.dim));
    const auto fill = [&](std::size_t t, std::uint64_t stream, double sd) {
      Rng rng(p.seed, stream);
      RowMatrix& m = tables_[t];
      for (std::size_t r = 0; r < m.rows(); ++r)
        for (real& x : m.row(r)) x = static_cast<real>(sd * rng.normal());
    };
    fill(user_table, 0, p.init_std);
    fill(item_table, 1, p.init_std);
    fill(value_table, 2, xavier_std);
    if (attention()) fill(key_table, 3, xavier_std);
    if (p.history == HistoryEmbedding::own) fill(history_table(), 5, p.init_std);
  }

  /// The model of saved tables, the settings file_metadata() recorded (keys
  /// without the "simplex." prefix are ignored) and the history. Throws
  /// InvalidArgument on a wrong table count or shape, a missing, unknown or
  /// invalid setting, or a history larger than the tables.
  static SimpleX from_tables(std::vector<RowMatrix> tables, const std::map<std::string, std::string>& metadata,
                             const Interactions& history) {
    const auto history_key = metadata.find("simplex.history");
    const HistoryEmbedding history_embedding =
        history_key == metadata.end() ? HistoryEmbedding::shared : parse_history_embedding(history_key->second);
    const std::size_t own = history_embedding == HistoryEmbedding::own ? 1 : 0;
    detail::require(tables.size() == 3 + own || tables.size() == 5 + own,
                    std::string("SimpleX: expected ") + std::to_string(3 + own) + " tables (users, items, W_v" +
                        (own ? ", h" : "") + ") or " + std::to_string(5 + own) + " (+ W_k, b), got " +
                        std::to_string(tables.size()));
    const std::size_t d = tables[0].dim();
    detail::require(d > 0, "SimpleX: dim must be positive");
    const auto shape_is = [&](std::size_t t, std::size_t rows, const char* what) {
      detail::require(tables[t].dim() == d && (rows == 0 || tables[t].rows() == rows),
                      std::string("SimpleX: table ") + std::to_string(t) + " (" + what + ") is " +
                          std::to_string(tables[t].rows()) + " x " + std::to_string(tables[t].dim()) +
                          ", expected " + (rows == 0 ? std::string("n") : std::to_string(rows)) + " x " +
                          std::to_string(d));
    };
    shape_is(1, 0, "items");
    shape_is(2, d, "W_v");
    const bool attends = tables.size() - own == 5;
    if (attends) {
      shape_is(3, d, "W_k");
      shape_is(4, 1, "b");
    }
    if (own) shape_is(tables.size() - 1, tables[1].rows(), "h");
    detail::require(tables[0].rows() <= static_cast<std::size_t>(max_id) &&
                        tables[1].rows() <= static_cast<std::size_t>(max_id),
                    "SimpleX: too many rows for 32-bit ids");
    double g = -1, dropout = 0;
    std::size_t pad_length = 0;
    Aggregation agg = attends ? Aggregation::user_attention : Aggregation::mean;
    for (const auto& [key, value] : metadata) {
      if (!key.starts_with("simplex.")) continue;
      if (key == "simplex.g") {
        g = detail::model_setting_number(key, value);
      } else if (key == "simplex.dropout") {
        dropout = detail::model_setting_number(key, value);
      } else if (key == "simplex.aggregation") {
        const Aggregation named = parse_aggregation(value);
        detail::require(named == agg, "SimpleX: the model file says aggregation '" + value + "' but holds " +
                                          std::to_string(tables.size()) + " tables");
      } else if (key == "simplex.pad_length") {
        const double pad = detail::model_setting_number(key, value);
        detail::require(pad >= 0 && pad == std::floor(pad) && pad <= double(max_id),
                        "SimpleX: simplex.pad_length must be a count, got '" + value + "'");
        pad_length = static_cast<std::size_t>(pad);
      } else if (key != "simplex.history") {  // read above
        throw InvalidArgument("SimpleX: unknown model setting '" + key +
                              "' (known: simplex.g, simplex.dropout, simplex.aggregation, simplex.history, "
                              "simplex.pad_length)");
      }
    }
    detail::require(g >= 0, "SimpleX: the model settings lack simplex.g (or it is negative)");
    SimpleX m;
    m.set_options(g, dropout, agg, history_embedding);
    m.pad_length_ = pad_length;
    m.set_history(history, static_cast<index_t>(tables[0].rows()), static_cast<index_t>(tables[1].rows()));
    m.tables_ = std::move(tables);
    return m;
  }

  /// The settings a model file must keep (see from_tables).
  std::map<std::string, std::string> file_metadata() const {
    return {{"simplex.aggregation", std::string(aggregation_name(aggregation_))},
            {"simplex.dropout", detail::model_setting_text(dropout_)},
            {"simplex.g", detail::model_setting_text(g_)},
            {"simplex.history", std::string(history_embedding_name(history_embedding_))},
            {"simplex.pad_length", std::to_string(pad_length_)}};
  }

  static constexpr std::string_view aggregation_name(Aggregation a) noexcept {
    return a == Aggregation::mean ? "mean" : "user_attention";
  }
  static Aggregation parse_aggregation(std::string_view s) {
    if (s == "mean") return Aggregation::mean;
    if (s == "user_attention") return Aggregation::user_attention;
    throw InvalidArgument("SimpleX: unknown aggregation '" + std::string(s) + "' (known: mean, user_attention)");
  }
  static constexpr std::string_view history_embedding_name(HistoryEmbedding h) noexcept {
    return h == HistoryEmbedding::own ? "own" : "shared";
  }
  static HistoryEmbedding parse_history_embedding(std::string_view s) {
    if (s == "own") return HistoryEmbedding::own;
    if (s == "shared") return HistoryEmbedding::shared;
    throw InvalidArgument("SimpleX: unknown history embedding '" + std::string(s) + "' (known: own, shared)");
  }

  index_t n_users() const noexcept { return static_cast<index_t>(tables_[user_table].rows()); }
  index_t n_items() const noexcept { return static_cast<index_t>(tables_[item_table].rows()); }
  std::size_t dim() const noexcept { return tables_[user_table].dim(); }
  double g() const noexcept { return g_; }
  double dropout() const noexcept { return dropout_; }
  Aggregation aggregation() const noexcept { return aggregation_; }
  HistoryEmbedding history_embedding() const noexcept { return history_embedding_; }
  bool leave_target_out() const noexcept { return leave_target_out_; }
  std::size_t pad_length() const noexcept { return pad_length_; }
  /// Whether training rows leave their positive out of the history (a
  /// training setting, not stored in model files).
  void set_leave_target_out(bool on) noexcept { leave_target_out_ = on; }
  /// The table holding the history items' embeddings: the last one (own) or
  /// item_table (shared).
  std::size_t history_table() const noexcept {
    return history_embedding_ == HistoryEmbedding::own ? tables_.size() - 1 : item_table;
  }
  bool training() const noexcept { return training_; }
  const Interactions& history() const noexcept { return history_; }

  /// Training mode: dropout applies (Trainer::fit turns it on and off).
  void set_training(bool on) noexcept {
    training_ = on;
    token_ = 0;
  }
  /// Seeds the dropout mask of the coming batch and lets each thread reuse
  /// the user towers it computes until the parameters are next accessed
  /// mutably (Trainer calls it per batch; the optimizer step ends it).
  void begin_batch(std::uint64_t batch_seed, ThreadPool&) noexcept { begin_batch(batch_seed); }
  void begin_batch(std::uint64_t batch_seed) noexcept {
    batch_seed_ = batch_seed;
    token_ = detail::simplex_batch_tokens.fetch_add(1, std::memory_order_relaxed);
  }

  /// The training row (user, positive) this thread scores and back-propagates
  /// next: until the batch ends, the towers of `user` on this thread leave
  /// `positive` out of the history (with leave_target_out; the Trainer calls
  /// it before each row's calls).
  void begin_row(index_t user, index_t positive) const noexcept {
    announced_row() = Row{user, positive, token_};
  }

  real score(index_t u, index_t i) const noexcept {
    real s;
    score_items(u, std::span<const index_t>(&i, 1), std::span<real>(&s, 1));
    return s;
  }

  /// out[k] = s(u, items[k]); out.size() >= items.size(). No allocation
  /// once the thread's scratch has grown; ids are not checked.
  void score_items(index_t u, std::span<const index_t> items, std::span<real> out) const noexcept {
    assert(u >= 0 && u < n_users());
    const Tower& t = tower(u);
    detail::cosine_scores(t.rows.row(v_row), tables_[item_table], items, out);
  }

  /// Adds d(loss)/d(parameters) of the scores s(u, items[k]) with upstream
  /// gradients d_scores[k] into `grad`: the items' rows, and through the
  /// user tower e_u, W_v, W_k, b and the history items' rows.
  void backward(index_t u, std::span<const index_t> items, std::span<const real> d_scores,
                GradientAccumulator& grad) const {
    assert(d_scores.size() >= items.size());
    const std::size_t d = dim();
    const Tower& t = tower(u);
    BackScratch& b = back_scratch();
    b.rows.rows(back_rows, d);
    real* gv = b.rows.row(gv_row);
    std::fill_n(gv, d, real(0));
    detail::cosine_scores_backward(t.rows.row(v_row), tables_[item_table], items, d_scores, gv, grad,
                                   item_table);
    // Back through the dropout scaling and the normalisation: gx = dL/dx.
    if (dropout_active()) {
      const real* scale = t.rows.row(scale_row);
      for (std::size_t c = 0; c < d; ++c) gv[c] *= scale[c];
    }
    real* gx = b.rows.row(gx_row);
    std::fill_n(gx, d, real(0));
    detail::normalize_backward(t.rows.row(xhat_row), t.norm, t.guarded, gv, gx, d);
    // ge: dL/de_u, starting with the direct term g * gx.
    real* ge = b.rows.row(ge_row);
    const real g = static_cast<real>(g_);
    for (std::size_t c = 0; c < d; ++c) ge[c] = g * gx[c];
    if (t.aggregates) backward_aggregation(u, t, b, gx, ge, grad);
    simd::axpy(real(1), ge, grad.row(user_table, u), d);
  }

  std::span<RowMatrix> parameters() noexcept {
    token_ = 0;  // the caller may change the parameters: cached towers are stale
    return tables_;
  }
  std::span<const RowMatrix> parameters() const noexcept { return tables_; }

  /// e (the users' id embeddings, not their towers) and q.
  RowMatrix& user_embeddings() noexcept {
    token_ = 0;
    return tables_[user_table];
  }
  const RowMatrix& user_embeddings() const noexcept { return tables_[user_table]; }
  RowMatrix& item_embeddings() noexcept {
    token_ = 0;
    return tables_[item_table];
  }
  const RowMatrix& item_embeddings() const noexcept { return tables_[item_table]; }

  /// The normalised user tower x^_u (no dropout), dim values.
  std::vector<real> user_tower(index_t u) const {
    Tower t;
    compute_tower(u, t, /*with_dropout=*/false);
    const real* x = t.rows.row(xhat_row);
    return std::vector<real>(x, x + dim());
  }

  /// Scores blocks of users against all items (evaluation; no dropout): a
  /// DotScorer on every user's normalised tower, computed here once (on
  /// `pool` when given), and the normalised item table.
  EmbeddingScorer block_scorer(ThreadPool* pool = nullptr) const {
    const std::size_t n = static_cast<std::size_t>(n_users());
    RowMatrix towers(n, dim());
    constexpr std::size_t users_per_task = 256;
    const std::size_t tasks = (n + users_per_task - 1) / users_per_task;
    const auto run = [&](std::size_t task, std::size_t) {
      Tower t;
      for (std::size_t u = task * users_per_task; u < std::min(n, (task + 1) * users_per_task); ++u) {
        compute_tower(static_cast<index_t>(u), t, false);
        std::copy_n(t.rows.row(xhat_row), dim(), towers.row_ptr(u));
      }
    };
    if (pool)
      pool->run(tasks, run);
    else
      for (std::size_t task = 0; task < tasks; ++task) run(task, 0);
    return EmbeddingScorer::owning(std::move(towers), detail::normalized_rows(tables_[item_table]));
  }

  /// The k best items of `user` it has not seen (its row of `seen`).
  std::vector<Recommendation> recommend(index_t user, std::size_t k, const Interactions& seen) const {
    return detail::recommend_list(block_scorer(), user, k, seen);
  }
  /// The k best unseen items of each of `users`, on `pool` when given.
  Recommendations recommend(std::span<const index_t> users, std::size_t k, const Interactions& seen,
                            ThreadPool* pool = nullptr) const {
    return recommend_top_k(block_scorer(pool), users, k, seen, pool);
  }

 private:
  SimpleX() = default;

  // Rows of a Tower's scratch.
  static constexpr std::size_t agg_row = 0;    // agg(H)
  static constexpr std::size_t x_row = 1;      // x = g e + (1 - g) W_v agg
  static constexpr std::size_t xhat_row = 2;   // x / |x|
  static constexpr std::size_t v_row = 3;      // D x^
  static constexpr std::size_t scale_row = 4;  // dropout scaling
  static constexpr std::size_t tower_rows = 5;
  // Rows of the backward scratch.
  static constexpr std::size_t gv_row = 0, gx_row = 1, ge_row = 2, ga_row = 3, gh_row = 4;
  static constexpr std::size_t back_rows = 5;

  /// One user's tower (for one training row: without its positive) and
  /// what backward needs of it.
  struct Tower {
    detail::ScratchRows rows;  // tower_rows rows
    std::vector<real> alpha;   // attention weights (0 at `skip`)
    real norm = 1;             // max(|x|, eps)
    bool guarded = false;      // |x| < eps
    bool aggregates = false;   // g < 1 and a history left
    std::size_t skip = none;   // position in H_u of the left-out item, or none
    index_t user = -1;
    index_t left_out = -1;    // the item left out of the history (-1: none)
    std::uint64_t token = 0;  // the batch it was computed in (0: none)
  };
  static constexpr std::size_t none = static_cast<std::size_t>(-1);
  /// A user's attention keys k_t = tanh(W_k h_t + b) and logits <k_t, e_u>
  /// over the full history.
  struct Keys {
    detail::ScratchRows rows;  // one row per history item
    std::vector<real> logits;
    std::vector<const real*> inputs;  // the history rows h_t
    index_t user = -1;
    std::uint64_t token = 0;
  };
  /// The row begin_row announced on this thread.
  struct Row {
    index_t user = -1, positive = -1;
    std::uint64_t token = 0;
  };
  struct BackScratch {
    detail::ScratchRows rows;  // back_rows rows
    detail::ScratchRows gpre;  // attention: dL/d(W_k h_t + b), one row per history item
    std::vector<real> galpha;  // dL/d alpha_t
    std::vector<const real*> wk_rows;  // the rows of W_k
  };
  // At least Trainer::sample_ahead + 1 rows' towers and users' keys, so that
  // a row's tower and keys survive from its sampling to its gradient step.
  static constexpr std::size_t cached_towers = 16;
  static constexpr std::size_t cached_keys = cached_towers;
  struct KeysCache {
    std::array<Keys, cached_keys> keys;
    std::size_t next = 0;
  };
  struct TowerCache {
    std::array<Tower, cached_towers> towers;
    std::size_t next = 0;
  };

  bool attention() const noexcept { return aggregation_ == Aggregation::user_attention; }
  bool dropout_active() const noexcept { return training_ && dropout_ > 0; }

  void set_options(double g, double dropout, Aggregation agg, HistoryEmbedding history) {
    detail::require(std::isfinite(g) && g >= 0 && g <= 1, "SimpleX: g must be in [0, 1], got " + std::to_string(g));
    detail::require(std::isfinite(dropout) && dropout >= 0 && dropout < 1,
                    "SimpleX: dropout must be in [0, 1), got " + std::to_string(dropout));
    g_ = g;
    dropout_ = dropout;
    aggregation_ = agg;
    history_embedding_ = history;
  }
  void set_history(const Interactions& history, index_t n_users, index_t n_items) {
    detail::require(history.n_users() <= n_users && history.n_items() <= n_items,
                    "SimpleX: the history has " + std::to_string(history.n_users()) + " users x " +
                        std::to_string(history.n_items()) + " items, the model " + std::to_string(n_users) +
                        " x " + std::to_string(n_items));
    history_ = history.n_users() == n_users && history.n_items() == n_items ? history
                                                                               : history.resized(n_users, n_items);
  }

  static Row& announced_row() noexcept {
    thread_local Row row;
    return row;
  }

  static BackScratch& back_scratch() {
    thread_local BackScratch scratch;
    return scratch;
  }

  /// The tower of user u for this call: a cached one of the current batch,
  /// else computed into the thread's next cache slot.
  const Tower& tower(index_t u) const {
    thread_local TowerCache cache;
    const Row& row = announced_row();
    const index_t left_out =
        leave_target_out_ && token_ != 0 && row.token == token_ && row.user == u ? row.positive : -1;
    if (token_ != 0)
      for (const Tower& t : cache.towers)
        if (t.token == token_ && t.user == u && t.left_out == left_out) return t;
    Tower& t = cache.towers[cache.next];
    cache.next = (cache.next + 1) % cached_towers;
    compute_tower(u, t, dropout_active(), left_out);
    t.user = u;
    t.left_out = left_out;
    t.token = token_;
    return t;
  }

  /// User u's attention keys and logits: cached ones of the current batch,
  /// else computed into the thread's next slot (valid until the next call).
  const Keys& keys_of(index_t u) const {
    thread_local KeysCache cache;
    if (token_ != 0)
      for (const Keys& k : cache.keys)
        if (k.token == token_ && k.user == u) return k;
    Keys& k = cache.keys[cache.next];
    cache.next = (cache.next + 1) % cached_keys;
    const std::size_t d = dim();
    const auto hist = history_.items_of(u);
    const RowMatrix& items = tables_[history_table()];
    const RowMatrix& wk = tables_[key_table];
    const real* bias = tables_[key_bias_table].row_ptr(0);
    const real* e = tables_[user_table].row_ptr(static_cast<std::size_t>(u));
    const std::size_t n = hist.size();
    k.rows.rows(n, d);
    k.logits.resize(n);
    // All the pre-activations W_k h_t in one tiled product, then + b, tanh.
    k.inputs.resize(n);
    for (std::size_t s = 0; s < n; ++s) k.inputs[s] = items.row_ptr(static_cast<std::size_t>(hist[s]));
    if (n > 0) detail::dense_rows(wk, 0, d, k.inputs.data(), n, k.rows.row(0), k.rows.stride());
    for (std::size_t s = 0; s < n; ++s) {
      real* key = k.rows.row(s);
      for (std::size_t r = 0; r < d; ++r) key[r] += bias[r];
      detail::activate(detail::Activation::tanh, key, d);
      k.logits[s] = simd::dot(key, e, d);
    }
    k.user = u;
    k.token = token_;
    return k;
  }

  /// Forward pass of user u's tower into t, with `left_out` (if in H_u)
  /// left out of the history.
  void compute_tower(index_t u, Tower& t, bool with_dropout, index_t left_out = -1) const {
    const std::size_t d = dim();
    t.rows.rows(tower_rows, d);
    const real* e = tables_[user_table].row_ptr(static_cast<std::size_t>(u));
    const auto hist = history_.items_of(u);
    const RowMatrix& items = tables_[history_table()];
    const auto at = std::lower_bound(hist.begin(), hist.end(), left_out);  // rows are sorted
    t.skip = left_out >= 0 && at != hist.end() && *at == left_out ? static_cast<std::size_t>(at - hist.begin()) : none;
    const std::size_t kept = hist.size() - (t.skip == none ? 0 : 1);
    real* x = t.rows.row(x_row);
    const real g = static_cast<real>(g_);
    for (std::size_t c = 0; c < d; ++c) x[c] = g * e[c];
    t.aggregates = g_ < 1 && kept > 0;
    if (t.aggregates) {
      real* agg = t.rows.row(agg_row);
      std::fill_n(agg, d, real(0));
      if (attention()) {
        // Softmax of the logits <k_t, e_u> over the kept items and P padding
        // slots of logit 0, shifted by the max.
        const Keys& keys = keys_of(u);
        t.alpha.assign(hist.size(), real(0));
        const std::size_t padding = pad_length_ > kept ? pad_length_ - kept : 0;
        real top = padding > 0 ? real(0) : -std::numeric_limits<real>::infinity();
        for (std::size_t s = 0; s < hist.size(); ++s)
          if (s != t.skip) top = std::max(top, keys.logits[s]);
        double z = static_cast<double>(padding) * std::exp(static_cast<double>(-top));
        for (std::size_t s = 0; s < hist.size(); ++s)
          if (s != t.skip) {
            t.alpha[s] = std::exp(keys.logits[s] - top);
            z += t.alpha[s];
          }
        for (std::size_t s = 0; s < hist.size(); ++s)
          if (s != t.skip) {
            t.alpha[s] = static_cast<real>(t.alpha[s] / z);
            simd::axpy(t.alpha[s], items.row_ptr(static_cast<std::size_t>(hist[s])), agg, d);
          }
      } else {
        for (std::size_t s = 0; s < hist.size(); ++s)
          if (s != t.skip) simd::axpy(real(1), items.row_ptr(static_cast<std::size_t>(hist[s])), agg, d);
        const real inv = real(1) / static_cast<real>(kept);
        for (std::size_t c = 0; c < d; ++c) agg[c] *= inv;
      }
      // x += (1 - g) W_v agg
      const RowMatrix& wv = tables_[value_table];
      const real rest = static_cast<real>(1 - g_);
      for (std::size_t r = 0; r < d; ++r) x[r] += rest * simd::dot(wv.row_ptr(r), agg, d);
    }
    const real len = detail::l2_norm(x, d);
    t.guarded = len < detail::norm_epsilon;
    t.norm = std::max(len, detail::norm_epsilon);
    real* xhat = t.rows.row(xhat_row);
    real* v = t.rows.row(v_row);
    for (std::size_t c = 0; c < d; ++c) xhat[c] = v[c] = x[c] / t.norm;
    if (with_dropout) {
      real* scale = t.rows.row(scale_row);
      detail::dropout_scale(batch_seed_, u, dropout_, d, scale);
      for (std::size_t c = 0; c < d; ++c) v[c] *= scale[c];
    }
  }

  /// Backward through x += (1 - g) W_v agg(H_u) given gx = dL/dx: adds into
  /// ge (dL/de_u, attention only) and the rows of W_v, W_k, b and the
  /// history items.
  void backward_aggregation(index_t u, const Tower& t, BackScratch& b, const real* gx, real* ge,
                            GradientAccumulator& grad) const {
    const std::size_t d = dim();
    const auto hist = history_.items_of(u);
    const std::size_t h_table = history_table();
    const RowMatrix& items = tables_[h_table];
    const RowMatrix& wv = tables_[value_table];
    const real* agg = t.rows.row(agg_row);
    const real rest = static_cast<real>(1 - g_);
    // dL/dW_v[r] += (1 - g) gx[r] agg;  ga = dL/dagg = (1 - g) W_v^T gx.
    real* ga = b.rows.row(ga_row);
    std::fill_n(ga, d, real(0));
    for (std::size_t r = 0; r < d; ++r) {
      const real gz = rest * gx[r];
      simd::axpy(gz, agg, grad.row(value_table, static_cast<index_t>(r)), d);
      simd::axpy(gz, wv.row_ptr(r), ga, d);
    }
    if (!attention()) {
      const real inv = real(1) / static_cast<real>(hist.size() - (t.skip == none ? 0 : 1));
      for (std::size_t s = 0; s < hist.size(); ++s)
        if (s != t.skip) simd::axpy(inv, ga, grad.row(h_table, hist[s]), d);
      return;
    }
    // agg = sum_t alpha_t h_t: dL/dh_t += alpha_t ga, dL/dalpha_t = <h_t, ga>.
    // Softmax: dL/dlogit_t = alpha_t (dL/dalpha_t - sum_s alpha_s dL/dalpha_s)
    // (padding slots included: they only add to the denominator).
    // logit_t = <k_t, e>: dL/de += dlogit_t k_t, dL/dk_t = dlogit_t e.
    // k_t = tanh(pre_t): dL/dpre_t = dL/dk_t (1 - k_t^2); pre_t = W_k h_t + b.
    // The left-out item (alpha 0) gets no gradient and its row is not touched.
    const Keys& keys = keys_of(u);
    const std::size_t n = hist.size();
    b.galpha.resize(n);
    double mean = 0;
    for (std::size_t s = 0; s < n; ++s) {
      b.galpha[s] = simd::dot(items.row_ptr(static_cast<std::size_t>(hist[s])), ga, d);
      mean += double(t.alpha[s]) * double(b.galpha[s]);
    }
    const real* e = tables_[user_table].row_ptr(static_cast<std::size_t>(u));
    b.gpre.rows(n, d);
    for (std::size_t s = 0; s < n; ++s) {
      const real dlogit = t.alpha[s] * (b.galpha[s] - static_cast<real>(mean));
      const real* k = keys.rows.row(s);
      simd::axpy(dlogit, k, ge, d);
      real* gp = b.gpre.row(s);
      for (std::size_t c = 0; c < d; ++c) gp[c] = dlogit * e[c] * (real(1) - k[c] * k[c]);
    }
    // dL/dW_k[r] += sum_t gpre_t[r] h_t (column r of gpre times the keys'
    // inputs h_t);  dL/db += sum_t gpre_t.
    for (std::size_t r = 0; r < d; ++r)
      simd::axpy_many(b.gpre.row(0) + r, b.gpre.stride(), keys.inputs.data(), n,
                      grad.row(key_table, static_cast<index_t>(r)), d);
    real* gb = grad.row(key_bias_table, 0);
    for (std::size_t s = 0; s < n; ++s) simd::axpy(real(1), b.gpre.row(s), gb, d);
    // dL/dh_t += alpha_t ga + W_k^T gpre_t.
    const RowMatrix& wk = tables_[key_table];
    b.wk_rows.resize(d);
    for (std::size_t r = 0; r < d; ++r) b.wk_rows[r] = wk.row_ptr(r);
    real* gh = b.rows.row(gh_row);
    for (std::size_t s = 0; s < n; ++s) {
      if (s == t.skip) continue;
      for (std::size_t c = 0; c < d; ++c) gh[c] = t.alpha[s] * ga[c];
      simd::axpy_many(b.gpre.row(s), 1, b.wk_rows.data(), d, gh, d);
      simd::axpy(real(1), gh, grad.row(h_table, hist[s]), d);
    }
  }

  std::vector<RowMatrix> tables_;
  Interactions history_;
  double g_ = 0.8;
  double dropout_ = 0;
  Aggregation aggregation_ = Aggregation::user_attention;
  HistoryEmbedding history_embedding_ = HistoryEmbedding::own;
  bool leave_target_out_ = true;
  std::size_t pad_length_ = 0;
  bool training_ = false;
  std::uint64_t batch_seed_ = 0;
  std::uint64_t token_ = 0;  // this batch's token while towers may be reused, else 0
};

/// Loads a SimpleX model saved with save_model: checks the name, restores the
/// settings and takes `history` (the train set it was trained with). Throws
/// IoError naming the file. Copies the file's metadata to *metadata when given.
inline SimpleX load_simplex(const std::filesystem::path& path, const Interactions& history,
                            Metadata* metadata = nullptr) {
  ModelFile file = load_model_file(path);
  if (file.name != SimpleX::name())
    throw IoError("model file " + detail::quoted(path) + ": holds a '" + file.name + "' model, expected '" +
                  std::string(SimpleX::name()) + "'");
  if (metadata) *metadata = file.metadata;
  try {
    return SimpleX::from_tables(std::move(file.tables), file.metadata, history);
  } catch (const InvalidArgument& e) {
    throw IoError("model file " + detail::quoted(path) + ": " + e.what());
  }
}

}  // namespace hardneg
