// LightGCN x {Uniform, DNS(M,N), Softmax-v} x {BPR, BCE, CCE}.
#include "combinations.hpp"

#include "hardneg/models/lightgcn.hpp"

using hardneg::testing::Combinations;

TEMPLATE_LIST_TEST_CASE("LightGCN learns with every sampler and loss", "[models][combinations][lightgcn]",
                        Combinations) {
  const auto& data = hardneg::testing::combination_data();
  hardneg::LightGCN model(data.train, {.dim = 32, .layers = 2, .seed = 7});
  hardneg::testing::check_learns<typename TestType::sampler, typename TestType::loss>(model, 0.01, 15, 2.0);
}
