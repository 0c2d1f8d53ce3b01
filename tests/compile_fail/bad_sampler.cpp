// Must NOT compile: the second policy has no sample(). The expected first
// error is the Trainer's sentence naming the Sampler concept.
#include "hardneg/losses/bpr.hpp"
#include "hardneg/models/mf.hpp"
#include "hardneg/optim/adam.hpp"
#include "hardneg/train/trainer.hpp"

struct NotASampler {
  static constexpr std::string_view name() { return "not-a-sampler"; }
  std::size_t max_negatives() const { return 1; }
};

int main() {
  hardneg::MF model(2, 3);
  hardneg::Trainer<hardneg::MF, NotASampler, hardneg::BPR, hardneg::Adam> trainer(model);
}
