// Benchmarks of full-ranking evaluation and top-k selection.
//
// Evaluation: a random dim-32 / dim-64 embedding model at Gowalla's size
// (29,858 users x 40,981 items, 810,128 train pairs masked, 217,242 test
// pairs; random CSR with those counts, every user has train and test items),
// K = 20 and 50 plus AUC, GAUC and OPAUC(0.01, 0.1) in the same pass, on 1 and
// 2 threads. Reported: seconds per evaluation and `peak_frac`, the fraction of
// this machine's FMA peak that the scoring work users x items x dim FMAs
// represents (wall clock), and `cpu_peak_frac`, the same per CPU-second used
// (immune to other processes taking a core). The peak is measured, not
// assumed: a loop of independent xsimd FMAs (16 accumulators, enough to cover
// the FMA latency) timed by its thread's CPU clock, best of 5 runs, times the
// number of threads (BM_FmaPeak also reports all threads running at once).
//
// Top-k: simd::top_k for k = 20 of 40,981 (recommend) and M = 5 and 20 of
// N = 200 (DNS), against std::nth_element + sorting the k selected, in
// candidates/s. The score rows cycle through a set that fits in L2, as a
// freshly scored row would be.
//
//   cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DHARDNEG_NATIVE=ON
//   ninja -C build bench_eval && build/bench/bench_eval
#include <benchmark/benchmark.h>

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include <xsimd/xsimd.hpp>

#include "hardneg/core/matrix.hpp"
#include "hardneg/core/random.hpp"
#include "hardneg/core/thread_pool.hpp"
#include "hardneg/data/interactions.hpp"
#include "hardneg/eval/dot_scorer.hpp"
#include "hardneg/eval/evaluator.hpp"
#include "hardneg/simd/top_k.hpp"

