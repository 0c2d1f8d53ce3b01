// The README's example: train MF with hard negatives (DNS(M,N)) and BPR,
// evaluate every few epochs, then recommend. Runs on the built-in synthetic
// data; pass a LightGCN-format train and test file to use real data:
//
//   example_train_mf [train.txt test.txt]
#include <cstdio>

#include <hardneg/hardneg.hpp>

int main(int argc, char** argv) {
  using namespace hardneg;
  const Dataset data = argc == 3 ? load_lightgcn(argv[1], argv[2])
                                 : make_synthetic(SyntheticOptions::tiny(/*seed=*/1));

  MF model(data.n_users(), data.n_items(), {.dim = 32, .init_std = 0.1, .seed = 1});
  Trainer<MF, DNS<2, 20>, BPR, Adam> trainer(model, {.batch = 256, .epochs = 20, .threads = 2, .seed = 1},
                                             DNS<2, 20>(), BPR(), Adam({.lr = 1e-2}));
  EvaluateEvery evaluation(5, data.train, data.test, {.ks = {5, 20}});
  trainer.fit(data.train, evaluation, Progress());

  std::printf("recall@20 %.4f  ndcg@20 %.4f\n", evaluation.last().at("recall@20"),
              evaluation.last().at("ndcg@20"));
  for (const Recommendation& r : model.recommend(/*user=*/7, 5, data.train))  // excludes seen items
    std::printf("user 7: item %s (score %.3f)\n", data.item_name(r.item).c_str(), r.score);
  return 0;
}
