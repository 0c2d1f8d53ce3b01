// NeuMF: neural matrix factorization (He et al., "Neural Collaborative
// Filtering", WWW 2017), the end-to-end "NeuMF-end" of the DenoisingRec /
// InverseLearning code (`NCF`, model 'NeuMF-end'; spec/algorithms.md 5.3).
//
//   g      = p_u^G (.) q_i^G                                 GMF branch, dim f
//   z_0    = [p_u^M ; q_i^M]                                 MLP input, 2 f 2^(L-1)
//   z_l+1  = act( W_l drop(z_l) + b_l ),  l = 0 .. L-1       each layer halves
//   s(u,i) = <h, [g ; z_L]> + b                              a logit
//
// With the reference f = 32, L = 3: MLP embeddings 128, layers 256 -> 128 ->
// 64 -> 32, ReLU, dropout 0, h of size 64.
//
// Tables (parameters(), in this order; what model files store):
//   0 user GMF  n_users x f        1 item GMF  n_items x f
//   2 user MLP  n_users x f 2^(L-1)   3 item MLP  n_items x f 2^(L-1)
//   4 + 2l  W_l  out_l x in_l (nn.Linear's layout: row r holds unit r's
//           weights; W_0's first half of columns multiplies p_u^M, the
//           second half q_i^M)
//   5 + 2l  b_l  1 x out_l
//   4 + 2L  h    1 x 2f (the first f multiply g, the last f multiply z_L)
//   5 + 2L  b    1 x 1
// from_tables() reads f and L from the shapes. The activation and the
// dropout rate are not in the shapes: file_metadata() records them
// ("neumf.activation", "neumf.dropout"; nothing for the reference ReLU without
// dropout) and from_tables(tables, metadata) restores them (io/model_file.hpp
// calls both).
//
// Initialisation (spec 5.3): embeddings N(0, init_std^2) (0.01; or xavier via
// Init), W_l xavier-uniform, h kaiming-uniform with a = 1 (bound
// sqrt(3 / 2f)), biases 0; table t from Rng(seed, t).
//
// Dropout (inverted) on the input of every MLP layer, as the reference's
// Dropout -> Linear -> ReLU blocks; on only between set_training(true) and
// set_training(false) (the Trainer calls them around fit()). The mask of a
// (user, item) pair is a pure function of (batch seed, user, item, unit)
// (models/detail/dense.hpp), the batch seed set by begin_batch(): score,
// score_items and backward of one batch agree on any thread. Differences from
// PyTorch: a pair that appears twice in a batch gets the same mask twice.
// Evaluation (block_scorer) never drops.
//
// Computation. The first layer splits: W_0 z_0 = W_0^user p_u^M + W_0^item
// q_i^M. score_items computes the user part once per call and runs candidates
// through the tower in chunks of `chunk` (8) items: the split first layer with
// detail::dense_rows, layers 1 .. L-1 with simd::gather_dot (the input against
// the rows of W_l). The block scorer (NeuMFScorer) precomputes W_0^item q_i^M
// + b_0 for every item once, so a (user, item) pair costs only layers 1 ..
// L-1 and h, which it runs with the register-tiled simd::score_block over
// chunks of 64 items; it agrees with score() up to float rounding.
//
// Scratch: score_items and backward are const and run on several threads at
// once; they use a per-thread buffer (detail::thread_scratch, a thread_local
// vector that only grows, sized by the model's layout: a few KB), so nothing
// is allocated per call or per item after a thread's first call. The block
// scorer allocates one buffer per score_block call.
//
// Backward: exact gradients of every table, per item, through the stored
// activations of the chunk (see backward()).
#pragma once

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
#include <numeric>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
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

class NeuMFScorer;

class NeuMF {
 public:
  using Init = detail::EmbeddingInit;
  using Activation = detail::Activation;

  struct Params {
    std::size_t dim = 32;      ///< f: GMF factors and the MLP's output width
    std::size_t layers = 3;    ///< L: MLP layers (MLP embeddings f 2^(L-1))
    double dropout = 0;        ///< p: dropout on each MLP layer's input, in [0, 1)
    Activation activation = Activation::relu;  ///< relu, tanh or identity
    double init_std = 0.01;    ///< std of the normal embedding initialisation
    Init init = Init::normal;  ///< embedding initialisation: normal, xavier, xavier_normal
    std::uint64_t seed = 1;    ///< initialisation seed
  };

