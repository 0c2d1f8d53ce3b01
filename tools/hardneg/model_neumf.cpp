// hardneg train / load with NeuMF (models/neumf.hpp):
//   --model neumf:layers=3,dropout=0,activation=relu|tanh|identity,init=normal|xavier|xavier_normal
#include <memory>
#include <string>

#include "hardneg/models/neumf.hpp"
#include "model_commands.hpp"

namespace hardneg::tool {

void train_neumf(const TrainArgs& a) {
  PolicySpec spec("--model", a.model);
  NeuMF::Params p{.dim = a.dim, .init_std = a.init_std, .seed = a.seed};
  p.layers = count_key(spec, "layers", p.layers, 1);
  p.dropout = spec.get("dropout", p.dropout);
  const std::string act = spec.choice("activation", "relu", {"relu", "tanh", "identity"});
  p.activation = act == "tanh"       ? NeuMF::Activation::tanh
                 : act == "identity" ? NeuMF::Activation::identity
                                     : NeuMF::Activation::relu;
  const std::string init = spec.choice("init", "normal", {"normal", "xavier", "xavier_normal"});
  p.init = init == "xavier" ? NeuMF::Init::xavier : init == "xavier_normal" ? NeuMF::Init::xavier_normal : NeuMF::Init::normal;
  spec.finish();
  run_train<NeuMF>(a, [&](const Dataset& data) { return NeuMF(data.n_users(), data.n_items(), p); });
}

std::unique_ptr<LoadedModel> open_neumf(const std::string& path, const Interactions&) {
  return std::make_unique<Loaded<NeuMF>>(load_model<NeuMF>(path));
}

}  // namespace hardneg::tool
