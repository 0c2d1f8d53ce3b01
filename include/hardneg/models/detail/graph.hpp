// BipartiteGraph: the normalised user-item graph of LightGCN and its sparse
// products (He et al., "LightGCN", SIGIR 2020; spec/algorithms.md 5.4).
//
//   A = [[0, R], [R^T, 0]]      R: n_users x n_items, R_ui = 1 if (u, i) is a
//                               train interaction
//   Â = D^-1/2 A D^-1/2         D: node degrees; no self loops
//   Â_ui = 1 / sqrt(d_u d_i)    (computed in double, stored as float)
//
// A node of degree 0 has no edge, so its row and column of Â are zero (no
// division by zero, no NaN).
//
// Â [X_users; X_items] = [R̂ X_items; R̂^T X_users] is computed as two
// gathers: each user row from its items (CSR by user) and each item row from
// its users (CSR by item). One output row is computed by one thread, summing
// its neighbours in ascending id order, so the products are bit-identical
// for any thread count. mean_of_powers computes the LightGCN layer mean
//
//   P X = (1 / (K + 1)) sum_{k=0..K} Â^k X
//
// which is both the forward pass (X = E0) and, because Â is symmetric, the
// backward pass (dL/dE0 = P dL/dE_final).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <xsimd/xsimd.hpp>

#include "hardneg/core/config.hpp"
#include "hardneg/core/error.hpp"
#include "hardneg/core/matrix.hpp"
#include "hardneg/core/prefetch.hpp"
#include "hardneg/core/thread_pool.hpp"
#include "hardneg/core/types.hpp"
#include "hardneg/data/interactions.hpp"

namespace hardneg::detail {

/// Two pairs of tables a propagation alternates between (layer k and k + 1).
struct PropagationScratch {
  RowMatrix users[2];
  RowMatrix items[2];
};

class BipartiteGraph {
 public:
  BipartiteGraph() : user_offsets_(1, 0), item_offsets_(1, 0) {}

  /// The normalised graph of `train` with n_users x n_items nodes (at least
  /// train's sizes: the extra nodes have degree 0).
  BipartiteGraph(const Interactions& train, index_t n_users, index_t n_items)
      : n_users_(n_users), n_items_(n_items) {
    require(n_users >= train.n_users() && n_items >= train.n_items(),
            "LightGCN graph: " + std::to_string(n_users) + " users x " + std::to_string(n_items) +
                " items is smaller than the train data (" + std::to_string(train.n_users()) +
                " x " + std::to_string(train.n_items()) + ")");
    const auto nu = static_cast<std::size_t>(n_users);
    const auto ni = static_cast<std::size_t>(n_items);
    // CSR by user: train's rows (sorted, unique), padded with empty rows.
    user_offsets_ = train.offsets();
    user_offsets_.resize(nu + 1, user_offsets_.back());
    user_nbrs_ = train.items();
    // CSR by item: a counting sort of the edges; users come out ascending.
    item_offsets_.assign(ni + 1, 0);
    for (index_t i : user_nbrs_) ++item_offsets_[static_cast<std::size_t>(i) + 1];
    for (std::size_t i = 0; i < ni; ++i) item_offsets_[i + 1] += item_offsets_[i];
    item_nbrs_.resize(user_nbrs_.size());
    {
      std::vector<offset_t> cursor(item_offsets_.begin(), item_offsets_.end() - 1);
      for (std::size_t u = 0; u < nu; ++u)
        for (offset_t e = user_offsets_[u]; e < user_offsets_[u + 1]; ++e)
          item_nbrs_[static_cast<std::size_t>(
              cursor[static_cast<std::size_t>(user_nbrs_[static_cast<std::size_t>(e)])]++)] =
              static_cast<index_t>(u);
    }
    // Â_ui = 1 / sqrt(d_u d_i), the same float in both CSRs.
    const auto weight = [&](std::size_t u, std::size_t i) {
      const double du = static_cast<double>(user_offsets_[u + 1] - user_offsets_[u]);
      const double di = static_cast<double>(item_offsets_[i + 1] - item_offsets_[i]);
      return static_cast<real>(1.0 / std::sqrt(du * di));
    };
    user_weights_.resize(user_nbrs_.size());
    for (std::size_t u = 0; u < nu; ++u)
      for (offset_t e = user_offsets_[u]; e < user_offsets_[u + 1]; ++e)
        user_weights_[static_cast<std::size_t>(e)] =
            weight(u, static_cast<std::size_t>(user_nbrs_[static_cast<std::size_t>(e)]));
    item_weights_.resize(item_nbrs_.size());
    for (std::size_t i = 0; i < ni; ++i)
      for (offset_t e = item_offsets_[i]; e < item_offsets_[i + 1]; ++e)
        item_weights_[static_cast<std::size_t>(e)] =
            weight(static_cast<std::size_t>(item_nbrs_[static_cast<std::size_t>(e)]), i);
    fingerprint_ = make_fingerprint();
  }