  static constexpr std::string_view name() { return "neumf"; }
  static constexpr std::size_t user_gmf_table = 0;
  static constexpr std::size_t item_gmf_table = 1;
  static constexpr std::size_t user_mlp_table = 2;
  static constexpr std::size_t item_mlp_table = 3;
  /// Candidates per pass through the tower.
  static constexpr std::size_t chunk = 8;

  NeuMF(index_t n_users, index_t n_items) : NeuMF(n_users, n_items, Params{}) {}
  NeuMF(index_t n_users, index_t n_items, Params p) {
    detail::require(n_users >= 0 && n_items >= 0, "NeuMF: negative number of users or items");
    detail::require(p.dim > 0, "NeuMF: dim must be positive");
    detail::require(p.layers >= 1 && p.layers <= 16,
                    "NeuMF: layers must be in [1, 16], got " + std::to_string(p.layers));
    detail::require(p.dim <= (std::size_t{1} << 20) >> (p.layers - 1),
                    "NeuMF: dim * 2^(layers - 1) is too large");
    detail::require(std::isfinite(p.init_std) && p.init_std >= 0,
                    "NeuMF: init_std must be finite and >= 0, got " + std::to_string(p.init_std));
    const std::size_t f = p.dim, L = p.layers, dm = f << (L - 1);
    tables_.emplace_back(static_cast<std::size_t>(n_users), f);
    tables_.emplace_back(static_cast<std::size_t>(n_items), f);
    tables_.emplace_back(static_cast<std::size_t>(n_users), dm);
    tables_.emplace_back(static_cast<std::size_t>(n_items), dm);
    for (std::size_t l = 0; l < L; ++l) {
      tables_.emplace_back(dm >> l, 2 * dm >> l);  // W_l
      tables_.emplace_back(1, dm >> l);            // b_l = 0
    }
    tables_.emplace_back(1, 2 * f);  // h
    tables_.emplace_back(1, 1);      // b = 0
    for (std::size_t t = 0; t < 4; ++t) detail::init_embeddings(tables_[t], p.init, p.init_std, p.seed, t);
    for (std::size_t l = 0; l < L; ++l) {
      RowMatrix& w = tables_[4 + 2 * l];
      Rng rng(p.seed, 4 + 2 * l);
      detail::init_uniform(w, detail::xavier_bound(w.rows(), w.dim()), rng);
    }
    Rng rng(p.seed, 4 + 2 * L);
    detail::init_uniform(tables_[4 + 2 * L], detail::kaiming_uniform_bound(2 * f, 1.0), rng);
    activation_ = p.activation;
    set_dropout(p.dropout);
    build_layout();
  }

  /// The model of a list of tables in the order above, with the given
  /// activation and dropout 0. Throws InvalidArgument naming the table whose
  /// shape does not fit.
  static NeuMF from_tables(std::vector<RowMatrix> tables, Activation activation) {
    using detail::require;
    require(tables.size() >= 8 && tables.size() % 2 == 0,
            "NeuMF: expected 6 + 2 L tables (L >= 1), got " + std::to_string(tables.size()));
    const std::size_t L = (tables.size() - 6) / 2;
    const std::size_t f = tables[user_gmf_table].dim();
    require(f > 0 && L <= 16, "NeuMF: bad dim or layer count");
    const std::size_t dm = f << (L - 1);
    const auto shape = [&](std::size_t t, std::size_t rows, std::size_t dim, std::string_view what) {
      if (tables[t].rows() != rows || tables[t].dim() != dim)
        throw InvalidArgument("NeuMF: table " + std::to_string(t) + " (" + std::string(what) + ") must be " +
                              std::to_string(rows) + " x " + std::to_string(dim) + " for dim " +
                              std::to_string(f) + " and " + std::to_string(L) + " layers, got " +
                              std::to_string(tables[t].rows()) + " x " + std::to_string(tables[t].dim()));
    };
    const std::size_t users = tables[user_gmf_table].rows(), items = tables[item_gmf_table].rows();
    require(users <= static_cast<std::size_t>(max_id) && items <= static_cast<std::size_t>(max_id),
            "NeuMF: too many rows for 32-bit ids");
    shape(item_gmf_table, items, f, "item GMF embeddings");
    shape(user_mlp_table, users, dm, "user MLP embeddings");
    shape(item_mlp_table, items, dm, "item MLP embeddings");
    for (std::size_t l = 0; l < L; ++l) {
      shape(4 + 2 * l, dm >> l, 2 * dm >> l, "MLP weights");
      shape(5 + 2 * l, 1, dm >> l, "MLP bias");
    }
    shape(4 + 2 * L, 1, 2 * f, "h");
    shape(5 + 2 * L, 1, 1, "output bias");
    NeuMF m;
    m.tables_ = std::move(tables);
    m.activation_ = activation;
    m.build_layout();
    return m;
  }

