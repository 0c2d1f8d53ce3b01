// Candidates scored per second by simd::gather_dot, the hot path of the hard
// samplers: DNS(M,N) scores N = 200 uniform candidates of 40,981 items
// (Gowalla) for each training pair.
//
// Each iteration scores one user against one fresh list of 200 random ids
// (4096 lists and 1024 users are cycled through, so rows come from the whole
// table as in training). Variants:
//   reference     simd::gather_dot_reference (scalar, double accumulation)
//   scalar_float  a plain float loop the compiler may auto-vectorise
//   hadd          SIMD over the dimension, one xsimd::hadd per item
//   haddp         the library kernel: W items reduced by one xsimd::haddp
//   haddp_prefetch the library kernel plus a software prefetch of the rows
//                 of the next group (to see whether prefetching pays)
// Arguments: dim, N. Counter `items_per_second` = candidates scored per second.
#include <benchmark/benchmark.h>

#include <cstddef>
#include <span>
#include <vector>

#include <xsimd/xsimd.hpp>

#include "hardneg/core/matrix.hpp"
#include "hardneg/core/random.hpp"
#include "hardneg/simd/gather_dot.hpp"

namespace {

using hardneg::index_t;
using hardneg::real;
using hardneg::RowMatrix;

constexpr std::size_t n_items = 40981;
constexpr std::size_t n_users = 1024;
constexpr std::size_t n_lists = 4096;

struct Fixture {
  RowMatrix users, items;
  std::vector<index_t> ids;  // n_lists x n
  std::size_t n;

  Fixture(std::size_t dim, std::size_t n_) : users(n_users, dim), items(n_items, dim), ids(n_lists * n_), n(n_) {
    hardneg::Rng rng(42);
    for (std::size_t r = 0; r < n_users; ++r)
      for (std::size_t c = 0; c < dim; ++c) users(r, c) = static_cast<real>(0.1 * rng.normal());
    for (std::size_t r = 0; r < n_items; ++r)
      for (std::size_t c = 0; c < dim; ++c) items(r, c) = static_cast<real>(0.1 * rng.normal());
    for (auto& id : ids) id = static_cast<index_t>(rng.below(n_items));
  }
};

// Alternatives measured against the library kernel.
void scalar_float(const real* user, const RowMatrix& items, std::span<const index_t> ids, std::span<real> out) {
  const std::size_t dim = items.dim();
  for (std::size_t k = 0; k < ids.size(); ++k) {
    const real* v = items.row_ptr(static_cast<std::size_t>(ids[k]));
    real s = 0;
    for (std::size_t c = 0; c < dim; ++c) s += user[c] * v[c];
    out[k] = s;
  }
}

void per_item_hadd(const real* user, const RowMatrix& items, std::span<const index_t> ids, std::span<real> out) {
  using batch = xsimd::batch<real>;
  constexpr std::size_t w = batch::size;
  const std::size_t nb = (items.dim() + w - 1) / w;
  for (std::size_t k = 0; k < ids.size(); ++k) {
    const real* v = items.row_ptr(static_cast<std::size_t>(ids[k]));
    batch acc = batch::load_unaligned(user) * batch::load_aligned(v);
    for (std::size_t b = 1; b < nb; ++b)
      acc = xsimd::fma(batch::load_unaligned(user + b * w), batch::load_aligned(v + b * w), acc);
    out[k] = xsimd::hadd(acc);
  }
}

void haddp_prefetch(const real* user, const RowMatrix& items, std::span<const index_t> ids, std::span<real> out) {
  constexpr std::size_t w = xsimd::batch<real>::size;
  const std::size_t lines = (items.stride() * sizeof(real) + 63) / 64;
  for (std::size_t k = 0; k < ids.size(); k += w) {
    const std::size_t end = std::min(ids.size(), k + w);
    for (std::size_t j = end; j < std::min(ids.size(), end + w); ++j) {
      const char* row = reinterpret_cast<const char*>(items.row_ptr(static_cast<std::size_t>(ids[j])));
      for (std::size_t l = 0; l < lines; ++l) __builtin_prefetch(row + 64 * l);
    }
    hardneg::simd::gather_dot(user, items, ids.subspan(k, end - k), out.subspan(k));
  }
}

template <auto Kernel>
void run(benchmark::State& state) {
  const Fixture f(static_cast<std::size_t>(state.range(0)), static_cast<std::size_t>(state.range(1)));
  std::vector<real> out(f.n);
  std::size_t it = 0;
  for (auto _ : state) {
    const std::size_t list = it % n_lists, user = (it * 7) % n_users;
    Kernel(f.users.row_ptr(user), f.items, std::span<const index_t>(f.ids).subspan(list * f.n, f.n),
           std::span<real>(out));
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
    ++it;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * f.n));
}

void args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"dim", "N"})->Args({32, 200})->Args({64, 200});
}

BENCHMARK(run<hardneg::simd::gather_dot_reference>)->Name("gather_dot/reference")->Apply(args);
BENCHMARK(run<scalar_float>)->Name("gather_dot/scalar_float")->Apply(args);
BENCHMARK(run<per_item_hadd>)->Name("gather_dot/hadd")->Apply(args);
BENCHMARK(run<hardneg::simd::gather_dot>)->Name("gather_dot/haddp")->Apply(args);
BENCHMARK(run<haddp_prefetch>)->Name("gather_dot/haddp_prefetch")->Apply(args);

}  // namespace

BENCHMARK_MAIN();
