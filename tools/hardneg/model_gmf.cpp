// hardneg train / load with GMF (models/gmf.hpp):
//   --model gmf:bias=yes|no,init=normal|xavier|xavier_normal
#include <memory>
#include <string>

#include "hardneg/models/gmf.hpp"
#include "model_commands.hpp"

namespace hardneg::tool {

void train_gmf(const TrainArgs& a) {
  PolicySpec spec("--model", a.model);
  GMF::Params p{.dim = a.dim, .init_std = a.init_std, .seed = a.seed};
  p.bias = yes_no(spec, "bias", p.bias);
  const std::string init = spec.choice("init", "normal", {"normal", "xavier", "xavier_normal"});
  p.init = init == "xavier" ? GMF::Init::xavier : init == "xavier_normal" ? GMF::Init::xavier_normal : GMF::Init::normal;
  spec.finish();
  run_train<GMF>(a, [&](const Dataset& data) { return GMF(data.n_users(), data.n_items(), p); });
}

std::unique_ptr<LoadedModel> open_gmf(const std::string& path, const Interactions&) {
  return std::make_unique<Loaded<GMF>>(load_model<GMF>(path));
}

}  // namespace hardneg::tool