  /// The model of a list of tables with the settings a model file recorded
  /// (file_metadata(): "neumf.activation", "neumf.dropout"; ReLU and 0 when
  /// absent; keys without the "neumf." prefix are the caller's and ignored).
  /// What io/model_file.hpp's load_model calls. Throws InvalidArgument for a
  /// bad shape or an unknown or invalid setting.
  static NeuMF from_tables(std::vector<RowMatrix> tables,
                           const std::map<std::string, std::string>& metadata = {}) {
    Activation activation = Activation::relu;
    double dropout = 0;
    for (const auto& [key, value] : metadata) {
      if (!key.starts_with("neumf.")) continue;
      if (key == "neumf.activation") {
        activation = detail::parse_activation(value);
      } else if (key == "neumf.dropout") {
        const auto res = std::from_chars(value.data(), value.data() + value.size(), dropout);
        if (res.ec != std::errc() || res.ptr != value.data() + value.size())
          throw InvalidArgument("NeuMF: model setting 'neumf.dropout' is not a number: '" + value + "'");
      } else {
        throw InvalidArgument("NeuMF: unknown model setting '" + key +
                              "' (known: neumf.activation, neumf.dropout)");
      }
    }
    NeuMF m = from_tables(std::move(tables), activation);
    m.set_dropout(dropout);
    return m;
  }

  /// The settings the table shapes do not show, for model files (see
  /// from_tables); empty for the reference NeuMF (ReLU, no dropout).
  std::map<std::string, std::string> file_metadata() const {
    std::map<std::string, std::string> m;
    if (activation_ != Activation::relu) m["neumf.activation"] = std::string(detail::activation_name(activation_));
    if (dropout_ > 0) {
      char buf[32];
      const auto res = std::to_chars(buf, buf + sizeof buf, dropout_);
      m["neumf.dropout"] = std::string(buf, res.ptr);
    }
    return m;
  }

  index_t n_users() const noexcept { return static_cast<index_t>(tables_[user_gmf_table].rows()); }
  index_t n_items() const noexcept { return static_cast<index_t>(tables_[item_gmf_table].rows()); }
  std::size_t dim() const noexcept { return f_; }
  std::size_t layers() const noexcept { return in_.size(); }
  std::size_t mlp_dim() const noexcept { return dm_; }
  Activation activation() const noexcept { return activation_; }
  double dropout() const noexcept { return dropout_; }
  static constexpr std::size_t weight_table(std::size_t l) noexcept { return 4 + 2 * l; }
  static constexpr std::size_t layer_bias_table(std::size_t l) noexcept { return 5 + 2 * l; }
  std::size_t h_table() const noexcept { return 4 + 2 * layers(); }
  std::size_t bias_table() const noexcept { return 5 + 2 * layers(); }

  /// Sets the dropout rate p in [0, 1) (applied in training mode only).
  void set_dropout(double p) {
    detail::require(p >= 0 && p < 1, "NeuMF: dropout must be in [0, 1), got " + std::to_string(p));
    dropout_ = p;
    rate_ = detail::DropoutRate(p);
  }

