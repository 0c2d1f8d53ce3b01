// LightGCN: linear graph convolution over the user-item graph (He et al.,
// "LightGCN: Simplifying and Powering Graph Convolution Network for
// Recommendation", SIGIR 2020; the LightGCN of the WWW'23 hard-negative
// code, spec/algorithms.md 5.4).
//
//   E_0           base embeddings [P; Q] (the parameters: table 0 users,
//                 table 1 items)
//   E_{k+1}       = Â E_k,  Â = D^-1/2 A D^-1/2 of A = [[0, R], [R^T, 0]]
//                 (the train interactions; no self loops; models/detail/graph.hpp)
//   E             = (1 / (K + 1)) sum_{k=0..K} E_k     (mean of the layers)
//   s(u, i)       = <E_u, E_i>
//
// Params: dim (64), layers K (3), init (xavier_normal as the WWW'23 code:
// N(0, 2 / (rows + dim)) per table, PyTorch's xavier_normal_ of a rows x dim
// weight; or normal: N(0, init_std^2)), seed (user table from Rng stream 0,
// item table from stream 1, as MF), ego_l2 (0; see below). No dropout.
//
// ego_l2 = c adds the LightGCN paper code's regulariser to the loss:
// (c / 2) (|u_0|^2 + sum_i |i_0|^2) for each back-propagated row, over its
// user and items, averaged over the batch's rows whatever the Trainer's
// reduction. It acts on the rows of E_0 the batch used, once per use, which
// no optimizer's weight decay can do (they see E_0's rows only after the
// graph spread the gradient over K-hop neighbourhoods). backward() counts the
// uses (relaxed atomic increments: integer sums, so the result does not
// depend on the threads) and end_batch() adds c n_r / rows e0_r to each used
// row r (n_r its uses, rows the batch's back-propagated rows).
//
// Training (the Trainer's hooks, train/trainer.hpp):
//  - begin_batch(seed, pool) propagates E = P E_0 from the current
//    parameters and caches it; score / score_items / backward then read the
//    cached final embeddings (read-only: safe from several threads).
//  - backward(u, items, d_scores, grad) adds dL/dE rows (the gradient w.r.t.
//    the FINAL embeddings) into grad: table 0 final users, table 1 final
//    items, exactly as MF does with its tables.
//  - end_batch(grad, pool) turns the merged dL/dE into dL/dE_0 = P dL/dE
//    (P = (1/(K+1)) sum_k Â^k is symmetric) and rewrites grad with every row
//    that can be nonzero: the K-hop neighbourhood of the touched rows, in
//    ascending id order. The optimizer then steps E_0 as usual.
// Each propagated row is computed by one thread in a fixed order, so the
// final embeddings and G0 do not depend on the thread count.
//
// The cache and the parameters: every non-const access to the parameters
// (parameters(), base_*_embeddings()) counts as a change (a version number);
// refresh() and block_scorer() propagate only when the cache is older than
// the parameters. The trainer's begin_batch always propagates, and
// set_training(false) (the end of fit()) refreshes, so score() and
// recommend() after training see the trained model. score() between an
// optimizer step and the next begin_batch uses the previous propagation.
// refresh() and block_scorer() write the cache: do not call them while other
// threads score.
//
// Model files: the tables are E_0 only, so loading needs the graph. save()
// (and save_model, where io/model_file.hpp picks up file_metadata()) writes
// file_metadata(): "lightgcn.layers" and "lightgcn.graph", a fingerprint of
// the train graph (sizes, edges and an FNV-1a hash); load(path, train) builds
// the graph of `train`, checks the fingerprint and the layers, and rejects a
// mismatch with IoError. load_model<LightGCN> does not apply (no graph);
// from_tables(tables, train, layers) builds a model without any check.
#pragma once

#include <array>
#include <atomic>
#include <cassert>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
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
#include "hardneg/io/model_file.hpp"
#include "hardneg/models/detail/graph.hpp"
#include "hardneg/models/recommendation.hpp"
#include "hardneg/simd/gather_dot.hpp"

namespace hardneg {

class LightGCN {
 public:
  enum class Init { xavier_normal, normal };
  static constexpr std::size_t default_layers = 3;

  struct Params {
    std::size_t dim = 64;                 ///< embedding size
    std::size_t layers = default_layers;  ///< propagation layers K (0: MF)
    Init init = Init::xavier_normal;      ///< initialisation of E_0
    double init_std = 0.1;                ///< standard deviation of Init::normal
    std::uint64_t seed = 1;               ///< initialisation seed
    double ego_l2 = 0;                    ///< c/2 |e_0|^2 per use of a row, row-averaged
  };

