// MF: matrix factorisation, the embedding-dot model of implicit-feedback
// recommendation (Koren et al. 2009; the MF of the WWW'23 hard-negative
// code, spec/algorithms.md 5.1).
//
//   s(u, i) = <p_u, q_i>          p_u: row u of the user table (table 0)
//                                 q_i: row i of the item table (table 1)
//
// No biases. Params::init picks the initialisation, drawn from hardneg::Rng
// (the user table from stream 0 of `seed`, the item table from stream 1, so
// the same seed gives the same model everywhere):
//   - Init::normal: N(0, init_std^2) (WWW'23: std 0.1, dim 32; RecBox: 1e-4);
//   - Init::xavier: U(-b, b), b = sqrt(6 / (rows + dim)) per table: torch's
//     xavier_uniform_ on an embedding weight, as BSL's mf_frame does.
//
// Backward of the scores s_k = <p_u, q_{i_k}> with upstream d_k = dL/ds_k:
//   dL/dp_u     = sum_k d_k q_{i_k}
//   dL/dq_{i_k} += d_k p_u      (an item listed twice gets both terms)
//
// Two options of the cosine-contrastive papers (RecBox MF with
// similarity_score: cosine and embedding_dropout; BSL's mf_frame):
//   - cosine: both vectors are L2-normalised, x^ = x / max(|x|, eps) with
//     eps = 1e-12 (as torch's F.normalize), so s(u, i) = cos(p_u, q_i);
//   - user_dropout p: in training mode only (between set_training(true) and
//     set_training(false), which Trainer::fit calls) the user vector (after
//     the normalisation) is multiplied by m_c / (1 - p), m_c in {0, 1}. The
//     mask is a pure function of (batch_seed given to begin_batch, user,
//     component c): score_items and backward of one batch use the same mask
//     on every thread, so training stays deterministic.
// With v = D p^_u (D the dropout scaling, or I) and s_k = <v, q^_k>:
//   dL/dv        = sum_k d_k q^_k
//   dL/dp_u      = (I - p^ p^T) D dL/dv / |p_u|
//   dL/dq_{i_k} += d_k (v - s_k q^_k) / |q_k|
// (d/dx of x/|x| is (I - x^ x^T)/|x|; where |x| < eps the function is x/eps
// and its Jacobian I/eps.) With both options off, score_items and backward
// take the plain path above (one branch per call), bit-identical to MF
// without the options.
//
// Scoring a span of candidates is simd::gather_dot; score(u, i) goes through
// the same kernel, so score(u, i) and score_items(u, {i}) are bit-identical.
// Evaluation and recommendation use block_scorer(), an EmbeddingScorer: a
// DotScorer on the tables (cosine: on row-normalised copies; no dropout).
//
// Model files: the options are not visible in the tables, so file_metadata()
// records them ("mf.cosine", "mf.user_dropout"; nothing for a plain MF) and
// from_tables(tables, metadata) restores them (io/model_file.hpp calls both).
#pragma once

#include <algorithm>
#include <array>
#include <cassert>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
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
#include "hardneg/eval/dot_scorer.hpp"
#include "hardneg/eval/recommend.hpp"
#include "hardneg/models/recommendation.hpp"
#include "hardneg/simd/gather_dot.hpp"

namespace hardneg {

/// The BlockScorer of a model whose evaluation scores are dot products of a
/// user table and an item table: a DotScorer that either refers to the
/// model's user table or owns a derived one (normalised rows, SimpleX's user
/// towers). Copies share the owned table.
class EmbeddingScorer {
 public:
  /// Scores <users[u], items[i]>; `users` must outlive the scorer.
  static EmbeddingScorer referencing(const RowMatrix& users, const RowMatrix& items) {
    return EmbeddingScorer(nullptr, users, items);
  }
  /// Scores <users[u], items[i]> with `users` owned by the scorer.
  static EmbeddingScorer owning(RowMatrix users, const RowMatrix& items) {
    auto owned = std::make_shared<const RowMatrix>(std::move(users));
    const RowMatrix& ref = *owned;
    return EmbeddingScorer(std::move(owned), ref, items);
  }

