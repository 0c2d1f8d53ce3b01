// Top-M selection, the hardness rule of DNS(M, N), and whole sample() calls
// of the hard samplers.
//
// Kernels (candidates per second = N per selection): simd::top_k (DNS's
// selection) against std::nth_element (+ a sort of the M kept) and
// std::partial_sort on the
// same (score, position) data; arguments M, N: 5 of 200, 1 of 200, 20 of 200
// (DNS(M, 200)) and 20 of 40,981 (a top-20 list over Gowalla's items). Each
// iteration selects from one of 1024 precomputed score arrays (N(0, 1)).
//
// Samplers (pairs per second, 1 thread): one DNS(5, 200) / Softmax-v(1, 200)
// sample() call per training pair for MF dim 32, the pairs cycled in a
// shuffled order, seen items excluded (arg 0) or allowed (arg 1). "synthetic"
// uses 29,858 users x 40,988 items with Gowalla-like skewed degrees (822k
// pairs); "gowalla" uses $HARDNEG_DATA/gowalla-www2023 (default
// ../shared/data) and is skipped with a message when that is absent.
// An epoch of gowalla-www2023 is 822,358 pairs: at P pairs per second a
// sampler costs 822358 / P seconds of one thread per epoch.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "hardneg/core/negatives.hpp"
#include "hardneg/core/random.hpp"
#include "hardneg/data/interactions.hpp"
#include "hardneg/data/lightgcn.hpp"
#include "hardneg/models/mf.hpp"
#include "hardneg/samplers/dns.hpp"
#include "hardneg/samplers/softmax_v.hpp"
#include "hardneg/simd/top_k.hpp"

