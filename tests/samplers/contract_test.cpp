// The contract every sampler keeps, checked over a list of sampler types:
//
//   * it satisfies hardneg::Sampler<S, MF>;
//   * 1 <= out.size() <= max_negatives(), ids in [0, n_items) (0 negatives
//     allowed for a sampler that declares may_return_empty = true: WARP);
//   * weights are finite, >= 0 and sum to 1 (the sum is not checked for a
//     sampler that declares normalised_weights = false: WARP's rank weights);
//   * when out.scored is set, out.scores() are the model's scores of out.items();
//   * it never returns a seen item or the positive unless allow_seen is set;
//   * with allow_seen, seen items do come back (for a user who has seen most
//     items, in 400 calls);
//   * the same seed gives the same negatives.
//
// To add a sampler: append it to `Samplers`; if it is not default
// constructible or needs more than prepare(train), specialise make_sampler.
// A sampler with per-epoch state (an on_epoch_begin hook: AOBPR, Kernel,
// IRGAN, AdaSIR, SRNS) is prepared for each allow_seen mode and given epoch
// 0 with the test's model, as the trainer does (see `ready`).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstddef>
#include <tuple>
#include <vector>

#include "hardneg/core/concepts.hpp"
#include "hardneg/core/thread_pool.hpp"
#include "hardneg/models/mf.hpp"
#include "hardneg/samplers/adasir.hpp"
#include "hardneg/samplers/aobpr.hpp"
#include "hardneg/samplers/dns.hpp"
#include "hardneg/samplers/irgan.hpp"
#include "hardneg/samplers/kernel.hpp"
#include "hardneg/samplers/pris.hpp"
#include "hardneg/samplers/popularity.hpp"
#include "hardneg/samplers/softmax.hpp"
#include "hardneg/samplers/softmax_v.hpp"
#include "hardneg/samplers/srns.hpp"
#include "hardneg/samplers/uniform.hpp"
#include "hardneg/samplers/warp.hpp"

namespace {

using hardneg::index_t;
using hardneg::real;

using Samplers = std::tuple<hardneg::Uniform<>, hardneg::Uniform<4>, hardneg::Popularity<>,
                            hardneg::Popularity<3>, hardneg::DNS<>, hardneg::DNS<2, 10>,
                            hardneg::ClassicDNS<20>, hardneg::Softmax<>, hardneg::Softmax<16>,
                            hardneg::SoftmaxV<>, hardneg::SoftmaxV<16>, hardneg::AOBPR<>,
                            hardneg::AOBPR<3>, hardneg::WARP<>, hardneg::IRGAN<>, hardneg::IRGAN<2>,
                            hardneg::Kernel<>, hardneg::Kernel<1>, hardneg::PRIS<>, hardneg::PRIS<2>,
                            hardneg::AdaSIR<>, hardneg::AdaSIR<1>, hardneg::SRNS<>, hardneg::SRNS<3>>;

template <class S>
S make_sampler(const hardneg::Interactions& train) {
  S s{};
  if constexpr (requires { s.prepare(train); }) s.prepare(train);
  return s;
}

// A sampler with per-epoch state is rebuilt for the allow_seen mode under
// test, as the trainer builds it: prepare(train, allow_seen), then
// on_epoch_begin(model, train, 0, pool).
template <class S>
void ready(S& s, const hardneg::MF& model, const hardneg::Interactions& train, bool allow_seen) {
  if constexpr (requires(hardneg::ThreadPool& pool) { s.on_epoch_begin(model, train, 0, pool); }) {
    if constexpr (requires { s.prepare(train, allow_seen); }) s.prepare(train, allow_seen);
    hardneg::ThreadPool pool(2);
    s.on_epoch_begin(model, train, 0, pool);
  }
}

// The contract's two declared exceptions (false / true when not declared).
template <class S>
constexpr bool normalised_weights() {
  if constexpr (requires { S::normalised_weights; })
    return S::normalised_weights;
  else
    return true;
}
template <class S>
constexpr bool may_return_empty() {
  if constexpr (requires { S::may_return_empty; })
    return S::may_return_empty;
  else
    return false;
}

// 30 users x 60 items; user u has seen 1 + (7u mod 23) items, user 29 has
// seen 55 of the 60 items; every item is seen by someone.
hardneg::Interactions contract_train() {
  std::vector<hardneg::Pair> pairs;
  hardneg::Rng rng(12);
  for (index_t u = 0; u < 29; ++u) {
    const int degree = 1 + (7 * u) % 23;
    for (int d = 0; d < degree; ++d) pairs.push_back({u, static_cast<index_t>(rng.below(60))});
  }
  for (index_t i = 0; i < 55; ++i) pairs.push_back({29, i});
  for (index_t i = 0; i < 60; ++i) pairs.push_back({static_cast<index_t>(i % 29), i});
  return hardneg::Interactions::from_pairs(30, 60, pairs);
}

template <class S>
std::vector<index_t> draw_all(const S& sampler, const hardneg::MF& model, const hardneg::Interactions& train,
                              bool allow_seen, std::uint64_t seed) {
  hardneg::Rng rng(seed);
  hardneg::SamplerWorkspace ws;
  hardneg::Negatives out(sampler.max_negatives());
  std::vector<index_t> drawn;
  for (index_t u = 0; u < train.n_users(); ++u) {
    const auto seen = train.items_of(u);
    for (index_t pos : seen) {
      hardneg::SampleContext ctx{u, pos, model.score(u, pos), seen, allow_seen, rng, ws};
      sampler.sample(model, ctx, out);
      drawn.insert(drawn.end(), out.items().begin(), out.items().end());
    }
  }
  return drawn;
}

}  // namespace