  index_t n_users() const noexcept { return dot_.n_users(); }
  index_t n_items() const noexcept { return dot_.n_items(); }
  std::size_t dim() const noexcept { return dot_.dim(); }

  /// out[r * ld + i] = <u_{users[r]}, v_i>.
  void score_block(std::span<const index_t> users, real* out, std::size_t ld) const {
    dot_.score_block(users, out, ld);
  }

 private:
  EmbeddingScorer(std::shared_ptr<const RowMatrix> owned, const RowMatrix& users, const RowMatrix& items)
      : owned_(std::move(owned)), dot_(users, items) {}

  std::shared_ptr<const RowMatrix> owned_;  // null when referencing
  DotScorer dot_;
};

static_assert(BlockScorer<EmbeddingScorer>);

namespace detail {

/// The guard of every L2 normalisation: x / max(|x|, eps) (torch's
/// F.normalize uses the same 1e-12).
inline constexpr real norm_epsilon = 1e-12f;

/// |x| over n values; x is zero padded to the SIMD width (a RowMatrix row or
/// a padded scratch row).
inline real l2_norm(const real* x, std::size_t n) noexcept { return std::sqrt(simd::dot(x, x, n)); }

/// max(|x|, eps).
inline real guarded_norm(const real* x, std::size_t n) noexcept {
  return std::max(l2_norm(x, n), norm_epsilon);
}

/// A copy of `m` with every row divided by its guarded norm.
inline RowMatrix normalized_rows(const RowMatrix& m) {
  RowMatrix out(m.rows(), m.dim());
  for (std::size_t r = 0; r < m.rows(); ++r) {
    const real inv = real(1) / guarded_norm(m.row_ptr(r), m.dim());
    const real* x = m.row_ptr(r);
    real* y = out.row_ptr(r);
    for (std::size_t c = 0; c < m.dim(); ++c) y[c] = x[c] * inv;
  }
  return out;
}

/// The dropout scaling of user u's vector in the batch seeded `seed`:
/// scale[c] = 1/(1-p) when component c is kept (probability 1 - p), else 0.
/// A pure function of (seed, user, c): every call and thread sees the same
/// mask. The uniform of component c is output c + 1 of a SplitMix64 stream
/// started at a hash of (seed, user).
inline void dropout_scale(std::uint64_t seed, index_t user, double p, std::size_t n, real* scale) noexcept {
  constexpr std::uint64_t golden = 0x9E3779B97F4A7C15ull;
  std::uint64_t user_state = seed + golden * static_cast<std::uint64_t>(static_cast<std::uint32_t>(user));
  std::uint64_t stream = splitmix64(user_state);
  const real keep = static_cast<real>(1.0 / (1.0 - p));
  for (std::size_t c = 0; c < n; ++c) {
    const double uniform = static_cast<double>(splitmix64(stream) >> 11) * 0x1.0p-53;
    scale[c] = uniform >= p ? keep : real(0);
  }
}

/// Per-thread scratch rows of `n` floats zero padded to padded_size(n), for
/// const model methods called from several threads at once. Grows (the only
/// allocation) when a larger row count or dim is first asked for by a thread.
class ScratchRows {
 public:
  /// Row k of `rows` rows, each zero padded past n (the padding is
  /// re-zeroed on every call: the buffer may have held a larger dim).
  real* rows(std::size_t count, std::size_t n) {
    stride_ = padded_size(n);
    if (data_.size() < count * stride_) data_.resize(count * stride_);
    for (std::size_t k = 0; k < count; ++k) std::fill(row(k) + n, row(k) + stride_, real(0));
    return data_.data();
  }
  real* row(std::size_t k) noexcept { return data_.data() + k * stride_; }
  const real* row(std::size_t k) const noexcept { return data_.data() + k * stride_; }
  std::size_t stride() const noexcept { return stride_; }