namespace {

using hardneg::index_t;
using hardneg::real;

// ---------------------------------------------------------------- kernels ----

constexpr std::size_t n_arrays = 1024;

struct Scores {
  std::size_t n;
  std::vector<real> data;  // n_arrays x n
  explicit Scores(std::size_t n_) : n(n_), data(n_arrays * n_) {
    hardneg::Rng rng(7);
    for (real& x : data) x = static_cast<real>(rng.normal());
  }
  std::span<const real> array(std::size_t a) const { return {data.data() + (a % n_arrays) * n, n}; }
};

const Scores& scores_of(std::size_t n) {
  static std::vector<std::unique_ptr<Scores>> cache;
  for (const auto& s : cache)
    if (s->n == n) return *s;
  cache.push_back(std::make_unique<Scores>(n));
  return *cache.back();
}

void BM_top_k(benchmark::State& state) {
  const auto m = static_cast<std::size_t>(state.range(0));
  const auto n = static_cast<std::size_t>(state.range(1));
  const Scores& s = scores_of(n);
  std::vector<index_t> ids(m);
  std::vector<real> out(m);
  std::size_t a = 0;
  for (auto _ : state) {
    hardneg::simd::top_k(s.array(a++), m, ids, out);
    benchmark::DoNotOptimize(ids.data());
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}

// The std alternatives work on (score, position) pairs, copied first because
// they reorder their input; same order as top_k (score desc, position asc).
bool better(const std::pair<real, index_t>& a, const std::pair<real, index_t>& b) {
  return a.first > b.first || (a.first == b.first && a.second < b.second);
}

void fill_pairs(std::span<const real> x, std::vector<std::pair<real, index_t>>& buf) {
  for (std::size_t i = 0; i < x.size(); ++i) buf[i] = {x[i], static_cast<index_t>(i)};
}

void BM_nth_element(benchmark::State& state) {
  const auto m = static_cast<std::size_t>(state.range(0));
  const auto n = static_cast<std::size_t>(state.range(1));
  const Scores& s = scores_of(n);
  std::vector<std::pair<real, index_t>> buf(n);
  std::size_t a = 0;
  for (auto _ : state) {
    fill_pairs(s.array(a++), buf);
    const auto mid = buf.begin() + static_cast<std::ptrdiff_t>(m);
    std::nth_element(buf.begin(), mid - 1, buf.end(), better);
    std::sort(buf.begin(), mid, better);
    benchmark::DoNotOptimize(buf.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}

void BM_partial_sort(benchmark::State& state) {
  const auto m = static_cast<std::size_t>(state.range(0));
  const auto n = static_cast<std::size_t>(state.range(1));
  const Scores& s = scores_of(n);
  std::vector<std::pair<real, index_t>> buf(n);
  std::size_t a = 0;
  for (auto _ : state) {
    fill_pairs(s.array(a++), buf);
    std::partial_sort(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(m), buf.end(), better);
    benchmark::DoNotOptimize(buf.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}

void kernel_args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"M", "N"});
  b->Args({5, 200})->Args({1, 200})->Args({20, 200})->Args({20, 40981});
}
BENCHMARK(BM_top_k)->Apply(kernel_args);
BENCHMARK(BM_nth_element)->Apply(kernel_args);
BENCHMARK(BM_partial_sort)->Apply(kernel_args);

// ---------------------------------------------------------------- samplers ----

struct Workload {
  hardneg::Interactions train;
  hardneg::MF model;
  std::vector<hardneg::Pair> pairs;  // shuffled
  std::vector<real> positive_scores;

  explicit Workload(hardneg::Interactions t)
      : train(std::move(t)), model(train.n_users(), train.n_items(), {.dim = 32, .init_std = 0.1, .seed = 1}) {
    pairs = train.pairs();
    hardneg::Rng rng(3);
    rng.shuffle(pairs.begin(), pairs.end());
    positive_scores.resize(pairs.size());
    for (std::size_t p = 0; p < pairs.size(); ++p)
      positive_scores[p] = model.score(pairs[p].user, pairs[p].item);
  }
};

// 29,858 users x 40,988 items, 822,358 pairs: degrees 1 + a Pareto-like tail
// (mean ~27.5, a few users with hundreds of items), items uniform.
hardneg::Interactions synthetic_train() {
  constexpr index_t users = 29858, items = 40988;
  hardneg::Rng rng(11);
  std::vector<hardneg::Pair> pairs;
  pairs.reserve(900000);
  for (index_t u = 0; u < users; ++u) {
    const double tail = std::pow(1.0 - rng.uniform(), -1.0 / 1.6);  // Pareto(1.6) >= 1
    const auto degree = static_cast<index_t>(std::min(2000.0, 10.2 * tail));
    for (index_t d = 0; d < degree; ++d)
      pairs.push_back({u, static_cast<index_t>(rng.below(items))});
  }
  return hardneg::Interactions::from_pairs(users, items, pairs);
}

const Workload& synthetic_workload() {
  static const Workload w(synthetic_train());
  return w;
}

const Workload* gowalla_workload() {
  static const std::unique_ptr<Workload> w = []() -> std::unique_ptr<Workload> {
    const char* env = std::getenv("HARDNEG_DATA");
    const std::filesystem::path dir = std::filesystem::path(env ? env : "../shared/data") / "gowalla-www2023";
    if (!std::filesystem::exists(dir / "train.txt") || !std::filesystem::exists(dir / "test.txt"))
      return nullptr;
    auto data = hardneg::load_lightgcn((dir / "train.txt").string(), (dir / "test.txt").string());
    return std::make_unique<Workload>(std::move(data.train));
  }();
  return w.get();
}

template <class S>
void run_sampler(benchmark::State& state, const Workload& w, const S& sampler) {
  const bool allow_seen = state.range(0) != 0;
  hardneg::Rng rng(5);
  hardneg::SamplerWorkspace ws;
  hardneg::Negatives out(sampler.max_negatives());
  std::size_t p = 0;
  for (auto _ : state) {
    const hardneg::Pair pair = w.pairs[p];
    hardneg::SampleContext ctx{pair.user, pair.item, w.positive_scores[p], w.train.items_of(pair.user),
                               allow_seen, rng, ws};
    sampler.sample(w.model, ctx, out);
    benchmark::DoNotOptimize(out.items().data());
    benchmark::DoNotOptimize(out.weights().data());
    if (++p == w.pairs.size()) p = 0;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.counters["pairs"] = static_cast<double>(w.pairs.size());
}

template <class S>
void BM_sample_synthetic(benchmark::State& state, S sampler) {
  run_sampler(state, synthetic_workload(), sampler);
}

template <class S>
void BM_sample_gowalla(benchmark::State& state, S sampler) {
  const Workload* w = gowalla_workload();
  if (!w) {
    state.SkipWithError("gowalla-www2023 not found: set HARDNEG_DATA to the data folder");
    return;
  }
  run_sampler(state, *w, sampler);
}

BENCHMARK_CAPTURE(BM_sample_synthetic, dns_5_200, hardneg::DNS<5, 200>{})->ArgName("allow_seen")->Arg(0)->Arg(1);
BENCHMARK_CAPTURE(BM_sample_synthetic, softmax_v_1_200, hardneg::SoftmaxV<200>{})->ArgName("allow_seen")->Arg(0)->Arg(1);
BENCHMARK_CAPTURE(BM_sample_gowalla, dns_5_200, hardneg::DNS<5, 200>{})->ArgName("allow_seen")->Arg(0)->Arg(1);
BENCHMARK_CAPTURE(BM_sample_gowalla, dns_5_200_workspace, hardneg::DNS<1, 50>{{.m = 5, .n = 200}})->ArgName("allow_seen")->Arg(0);
BENCHMARK_CAPTURE(BM_sample_gowalla, softmax_v_1_200, hardneg::SoftmaxV<200>{})->ArgName("allow_seen")->Arg(0)->Arg(1);

}  // namespace

BENCHMARK_MAIN();
