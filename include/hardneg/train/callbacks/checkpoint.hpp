// Checkpoint: saves the model every k epochs (atomically, see io/model_file.hpp).
#pragma once

#include <filesystem>
#include <string>
#include <utility>

#include "hardneg/core/error.hpp"
#include "hardneg/io/model_file.hpp"
#include "hardneg/train/context.hpp"

namespace hardneg {

class Checkpoint {
 public:
  struct Params {
    int every = 10;              ///< epochs between two checkpoints
    std::filesystem::path path;  ///< file, overwritten at each checkpoint
  };
  explicit Checkpoint(Params p) : p_(std::move(p)) {
    detail::require(p_.every >= 1, "hardneg::Checkpoint: every must be >= 1");
  }

  template <class Trainer>
  void on_epoch_end(Trainer& trainer, const TrainContext& ctx) {
    if ((ctx.epoch + 1) % p_.every != 0) return;
    detail::require(!p_.path.empty(), "hardneg::Checkpoint: no path given");
    save_model(p_.path, trainer.model(), {{"epoch", std::to_string(ctx.epoch + 1)}});
  }

 private:
  Params p_;
};

}  // namespace hardneg
