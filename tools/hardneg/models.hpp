// The models of the hardneg tool: `--model name:key=value,...` for train, and
// loading a model file of any model for eval, recommend and simulate sampler.
//
// Each model's half lives in its own translation unit (model_<name>.cpp):
// train_<name> parses the model's keys, builds the model and runs
// Trainer<M, AnySampler<M>, AnyLoss, AnyOptimizer> (one instantiation per
// model; the policies are type-erased); open_<name> reads a model file into a
// LoadedModel. models.cpp dispatches on the name.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "hardneg/core/types.hpp"
#include "hardneg/data/interactions.hpp"
#include "hardneg/models/recommendation.hpp"

namespace hardneg {
struct EvalOptions;
struct EvalResult;
struct SamplingDistribution;
}  // namespace hardneg

namespace hardneg::tool {

struct TrainArgs;

/// A model read from a file, behind what eval, recommend and simulate
/// sampler need (one virtual call per command, never per item).
class LoadedModel {
 public:
  virtual ~LoadedModel() = default;
  /// The model's name() ("mf", "lightgcn", ...).
  virtual std::string_view name() const = 0;
  virtual index_t n_users() const = 0;
  virtual index_t n_items() const = 0;
  /// Full-ranking metrics of `test`, `train` items excluded (both shaped
  /// like the model).
  virtual EvalResult evaluate(const Interactions& train, const Interactions& test,
                              const EvalOptions& options) const = 0;
  /// The k best items of `user` not in its row of `seen`, best first.
  virtual std::vector<Recommendation> recommend(index_t user, std::size_t k, const Interactions& seen) const = 0;
  /// The sampling distribution of the sampler `sampler` (--sampler syntax)
  /// over the negatives of (user, positive); see eval/theory.hpp.
  virtual SamplingDistribution simulate_sampler(const std::string& sampler, const Interactions& train,
                                                index_t user, index_t positive, std::size_t draws,
                                                std::uint64_t seed) const = 0;
};

/// The models --model accepts, in the order the help lists them.
inline constexpr std::string_view model_names = "mf, gmf, neumf, lightgcn, simplex";

/// Runs `hardneg train` with the model a.model names (unknown names and keys
/// are errors listing the valid ones).
void train_model(const TrainArgs& a);

/// Loads a model file of any model the tool knows, dispatching on the name
/// stored in the file. LightGCN and SimpleX rebuild their graph / histories
/// from `train` (the train data they were trained on; LightGCN rejects other
/// data). Throws IoError naming the file, or InvalidArgument when the model
/// has fewer users or items than `train`.
std::unique_ptr<LoadedModel> load_any_model(const std::string& path, const Interactions& train);

// One translation unit each (model_<name>.cpp). Named open_, not load_: a
// tool::load_simplex would hide hardneg::load_simplex.
void train_mf(const TrainArgs& a);
void train_gmf(const TrainArgs& a);
void train_neumf(const TrainArgs& a);
void train_lightgcn(const TrainArgs& a);
void train_simplex(const TrainArgs& a);
std::unique_ptr<LoadedModel> open_mf(const std::string& path, const Interactions& train);
std::unique_ptr<LoadedModel> open_gmf(const std::string& path, const Interactions& train);
std::unique_ptr<LoadedModel> open_neumf(const std::string& path, const Interactions& train);
std::unique_ptr<LoadedModel> open_lightgcn(const std::string& path, const Interactions& train);
std::unique_ptr<LoadedModel> open_simplex(const std::string& path, const Interactions& train);

}  // namespace hardneg::tool
