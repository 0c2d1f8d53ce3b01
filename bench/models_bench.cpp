// Candidates scored per second by each model, on the two paths that score:
//   candidates  model.score_items(u, ids, out) for 200 random items, what the
//               hard samplers (DNS(M, 200), Softmax-v) call per training pair;
//   all_items   model.block_scorer().score_block(users, out, ld) for blocks of
//               64 users against every item, what evaluation and recommend do.
// One thread; the data is synthetic with Gowalla's shape (29,858 users,
// 40,981 items, 810,128 interactions), so the graph of LightGCN and the
// histories of SimpleX have realistic sizes. Models are in evaluation mode
// (no dropout), LightGCN's propagation done once beforehand. The counter
// `items_per_second` is the figure: candidates scored per second.
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "hardneg/core/random.hpp"
#include "hardneg/core/thread_pool.hpp"
#include "hardneg/data/synthetic.hpp"
#include "hardneg/models/gmf.hpp"
#include "hardneg/models/lightgcn.hpp"
#include "hardneg/models/mf.hpp"
#include "hardneg/models/neumf.hpp"
#include "hardneg/models/simplex.hpp"

namespace {

using hardneg::index_t;
using hardneg::real;

const hardneg::Dataset& gowalla_shaped() {
  static const hardneg::Dataset data = [] {
    hardneg::SyntheticOptions o;
    o.users = 29858;
    o.items = 40981;
    o.interactions = 1027370;  // about 810k train pairs after the 20 % test split
    o.seed = 3;
    return hardneg::make_synthetic(o);
  }();
  return data;
}

/// The model in evaluation mode, with its per-batch state computed.
template <class M>
M& prepared(M& model) {
  hardneg::ThreadPool pool(1);
  if constexpr (requires { model.set_training(false); }) model.set_training(false);
  if constexpr (requires { model.begin_batch(std::uint64_t{}, pool); }) model.begin_batch(0, pool);
  return model;
}

template <class M>
void candidates(benchmark::State& state, const M& model) {
  constexpr std::size_t n = 200, lists = 1024;
  hardneg::Rng rng(7);
  std::vector<index_t> ids(n * lists), users(lists);
  for (auto& id : ids) id = static_cast<index_t>(rng.below(static_cast<std::uint64_t>(model.n_items())));
  for (auto& u : users) u = static_cast<index_t>(rng.below(static_cast<std::uint64_t>(model.n_users())));
  std::vector<real> out(n);
  std::size_t k = 0;
  for (auto _ : state) {
    model.score_items(users[k], std::span<const index_t>(ids.data() + k * n, n), out);
    benchmark::DoNotOptimize(out.data());
    k = (k + 1) % lists;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}

template <class M>
void all_items(benchmark::State& state, const M& model) {
  constexpr std::size_t block = 64;
  const auto scorer = model.block_scorer();
  const auto n_items = static_cast<std::size_t>(model.n_items());
  std::vector<real> out(block * n_items);
  std::vector<index_t> users(block);
  index_t next = 0;
  for (auto _ : state) {
    for (auto& u : users) u = next++ % model.n_users();
    scorer.score_block(users, out.data(), n_items);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * block * n_items));
}

const hardneg::Interactions& train() { return gowalla_shaped().train; }

void BM_mf_dim64(benchmark::State& s, bool all) {
  static hardneg::MF m(train().n_users(), train().n_items(), {.dim = 64});
  all ? all_items(s, prepared(m)) : candidates(s, prepared(m));
}
void BM_mf_cosine_dim64(benchmark::State& s, bool all) {
  static hardneg::MF m(train().n_users(), train().n_items(), {.dim = 64, .cosine = true});
  all ? all_items(s, prepared(m)) : candidates(s, prepared(m));
}
void BM_gmf_dim32(benchmark::State& s, bool all) {
  static hardneg::GMF m(train().n_users(), train().n_items(), {.dim = 32});
  all ? all_items(s, prepared(m)) : candidates(s, prepared(m));
}
void BM_neumf_dim32_layers3(benchmark::State& s, bool all) {
  static hardneg::NeuMF m(train().n_users(), train().n_items(), {.dim = 32, .layers = 3});
  all ? all_items(s, prepared(m)) : candidates(s, prepared(m));
}
void BM_lightgcn_dim64_layers3(benchmark::State& s, bool all) {
  static hardneg::LightGCN m(train(), {.dim = 64, .layers = 3});
  all ? all_items(s, prepared(m)) : candidates(s, prepared(m));
}
void BM_simplex_dim64(benchmark::State& s, bool all) {
  static hardneg::SimpleX m(train().n_users(), train().n_items(), train(), {.dim = 64});
  all ? all_items(s, prepared(m)) : candidates(s, prepared(m));
}

}  // namespace

BENCHMARK_CAPTURE(BM_mf_dim64, candidates, false);
BENCHMARK_CAPTURE(BM_mf_dim64, all_items, true);
BENCHMARK_CAPTURE(BM_mf_cosine_dim64, candidates, false);
BENCHMARK_CAPTURE(BM_mf_cosine_dim64, all_items, true);
BENCHMARK_CAPTURE(BM_gmf_dim32, candidates, false);
BENCHMARK_CAPTURE(BM_gmf_dim32, all_items, true);
BENCHMARK_CAPTURE(BM_neumf_dim32_layers3, candidates, false);
BENCHMARK_CAPTURE(BM_neumf_dim32_layers3, all_items, true);
BENCHMARK_CAPTURE(BM_lightgcn_dim64_layers3, candidates, false);
BENCHMARK_CAPTURE(BM_lightgcn_dim64_layers3, all_items, true);
BENCHMARK_CAPTURE(BM_simplex_dim64, candidates, false);
BENCHMARK_CAPTURE(BM_simplex_dim64, all_items, true);

BENCHMARK_MAIN();