  static constexpr std::string_view name() { return "lightgcn"; }
  static constexpr std::size_t user_table = 0;
  static constexpr std::size_t item_table = 1;
  static constexpr std::string_view layers_key = "lightgcn.layers";
  static constexpr std::string_view graph_key = "lightgcn.graph";

  /// A new model on the graph of `train` (its numbers of users and items).
  explicit LightGCN(const Interactions& train) : LightGCN(train, Params{}) {}
  LightGCN(const Interactions& train, Params p)
      : LightGCN(train, train.n_users(), train.n_items(), p) {}

  /// A new model with n_users x n_items nodes (at least train's: the extra
  /// ones have no edge).
  LightGCN(const Interactions& train, index_t n_users, index_t n_items)
      : LightGCN(train, n_users, n_items, Params{}) {}
  LightGCN(const Interactions& train, index_t n_users, index_t n_items, Params p)
      : layers_(p.layers), ego_l2_(p.ego_l2) {
    detail::require(n_users >= 0 && n_items >= 0, "LightGCN: negative number of users or items");
    detail::require(p.dim > 0, "LightGCN: dim must be positive");
    detail::require(p.layers <= max_layers,
                    "LightGCN: layers must be <= " + std::to_string(max_layers) + ", got " +
                        std::to_string(p.layers));
    detail::require(
        std::isfinite(p.init_std) && p.init_std >= 0,
        "LightGCN: init_std must be finite and >= 0, got " + std::to_string(p.init_std));
    detail::require(std::isfinite(p.ego_l2) && p.ego_l2 >= 0,
                    "LightGCN: ego_l2 must be finite and >= 0, got " + std::to_string(p.ego_l2));
    graph_ = detail::BipartiteGraph(train, n_users, n_items);
    tables_[user_table] = RowMatrix(static_cast<std::size_t>(n_users), p.dim);
    tables_[item_table] = RowMatrix(static_cast<std::size_t>(n_items), p.dim);
    for (std::size_t t = 0; t < tables_.size(); ++t) {
      RowMatrix& m = tables_[t];
      const double sd = p.init == Init::normal
                            ? p.init_std
                            : std::sqrt(2.0 / static_cast<double>(m.rows() + m.dim()));
      Rng rng(p.seed, t);
      for (std::size_t r = 0; r < m.rows(); ++r)
        for (real& x : m.row(r)) x = static_cast<real>(sd * rng.normal());
    }
    refresh();
  }

  /// A model from base embedding tables {users, items} on the graph of
  /// `train` (tables' rows >= train's users and items). Nothing checks that
  /// `train` is the data the tables were trained on: load() does.
  static LightGCN from_tables(std::vector<RowMatrix> tables, const Interactions& train,
                              std::size_t layers = default_layers) {
    detail::require(tables.size() == 2, "LightGCN: expected 2 tables (users, items), got " +
                                            std::to_string(tables.size()));
    detail::require(tables[0].dim() == tables[1].dim(),
                    "LightGCN: user and item tables have different dims (" +
                        std::to_string(tables[0].dim()) + " and " +
                        std::to_string(tables[1].dim()) + ")");
    detail::require(tables[0].dim() > 0, "LightGCN: dim must be positive");
    detail::require(tables[0].rows() <= static_cast<std::size_t>(max_id) &&
                        tables[1].rows() <= static_cast<std::size_t>(max_id),
                    "LightGCN: too many rows for 32-bit ids");
    detail::require(layers <= max_layers,
                    "LightGCN: layers must be <= " + std::to_string(max_layers) + ", got " +
                        std::to_string(layers));
    return LightGCN(std::move(tables), train, layers);
  }

