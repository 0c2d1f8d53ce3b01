// EmbeddingModel: a model that exposes its user and item embedding tables.
//
// Samplers that look inside the model rather than only scoring candidates
// (AOBPR sorts the items by each latent factor; the kernel sampler builds a
// tree of quadratic features of the item vectors) need
//
//   const RowMatrix& user_embeddings() const;   // n_users x dim
//   const RowMatrix& item_embeddings() const;   // n_items x dim, same dim
//
// MF has them. For a model whose score is not the plain dot product of these
// tables (biases, a neural head) such a sampler still works: it samples from
// the embeddings' geometry and lets the model score the picks.
#pragma once

#include <concepts>

#include "hardneg/core/matrix.hpp"

namespace hardneg::detail {

template <class M>
concept EmbeddingModel = requires(const M& m) {
  { m.user_embeddings() } -> std::convertible_to<const RowMatrix&>;
  { m.item_embeddings() } -> std::convertible_to<const RowMatrix&>;
};

}  // namespace hardneg::detail
