// DotScorer: the BlockScorer of an embedding pair, score(u, i) = <p_u, q_i>.
//
// Holds a reference to the user table (which must outlive the scorer) and a
// packed copy of the item table (simd::ItemPanels, built once by the
// constructor), so it sees the items as they were when it was built: build a
// new one after training changes the model. Scoring is simd::score_block.
#pragma once

#include <cstddef>
#include <span>

#include "hardneg/core/error.hpp"
#include "hardneg/core/matrix.hpp"
#include "hardneg/core/types.hpp"
#include "hardneg/eval/block_scorer.hpp"
#include "hardneg/simd/block_dot.hpp"

namespace hardneg {

class DotScorer {
 public:
  DotScorer(const RowMatrix& users, const RowMatrix& items) : users_(&users), panels_(items) {
    detail::require(users.dim() == items.dim(),
                    "DotScorer: user and item embeddings have different dims");
  }
  // The user table is referenced, so it may not be a temporary.
  DotScorer(RowMatrix&&, const RowMatrix&) = delete;

  index_t n_users() const noexcept { return static_cast<index_t>(users_->rows()); }
  index_t n_items() const noexcept { return static_cast<index_t>(panels_.n_items()); }
  std::size_t dim() const noexcept { return panels_.dim(); }

  /// out[r * ld + i] = <p_{users[r]}, q_i>.
  void score_block(std::span<const index_t> users, real* out, std::size_t ld) const {
    simd::score_block(*users_, users, panels_, out, ld);
  }

 private:
  const RowMatrix* users_;
  simd::ItemPanels panels_;
};

static_assert(BlockScorer<DotScorer>);

}  // namespace hardneg
