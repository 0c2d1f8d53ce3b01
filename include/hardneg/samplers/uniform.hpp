// Uniform: k negatives drawn uniformly over the items, with replacement
// (Rendle et al. 2009, BPR's sampler; spec/algorithms.md 2.1).
//
//   j_1 .. j_k  ~  Uniform{0 .. n_items - 1}          weights 1/k each
//
// Unless SampleContext::allow_seen is set, the user's train items and the
// positive are rejected and redrawn, so the draws are uniform over the items
// the user has not seen. With allow_seen nothing is excluded, which is what
// the WWW'23, SimpleX and BSL reference code does (plain randint).
// log q(j) = -log n_items (log_proposal).
//
// Template parameter: K, the default number of negatives per positive;
// Uniform<>{{.k = 5}} overrides it at run time.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>

#include "hardneg/core/error.hpp"
#include "hardneg/core/negatives.hpp"
#include "hardneg/core/types.hpp"
#include "hardneg/data/interactions.hpp"
#include "hardneg/samplers/detail/exclusion.hpp"

namespace hardneg {

template <int K = 1>
class Uniform {
  static_assert(K >= 1, "hardneg::Uniform<K>: K (negatives per positive) must be at least 1");

 public:
  struct Params {
    int k = K;  ///< negatives per positive
  };

  explicit Uniform(Params p = {}) : params_(p) {
    detail::require(p.k >= 1, "uniform sampler: k must be at least 1, got " + std::to_string(p.k));
  }

  static constexpr std::string_view name() { return "uniform"; }
  const Params& params() const noexcept { return params_; }
  std::size_t max_negatives() const noexcept { return static_cast<std::size_t>(params_.k); }

  /// Checks, before training, that every user of `train` has an item left to
  /// draw (unless seen items are allowed). Throws InvalidArgument naming the
  /// first user who has seen every item.
  void prepare(const Interactions& train, bool allow_seen = false) {
    n_items_ = train.n_items();
    if (!allow_seen) detail::check_sampleable(name(), train);
  }

  /// log q(j) of the proposal (before exclusion): -log n_items.
  real log_proposal(index_t /*item*/) const noexcept {
    return static_cast<real>(-std::log(static_cast<double>(n_items_)));
  }

  /// Fills `out` with k uniform negatives for the pair of `ctx`, weights 1/k.
  template <class M>
  void sample(const M& model, SampleContext& ctx, Negatives& out) const {
    const std::size_t k = max_negatives();
    const index_t n_items = model.n_items();
    out.reserve(k);  // no-op once the trainer has reserved max_negatives()
    out.resize(k);
    out.scored = false;
    const auto items = out.items();
    for (std::size_t j = 0; j < k; ++j) items[j] = detail::draw_uniform(name(), ctx, n_items);
    std::fill(out.weights().begin(), out.weights().end(), real{1} / static_cast<real>(k));
  }

 private:
  Params params_;
  index_t n_items_ = 0;
};

}  // namespace hardneg