 private:
  aligned_vector<real> data_;
  std::size_t stride_ = 0;
};

/// s_k = <v, q_k> / max(|q_k|, eps), q_k = items.row(ids[k]) (v zero padded).
/// (noinline: inlined into score(u, i), GCC 12 warns about the full-width
/// store of gather_dot's dead branch for one item, a false positive.)
[[gnu::noinline]] inline void cosine_scores(const real* v, const RowMatrix& items, std::span<const index_t> ids,
                          std::span<real> out) noexcept {
  simd::gather_dot(v, items, ids, out);
  for (std::size_t k = 0; k < ids.size(); ++k)
    out[k] /= guarded_norm(items.row_ptr(static_cast<std::size_t>(ids[k])), items.dim());
}

/// Backward of cosine_scores with upstream d_scores: adds dL/dv = sum_k d_k
/// q^_k into gv (dim floats) and d_k (v - s_k q^_k) / |q_k| into the rows
/// ids[k] of table `item_table` of `grad`. A candidate with d_k = 0 (a
/// margin loss's inactive negative: most of CCL's 2000 in SimpleX's
/// configuration) adds nothing, so it is only touched, which keeps the
/// touched rows, and so lazy optimizers, as with the arithmetic done.
inline void cosine_scores_backward(const real* v, const RowMatrix& items, std::span<const index_t> ids,
                                   std::span<const real> d_scores, real* gv, GradientAccumulator& grad,
                                   std::size_t item_table) {
  const std::size_t d = items.dim();
  for (std::size_t k = 0; k < ids.size(); ++k) {
    if (d_scores[k] == real(0)) {
      grad.row(item_table, ids[k]);
      continue;
    }
    const real* q = items.row_ptr(static_cast<std::size_t>(ids[k]));
    const real len = l2_norm(q, d);
    const real n = std::max(len, norm_epsilon);
    const real dk_n = d_scores[k] / n;  // d_k / |q_k|
    simd::axpy(dk_n, q, gv, d);
    // Fetched per k: a repeated item accumulates into the same row.
    real* gq = grad.row(item_table, ids[k]);
    simd::axpy(dk_n, v, gq, d);
    // The projection term; under the guard q^ = q / eps is linear in q.
    if (len >= norm_epsilon) simd::axpy(-dk_n * (simd::dot(v, q, d) / n / n), q, gq, d);
  }
}

/// Backward of x^ = x / max(|x|, eps): out += (g - <x^, g> x^) / |x| where
/// |x| >= eps, out += g / eps where the guard holds (x^ = x / eps, linear).
inline void normalize_backward(const real* xhat, real norm, bool guarded, const real* g, real* out,
                               std::size_t n) noexcept {
  if (guarded) {
    for (std::size_t c = 0; c < n; ++c) out[c] += g[c] / norm;
    return;
  }
  double proj = 0;
  for (std::size_t c = 0; c < n; ++c) proj += double(xhat[c]) * double(g[c]);
  const real pr = static_cast<real>(proj);
  for (std::size_t c = 0; c < n; ++c) out[c] += (g[c] - pr * xhat[c]) / norm;
}

/// Model-file settings: shortest round-trip text of a double, and its parse.
inline std::string model_setting_text(double x) {
  char buf[32];
  const auto res = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, res.ptr);
}
inline double model_setting_number(const std::string& key, const std::string& value) {
  double x = 0;
  const auto res = std::from_chars(value.data(), value.data() + value.size(), x);
  if (res.ec != std::errc() || res.ptr != value.data() + value.size() || !std::isfinite(x))
    throw InvalidArgument("model setting '" + key + "' is not a number: '" + value + "'");
  return x;
}
inline bool model_setting_flag(const std::string& key, const std::string& value) {
  if (value == "true") return true;
  if (value == "false") return false;
  throw InvalidArgument("model setting '" + key + "' must be true or false, got '" + value + "'");
}

}  // namespace detail

