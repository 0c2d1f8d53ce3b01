// MF (dot and cosine) x {Uniform, DNS(M,N), Softmax-v} x {BPR, BCE, CCE}.
#include "combinations.hpp"

#include "hardneg/models/mf.hpp"

using hardneg::testing::Combinations;

TEMPLATE_LIST_TEST_CASE("MF learns with every sampler and loss", "[models][combinations][mf]", Combinations) {
  const auto& data = hardneg::testing::combination_data();
  hardneg::MF model(data.n_users(), data.n_items(), {.dim = 32, .init_std = 0.1, .seed = 7});
  hardneg::testing::check_learns<typename TestType::sampler, typename TestType::loss>(model, 0.01, 15, 2.0);
}
