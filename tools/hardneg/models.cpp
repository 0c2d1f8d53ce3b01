// Dispatch on the model name: --model for train, the name stored in a model
// file for eval, recommend and simulate sampler.
#include "models.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <fstream>

#include "hardneg/core/error.hpp"
#include "hardneg/io/model_file.hpp"
#include "help.hpp"
#include "policy_spec.hpp"
#include "train_args.hpp"

namespace hardneg::tool {

namespace {

struct ModelEntry {
  std::string_view name;
  void (*train)(const TrainArgs&);
  std::unique_ptr<LoadedModel> (*open)(const std::string&, const Interactions&);
};

constexpr std::array<ModelEntry, 5> models{{
    {"mf", train_mf, open_mf},
    {"gmf", train_gmf, open_gmf},
    {"neumf", train_neumf, open_neumf},
    {"lightgcn", train_lightgcn, open_lightgcn},
    {"simplex", train_simplex, open_simplex},
}};

const ModelEntry* find_model(std::string_view name) {
  for (const ModelEntry& m : models)
    if (m.name == name) return &m;
  return nullptr;
}

/// The model name in a model file's header (io/model_file.hpp: magic,
/// version, name), read without loading the tables. A file whose header does
/// not read goes to load_model_file, which throws the precise error.
std::string model_name_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::array<unsigned char, 16> head{};
  if (in.read(reinterpret_cast<char*>(head.data()), head.size())) {
    const auto u32 = [&](std::size_t at) {
      return std::uint32_t{head[at]} | std::uint32_t{head[at + 1]} << 8 | std::uint32_t{head[at + 2]} << 16 |
             std::uint32_t{head[at + 3]} << 24;
    };
    const bool magic = std::equal(detail::model_file_magic.begin(), detail::model_file_magic.end(), head.begin());
    const std::uint32_t length = u32(12);
    if (magic && u32(8) == model_file_version && length <= 256) {
      std::string name(length, '\0');
      if (in.read(name.data(), length)) return name;
    }
  }
  return load_model_file(path).name;
}

}  // namespace

void train_model(const TrainArgs& a) {
  const PolicySpec spec("--model", a.model);
  const ModelEntry* m = find_model(spec.name());
  if (!m) spec.fail("is not a model; valid: " + std::string(model_names));
  m->train(a);
}

std::unique_ptr<LoadedModel> load_any_model(const std::string& path, const Interactions& train) {
  const std::string name = model_name_of(path);
  const ModelEntry* m = find_model(name);
  if (!m)
    throw IoError("model file " + detail::quoted(path) + ": holds a '" + name + "' model; this tool reads " +
                  std::string(model_names));
  std::unique_ptr<LoadedModel> model = m->open(path, train);
  if (model->n_users() < train.n_users() || model->n_items() < train.n_items())
    throw InvalidArgument(path + ": the model has " + std::to_string(model->n_users()) + " users x " +
                          std::to_string(model->n_items()) + " items, the data " +
                          std::to_string(train.n_users()) + " x " + std::to_string(train.n_items()));
  return model;
}

std::string models_help() {
  return R"(Models (--model; --dim, --init-std and --seed apply to every model):
  mf:cosine=no|yes,dropout=0,init=normal|xavier
                                    s = <p_u, q_i>; cosine: of the normalised vectors;
                                    dropout on the user vector in training
  gmf:bias=yes|no,init=normal|xavier|xavier_normal
                                    s = <h, p_u (.) q_i> + b (NCF's GMF)
  neumf:layers=3,dropout=0,activation=relu|tanh|identity,init=normal|xavier|xavier_normal
                                    NCF's NeuMF-end: GMF and an MLP tower of `layers` layers
  lightgcn:layers=3,init=xavier_normal|normal
                                    graph propagation over the train data (layers 0: MF);
                                    init normal uses --init-std
  simplex:g=0.8,aggregation=user_attention|mean,dropout=0.1,history=own|shared,pad_length=0,
          leave_target_out=yes|no
                                    user tower g e_u + (1 - g) W agg(history), cosine score;
                                    history: the history items' own table or the item table;
                                    pad_length L: attention counts L - |H| padding slots of
                                    logit 0 (the reference's padded softmax); training rows
                                    leave their positive out of the history unless told no
  eval, recommend and simulate sampler read the model from the file; lightgcn and
  simplex need the same train data as in training.
  Samplers aobpr and kernel need embedding tables: mf, gmf, simplex only.
)";
}

}  // namespace hardneg::tool