  index_t n_users() const noexcept { return n_users_; }
  index_t n_items() const noexcept { return n_items_; }
  offset_t n_edges() const noexcept { return static_cast<offset_t>(user_nbrs_.size()); }

  /// Items of user u (ascending) and their weights Â_ui.
  std::span<const index_t> items_of(index_t u) const noexcept {
    return row(user_offsets_, user_nbrs_, u);
  }
  std::span<const real> item_weights_of(index_t u) const noexcept {
    return row(user_offsets_, user_weights_, u);
  }
  /// Users of item i (ascending) and their weights Â_ui.
  std::span<const index_t> users_of(index_t i) const noexcept {
    return row(item_offsets_, item_nbrs_, i);
  }
  std::span<const real> user_weights_of(index_t i) const noexcept {
    return row(item_offsets_, item_weights_, i);
  }

  /// "users=U items=I edges=E hash=H": the sizes and an FNV-1a 64 hash of
  /// the edges, which identifies the train data a model was trained on.
  const std::string& fingerprint() const noexcept { return fingerprint_; }

  /// out = P in = (1 / (layers + 1)) sum_{k=0..layers} Â^k in, for the
  /// stacked tables [users; items]. `out` must not alias `in`; tables are
  /// shaped as needed (all with in_users' dim).
  void mean_of_powers(const RowMatrix& in_users, const RowMatrix& in_items, std::size_t layers,
                      RowMatrix& out_users, RowMatrix& out_items, PropagationScratch& scratch,
                      ThreadPool& pool) const {
    const std::size_t dim = in_users.dim();
    require(in_users.rows() == static_cast<std::size_t>(n_users_) &&
                in_items.rows() == static_cast<std::size_t>(n_items_) && in_items.dim() == dim,
            "LightGCN graph: the tables do not match the graph's " + std::to_string(n_users_) +
                " users x " + std::to_string(n_items_) + " items");
    shape(out_users, n_users_, dim);
    shape(out_items, n_items_, dim);
    const real scale = static_cast<real>(1.0 / static_cast<double>(layers + 1));
    const std::size_t stride = in_users.stride();
    const RowMatrix* cur_users = &in_users;
    const RowMatrix* cur_items = &in_items;
    if (layers == 0) {
      for_rows(pool, [&](bool user_side, std::size_t r) {
        const real* x = (user_side ? in_users : in_items).row_ptr(r);
        real* y = (user_side ? out_users : out_items).row_ptr(r);
        for (std::size_t c = 0; c < stride; ++c) y[c] = x[c] * scale;
      });
      return;
    }
    for (std::size_t k = 1; k <= layers; ++k) {
      RowMatrix& next_users = scratch.users[(k - 1) % 2];
      RowMatrix& next_items = scratch.items[(k - 1) % 2];
      shape(next_users, n_users_, dim);
      shape(next_items, n_items_, dim);
      const bool first = k == 1, last = k == layers;
      // Each row: next = (Â cur)_r, then out_r (+)= next_r, scaled on the last layer.
      for_rows(pool, [&](bool user_side, std::size_t r) {
        const auto id = static_cast<index_t>(r);
        real* y = (user_side ? next_users : next_items).row_ptr(r);
        if (user_side)
          weighted_sum(items_of(id), item_weights_of(id), *cur_items, y);
        else
          weighted_sum(users_of(id), user_weights_of(id), *cur_users, y);
        real* o = (user_side ? out_users : out_items).row_ptr(r);
        if (first) {
          const real* x = (user_side ? in_users : in_items).row_ptr(r);
          for (std::size_t c = 0; c < stride; ++c) o[c] = x[c] + y[c];
        } else {
          for (std::size_t c = 0; c < stride; ++c) o[c] += y[c];
        }
        if (last)
          for (std::size_t c = 0; c < stride; ++c) o[c] *= scale;
      });
      cur_users = &next_users;
      cur_items = &next_items;
    }
  }