class MF {
 public:
  /// How the embedding tables are initialised (see the header comment).
  enum class Init { normal, xavier };

  struct Params {
    std::size_t dim = 32;      ///< embedding size
    double init_std = 0.1;     ///< standard deviation of Init::normal
    std::uint64_t seed = 1;    ///< initialisation seed
    Init init = Init::normal;  ///< normal(init_std) or xavier (uniform)
    bool cosine = false;       ///< score = cosine of the two vectors
    double user_dropout = 0;   ///< dropout rate on the user vector in training, in [0, 1)
  };

  static constexpr std::string_view name() { return "mf"; }
  static constexpr std::size_t user_table = 0;
  static constexpr std::size_t item_table = 1;

  /// A new model with random embeddings (see Params).
  MF(index_t n_users, index_t n_items) : MF(n_users, n_items, Params{}) {}
  MF(index_t n_users, index_t n_items, Params p) {
    detail::require(n_users >= 0 && n_items >= 0, "MF: negative number of users or items");
    detail::require(p.dim > 0, "MF: dim must be positive");
    detail::require(std::isfinite(p.init_std) && p.init_std >= 0,
                    "MF: init_std must be finite and >= 0, got " + std::to_string(p.init_std));
    set_options(p.cosine, p.user_dropout);
    tables_[user_table] = RowMatrix(static_cast<std::size_t>(n_users), p.dim);
    tables_[item_table] = RowMatrix(static_cast<std::size_t>(n_items), p.dim);
    for (std::size_t t = 0; t < tables_.size(); ++t) {
      Rng rng(p.seed, t);
      RowMatrix& m = tables_[t];
      if (p.init == Init::xavier) {
        const double bound = std::sqrt(6.0 / static_cast<double>(m.rows() + m.dim()));
        for (std::size_t r = 0; r < m.rows(); ++r)
          for (real& x : m.row(r)) x = static_cast<real>(bound * (2 * rng.uniform() - 1));
      } else {
        for (std::size_t r = 0; r < m.rows(); ++r)
          for (real& x : m.row(r)) x = static_cast<real>(p.init_std * rng.normal());
      }
    }
  }

  /// A model from existing embedding tables (e.g. loaded from a file), with
  /// the scoring options p.cosine and p.user_dropout (the other fields of p
  /// are not used).
  MF(RowMatrix users, RowMatrix items) : MF(std::move(users), std::move(items), Params{}) {}
  MF(RowMatrix users, RowMatrix items, const Params& p) {
    detail::require(users.dim() == items.dim(),
                    "MF: user and item tables have different dims (" + std::to_string(users.dim()) +
                        " and " + std::to_string(items.dim()) + ")");
    detail::require(users.dim() > 0, "MF: dim must be positive");
    detail::require(users.rows() <= static_cast<std::size_t>(max_id) &&
                        items.rows() <= static_cast<std::size_t>(max_id),
                    "MF: too many rows for 32-bit ids");
    set_options(p.cosine, p.user_dropout);
    tables_[user_table] = std::move(users);
    tables_[item_table] = std::move(items);
  }

  /// The model of a list of tables {users, items} and the settings a model
  /// file recorded (file_metadata(); keys without the "mf." prefix are the
  /// caller's and ignored). What io/model_file.hpp's load_model calls; throws
  /// InvalidArgument when there are not two tables of one dim or a setting
  /// is unknown or invalid.
  static MF from_tables(std::vector<RowMatrix> tables,
                        const std::map<std::string, std::string>& metadata = {}) {
    detail::require(tables.size() == 2, "MF: expected 2 tables (users, items), got " +
                                            std::to_string(tables.size()));
    Params p;
    for (const auto& [key, value] : metadata) {
      if (!key.starts_with("mf.")) continue;
      if (key == "mf.cosine")
        p.cosine = detail::model_setting_flag(key, value);
      else if (key == "mf.user_dropout")
        p.user_dropout = detail::model_setting_number(key, value);
      else
        throw InvalidArgument("MF: unknown model setting '" + key + "' (known: mf.cosine, mf.user_dropout)");
    }
    return MF(std::move(tables[0]), std::move(tables[1]), p);
  }

