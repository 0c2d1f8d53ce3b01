// A negative sampler written outside the library.
//
// TopPopular draws its k negatives uniformly from the `top` most popular
// items of the train data that the user has not seen (a "popular negatives"
// heuristic). It satisfies hardneg::Sampler, so it plugs into the Trainer
// like the built-in samplers; the static_assert below is the check.
//
// The shape every sampler follows (docs/policies.md, "Sampler: write your own"):
//   * struct Params with defaults, an explicit constructor from Params;
//   * static name(), max_negatives();
//   * optional prepare(train): per-run state built once before training;
//   * sample(model, ctx, out) const: fills `out` with at most max_negatives()
//     ids and weights summing to 1; never returns ctx.seen items or
//     ctx.positive unless ctx.allow_seen; draws only from ctx.rng; uses
//     ctx.workspace for scratch, so no allocation per pair.
//
// This program prints a few negatives of a few users under a random MF, then
// plugs the sampler into hardneg::Trainer and trains MF with it.
#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <numeric>
#include <span>
#include <string_view>
#include <vector>

#include <hardneg/core/concepts.hpp>
#include <hardneg/core/error.hpp>
#include <hardneg/core/negatives.hpp>
#include <hardneg/core/random.hpp>
#include <hardneg/data/interactions.hpp>
#include <hardneg/data/synthetic.hpp>
#include <hardneg/eval/evaluator.hpp>
#include <hardneg/losses/bpr.hpp>
#include <hardneg/models/mf.hpp>
#include <hardneg/optim/adam.hpp>
#include <hardneg/train/trainer.hpp>

class TopPopular {
 public:
  struct Params {
    int k = 4;              ///< negatives per positive
    std::size_t top = 100;  ///< size of the popular pool
  };

  // Two constructors rather than `Params p = {}`: g++ 12 rejects a default
  // argument of a nested struct with member initialisers in a non-template
  // class (the library's class templates are not affected).
  TopPopular() : TopPopular(Params{}) {}
  explicit TopPopular(Params p) : params_(p) {
    if (p.k < 1 || p.top < 1) throw hardneg::InvalidArgument("top-popular sampler: k and top must be >= 1");
  }

  static constexpr std::string_view name() { return "top-popular"; }
  std::size_t max_negatives() const noexcept { return static_cast<std::size_t>(params_.k); }

  /// The `top` most popular items (ties by smaller id), sorted by id.
  void prepare(const hardneg::Interactions& train) {
    const auto counts = train.item_counts();
    std::vector<hardneg::index_t> order(counts.size());
    std::iota(order.begin(), order.end(), 0);
    const std::size_t top = std::min(params_.top, order.size());
    std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(top), order.end(),
                      [&](hardneg::index_t a, hardneg::index_t b) {
                        return counts[a] != counts[b] ? counts[a] > counts[b] : a < b;
                      });
    pool_.assign(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(top));
    std::sort(pool_.begin(), pool_.end());
  }

  template <class M>
  void sample(const M& model, hardneg::SampleContext& ctx, hardneg::Negatives& out) const {
    const auto admissible = [&](hardneg::index_t j) {
      return ctx.allow_seen ||
             (j != ctx.positive && !std::binary_search(ctx.seen.begin(), ctx.seen.end(), j));
    };
    // The pool items this user may get, collected in the per-thread workspace.
    ctx.workspace.reserve(pool_.size());
    std::size_t n = 0;
    for (hardneg::index_t j : pool_)
      if (admissible(j)) ctx.workspace.ids[n++] = j;

    const std::size_t k = max_negatives();
    out.reserve(k);
    out.resize(k);
    out.scored = false;
    for (std::size_t s = 0; s < k; ++s) {
      hardneg::index_t j;
      if (n > 0) {
        j = ctx.workspace.ids[ctx.rng.below(n)];
      } else {  // the user has seen the whole pool: any unseen item
        do j = static_cast<hardneg::index_t>(ctx.rng.below(static_cast<std::uint64_t>(model.n_items())));
        while (!admissible(j));
      }
      out.items()[s] = j;
      out.weights()[s] = 1.0f / static_cast<float>(k);
    }
  }

 private:
  Params params_;
  std::vector<hardneg::index_t> pool_;
};

static_assert(hardneg::Sampler<TopPopular, hardneg::MF>,
              "TopPopular must satisfy hardneg::Sampler (see docs/policies.md#sampler)");

int main() {
  // Synthetic data: 200 users x 500 items, 12 interactions per user, item
  // popularity skewed towards small ids (i = 500 * u^2 for u uniform).
  const hardneg::index_t n_users = 200, n_items = 500;
  hardneg::Rng rng(2024);
  std::vector<hardneg::Pair> pairs;
  for (hardneg::index_t u = 0; u < n_users; ++u)
    for (int d = 0; d < 12; ++d) {
      const double x = rng.uniform();
      pairs.push_back({u, static_cast<hardneg::index_t>(n_items * x * x)});
    }
  const auto train = hardneg::Interactions::from_pairs(n_users, n_items, pairs);

  const hardneg::MF model(n_users, n_items, {.dim = 16, .seed = 1});
  TopPopular sampler({.k = 4, .top = 50});
  sampler.prepare(train);

  hardneg::Rng sample_rng(7);
  hardneg::SamplerWorkspace workspace;
  hardneg::Negatives negatives(sampler.max_negatives());
  for (hardneg::index_t u : {0, 1, 42}) {
    const auto seen = train.items_of(u);
    const hardneg::index_t positive = seen[0];
    hardneg::SampleContext ctx{u, positive, model.score(u, positive), seen, false, sample_rng, workspace};
    sampler.sample(model, ctx, negatives);
    std::printf("user %d, positive %d (score %+.4f): negatives", u, positive, ctx.positive_score);
    for (std::size_t s = 0; s < negatives.size(); ++s)
      std::printf(" %d (w %.2f, score %+.4f)", negatives.items()[s], negatives.weights()[s],
                  model.score(u, negatives.items()[s]));
    std::printf("\n");
  }

  // The sampler in a Trainer, like any built-in one.
  const hardneg::Dataset data = hardneg::make_synthetic(hardneg::SyntheticOptions::tiny(3));
  hardneg::MF mf(data.n_users(), data.n_items(), {.dim = 16, .seed = 1});
  hardneg::Trainer<hardneg::MF, TopPopular, hardneg::BPR, hardneg::LazyAdam> trainer(
      mf, {.batch = 256, .epochs = 10, .threads = 2, .seed = 1}, TopPopular({.k = 4, .top = 50}),
      hardneg::BPR(), hardneg::LazyAdam({.lr = 0.01}));
  const hardneg::TrainContext ctx = trainer.fit(data.train);
  const auto result = hardneg::evaluate(mf.block_scorer(), data.train, data.test, {.ks = {20}});
  std::printf("trained with %s negatives: loss %.4f, ndcg@20 %.4f\n", TopPopular::name().data(), ctx.loss,
              result.at("ndcg@20"));
  return ctx.loss < 0.6931 ? 0 : 1;  // below log(2): the model learned something
}