  // ---- Trainer hooks.
  /// Training mode: dropout on (when p > 0).
  void set_training(bool on) noexcept { training_ = on; }
  bool training() const noexcept { return training_; }
  /// The seed of the dropout masks of the next batch.
  void begin_batch(std::uint64_t batch_seed, ThreadPool&) noexcept { batch_seed_ = batch_seed; }
  void set_batch_seed(std::uint64_t batch_seed) noexcept { batch_seed_ = batch_seed; }

  /// s(u, i); in training mode with dropout, under the current batch's mask.
  real score(index_t u, index_t i) const noexcept {
    real s;
    score_items(u, std::span<const index_t>(&i, 1), std::span<real>(&s, 1));
    return s;
  }

  void prefetch(index_t u, index_t i) const noexcept {
    const auto uu = static_cast<std::size_t>(u), ii = static_cast<std::size_t>(i);
    detail::prefetch_row(tables_[user_gmf_table].row_ptr(uu), f_);
    detail::prefetch_row(tables_[item_gmf_table].row_ptr(ii), f_);
    detail::prefetch_row(tables_[user_mlp_table].row_ptr(uu), dm_);
    detail::prefetch_row(tables_[item_mlp_table].row_ptr(ii), dm_);
  }

  /// out[k] = s(u, items[k]); out.size() >= items.size(). No allocation
  /// after a thread's first call; ids not checked.
  void score_items(index_t u, std::span<const index_t> items, std::span<real> out) const noexcept {
    assert(u >= 0 && u < n_users() && out.size() >= items.size());
    real* ws = detail::thread_scratch<NeuMF>(ws_size_);
    const bool drop = dropout_active();
    begin_user(u, ws, drop);
    std::uint64_t keys[chunk];
    for (std::size_t k = 0; k < items.size(); k += chunk) {
      const std::size_t n = std::min(chunk, items.size() - k);
      forward_chunk(u, items.data() + k, n, ws, drop, nullptr, keys, out.data() + k);
    }
  }

  /// Adds d(loss)/d(parameters) of the scores s(u, items[k]) with upstream
  /// gradients d_scores[k] into `grad`: every table the scores depend on
  /// (all MLP rows, h and b always; the embedding rows of u and the items).
  void backward(index_t u, std::span<const index_t> items, std::span<const real> d_scores,
                GradientAccumulator& grad) const {
    assert(d_scores.size() >= items.size());
    real* ws = detail::thread_scratch<NeuMF>(ws_size_);
    const bool drop = dropout_active();
    begin_user(u, ws, drop);
    const std::size_t L = layers(), f = f_, dm = dm_;
    const std::size_t hp = h_table();
    const real* hv = tables_[hp].row_ptr(0);
    const real* pm = tables_[user_mlp_table].row_ptr(static_cast<std::size_t>(u));
    const real* wg = ws + off_wg_;  // h_G (.) p_u^G
    real* t = ws + off_t_;          // sum_k d_k q_k^G
    real* dpm = ws + off_dpm_;      // d p_u^M
    std::fill_n(t, f, real{0});
    std::fill_n(dpm, dm, real{0});
    real d_sum = 0;
    std::uint64_t keys[chunk];
    for (std::size_t k0 = 0; k0 < items.size(); k0 += chunk) {
      const std::size_t n = std::min(chunk, items.size() - k0);
      forward_chunk(u, items.data() + k0, n, ws, drop, nullptr, keys, nullptr);
      for (std::size_t j = 0; j < n; ++j) {
        const real d = d_scores[k0 + j];
        const index_t i = items[k0 + j];
        d_sum += d;
        // Output layer and GMF branch.
        simd::axpy(d, tables_[item_gmf_table].row_ptr(static_cast<std::size_t>(i)), t, f);
        simd::axpy(d, wg, grad.row(item_gmf_table, i), f);
        const real* z = ws + off_post_[L - 1] + j * ld_out_[L - 1];
        simd::axpy(d, z, grad.row(hp, 0) + f, f);
        real* dz = ws + off_dz_;
        real* dx = ws + off_dx_;
        for (std::size_t c = 0; c < f; ++c) dz[c] = d * hv[f + c];
        // The tower, top down: dz is d(loss)/d(output of layer l).
        for (std::size_t l = L; l-- > 0;) {
          const std::size_t in = in_[l], out = out_[l];
          detail::activation_backward(activation_, ws + off_post_[l] + j * ld_out_[l], dz, out);
          simd::axpy(real{1}, dz, grad.row(layer_bias_table(l), 0), out);
          if (l == 0) {
            const real* xu = drop ? ws + off_x_[0] + j * ld_in_[0] : pm;
            const real* xi = drop ? xu + dm : tables_[item_mlp_table].row_ptr(static_cast<std::size_t>(i));
            detail::dense_weight_grad(grad, weight_table(0), out, 0, dm, dz, xu);
            detail::dense_weight_grad(grad, weight_table(0), out, dm, dm, dz, xi);
          } else {
            const real* x = ws + (drop ? off_x_[l] : off_post_[l - 1]) + j * ld_in_[l];
            detail::dense_weight_grad(grad, weight_table(l), out, 0, in, dz, x);
          }
          std::fill_n(dx, in, real{0});
          detail::dense_input_grad(tables_[weight_table(l)], 0, in, dz, dx);
          if (drop)
            for (std::size_t c = 0; c < in; ++c) dx[c] *= detail::dropout_factor(keys[j], unit0_[l] + c, rate_);
          std::swap(dz, dx);
        }
        // dz: d(loss)/d[p_u^M ; q_i^M].
        simd::axpy(real{1}, dz, dpm, dm);
        simd::axpy(real{1}, dz + dm, grad.row(item_mlp_table, i), dm);
      }
    }
    const real* pg = tables_[user_gmf_table].row_ptr(static_cast<std::size_t>(u));
    real* g_ug = grad.row(user_gmf_table, u);
    for (std::size_t c = 0; c < f; ++c) g_ug[c] += hv[c] * t[c];
    real* g_h = grad.row(hp, 0);
    for (std::size_t c = 0; c < f; ++c) g_h[c] += pg[c] * t[c];
    simd::axpy(real{1}, dpm, grad.row(user_mlp_table, u), dm);
    grad.row(bias_table(), 0)[0] += d_sum;
  }

