// A quick check that training moved a model: the share of (test positive,
// random unseen item) pairs it orders correctly (about 0.5 for a random model).
#pragma once

#include <cstddef>
#include <cstdint>

#include "hardneg/core/random.hpp"
#include "hardneg/data/dataset.hpp"
#include "hardneg/models/mf.hpp"

namespace hardneg::test {

inline double sampled_auc(const MF& model, const Dataset& data) {
  Rng rng(99);
  std::size_t right = 0, total = 0;
  for (index_t u = 0; u < data.n_users(); ++u)
    for (index_t i : data.test.items_of(u))
      for (int t = 0; t < 20; ++t) {
        const auto j = static_cast<index_t>(rng.below(static_cast<std::uint64_t>(data.n_items())));
        if (data.train.contains(u, j) || data.test.contains(u, j)) continue;
        right += model.score(u, i) > model.score(u, j) ? 1 : 0;
        ++total;
      }
  return static_cast<double>(right) / static_cast<double>(total);
}

}  // namespace hardneg::test