namespace {

using hardneg::index_t;
using hardneg::real;

constexpr index_t gowalla_users = 29858;
constexpr index_t gowalla_items = 40981;
constexpr std::size_t gowalla_train = 810128;
constexpr std::size_t gowalla_test = 217242;

struct Dataset {
  hardneg::Interactions train, test;
};

/// Random CSR with Gowalla's counts: user u gets floor or ceil of the average
/// train and test degrees, items drawn uniformly without repetition per user.
const Dataset& gowalla_like() {
  static const Dataset data = [] {
    hardneg::Rng rng(2023, 0);
    std::vector<hardneg::Pair> train, test;
    train.reserve(gowalla_train);
    test.reserve(gowalla_test);
    const std::size_t nu = gowalla_users;
    std::vector<index_t> row;
    for (std::size_t u = 0; u < nu; ++u) {
      const std::size_t n_tr = gowalla_train / nu + (u < gowalla_train % nu);
      const std::size_t n_te = gowalla_test / nu + (u < gowalla_test % nu);
      row.clear();
      while (row.size() < n_tr + n_te) {
        const auto i = static_cast<index_t>(rng.below(gowalla_items));
        if (std::find(row.begin(), row.end(), i) == row.end()) row.push_back(i);
      }
      for (std::size_t j = 0; j < row.size(); ++j)
        (j < n_tr ? train : test).push_back({static_cast<index_t>(u), row[j]});
    }
    return Dataset{hardneg::Interactions::from_pairs(gowalla_users, gowalla_items, train),
                   hardneg::Interactions::from_pairs(gowalla_users, gowalla_items, test)};
  }();
  return data;
}

struct Model {
  hardneg::RowMatrix users, items;
};

const Model& random_model(std::size_t dim) {
  static std::map<std::size_t, std::unique_ptr<Model>> cache;
  auto& m = cache[dim];
  if (!m) {
    hardneg::Rng rng(dim, 1);
    m = std::make_unique<Model>(Model{hardneg::RowMatrix(gowalla_users, dim),
                                      hardneg::RowMatrix(gowalla_items, dim)});
    for (auto* t : {&m->users, &m->items})
      for (std::size_t r = 0; r < t->rows(); ++r)
        for (std::size_t k = 0; k < dim; ++k) (*t)(r, k) = static_cast<real>(0.1 * rng.normal());
  }
  return *m;
}

// ------------------------------------------------------------ FMA peak ----

/// CPU seconds used so far by the calling thread (clock) or the process.
double cpu_seconds(clockid_t clock) {
  timespec t{};
  clock_gettime(clock, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

/// FMAs per second of `threads` threads each running independent FMA chains,
/// each thread timed by its own CPU clock (so that time the scheduler gives
/// to other processes does not count): the sum of the threads' rates.
double measure_fma_peak(std::size_t threads) {
  using batch = xsimd::batch<float>;
  constexpr std::size_t chains = 16;
  constexpr std::size_t steps = 200'000'000;
  std::vector<std::thread> pool;
  std::vector<double> rate(threads);
  std::vector<float> sink(threads);
  for (std::size_t t = 0; t < threads; ++t)
    pool.emplace_back([&rate, &sink, t] {
      const double t0 = cpu_seconds(CLOCK_THREAD_CPUTIME_ID);
      batch acc[chains];
      for (std::size_t c = 0; c < chains; ++c) acc[c] = batch(static_cast<float>(c) * 1e-3f);
      const batch a(0.999999f), b(1e-7f);
      for (std::size_t s = 0; s < steps / chains; ++s)
        for (std::size_t c = 0; c < chains; ++c) acc[c] = xsimd::fma(acc[c], a, b);
      batch total = acc[0];
      for (std::size_t c = 1; c < chains; ++c) total += acc[c];
      sink[t] = xsimd::hadd(total);
      const double seconds = cpu_seconds(CLOCK_THREAD_CPUTIME_ID) - t0;
      rate[t] = static_cast<double>((steps / chains) * chains * batch::size) / seconds;
    });
  for (auto& th : pool) th.join();
  benchmark::DoNotOptimize(sink.data());
  double total = 0;
  for (const double r : rate) total += r;
  return total;
}

/// The peak of `threads` cores: `threads` times the best of a few one-thread
/// measurements (one core's FMA units times the number of cores; a concurrent
/// measurement would read low whenever another process shares a core).
double fma_peak(std::size_t threads) {
  static double one = 0;
  static std::once_flag once;
  std::call_once(once, [] {
    for (int rep = 0; rep < 5; ++rep) one = std::max(one, measure_fma_peak(1));
  });
  return one * static_cast<double>(threads);
}

void BM_FmaPeak(benchmark::State& state) {
  const auto threads = static_cast<std::size_t>(state.range(0));
  double measured = 0;
  for (auto _ : state) measured = measure_fma_peak(threads);
  state.counters["GFMA_per_s"] = measured * 1e-9;           // all threads at once, this run
  state.counters["peak_GFMA_per_s"] = fma_peak(threads) * 1e-9;  // what peak_frac divides by
  state.counters["lanes"] = static_cast<double>(xsimd::batch<float>::size);
}
BENCHMARK(BM_FmaPeak)->Arg(1)->Arg(2)->Iterations(1)->Unit(benchmark::kMillisecond);

// ----------------------------------------------------------- evaluation ----

void BM_Evaluate(benchmark::State& state) {
  const auto dim = static_cast<std::size_t>(state.range(0));
  const auto threads = static_cast<std::size_t>(state.range(1));
  const Dataset& data = gowalla_like();
  const Model& model = random_model(dim);
  const double peak = fma_peak(threads);
  const hardneg::DotScorer scorer(model.users, model.items);
  hardneg::ThreadPool pool(threads);
  hardneg::EvalOptions opts;
  opts.ks = {20, 50};
  opts.betas = {0.01, 0.1};
  hardneg::EvalResult res;
  double seconds = 0, cpu = 0, best = 1e300;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    const double c0 = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID);
    res = hardneg::evaluate(scorer, data.train, data.test, opts, &pool);
    cpu += cpu_seconds(CLOCK_PROCESS_CPUTIME_ID) - c0;
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    seconds += s;
    best = std::min(best, s);
    benchmark::DoNotOptimize(res.recall.data());
  }
  seconds /= static_cast<double>(state.iterations());
  cpu /= static_cast<double>(state.iterations());
  // Scoring work: every evaluated user against every item.
  const double fmas = static_cast<double>(res.users_evaluated) * gowalla_items * static_cast<double>(dim);
  state.counters["seconds"] = seconds;
  state.counters["best_seconds"] = best;  // the fastest iteration (least disturbed)
  state.counters["users"] = static_cast<double>(res.users_evaluated);
  state.counters["GFMA_per_s"] = fmas / seconds * 1e-9;
  state.counters["peak_frac"] = fmas / seconds / peak;
  // The same against CPU time (all threads): the kernel's efficiency, immune
  // to other processes taking a core during the wall-clock measurement.
  state.counters["cpu_seconds"] = cpu;
  state.counters["cpu_peak_frac"] = fmas / cpu / fma_peak(1);
  state.counters["recall@20"] = res.recall[0];
  state.counters["auc"] = res.auc;
}
BENCHMARK(BM_Evaluate)
    ->ArgNames({"dim", "threads"})
    ->Args({32, 1})
    ->Args({32, 2})
    ->Args({64, 1})
    ->Args({64, 2})
    ->Iterations(5)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

/// Packing the item table (once per evaluation when a scorer is rebuilt).
void BM_PackPanels(benchmark::State& state) {
  const Model& model = random_model(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    hardneg::simd::ItemPanels panels(model.items);
    benchmark::DoNotOptimize(panels.panel(0));
  }
}
BENCHMARK(BM_PackPanels)->Arg(32)->Arg(64)->Unit(benchmark::kMillisecond);

// ---------------------------------------------------------------- top-k ----

/// `rows` random score rows of length n (normal), cycled by the benchmarks.
std::vector<std::vector<real>> score_rows(std::size_t n, std::size_t rows) {
  hardneg::Rng rng(n, 7);
  std::vector<std::vector<real>> out(rows, std::vector<real>(n));
  for (auto& r : out)
    for (auto& x : r) x = static_cast<real>(rng.normal());
  return out;
}

void BM_TopK(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto k = static_cast<std::size_t>(state.range(1));
  const auto rows = score_rows(n, n > 1000 ? 4 : 256);
  std::vector<index_t> ids(k);
  std::vector<real> s(k);
  std::size_t r = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(hardneg::simd::top_k(rows[r], k, ids, s));
    r = r + 1 == rows.size() ? 0 : r + 1;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}
BENCHMARK(BM_TopK)->ArgNames({"n", "k"})->Args({40981, 20})->Args({200, 5})->Args({200, 20});

void BM_NthElement(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto k = static_cast<std::size_t>(state.range(1));
  const auto rows = score_rows(n, n > 1000 ? 4 : 256);
  std::vector<std::pair<real, index_t>> work(n);
  std::size_t r = 0;
  const auto better = [](const auto& a, const auto& b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
  };
  for (auto _ : state) {
    for (std::size_t i = 0; i < n; ++i) work[i] = {rows[r][i], static_cast<index_t>(i)};
    std::nth_element(work.begin(), work.begin() + static_cast<std::ptrdiff_t>(k), work.end(), better);
    std::sort(work.begin(), work.begin() + static_cast<std::ptrdiff_t>(k), better);
    benchmark::DoNotOptimize(work.data());
    r = r + 1 == rows.size() ? 0 : r + 1;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}
BENCHMARK(BM_NthElement)->ArgNames({"n", "k"})->Args({40981, 20})->Args({200, 5})->Args({200, 20});

}  // namespace

BENCHMARK_MAIN();