  std::span<RowMatrix> parameters() noexcept { return tables_; }
  std::span<const RowMatrix> parameters() const noexcept { return tables_; }

  /// Scores blocks of users against all items, without dropout. Refers to
  /// this model (which must outlive it) and precomputes the items' first-layer
  /// terms: build a new one after the model changes.
  NeuMFScorer block_scorer() const;

  /// The k best items of `user` it has not seen (its row of `seen`), best first.
  std::vector<Recommendation> recommend(index_t user, std::size_t k, const Interactions& seen) const;

  /// The k best unseen items of each of `users`, on `pool` when given.
  Recommendations recommend(std::span<const index_t> users, std::size_t k, const Interactions& seen,
                            ThreadPool* pool = nullptr) const;

 private:
  friend class NeuMFScorer;

  NeuMF() = default;

  bool dropout_active() const noexcept { return training_ && rate_.threshold > 0; }

  /// Layer sizes and the offsets of the workspace buffers (floats).
  void build_layout() {
    f_ = tables_[user_gmf_table].dim();
    dm_ = tables_[user_mlp_table].dim();
    const std::size_t L = (tables_.size() - 6) / 2;
    in_.assign(L, 0);
    out_.assign(L, 0);
    ld_in_.assign(L, 0);
    ld_out_.assign(L, 0);
    unit0_.assign(L, 0);
    off_x_.assign(L, 0);
    off_post_.assign(L, 0);
    std::size_t at = 0;
    const auto take = [&at](std::size_t n) {
      const std::size_t o = at;
      at += padded_size(n);
      return o;
    };
    for (std::size_t l = 0; l < L; ++l) {
      in_[l] = tables_[weight_table(l)].dim();
      out_[l] = tables_[weight_table(l)].rows();
      ld_in_[l] = padded_size(in_[l]);
      ld_out_[l] = padded_size(out_[l]);
      unit0_[l] = l == 0 ? 0 : unit0_[l - 1] + in_[l - 1];
      off_x_[l] = take(chunk * ld_in_[l]);
      off_post_[l] = take(chunk * ld_out_[l]);
    }
    off_user_ = take(chunk * ld_out_[0]);
    off_wg_ = take(f_);
    off_t_ = take(f_);
    off_dpm_ = take(dm_);
    off_dz_ = take(2 * dm_);
    off_dx_ = take(2 * dm_);
    ws_size_ = at;
    rows_.resize(dm_);
    std::iota(rows_.begin(), rows_.end(), index_t{0});
  }

