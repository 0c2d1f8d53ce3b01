// GMF and NeuMF x {Uniform, DNS(M,N), Softmax-v} x {BPR, BCE, CCE}.
#include "combinations.hpp"

#include "hardneg/models/gmf.hpp"
#include "hardneg/models/neumf.hpp"

using hardneg::testing::Combinations;

TEMPLATE_LIST_TEST_CASE("GMF learns with every sampler and loss", "[models][combinations][gmf]", Combinations) {
  const auto& data = hardneg::testing::combination_data();
  hardneg::GMF model(data.n_users(), data.n_items(), {.dim = 32, .seed = 7});
  hardneg::testing::check_learns<typename TestType::sampler, typename TestType::loss>(model, 0.01, 15, 2.0);
}

TEMPLATE_LIST_TEST_CASE("NeuMF learns with every sampler and loss", "[models][combinations][neumf]", Combinations) {
  const auto& data = hardneg::testing::combination_data();
  hardneg::NeuMF model(data.n_users(), data.n_items(), {.dim = 16, .layers = 2, .seed = 7});
  // NeuMF learns slower in 15 epochs: 2.0x-3.4x here, so 1.8x.
  hardneg::testing::check_learns<typename TestType::sampler, typename TestType::loss>(model, 0.01, 15, 1.8);
}
