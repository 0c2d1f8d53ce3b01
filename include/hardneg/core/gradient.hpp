// Sparse gradients: the rows of each parameter table a mini-batch touched.
//
// Each trainer thread accumulates into its own GradientAccumulator (one per
// thread, static share of the batch). SparseGradient::merge then sums the
// threads' rows in thread order, so the result depends on the thread count
// but never on scheduling: same seed + data + threads = identical bytes.
//
// SparseGradient::link is the lazy form of merge: it only lists the rows the
// parts touched, and an optimizer forms each row's sum when it visits the row
// (row_sum, find_sum): a row one thread touched is read straight from that
// thread's accumulator, a row several touched is summed in thread order into
// a scratch row. That saves writing every touched row and reading it back, a
// pass over memory per batch.
#pragma once

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "hardneg/core/aligned.hpp"
#include "hardneg/core/matrix.hpp"
#include "hardneg/core/prefetch.hpp"
#include "hardneg/core/thread_pool.hpp"
#include "hardneg/core/types.hpp"

namespace hardneg {

namespace detail {
/// Rows of one table touched in a batch: ids in first-touch order, a dense
/// id -> slot index, and the accumulated values (slot-major, `stride` floats).
struct SparseRows {
  std::vector<std::int32_t> slot_of;  // -1 when untouched
  std::vector<index_t> ids;
  aligned_vector<real> values;
  std::size_t dim = 0;
  std::size_t stride = 0;

  void shape(std::size_t rows, std::size_t dim_, std::size_t stride_) {
    if (slot_of.size() != rows) slot_of.assign(rows, -1);
    dim = dim_;
    stride = stride_;
  }
  void reserve(std::size_t n_rows) {
    ids.reserve(n_rows);
    if (values.size() < n_rows * stride) values.resize(n_rows * stride);
  }
  std::size_t size() const noexcept { return ids.size(); }
  real* slot_ptr(std::size_t slot) noexcept { return values.data() + slot * stride; }
  const real* slot_ptr(std::size_t slot) const noexcept { return values.data() + slot * stride; }
  /// The row of `id`, zero-filled on first touch.
  real* touch(index_t id) {
    std::int32_t& slot = slot_of[static_cast<std::size_t>(id)];
    if (slot < 0) {
      slot = static_cast<std::int32_t>(ids.size());
      ids.push_back(id);
      if (values.size() < ids.size() * stride) values.resize(std::max(values.size() * 2, ids.size() * stride));
      std::fill_n(slot_ptr(static_cast<std::size_t>(slot)), stride, real{0});
    }
    return slot_ptr(static_cast<std::size_t>(slot));
  }
  /// The row of `id`, or nullptr when the batch did not touch it.
  const real* find(index_t id) const noexcept {
    const std::int32_t slot = slot_of[static_cast<std::size_t>(id)];
    return slot < 0 ? nullptr : slot_ptr(static_cast<std::size_t>(slot));
  }
  void clear() noexcept {
    for (index_t id : ids) slot_of[static_cast<std::size_t>(id)] = -1;
    ids.clear();
  }
};
}  // namespace detail

/// One thread's gradient for one mini-batch, over every parameter table of a
/// model. Models write d(loss)/d(parameter) rows with row(table, id).
class GradientAccumulator {
 public:
  GradientAccumulator() = default;

  /// Shapes the accumulator after the model's tables; reserves room for
  /// `rows_hint` touched rows per table so the hot loop never reallocates.
  void shape(std::span<const RowMatrix> tables, std::size_t rows_hint = 0) {
    tables_.resize(tables.size());
    for (std::size_t t = 0; t < tables.size(); ++t) {
      tables_[t].shape(tables[t].rows(), tables[t].dim(), tables[t].stride());
      tables_[t].reserve(std::min(rows_hint, tables[t].rows()));
    }
  }

  /// The accumulation row of parameter row `id` of table `table` (`stride`
  /// floats, zero on first touch in this batch). Add into it. The pointer is
  /// valid until the next row() call on the same table.
  real* row(std::size_t table, index_t id) { return tables_[table].touch(id); }

  /// Hints the cache to load the accumulation row of `id` for writing, when
  /// this batch has touched it already (a first touch writes a fresh slot).
  void prefetch(std::size_t table, index_t id) const noexcept {
    const detail::SparseRows& rows = tables_[table];
    const std::int32_t slot = rows.slot_of[static_cast<std::size_t>(id)];
    if (slot >= 0) detail::prefetch_row_for_write(rows.slot_ptr(static_cast<std::size_t>(slot)), rows.dim);
  }

  std::size_t n_tables() const noexcept { return tables_.size(); }
  const detail::SparseRows& table(std::size_t t) const noexcept { return tables_[t]; }

  /// Forgets the batch (cost: the touched rows, not the table size).
  void clear() noexcept {
    for (auto& t : tables_) t.clear();
  }

 private:
  std::vector<detail::SparseRows> tables_;
};

/// The merged gradient of a mini-batch: per table, the touched rows and their
/// summed values. This is what optimizers consume.
class SparseGradient {
 public:
  std::size_t n_tables() const noexcept { return tables_.size(); }
  /// Touched row ids of table t, in a deterministic order.
  std::span<const index_t> rows(std::size_t t) const noexcept { return tables_[t].ids; }
  /// Whether the sums are formed on demand (link) rather than stored (merge).
  bool linked() const noexcept { return !parts_.empty(); }

