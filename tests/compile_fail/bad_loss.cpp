// Must NOT compile: the third policy's evaluate() has the wrong signature.
#include "hardneg/models/mf.hpp"
#include "hardneg/optim/adam.hpp"
#include "hardneg/samplers/uniform.hpp"
#include "hardneg/train/trainer.hpp"

struct NotALoss {
  static constexpr std::string_view name() { return "not-a-loss"; }
  float evaluate(float pos, float neg) const { return pos - neg; }
};

int main() {
  hardneg::MF model(2, 3);
  hardneg::Trainer<hardneg::MF, hardneg::Uniform<>, NotALoss, hardneg::Adam> trainer(model);
}