  /// Marks every node within `hops` hops of a marked node (masks: one byte
  /// per user / item, nonzero = marked). These are the rows of P G that can
  /// be nonzero when G's nonzero rows are the marked ones.
  void expand(std::vector<std::uint8_t>& users, std::vector<std::uint8_t>& items, std::size_t hops,
              ThreadPool& pool) const {
    std::vector<std::uint8_t> cur_u = users, cur_i = items;
    std::vector<std::uint8_t> next_u(users.size()), next_i(items.size());
    for (std::size_t k = 0; k < hops; ++k) {
      for_rows(pool, [&](bool user_side, std::size_t r) {
        const auto id = static_cast<index_t>(r);
        const auto nbrs = user_side ? items_of(id) : users_of(id);
        const auto& from = user_side ? cur_i : cur_u;
        std::uint8_t hit = 0;
        for (index_t j : nbrs)
          if (from[static_cast<std::size_t>(j)]) {
            hit = 1;
            break;
          }
        (user_side ? next_u : next_i)[r] = hit;
        if (hit) (user_side ? users : items)[r] = 1;
      });
      std::swap(cur_u, next_u);
      std::swap(cur_i, next_i);
    }
  }

  /// Calls fn(user_side, row) for every user row then every item row, in
  /// chunks spread over the pool (each row on one thread).
  template <class Fn>
  void for_rows(ThreadPool& pool, Fn&& fn) const {
    constexpr std::size_t rows_per_task = 256;
    const auto nu = static_cast<std::size_t>(n_users_);
    const auto ni = static_cast<std::size_t>(n_items_);
    const std::size_t user_tasks = (nu + rows_per_task - 1) / rows_per_task;
    const std::size_t item_tasks = (ni + rows_per_task - 1) / rows_per_task;
    pool.run(user_tasks + item_tasks, [&](std::size_t task, std::size_t) {
      const bool user_side = task < user_tasks;
      const std::size_t first = (user_side ? task : task - user_tasks) * rows_per_task;
      const std::size_t end = std::min(user_side ? nu : ni, first + rows_per_task);
      for (std::size_t r = first; r < end; ++r) fn(user_side, r);
    });
  }

  /// y = sum_j w_j x[nbrs_j] over whole padded rows, neighbours in order
  /// (y starts at zero; one fma per neighbour and lane). The row is done in
  /// chunks of up to 8 SIMD batches held in registers.
  static void weighted_sum(std::span<const index_t> nbrs, std::span<const real> w,
                           const RowMatrix& x, real* y) noexcept {
    const std::size_t batches = x.stride() / simd_width;  // the stride is a multiple of the width
    for (std::size_t b0 = 0; b0 < batches; b0 += max_chunk) {
      switch (std::min(max_chunk, batches - b0)) {
        case 1:
          weighted_sum_chunk<1>(nbrs, w, x, b0, y);
          break;
        case 2:
          weighted_sum_chunk<2>(nbrs, w, x, b0, y);
          break;
        case 3:
          weighted_sum_chunk<3>(nbrs, w, x, b0, y);
          break;
        case 4:
          weighted_sum_chunk<4>(nbrs, w, x, b0, y);
          break;
        case 5:
          weighted_sum_chunk<5>(nbrs, w, x, b0, y);
          break;
        case 6:
          weighted_sum_chunk<6>(nbrs, w, x, b0, y);
          break;
        case 7:
          weighted_sum_chunk<7>(nbrs, w, x, b0, y);
          break;
        default:
          weighted_sum_chunk<8>(nbrs, w, x, b0, y);
          break;
      }
    }
  }