TEMPLATE_LIST_TEST_CASE("samplers keep the sampler contract", "[samplers][contract]", Samplers) {
  static_assert(hardneg::Sampler<TestType, hardneg::MF>);
  const auto train = contract_train();
  const hardneg::MF model(train.n_users(), train.n_items(), {.dim = 8, .seed = 3});
  TestType sampler = make_sampler<TestType>(train);
  CAPTURE(TestType::name());
  REQUIRE(sampler.max_negatives() >= 1);

  for (const bool allow_seen : {false, true}) {
    CAPTURE(allow_seen);
    ready(sampler, model, train, allow_seen);
    hardneg::Rng rng(77);
    hardneg::SamplerWorkspace ws;
    hardneg::Negatives out(sampler.max_negatives());
    std::size_t seen_returned = 0;
    for (index_t u = 0; u < train.n_users(); ++u) {
      const auto seen = train.items_of(u);
      const int calls = u == 29 ? 400 : 5;
      for (index_t pos : seen) {
        hardneg::SampleContext ctx{u, pos, model.score(u, pos), seen, allow_seen, rng, ws};
        for (int c = 0; c < calls; ++c) {
          sampler.sample(model, ctx, out);
          REQUIRE(out.size() >= (may_return_empty<TestType>() ? 0u : 1u));
          REQUIRE(out.size() <= sampler.max_negatives());
          double total = 0;
          for (real w : out.weights()) {
            REQUIRE(std::isfinite(w));
            REQUIRE(w >= 0);
            total += w;
          }
          if constexpr (normalised_weights<TestType>()) REQUIRE(total == Approx(1.0).epsilon(1e-5));
          for (std::size_t j = 0; j < out.size(); ++j) {
            const index_t item = out.items()[j];
            REQUIRE(item >= 0);
            REQUIRE(item < model.n_items());
            if (out.scored) REQUIRE(out.scores()[j] == model.score(u, item));
            if (!allow_seen) {
              REQUIRE(item != pos);
              REQUIRE_FALSE(train.contains(u, item));
            } else if (train.contains(u, item)) {
              ++seen_returned;
            }
          }
        }
        if (u != 29) break;  // one positive per ordinary user is enough
      }
    }
    if (allow_seen) CHECK(seen_returned > 0);
  }

  // Same seed, same negatives.
  ready(sampler, model, train, false);
  CHECK(draw_all(sampler, model, train, false, 5) == draw_all(sampler, model, train, false, 5));
}
