// hardneg train / load with MF (models/mf.hpp):
//   --model mf:cosine=no|yes,dropout=0,init=normal|xavier
// Plain `--model mf` builds MF(users, items, {dim, init_std, seed}) as before.
#include <memory>
#include <string>

#include "hardneg/models/mf.hpp"
#include "model_commands.hpp"

namespace hardneg::tool {

void train_mf(const TrainArgs& a) {
  PolicySpec spec("--model", a.model);
  MF::Params p{.dim = a.dim, .init_std = a.init_std, .seed = a.seed};
  p.cosine = yes_no(spec, "cosine", p.cosine);
  p.user_dropout = spec.get("dropout", p.user_dropout);
  p.init = spec.choice("init", "normal", {"normal", "xavier"}) == "xavier" ? MF::Init::xavier : MF::Init::normal;
  spec.finish();
  run_train<MF>(a, [&](const Dataset& data) { return MF(data.n_users(), data.n_items(), p); });
}

std::unique_ptr<LoadedModel> open_mf(const std::string& path, const Interactions&) {
  return std::make_unique<Loaded<MF>>(load_model<MF>(path));
}

}  // namespace hardneg::tool