  /// Scalar reference of weighted_sum (the tests compare them).
  static void weighted_sum_reference(std::span<const index_t> nbrs, std::span<const real> w,
                                     const RowMatrix& x, real* y) noexcept {
    std::fill_n(y, x.stride(), real{0});
    for (std::size_t j = 0; j < nbrs.size(); ++j) {
      const real* xr = x.row_ptr(static_cast<std::size_t>(nbrs[j]));
      for (std::size_t c = 0; c < x.stride(); ++c) y[c] += w[j] * xr[c];
    }
  }

 private:
  using batch = xsimd::batch<real>;
  static constexpr std::size_t simd_width = batch::size;
  static constexpr std::size_t max_chunk = 8;
  static_assert(alignment % (simd_width * sizeof(real)) == 0,
                "hardneg: RowMatrix rows must be padded to a multiple of the SIMD width");

  template <class T>
  static std::span<const T> row(const std::vector<offset_t>& offsets, const std::vector<T>& values,
                                index_t id) noexcept {
    const auto b = offsets[static_cast<std::size_t>(id)];
    const auto e = offsets[static_cast<std::size_t>(id) + 1];
    return {values.data() + b, static_cast<std::size_t>(e - b)};
  }

  static void shape(RowMatrix& m, index_t rows, std::size_t dim) {
    if (m.rows() != static_cast<std::size_t>(rows) || m.dim() != dim)
      m = RowMatrix(static_cast<std::size_t>(rows), dim);
  }

  /// Batches b0 .. b0 + NB of weighted_sum's row.
  template <std::size_t NB>
  static void weighted_sum_chunk(std::span<const index_t> nbrs, std::span<const real> w,
                                 const RowMatrix& x, std::size_t b0, real* y) noexcept {
    constexpr std::size_t ahead = 4;
    const std::size_t offset = b0 * simd_width;
    batch acc[NB];
    for (std::size_t b = 0; b < NB; ++b) acc[b] = batch(real{0});
    for (std::size_t j = 0; j < nbrs.size(); ++j) {
      if (j + ahead < nbrs.size())
        prefetch_row(x.row_ptr(static_cast<std::size_t>(nbrs[j + ahead])) + offset,
                     NB * simd_width);
      const real* xr = x.row_ptr(static_cast<std::size_t>(nbrs[j])) + offset;
      const batch wj(w[j]);
      for (std::size_t b = 0; b < NB; ++b)
        acc[b] = xsimd::fma(wj, batch::load_aligned(xr + b * simd_width), acc[b]);
    }
    for (std::size_t b = 0; b < NB; ++b) acc[b].store_aligned(y + offset + b * simd_width);
  }

  std::string make_fingerprint() const {
    std::uint64_t h = 0xcbf29ce484222325ull;
    const auto mix = [&h](std::uint64_t v, int bytes) {
      for (int b = 0; b < bytes; ++b) {
        h ^= (v >> (8 * b)) & 0xffu;
        h *= 0x100000001b3ull;
      }
    };
    mix(static_cast<std::uint64_t>(n_users_), 4);
    mix(static_cast<std::uint64_t>(n_items_), 4);
    for (offset_t o : user_offsets_) mix(static_cast<std::uint64_t>(o), 8);
    for (index_t i : user_nbrs_) mix(static_cast<std::uint64_t>(i), 4);
    char hex[24];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
    return "users=" + std::to_string(n_users_) + " items=" + std::to_string(n_items_) +
           " edges=" + std::to_string(n_edges()) + " hash=" + hex;
  }

  index_t n_users_ = 0;
  index_t n_items_ = 0;
  std::vector<offset_t> user_offsets_;
  std::vector<index_t> user_nbrs_;
  std::vector<real> user_weights_;
  std::vector<offset_t> item_offsets_;
  std::vector<index_t> item_nbrs_;
  std::vector<real> item_weights_;
  std::string fingerprint_;
};

}  // namespace hardneg::detail
