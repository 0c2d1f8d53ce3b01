// SimpleX and cosine MF x {Uniform, DNS(M,N), Softmax-v} x {BPR, CCE, InfoNCE}
// (cosine scores: see CosineLosses in combinations.hpp).
#include "combinations.hpp"

#include "hardneg/models/mf.hpp"
#include "hardneg/models/simplex.hpp"

using hardneg::testing::CosineCombinations;

TEMPLATE_LIST_TEST_CASE("cosine MF learns with every sampler and loss", "[models][combinations][mf]",
                        CosineCombinations) {
  const auto& data = hardneg::testing::combination_data();
  hardneg::MF model(data.n_users(), data.n_items(),
                    {.dim = 32, .init_std = 0.1, .seed = 7, .cosine = true, .user_dropout = 0.1});
  hardneg::testing::check_learns<typename TestType::sampler, typename TestType::loss>(model, 0.01, 15, 2.0);
}

TEMPLATE_LIST_TEST_CASE("SimpleX learns with every sampler and loss", "[models][combinations][simplex]",
                        CosineCombinations) {
  const auto& data = hardneg::testing::combination_data();
  hardneg::SimpleX model(data.n_users(), data.n_items(), data.train, {.dim = 32, .seed = 7});
  hardneg::testing::check_learns<typename TestType::sampler, typename TestType::loss>(model, 0.01, 15, 2.0);
}