  /// The settings a model file must keep (see from_tables); empty for a
  /// plain MF, so its files are as before.
  std::map<std::string, std::string> file_metadata() const {
    std::map<std::string, std::string> m;
    if (cosine_) m["mf.cosine"] = "true";
    if (user_dropout_ > 0) m["mf.user_dropout"] = detail::model_setting_text(user_dropout_);
    return m;
  }

  index_t n_users() const noexcept { return static_cast<index_t>(tables_[user_table].rows()); }
  index_t n_items() const noexcept { return static_cast<index_t>(tables_[item_table].rows()); }
  std::size_t dim() const noexcept { return tables_[user_table].dim(); }
  bool cosine() const noexcept { return cosine_; }
  double user_dropout() const noexcept { return user_dropout_; }
  bool training() const noexcept { return training_; }

  /// Training mode: user dropout applies (Trainer::fit turns it on and off).
  void set_training(bool on) noexcept {
    training_ = on;
    update_path();
  }
  /// Seeds the dropout mask of the coming batch (Trainer calls it per batch).
  void begin_batch(std::uint64_t batch_seed, ThreadPool&) noexcept { batch_seed_ = batch_seed; }
  /// The same without a pool (tests, custom loops).
  void begin_batch(std::uint64_t batch_seed) noexcept { batch_seed_ = batch_seed; }

  /// s(u, i): <p_u, q_i>, or with the options as in the header comment.
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

  /// Hints the cache to load the gradient rows that the backward of a pair
  /// (user u, its positive and its negatives) will add to; the trainer calls
  /// this when the pair's negatives are drawn, a few pairs before its step.
  void prefetch_backward(index_t u, index_t positive, std::span<const index_t> negatives,
                         const GradientAccumulator& grad) const noexcept {
    grad.prefetch(user_table, u);
    grad.prefetch(item_table, positive);
    for (const index_t i : negatives) grad.prefetch(item_table, i);
  }

  /// Hints the cache to load item i's row (the hard samplers call this as
  /// they draw candidates, before scoring them).
  void prefetch_item(index_t i) const noexcept {
    detail::prefetch_row(tables_[item_table].row_ptr(static_cast<std::size_t>(i)), dim());
  }

  /// out[k] = s(u, items[k]); out.size() >= items.size(). The samplers' hot
  /// path: no allocation, ids are not checked.
  void score_items(index_t u, std::span<const index_t> items, std::span<real> out) const noexcept {
    assert(u >= 0 && u < n_users());
    if (!plain_) return score_items_transformed(u, items, out);
    simd::gather_dot(tables_[user_table].row_ptr(static_cast<std::size_t>(u)), tables_[item_table],
                     items, out);
  }