  /// Per-call user terms: wg = h_G (.) p_u^G and, without dropout, the user
  /// half of the first layer, W_0^user p_u^M (row 0 of the user buffer).
  void begin_user(index_t u, real* ws, bool drop) const noexcept {
    const auto uu = static_cast<std::size_t>(u);
    const real* pg = tables_[user_gmf_table].row_ptr(uu);
    const real* hv = tables_[h_table()].row_ptr(0);
    real* wg = ws + off_wg_;
    for (std::size_t c = 0; c < f_; ++c) wg[c] = hv[c] * pg[c];
    if (!drop) {
      const real* pm = tables_[user_mlp_table].row_ptr(uu);
      detail::dense_rows(tables_[weight_table(0)], 0, dm_, &pm, 1, ws + off_user_, 0);
    }
  }

  /// Runs n <= chunk candidates through the tower: the outputs of layer l
  /// for candidate j at ws + off_post_[l] + j * ld_out_[l], with dropout the
  /// (masked) inputs at off_x_[l] and the masks' keys in keys[j]. With
  /// `item_part` (the block scorer; no dropout), row i of it is the item
  /// half of the first layer plus b_0. Writes the scores to `scores` when
  /// not null.
  void forward_chunk(index_t u, const index_t* items, std::size_t n, real* ws, bool drop,
                     const RowMatrix* item_part, std::uint64_t* keys, real* scores) const noexcept {
    const std::size_t L = layers(), dm = dm_;
    const std::size_t ld0 = ld_out_[0], out0 = out_[0];
    const real* b0 = tables_[layer_bias_table(0)].row_ptr(0);
    real* post0 = ws + off_post_[0];
    real* user = ws + off_user_;
    const real* xs[chunk] = {};
    if (item_part != nullptr) {
      for (std::size_t j = 0; j < n; ++j) {
        const real* a = item_part->row_ptr(static_cast<std::size_t>(items[j]));
        for (std::size_t r = 0; r < out0; ++r) post0[j * ld0 + r] = a[r] + user[r];
      }
    } else if (!drop) {
      for (std::size_t j = 0; j < n; ++j)
        xs[j] = tables_[item_mlp_table].row_ptr(static_cast<std::size_t>(items[j]));
      detail::dense_rows(tables_[weight_table(0)], dm, dm, xs, n, post0, ld0);
      for (std::size_t j = 0; j < n; ++j)
        for (std::size_t r = 0; r < out0; ++r) post0[j * ld0 + r] = (post0[j * ld0 + r] + b0[r]) + user[r];
    } else {
      const real* pm = tables_[user_mlp_table].row_ptr(static_cast<std::size_t>(u));
      real* x0 = ws + off_x_[0];
      for (std::size_t j = 0; j < n; ++j) {
        keys[j] = detail::dropout_key(batch_seed_, u, items[j]);
        real* x = x0 + j * ld_in_[0];
        detail::apply_dropout(keys[j], 0, rate_, pm, x, dm);
        detail::apply_dropout(keys[j], dm, rate_,
                              tables_[item_mlp_table].row_ptr(static_cast<std::size_t>(items[j])), x + dm, dm);
        xs[j] = x + dm;
      }
      detail::dense_rows(tables_[weight_table(0)], dm, dm, xs, n, post0, ld0);
      for (std::size_t j = 0; j < n; ++j) xs[j] = x0 + j * ld_in_[0];
      detail::dense_rows(tables_[weight_table(0)], 0, dm, xs, n, user, ld0);
      for (std::size_t j = 0; j < n; ++j)
        for (std::size_t r = 0; r < out0; ++r)
          post0[j * ld0 + r] = (post0[j * ld0 + r] + b0[r]) + user[j * ld0 + r];
    }
    for (std::size_t j = 0; j < n; ++j) finish_layer(post0 + j * ld0, out0, ld0);

    for (std::size_t l = 1; l < L; ++l) {
      const std::size_t in = in_[l], out = out_[l];
      const real* prev = ws + off_post_[l - 1];
      real* post = ws + off_post_[l];
      const real* b = tables_[layer_bias_table(l)].row_ptr(0);
      const std::span<const index_t> rows(rows_.data(), out);
      for (std::size_t j = 0; j < n; ++j) {
        const real* x = prev + j * ld_in_[l];
        if (drop) {
          real* xd = ws + off_x_[l] + j * ld_in_[l];
          detail::apply_dropout(keys[j], unit0_[l], rate_, x, xd, in);
          std::fill(xd + in, xd + ld_in_[l], real{0});  // gather_dot reads the padding
          x = xd;
        }
        real* y = post + j * ld_out_[l];
        simd::gather_dot(x, tables_[weight_table(l)], rows, std::span<real>(y, out));
        for (std::size_t r = 0; r < out; ++r) y[r] += b[r];
        finish_layer(y, out, ld_out_[l]);
      }
    }

    if (scores == nullptr) return;
    const real* hv = tables_[h_table()].row_ptr(0);
    const real* wg = ws + off_wg_;
    const real bias = tables_[bias_table()](0, 0);
    const real* z = ws + off_post_[L - 1];
    for (std::size_t j = 0; j < n; ++j) {
      const real* qg = tables_[item_gmf_table].row_ptr(static_cast<std::size_t>(items[j]));
      scores[j] = (detail::dense_dot(wg, qg, f_) + detail::dense_dot(hv + f_, z + j * ld_out_[L - 1], f_)) + bias;
    }
  }

