// Every model with every sampler and loss of the cross product below: the
// policy design's promise that any model trains with any sampler, loss and
// optimizer, checked by generating the combinations rather than listing them.
//
// Each *_combinations_test.cpp instantiates check_learns<Model, Sampler, Loss>
// for one model over Combinations (one file per model keeps each translation
// unit's compile time short). A combination passes when its trained model
// ranks the synthetic test items better than the popularity ranking does, by
// the factor `min_lift` the caller states (a model that learned nothing
// personal sits near 1x on this data; see data/synthetic.hpp).
#pragma once

#include <cstddef>
#include <string>
#include <tuple>
#include <type_traits>

#include <catch2/catch.hpp>

#include "hardneg/data/dataset.hpp"
#include "hardneg/data/synthetic.hpp"
#include "hardneg/eval/evaluator.hpp"
#include "hardneg/eval/popularity_scorer.hpp"
#include "hardneg/losses.hpp"
#include "hardneg/optim/adam.hpp"
#include "hardneg/samplers/dns.hpp"
#include "hardneg/samplers/softmax_v.hpp"
#include "hardneg/samplers/uniform.hpp"
#include "hardneg/train/trainer.hpp"

namespace hardneg::testing {

template <class S, class L>
struct Combination {
  using sampler = S;
  using loss = L;
};

namespace detail {
template <class S, class Losses>
struct with_losses;
template <class S, class... L>
struct with_losses<S, std::tuple<L...>> {
  using type = std::tuple<Combination<S, L>...>;
};
template <class Samplers, class Losses>
struct cartesian;
template <class... S, class Losses>
struct cartesian<std::tuple<S...>, Losses> {
  using type = decltype(std::tuple_cat(std::declval<typename with_losses<S, Losses>::type>()...));
};
}  // namespace detail

/// The samplers and losses of the matrix. DNS and Softmax-v take 20
/// candidates, not 200, so that the slow models stay fast on 300 items.
using TestSamplers = std::tuple<Uniform<4>, DNS<2, 20>, SoftmaxV<20>>;
using TestLosses = std::tuple<BPR, BCE, CCE>;
using Combinations = typename detail::cartesian<TestSamplers, TestLosses>::type;

/// Cosine-score models (SimpleX, MF with cosine = true) take InfoNCE (a
/// softmax with temperature 0.1) instead of BCE: sigmoid(s) of a score in
/// [-1, 1] never leaves [0.27, 0.73], and on this data BCE on raw cosine
/// scores learns little (0.4x-1.7x popularity, below it with Softmax-v).
/// CCL with its Gowalla weight (150, meant for hundreds of negatives) also
/// stays under 2x with these 4-20 negatives.
using CosineLosses = std::tuple<BPR, CCE, InfoNCE>;
using CosineCombinations = typename detail::cartesian<TestSamplers, CosineLosses>::type;

inline const Dataset& combination_data() {
  static const Dataset data = make_synthetic(SyntheticOptions::tiny(2));
  return data;
}

/// Trains `model` with S, L and Adam(lr) and checks NDCG@20 >= min_lift x
/// the popularity ranking's.
template <class S, class L, class M>
void check_learns(M& model, double lr, int epochs, double min_lift) {
  const Dataset& data = combination_data();
  Trainer<M, S, L, Adam> trainer(model, {.batch = 256, .epochs = epochs, .threads = 2, .seed = 3}, S(),
                                 L(), Adam({.lr = lr}));
  trainer.fit(data.train);
  const auto ndcg = [&](const auto& scorer) {
    return evaluate(scorer, data.train, data.test, {.ks = {20}}).at("ndcg@20");
  };
  const double learned = ndcg(model.block_scorer());
  const double popular = ndcg(PopularityScorer(data.train));
  INFO(std::string(M::name()) << " + " << S::name() << " + " << L::name() << ": ndcg@20 " << learned
                              << ", popularity " << popular);
  CHECK(learned >= min_lift * popular);
}

}  // namespace hardneg::testing
