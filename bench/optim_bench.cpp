// One optimizer step on Gowalla-sized MF tables (29,858 users + 40,981 items,
// dim 32 and 64): dense Adam (every row, every step: what reproducing the
// WWW'23 runs costs), LazyAdam (touched rows only) for comparison, and the
// Adam row kernel with xsimd against its scalar reference on one thread.
//
// The gradient is that of one mini-batch of 4,096 pairs with 5 negatives
// each (about 4K user rows and 24K item rows touched).
//
//   bench_optim --benchmark_filter=Adam
#include <benchmark/benchmark.h>

#include <array>
#include <cstddef>
#include <vector>

#include "hardneg/core/gradient.hpp"
#include "hardneg/core/matrix.hpp"
#include "hardneg/core/random.hpp"
#include "hardneg/core/thread_pool.hpp"
#include "hardneg/optim/adam.hpp"

namespace {

using namespace hardneg;

constexpr std::size_t n_users = 29858;
constexpr std::size_t n_items = 40981;
constexpr std::size_t batch = 4096;
constexpr std::size_t negatives = 5;

std::vector<RowMatrix> gowalla_tables(std::size_t dim) {
  std::vector<RowMatrix> tables{RowMatrix(n_users, dim), RowMatrix(n_items, dim)};
  Rng rng(1);
  for (auto& t : tables)
    for (std::size_t r = 0; r < t.rows(); ++r)
      for (real& x : t.row(r)) x = static_cast<real>(0.1 * rng.normal());
  return tables;
}

SparseGradient batch_gradient(std::span<const RowMatrix> tables, ThreadPool& pool) {
  GradientAccumulator acc;
  acc.shape(tables, batch * (negatives + 1));
  Rng rng(2);
  for (std::size_t p = 0; p < batch; ++p) {
    real* u = acc.row(0, static_cast<index_t>(rng.below(n_users)));
    for (std::size_t c = 0; c < tables[0].dim(); ++c) u[c] += 0.01f;
    for (std::size_t k = 0; k <= negatives; ++k) {
      real* v = acc.row(1, static_cast<index_t>(rng.below(n_items)));
      for (std::size_t c = 0; c < tables[1].dim(); ++c) v[c] += k == 0 ? -0.01f : 0.002f;
    }
  }
  SparseGradient grad;
  grad.merge(std::span<const GradientAccumulator>(&acc, 1), pool);
  return grad;
}

std::size_t storage_bytes(const std::vector<RowMatrix>& tables) {
  std::size_t bytes = 0;
  for (const auto& t : tables) bytes += t.storage_size() * sizeof(real);
  return bytes;
}

template <class Opt>
void optimizer_step(benchmark::State& state) {
  const auto dim = static_cast<std::size_t>(state.range(0));
  ThreadPool pool(static_cast<std::size_t>(state.range(1)));
  auto tables = gowalla_tables(dim);
  const SparseGradient grad = batch_gradient(tables, pool);
  Opt adam{{.lr = 1e-3, .weight_decay = 1e-4}};
  adam.step(tables, grad, pool);  // allocates the moments
  for (auto _ : state) {
    adam.step(tables, grad, pool);
    benchmark::ClobberMemory();
  }
  // theta, m and v are each read and written once per step (dense flavour).
  if constexpr (Opt::flavour == AdamFlavour::dense)
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                            static_cast<std::int64_t>(6 * storage_bytes(tables)));
  state.counters["rows"] = static_cast<double>(n_users + n_items);
}

void BM_AdamDenseStep(benchmark::State& state) { optimizer_step<Adam>(state); }
void BM_LazyAdamStep(benchmark::State& state) { optimizer_step<LazyAdam>(state); }

/// The dense update of every row on one thread, SIMD (simd = 1) or scalar
/// reference (simd = 0), without the pool: the kernel's own speed.
void BM_AdamRowKernel(benchmark::State& state) {
  const auto dim = static_cast<std::size_t>(state.range(0));
  const bool simd = state.range(1) != 0;
  auto tables = gowalla_tables(dim);
  std::vector<RowMatrix> m, v;
  for (const auto& t : tables) {
    m.emplace_back(t.rows(), t.dim());
    v.emplace_back(t.rows(), t.dim());
  }
  const auto rule = detail::AdamRule::at(AdamParams{.weight_decay = 1e-4}, 10);
  for (auto _ : state) {
    for (std::size_t t = 0; t < tables.size(); ++t)
      for (std::size_t r = 0; r < tables[t].rows(); ++r) {
        real* th = tables[t].row_ptr(r);
        real* mr = m[t].row_ptr(r);
        real* vr = v[t].row_ptr(r);
        if (simd)
          detail::update_row(rule, tables[t].stride(), nullptr, th, mr, vr);
        else
          detail::update_row_reference(rule, tables[t].stride(), nullptr, th, mr, vr);
      }
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(6 * storage_bytes(tables)));
}

}  // namespace

BENCHMARK(BM_AdamDenseStep)
    ->ArgNames({"dim", "threads"})
    ->Args({32, 1})
    ->Args({32, 2})
    ->Args({64, 1})
    ->Args({64, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_LazyAdamStep)
    ->ArgNames({"dim", "threads"})
    ->Args({32, 1})
    ->Args({32, 2})
    ->Args({64, 1})
    ->Args({64, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_AdamRowKernel)
    ->ArgNames({"dim", "simd"})
    ->Args({32, 0})
    ->Args({32, 1})
    ->Args({64, 0})
    ->Args({64, 1})
    ->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