  /// Activation of a layer output, and zero padding up to ld (the next layer
  /// reads whole SIMD batches).
  void finish_layer(real* y, std::size_t n, std::size_t ld) const noexcept {
    detail::activate(activation_, y, n);
    std::fill(y + n, y + ld, real{0});
  }

  std::vector<RowMatrix> tables_;
  Activation activation_ = Activation::relu;
  double dropout_ = 0;
  detail::DropoutRate rate_;
  bool training_ = false;
  std::uint64_t batch_seed_ = 0;

  // Layout (from the table shapes).
  std::size_t f_ = 0, dm_ = 0;
  std::vector<std::size_t> in_, out_, ld_in_, ld_out_, unit0_, off_x_, off_post_;
  std::size_t off_user_ = 0, off_wg_ = 0, off_t_ = 0, off_dpm_ = 0, off_dz_ = 0, off_dx_ = 0;
  std::size_t ws_size_ = 0;
  std::vector<index_t> rows_;  // 0 .. dm-1: the row ids gather_dot scores
};

/// The BlockScorer of a NeuMF (inference: no dropout). Holds a reference to
/// the model and, built by the constructor: per item, the item half of the
/// first layer plus b_0 (n_items x f 2^(L-1) floats), and the weights of
/// layers 1 .. L-1 packed as simd::ItemPanels. A block of users is scored
/// in chunks of 64 items per user: the first layer is an addition, each
/// further layer the register-tiled simd::score_block of the chunk's
/// activations against the packed weights. score_block allocates its
/// buffers once per call, none per item.
class NeuMFScorer {
 public:
  /// Items per pass through the tower.
  static constexpr std::size_t chunk = 64;

  explicit NeuMFScorer(const NeuMF& model)
      : model_(&model), item_part_(static_cast<std::size_t>(model.n_items()), model.out_[0]) {
    const std::size_t dm = model.dm_, out0 = model.out_[0];
    const RowMatrix& w0 = model.tables_[NeuMF::weight_table(0)];
    const real* b0 = model.tables_[NeuMF::layer_bias_table(0)].row_ptr(0);
    const RowMatrix& items = model.tables_[NeuMF::item_mlp_table];
    const std::size_t n_items = items.rows();
    const real* xs[NeuMF::chunk] = {};
    for (std::size_t i0 = 0; i0 < n_items; i0 += NeuMF::chunk) {
      const std::size_t n = std::min(NeuMF::chunk, n_items - i0);
      for (std::size_t j = 0; j < n; ++j) xs[j] = items.row_ptr(i0 + j);
      detail::dense_rows(w0, dm, dm, xs, n, item_part_.row_ptr(i0), item_part_.stride());
      for (std::size_t j = 0; j < n; ++j) {
        real* a = item_part_.row_ptr(i0 + j);
        for (std::size_t r = 0; r < out0; ++r) a[r] += b0[r];
      }
    }
    for (std::size_t l = 1; l < model.layers(); ++l)
      panels_.emplace_back(model.tables_[NeuMF::weight_table(l)]);
  }
  // The model is referenced, so it may not be a temporary.
  explicit NeuMFScorer(NeuMF&&) = delete;

