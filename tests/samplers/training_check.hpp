// Shared checks of the sampler tests: sampled_auc tells whether training
// moved a model (the share of (test positive, random unseen item) pairs it
// orders correctly: about 0.5 for a random model); draw_trace records what a
// sampler returns for one pair over a few draws (determinism checks).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "hardneg/core/negatives.hpp"
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

/// Items plus weights of `draws` samples for user 0 and positive 2 of `model`.
template <class S, class M>
std::vector<real> draw_trace(const S& sampler, const M& model, std::span<const index_t> seen,
                             std::uint64_t seed, int draws = 20) {
  Rng rng(seed);
  SamplerWorkspace ws;
  Negatives out(sampler.max_negatives());
  SampleContext ctx{0, 2, 0.3f, seen, false, rng, ws};
  std::vector<real> all;
  for (int c = 0; c < draws; ++c) {
    sampler.sample(model, ctx, out);
    for (std::size_t j = 0; j < out.size(); ++j)
      all.push_back(static_cast<real>(out.items()[j]) + out.weights()[j]);
  }
  return all;
}

}  // namespace hardneg::test