  /// Loads a model saved by save() and rebuilds its graph from `train`,
  /// which must be the train data the model was trained on (same users,
  /// items and interactions: checked against the file's fingerprint).
  /// Throws IoError naming the file and the problem.
  static LightGCN load(const std::filesystem::path& path, const Interactions& train,
                       Metadata* metadata = nullptr) {
    ModelFile file = load_model_file(path);
    const auto fail = [&](const std::string& what) {
      throw IoError("model file " + detail::quoted(path) + ": " + what);
    };
    if (file.name != name())
      fail("holds a '" + file.name + "' model, expected '" + std::string(name()) + "'");
    const auto layers = file.metadata.find(std::string(layers_key));
    const auto graph = file.metadata.find(std::string(graph_key));
    if (layers == file.metadata.end() || graph == file.metadata.end())
      fail("has no '" + std::string(layers_key) + "' / '" + std::string(graph_key) +
           "' metadata (save it with LightGCN::save, or save_model(path, model, "
           "model.file_metadata()))");
    std::size_t k = 0;
    {
      const std::string& text = layers->second;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), k);
      if (ec != std::errc() || end != text.data() + text.size() || k > max_layers)
        fail("bad '" + std::string(layers_key) + "' value '" + text + "'");
    }
    if (file.tables.size() == 2 &&
        (file.tables[0].rows() < static_cast<std::size_t>(train.n_users()) ||
         file.tables[1].rows() < static_cast<std::size_t>(train.n_items())))
      fail("the model has " + std::to_string(file.tables[0].rows()) + " users x " +
           std::to_string(file.tables[1].rows()) + " items, fewer than the train data's " +
           std::to_string(train.n_users()) + " x " + std::to_string(train.n_items()));
    LightGCN model = [&] {
      try {
        return from_tables(std::move(file.tables), train, k);
      } catch (const InvalidArgument& e) {
        throw IoError("model file " + detail::quoted(path) + ": " + e.what());
      }
    }();
    if (model.graph_.fingerprint() != graph->second)
      fail("was trained on a different graph (" + graph->second + ") than the given train data (" +
           model.graph_.fingerprint() + "); LightGCN needs the same train interactions to load");
    if (metadata) *metadata = std::move(file.metadata);
    return model;
  }

  /// What load() needs besides the tables: the layers and the graph's
  /// fingerprint.
  Metadata file_metadata() const {
    return {{std::string(layers_key), std::to_string(layers_)},
            {std::string(graph_key), graph_.fingerprint()}};
  }

  /// Saves the base embeddings with file_metadata() (and `extra`) atomically.
  void save(const std::filesystem::path& path, const Metadata& extra = {}) const {
    Metadata all = extra;
    for (auto& [key, value] : file_metadata()) all.insert_or_assign(key, value);
    save_model(path, *this, all);
  }

  index_t n_users() const noexcept { return static_cast<index_t>(tables_[user_table].rows()); }
  index_t n_items() const noexcept { return static_cast<index_t>(tables_[item_table].rows()); }
  std::size_t dim() const noexcept { return tables_[user_table].dim(); }
  std::size_t layers() const noexcept { return layers_; }
  double ego_l2() const noexcept { return ego_l2_; }
  const detail::BipartiteGraph& graph() const noexcept { return graph_; }

  /// s(u, i) = <E_u, E_i> of the cached final embeddings.
  real score(index_t u, index_t i) const noexcept {
    real s;
    score_items(u, std::span<const index_t>(&i, 1), std::span<real>(&s, 1));
    return s;
  }

  void prefetch(index_t u, index_t i) const noexcept {
    detail::prefetch_row(final_[user_table].row_ptr(static_cast<std::size_t>(u)), dim());
    detail::prefetch_row(final_[item_table].row_ptr(static_cast<std::size_t>(i)), dim());
  }

  /// out[k] = s(u, items[k]) (cached final embeddings; the samplers' hot
  /// path: no allocation, ids are not checked).
  void score_items(index_t u, std::span<const index_t> items, std::span<real> out) const noexcept {
    assert(u >= 0 && u < n_users());
    simd::gather_dot(final_[user_table].row_ptr(static_cast<std::size_t>(u)), final_[item_table],
                     items, out);
  }

  /// Adds d(loss)/d(final embeddings) of the scores s(u, items[k]) with
  /// upstream d_scores[k] into grad (table 0: final users, table 1: final
  /// items); end_batch() maps the merged result back to E_0.
  void backward(index_t u, std::span<const index_t> items, std::span<const real> d_scores,
                GradientAccumulator& grad) const {
    assert(d_scores.size() >= items.size());
    const std::size_t d = dim();
    const RowMatrix& item_rows = final_[item_table];
    const real* e_u = final_[user_table].row_ptr(static_cast<std::size_t>(u));
    real* g_u = grad.row(user_table, u);  // stays valid: only item rows are touched below
    for (std::size_t k = 0; k < items.size(); ++k) {
      const real dk = d_scores[k];
      simd::axpy(dk, item_rows.row_ptr(static_cast<std::size_t>(items[k])), g_u, d);
      simd::axpy(dk, e_u, grad.row(item_table, items[k]), d);
    }
    if (ego_l2_ > 0) count_uses(u, items);
  }

  // ---- Trainer hooks ----

  /// Propagates the current parameters (they changed since the last batch).
  void begin_batch(std::uint64_t /*batch_seed*/, ThreadPool& pool) {
    threads_ = pool.size();
    if (ego_l2_ > 0) reset_uses();
    propagate(pool);
  }

  /// Rewrites the merged gradient w.r.t. the final embeddings into the
  /// gradient w.r.t. E_0: G0 = (1/(K+1)) sum_k Â^k G, rows of the K-hop
  /// neighbourhood of the touched rows, ascending.
  void end_batch(SparseGradient& grad, ThreadPool& pool) {
    if (grad.n_tables() != 2) return;  // nothing was merged
    const std::size_t nu = static_cast<std::size_t>(n_users());
    const std::size_t ni = static_cast<std::size_t>(n_items());
    shape_dense(grad_in_[user_table], nu);
    shape_dense(grad_in_[item_table], ni);
    reach_[user_table].assign(nu, 0);
    reach_[item_table].assign(ni, 0);
    // Scatter the touched rows into zeroed dense tables.
    graph_.for_rows(pool, [&](bool user_side, std::size_t r) {
      RowMatrix& m = grad_in_[user_side ? user_table : item_table];
      std::fill_n(m.row_ptr(r), m.stride(), real{0});
    });
    for (std::size_t t = 0; t < 2; ++t) {
      const detail::SparseRows& rows = grad.table(t);
      detail::require(
          rows.stride == grad_in_[t].stride() && rows.slot_of.size() == grad_in_[t].rows(),
          "LightGCN::end_batch: the gradient is not shaped like the parameters");
      for (std::size_t k = 0; k < rows.size(); ++k) {
        const auto id = static_cast<std::size_t>(rows.ids[k]);
        std::copy_n(rows.slot_ptr(k), dim(), grad_in_[t].row_ptr(id));
        reach_[t][id] = 1;
      }
    }
    graph_.mean_of_powers(grad_in_[user_table], grad_in_[item_table], layers_,
                          grad_out_[user_table], grad_out_[item_table], scratch_, pool);
    if (ego_l2_ > 0) add_ego_l2(grad);
    graph_.expand(reach_[user_table], reach_[item_table], layers_, pool);
    for (std::size_t t = 0; t < 2; ++t) write_rows(grad.table(t), grad_out_[t], reach_[t], pool);
  }

  /// Training ends (false): propagate the trained parameters so that
  /// score() and recommend() see them.
  void set_training(bool training) {
    if (training) return;
    ThreadPool pool(threads_);
    refresh(&pool);
  }

  /// Propagates when the parameters changed since the last propagation.
  void refresh(ThreadPool* pool = nullptr) const {
    if (cache_version_ == version_) return;
    if (pool) {
      propagate(*pool);
    } else {
      ThreadPool one(1);
      propagate(one);
    }
  }

  // ---- parameters and embeddings ----

  /// E_0 (what optimizers update). The non-const form marks the cache stale.
  std::span<RowMatrix> parameters() noexcept {
    ++version_;
    return tables_;
  }
  std::span<const RowMatrix> parameters() const noexcept { return tables_; }

  RowMatrix& base_user_embeddings() noexcept {
    ++version_;
    return tables_[user_table];
  }
  const RowMatrix& base_user_embeddings() const noexcept { return tables_[user_table]; }
  RowMatrix& base_item_embeddings() noexcept {
    ++version_;
    return tables_[item_table];
  }
  const RowMatrix& base_item_embeddings() const noexcept { return tables_[item_table]; }

  /// The cached final embeddings E = P E_0 (of the last propagation).
  const RowMatrix& final_user_embeddings() const noexcept { return final_[user_table]; }
  const RowMatrix& final_item_embeddings() const noexcept { return final_[item_table]; }

  /// Scores blocks of users against all items with the final embeddings
  /// (propagated first if the parameters changed, on `pool` when given).
  /// The scorer refers to this model's cached final user table: it is valid
  /// until the next propagation (begin_batch, or refresh after a change).
  DotScorer block_scorer(ThreadPool* pool = nullptr) const {
    refresh(pool);
    return DotScorer(final_[user_table], final_[item_table]);
  }

  /// The k best items of `user` it has not seen, best first.
  std::vector<Recommendation> recommend(index_t user, std::size_t k,
                                        const Interactions& seen) const {
    return detail::recommend_list(block_scorer(), user, k, seen);
  }

  /// The k best unseen items of each of `users`, on `pool` when given.
  Recommendations recommend(std::span<const index_t> users, std::size_t k, const Interactions& seen,
                            ThreadPool* pool = nullptr) const {
    return recommend_top_k(block_scorer(pool), users, k, seen, pool);
  }

 private:
  static constexpr std::size_t max_layers = 64;

  LightGCN(std::vector<RowMatrix> tables, const Interactions& train, std::size_t layers)
      : layers_(layers) {
    graph_ = detail::BipartiteGraph(train, static_cast<index_t>(tables[0].rows()),
                                    static_cast<index_t>(tables[1].rows()));
    tables_[user_table] = std::move(tables[0]);
    tables_[item_table] = std::move(tables[1]);
    refresh();
  }

  void propagate(ThreadPool& pool) const {
    graph_.mean_of_powers(tables_[user_table], tables_[item_table], layers_, final_[user_table],
                          final_[item_table], scratch_, pool);
    cache_version_ = version_;
  }

  // ---- ego_l2: uses of E_0's rows in the batch (see the header comment)

  void reset_uses() {
    for (std::size_t t = 0; t < 2; ++t) uses_[t].assign(tables_[t].rows(), 0);
  }

  void count_uses(index_t u, std::span<const index_t> items) const noexcept {
    const auto count = [this](std::size_t table, index_t id) {
      std::atomic_ref<std::uint32_t>(uses_[table][static_cast<std::size_t>(id)])
          .fetch_add(1, std::memory_order_relaxed);
    };
    count(user_table, u);
    for (const index_t i : items) count(item_table, i);
  }

  /// grad_out_ += c n_r / rows e0_r on the batch's used rows (all of them
  /// touched, so listed in `grad`); begin_batch() forgets the uses. Each
  /// row uses one user: the rows are the sum of the users' uses.
  void add_ego_l2(const SparseGradient& grad) {
    std::uint64_t rows = 0;
    for (const index_t u : grad.table(user_table).ids)
      rows += uses_[user_table][static_cast<std::size_t>(u)];
    if (rows == 0) return;
    for (std::size_t t = 0; t < 2; ++t)
      for (const index_t id : grad.table(t).ids) {
        const std::uint32_t n = uses_[t][static_cast<std::size_t>(id)];
        if (n == 0) continue;
        const auto w = static_cast<real>(ego_l2_ * n / static_cast<double>(rows));
        simd::axpy(w, tables_[t].row_ptr(static_cast<std::size_t>(id)),
                   grad_out_[t].row_ptr(static_cast<std::size_t>(id)), dim());
      }
  }

  void shape_dense(RowMatrix& m, std::size_t rows) const {
    if (m.rows() != rows || m.dim() != dim()) m = RowMatrix(rows, dim());
  }

  /// Replaces `rows` by the marked rows of `dense`, ascending.
  static void write_rows(detail::SparseRows& rows, const RowMatrix& dense,
                         const std::vector<std::uint8_t>& marked, ThreadPool& pool) {
    rows.clear();
    for (std::size_t id = 0; id < marked.size(); ++id)
      if (marked[id]) {
        rows.slot_of[id] = static_cast<std::int32_t>(rows.ids.size());
        rows.ids.push_back(static_cast<index_t>(id));
      }
    const std::size_t n = rows.ids.size();
    if (rows.values.size() < n * rows.stride) rows.values.resize(n * rows.stride);
    constexpr std::size_t rows_per_task = 512;
    pool.run((n + rows_per_task - 1) / rows_per_task, [&](std::size_t task, std::size_t) {
      const std::size_t end = std::min(n, (task + 1) * rows_per_task);
      for (std::size_t k = task * rows_per_task; k < end; ++k)
        std::copy_n(dense.row_ptr(static_cast<std::size_t>(rows.ids[k])), rows.stride,
                    rows.slot_ptr(k));
    });
  }

  std::size_t layers_ = default_layers;
  double ego_l2_ = 0;
  detail::BipartiteGraph graph_;
  std::array<RowMatrix, 2> tables_;  // E_0: the parameters
  std::size_t threads_ = 1;          // the trainer's pool size (for set_training(false))
  std::uint64_t version_ = 0;        // bumped by every non-const access to tables_

  // Derived state (the propagation cache and buffers), written by const
  // refresh(): see the header comment.
  mutable std::array<RowMatrix, 2> final_;
  mutable std::uint64_t cache_version_ = std::numeric_limits<std::uint64_t>::max();
  mutable detail::PropagationScratch scratch_;
  // end_batch buffers: dense dL/dE, dense dL/dE_0, reachable rows.
  std::array<RowMatrix, 2> grad_in_, grad_out_;
  std::array<std::vector<std::uint8_t>, 2> reach_;
  // ego_l2: uses of each E_0 row in this batch (counted by const backward()
  // from several threads: atomic_ref).
  mutable std::array<std::vector<std::uint32_t>, 2> uses_;
};

}  // namespace hardneg