  index_t n_users() const noexcept { return model_->n_users(); }
  index_t n_items() const noexcept { return model_->n_items(); }

  /// out[r * ld + i] = s(users[r], i) without dropout (equal to score(u, i)
  /// up to float rounding: the sums run in another order).
  void score_block(std::span<const index_t> users, real* out, std::size_t ld) const {
    detail::require(ld >= item_part_.rows(), "NeuMFScorer: ld is smaller than the number of items");
    const NeuMF& m = *model_;
    const std::size_t L = m.layers(), f = m.f_, out0 = m.out_[0];
    // x[l]: the outputs of layer l for a chunk of items (zero padded rows).
    std::vector<RowMatrix> x;
    for (std::size_t l = 0; l < L; ++l) x.emplace_back(chunk, m.out_[l]);
    std::vector<index_t> rows(chunk);
    std::iota(rows.begin(), rows.end(), index_t{0});
    aligned_vector<real> ws(m.ws_size_, real{0});
    const real* user = ws.data() + m.off_user_;
    const real* wg = ws.data() + m.off_wg_;
    const real* hv = m.tables_[m.h_table()].row_ptr(0);
    const real bias = m.tables_[m.bias_table()](0, 0);
    const RowMatrix& items_gmf = m.tables_[NeuMF::item_gmf_table];
    const std::size_t n_items = item_part_.rows();
    for (std::size_t r = 0; r < users.size(); ++r) {
      m.begin_user(users[r], ws.data(), false);
      for (std::size_t i0 = 0; i0 < n_items; i0 += chunk) {
        const std::size_t n = std::min(chunk, n_items - i0);
        for (std::size_t j = 0; j < n; ++j) {
          const real* a = item_part_.row_ptr(i0 + j);
          real* y = x[0].row_ptr(j);
          for (std::size_t c = 0; c < out0; ++c) y[c] = a[c] + user[c];
          detail::activate(m.activation_, y, out0);
        }
        for (std::size_t l = 1; l < L; ++l) {
          simd::score_block(x[l - 1], std::span<const index_t>(rows.data(), n), panels_[l - 1], x[l].data(),
                            x[l].stride());
          const real* b = m.tables_[NeuMF::layer_bias_table(l)].row_ptr(0);
          for (std::size_t j = 0; j < n; ++j) {
            real* y = x[l].row_ptr(j);
            for (std::size_t c = 0; c < m.out_[l]; ++c) y[c] += b[c];
            detail::activate(m.activation_, y, m.out_[l]);
          }
        }
        for (std::size_t j = 0; j < n; ++j)
          out[r * ld + i0 + j] = (detail::dense_dot(wg, items_gmf.row_ptr(i0 + j), f) +
                                  detail::dense_dot(hv + f, x[L - 1].row_ptr(j), f)) +
                                 bias;
      }
    }
  }

 private:
  const NeuMF* model_;
  RowMatrix item_part_;
  std::vector<simd::ItemPanels> panels_;  // W_1 .. W_{L-1}
};

static_assert(BlockScorer<NeuMFScorer>);

inline NeuMFScorer NeuMF::block_scorer() const { return NeuMFScorer(*this); }

inline std::vector<Recommendation> NeuMF::recommend(index_t user, std::size_t k, const Interactions& seen) const {
  return detail::recommend_list(block_scorer(), user, k, seen);
}

inline Recommendations NeuMF::recommend(std::span<const index_t> users, std::size_t k, const Interactions& seen,
                                        ThreadPool* pool) const {
  return recommend_top_k(block_scorer(), users, k, seen, pool);
}

}  // namespace hardneg