  /// Adds d(loss)/d(parameters) of the scores s(u, items[k]) with upstream
  /// gradients d_scores[k] into `grad` (table 0: users, table 1: items).
  void backward(index_t u, std::span<const index_t> items, std::span<const real> d_scores,
                GradientAccumulator& grad) const {
    assert(d_scores.size() >= items.size());
    if (!plain_) return backward_transformed(u, items, d_scores, grad);
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

  /// Scores blocks of users against all items (evaluation; no dropout). The
  /// scorer packs a copy of the item table and refers to this model's user
  /// table (cosine: owns normalised copies): build a new one after the model
  /// changes.
  EmbeddingScorer block_scorer() const {
    if (!cosine_) return EmbeddingScorer::referencing(tables_[user_table], tables_[item_table]);
    return EmbeddingScorer::owning(detail::normalized_rows(tables_[user_table]),
                                   detail::normalized_rows(tables_[item_table]));
  }

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
  void set_options(bool cosine, double user_dropout) {
    detail::require(std::isfinite(user_dropout) && user_dropout >= 0 && user_dropout < 1,
                    "MF: user_dropout must be in [0, 1), got " + std::to_string(user_dropout));
    cosine_ = cosine;
    user_dropout_ = user_dropout;
    update_path();
  }
  void update_path() noexcept { plain_ = !cosine_ && !(training_ && user_dropout_ > 0); }
  bool dropout_active() const noexcept { return training_ && user_dropout_ > 0; }

  /// The per-thread scratch of the transformed path: row 0 the user vector
  /// v, row 1 dL/dv, row 2 the dropout scaling.
  static detail::ScratchRows& scratch() {
    thread_local detail::ScratchRows rows;
    return rows;
  }

  /// Writes v = D p^_u (or D p_u without cosine) into s.row(0) and the
  /// dropout scaling into s.row(2); returns |p_u| (guarded).
  real user_vector(index_t u, detail::ScratchRows& s) const noexcept {
    const std::size_t d = dim();
    const real* p = tables_[user_table].row_ptr(static_cast<std::size_t>(u));
    real* v = s.row(0);
    const real norm = cosine_ ? detail::guarded_norm(p, d) : real(1);
    for (std::size_t c = 0; c < d; ++c) v[c] = p[c] / norm;
    if (dropout_active()) {
      real* scale = s.row(2);
      detail::dropout_scale(batch_seed_, u, user_dropout_, d, scale);
      for (std::size_t c = 0; c < d; ++c) v[c] *= scale[c];
    }
    return norm;
  }

  // Out of line: keeps the plain path small (and GCC 12 from a false
  // -Warray-bounds on gather_dot inlined into score(u, i)).
  [[gnu::noinline]] void score_items_transformed(index_t u, std::span<const index_t> items, std::span<real> out) const noexcept {
    detail::ScratchRows& s = scratch();
    s.rows(3, dim());
    user_vector(u, s);
    if (cosine_)
      detail::cosine_scores(s.row(0), tables_[item_table], items, out);
    else
      simd::gather_dot(s.row(0), tables_[item_table], items, out);
  }

  void backward_transformed(index_t u, std::span<const index_t> items, std::span<const real> d_scores,
                            GradientAccumulator& grad) const {
    const std::size_t d = dim();
    detail::ScratchRows& s = scratch();
    s.rows(3, d);
    const real norm = user_vector(u, s);
    const real* v = s.row(0);
    real* gv = s.row(1);
    std::fill_n(gv, d, real(0));
    const RowMatrix& item_rows = tables_[item_table];
    if (cosine_) {
      detail::cosine_scores_backward(v, item_rows, items, d_scores, gv, grad, item_table);
    } else {
      for (std::size_t k = 0; k < items.size(); ++k) {
        simd::axpy(d_scores[k], item_rows.row_ptr(static_cast<std::size_t>(items[k])), gv, d);
        simd::axpy(d_scores[k], v, grad.row(item_table, items[k]), d);
      }
    }
    // Back through the dropout scaling, then the normalisation.
    if (dropout_active()) {
      const real* scale = s.row(2);
      for (std::size_t c = 0; c < d; ++c) gv[c] *= scale[c];
    }
    real* g_u = grad.row(user_table, u);
    const real* p = tables_[user_table].row_ptr(static_cast<std::size_t>(u));
    if (!cosine_) {
      for (std::size_t c = 0; c < d; ++c) g_u[c] += gv[c];
      return;
    }
    // p^ into row 0 (v is no longer needed).
    real* phat = s.row(0);
    for (std::size_t c = 0; c < d; ++c) phat[c] = p[c] / norm;
    detail::normalize_backward(phat, norm, detail::l2_norm(p, d) < detail::norm_epsilon, gv, g_u, d);
  }

  std::array<RowMatrix, 2> tables_;
  bool cosine_ = false;
  double user_dropout_ = 0;
  bool training_ = false;
  bool plain_ = true;  // neither cosine nor active dropout: the plain dot path
  std::uint64_t batch_seed_ = 0;
};

}  // namespace hardneg
