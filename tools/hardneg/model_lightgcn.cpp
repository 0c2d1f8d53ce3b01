// hardneg train / load with LightGCN (models/lightgcn.hpp):
//   --model lightgcn:layers=3,init=xavier_normal|normal,ego_l2=0
// (init=normal uses --init-std; xavier_normal, the WWW'23 code's, ignores it;
// ego_l2 is the LightGCN paper code's L2 on the batch's rows of E_0.)
// The graph is the train data's, so loading needs the same train data:
// LightGCN::load checks the file's graph fingerprint against it.
#include <memory>
#include <string>

#include "hardneg/models/lightgcn.hpp"
#include "model_commands.hpp"

namespace hardneg::tool {

void train_lightgcn(const TrainArgs& a) {
  PolicySpec spec("--model", a.model);
  LightGCN::Params p{.dim = a.dim, .init_std = a.init_std, .seed = a.seed};
  p.layers = count_key(spec, "layers", p.layers, 0);
  p.init = spec.choice("init", "xavier_normal", {"xavier_normal", "normal"}) == "normal" ? LightGCN::Init::normal
                                                                                       : LightGCN::Init::xavier_normal;
  p.ego_l2 = spec.get("ego_l2", p.ego_l2);
  spec.finish();
  run_train<LightGCN>(a, [&](const Dataset& data) { return LightGCN(data.train, p); });
}

std::unique_ptr<LoadedModel> open_lightgcn(const std::string& path, const Interactions& train) {
  return std::make_unique<Loaded<LightGCN>>(LightGCN::load(path, train));
}

}  // namespace hardneg::tool
