// hardneg train / load with SimpleX (models/simplex.hpp):
//   --model simplex:g=0.8,aggregation=user_attention|mean,dropout=0.1,history=own|shared,
//                   pad_length=0,leave_target_out=yes|no
// The user tower aggregates each user's train items; loading takes them from
// the train data again (the file does not store them).
#include <memory>
#include <string>

#include "hardneg/models/simplex.hpp"
#include "model_commands.hpp"

namespace hardneg::tool {

void train_simplex(const TrainArgs& a) {
  PolicySpec spec("--model", a.model);
  SimpleX::Params p{.dim = a.dim, .init_std = a.init_std, .seed = a.seed};
  p.g = spec.get("g", p.g);
  p.aggregation = SimpleX::parse_aggregation(
      spec.choice("aggregation", std::string(SimpleX::aggregation_name(p.aggregation)), {"user_attention", "mean"}));
  p.dropout = spec.get("dropout", p.dropout);
  p.history = SimpleX::parse_history_embedding(
      spec.choice("history", std::string(SimpleX::history_embedding_name(p.history)), {"own", "shared"}));
  p.pad_length = count_key(spec, "pad_length", p.pad_length, 0);
  p.leave_target_out = yes_no(spec, "leave_target_out", p.leave_target_out);
  spec.finish();
  run_train<SimpleX>(a, [&](const Dataset& data) {
    return SimpleX(data.n_users(), data.n_items(), data.train, p);
  });
}

std::unique_ptr<LoadedModel> open_simplex(const std::string& path, const Interactions& train) {
  return std::make_unique<Loaded<SimpleX>>(hardneg::load_simplex(path, train));
}

}  // namespace hardneg::tool
