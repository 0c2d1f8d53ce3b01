// Every optimizer steps to the same bytes from a linked gradient (sums formed
// as rows are visited, what the trainer uses) as from a merged one.
#include <catch2/catch.hpp>

#include <array>
#include <utility>
#include <vector>

#include "hardneg/optim/adagrad.hpp"
#include "hardneg/optim/adam.hpp"
#include "hardneg/optim/sgd.hpp"
#include "optim_testing.hpp"

using namespace hardneg;
using namespace hardneg::test;

namespace {
/// Three steps of `optimizer` on copies of the same tables, from three
/// threads' random parts per step, merged or linked.
template <class O>
void check_linked_equals_merged(O optimizer) {
  Rng rng(8);
  const std::array<std::pair<std::size_t, std::size_t>, 2> shapes{{{40, 7}, {90, 16}}};
  std::vector<RowMatrix> merged_tables = random_tables(shapes, rng);
  std::vector<RowMatrix> linked_tables = merged_tables;
  O merged_opt = optimizer, linked_opt = optimizer;
  ThreadPool pool(2);
  std::vector<GradientAccumulator> parts(3);
  for (auto& p : parts) p.shape(merged_tables);
  SparseGradient merged, linked;
  for (int step = 0; step < 3; ++step) {
    for (auto& p : parts) p.clear();
    for (std::size_t t = 0; t < shapes.size(); ++t)
      for (std::size_t r = 0; r < shapes[t].first; ++r)
        for (auto& p : parts)
          if (rng.uniform() < 0.3) {
            real* g = p.row(t, static_cast<index_t>(r));
            for (std::size_t c = 0; c < shapes[t].second; ++c) g[c] += static_cast<real>(rng.normal());
          }
    merged.merge(parts, pool);
    linked.link(parts);
    merged_opt.step(merged_tables, merged, pool);
    linked_opt.step(linked_tables, linked, pool);
  }
  for (std::size_t t = 0; t < shapes.size(); ++t) CHECK(same_bytes(merged_tables[t], linked_tables[t]));
}
}  // namespace

TEST_CASE("Optimizers step identically on linked and merged gradients", "[optim][gradient]") {
  SECTION("SGD") { check_linked_equals_merged(SGD({.lr = 0.1, .weight_decay = 1e-3})); }
  SECTION("Adagrad") { check_linked_equals_merged(Adagrad({.lr = 0.1, .weight_decay = 1e-3})); }
  SECTION("Adam (dense)") { check_linked_equals_merged(Adam({.lr = 0.01, .weight_decay = 1e-3})); }
  SECTION("LazyAdam") { check_linked_equals_merged(LazyAdam({.lr = 0.01, .weight_decay = 1e-3})); }
}