  // Stored sums (after merge; not after link):
  /// Gradient of the k-th touched row of table t (`stride` floats).
  const real* values(std::size_t t, std::size_t k) const noexcept {
    assert(!linked());
    return tables_[t].slot_ptr(k);
  }
  /// Gradient of row `id` of table t, or nullptr when untouched.
  const real* find(std::size_t t, index_t id) const noexcept {
    assert(!linked());
    return tables_[t].find(id);
  }
  /// The rows of table t, for models whose end_batch() rewrites the merged
  /// gradient (e.g. back-propagation through a graph after the batch).
  detail::SparseRows& table(std::size_t t) noexcept {
    assert(!linked());
    return tables_[t];
  }
  const detail::SparseRows& table(std::size_t t) const noexcept {
    assert(!linked());
    return tables_[t];
  }

  // Sums after merge or link (what optimizers use):
  /// Gradient of the k-th touched row of table t: the stored sum, the one
  /// part that touched it, or the parts' sum in thread order written into
  /// `scratch` (`stride` floats, aligned; the result may point there).
  const real* row_sum(std::size_t t, std::size_t k, real* scratch) const noexcept {
    if (!linked()) return tables_[t].slot_ptr(k);
    return sum_parts(t, tables_[t].ids[k], scratch);
  }
  /// The same for row `id`; nullptr when no part touched it.
  const real* find_sum(std::size_t t, index_t id, real* scratch) const noexcept {
    if (!linked()) return tables_[t].find(id);
    return sum_parts(t, id, scratch);
  }
  /// Floats of a row of table t (what scratch must hold).
  std::size_t stride(std::size_t t) const noexcept { return tables_[t].stride; }

  /// Sums the threads' accumulators (in thread order) into this gradient.
  void merge(std::span<const GradientAccumulator> parts, ThreadPool& pool) {
    parts_ = {};
    if (parts.empty()) return;
    collect_rows(parts);
    const std::size_t n_tables = parts[0].n_tables();
    // Sum the values row by row, in thread order, spread over the pool.
    constexpr std::size_t rows_per_task = 512;
    for (std::size_t t = 0; t < n_tables; ++t) {
      auto& out = tables_[t];
      if (out.values.size() < out.ids.size() * out.stride) out.values.resize(out.ids.size() * out.stride);
      const std::size_t n = out.ids.size();
      const std::size_t tasks = (n + rows_per_task - 1) / rows_per_task;
      pool.run(tasks, [&](std::size_t task, std::size_t) {
        const std::size_t end = std::min(n, (task + 1) * rows_per_task);
        for (std::size_t k = task * rows_per_task; k < end; ++k) {
          real* dst = out.slot_ptr(k);
          std::fill_n(dst, out.stride, real{0});
          for (const auto& part : parts) {
            const real* src = part.table(t).find(out.ids[k]);
            if (!src) continue;
            for (std::size_t c = 0; c < out.dim; ++c) dst[c] += src[c];
          }
        }
      });
    }
  }

  /// Lists the rows the threads' accumulators touched, in thread order, and
  /// keeps a view of them: row_sum() and find_sum() sum them on demand. The
  /// parts must stay unchanged while this gradient is used.
  void link(std::span<const GradientAccumulator> parts) {
    parts_ = {};
    if (parts.empty()) return;
    collect_rows(parts);
    parts_ = parts;
  }

 private:
  /// The union of the parts' touched rows, in thread order (ids only: cheap
  /// and serial).
  void collect_rows(std::span<const GradientAccumulator> parts) {
    const std::size_t n_tables = parts[0].n_tables();
    tables_.resize(n_tables);
    for (std::size_t t = 0; t < n_tables; ++t) {
      auto& out = tables_[t];
      const auto& first = parts[0].table(t);
      out.shape(first.slot_of.size(), first.dim, first.stride);
      out.clear();
      // Union of ids in thread order (ids only: cheap and serial).
      for (const auto& part : parts)
        for (index_t id : part.table(t).ids) {
          std::int32_t& slot = out.slot_of[static_cast<std::size_t>(id)];
          if (slot < 0) {
            slot = static_cast<std::int32_t>(out.ids.size());
            out.ids.push_back(id);
          }
        }
    }
  }

  /// Row `id` of table t summed over the linked parts as merge() sums it
  /// (from zero, in thread order); a row of one part is that part's row
  /// (the same values, except that merge turns a -0 into +0).
  const real* sum_parts(std::size_t t, index_t id, real* scratch) const noexcept {
    const real* only = nullptr;
    std::size_t k = 0;
    for (; k < parts_.size() && !only; ++k) only = parts_[k].table(t).find(id);
    const real* next = nullptr;
    for (; k < parts_.size() && !next; ++k) next = parts_[k].table(t).find(id);
    if (!next) return only;
    const std::size_t dim = tables_[t].dim, stride = tables_[t].stride;
    std::fill(scratch + dim, scratch + stride, real{0});
    for (std::size_t c = 0; c < dim; ++c) scratch[c] = (real{0} + only[c]) + next[c];
    for (; k < parts_.size(); ++k)
      if (const real* src = parts_[k].table(t).find(id))
        for (std::size_t c = 0; c < dim; ++c) scratch[c] += src[c];
    return scratch;
  }

  std::vector<detail::SparseRows> tables_;
  std::span<const GradientAccumulator> parts_;  // after link(): the threads' rows
};

}  // namespace hardneg
