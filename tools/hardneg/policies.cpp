// The policy factories of the hardneg tool.
#include "policies.hpp"

namespace hardneg::tool {

std::string policies_help() {
  return R"(Policies are named name:key=value,... ; unknown keys are errors.
Samplers (--sampler):
  uniform:k=1                       k uniform negatives per positive
  popularity:k=1,alpha=0.75,proposal=power|log
                                    q(j) ~ count^alpha (power) or log(1+count) (log)
Losses (--loss):
  bpr  bce  cce  mse  hinge:margin=1
Optimizers (--optimizer):
  sgd:lr=0.01,wd=0
  adagrad:lr=0.01,wd=0,eps=1e-10
  adam:lr=0.001,wd=0,beta1=0.9,beta2=0.999,eps=1e-8       dense semantics (every row, every step)
  lazy-adam:lr=0.001,wd=0,beta1=0.9,beta2=0.999,eps=1e-8  touched rows only
  wd is coupled L2 (g += wd * theta), as torch.optim.
Schedules (--schedule):
  constant   step:every=5,gamma=0.95
)";
}

AnyLoss make_loss(const std::string& text) {
  PolicySpec spec("--loss", text);
  const std::string& n = spec.name();
  if (n == "bpr") return spec.finish(), AnyLoss(BPR{});
  if (n == "bce") return spec.finish(), AnyLoss(BCE{});
  if (n == "cce") return spec.finish(), AnyLoss(CCE{});
  if (n == "mse") return spec.finish(), AnyLoss(MSE{});
  if (n == "hinge") {
    Hinge::Params p;
    p.margin = static_cast<real>(spec.get("margin", static_cast<double>(p.margin)));
    spec.finish();
    return Hinge(p);
  }
  spec.fail("is not a loss; valid: bpr, bce, cce, mse, hinge");
}

namespace {
template <class AdamType>
AnyOptimizer make_adam(PolicySpec& spec) {
  typename AdamType::Params p;
  p.lr = spec.get("lr", p.lr);
  p.weight_decay = spec.get("wd", p.weight_decay);
  p.beta1 = spec.get("beta1", p.beta1);
  p.beta2 = spec.get("beta2", p.beta2);
  p.eps = spec.get("eps", p.eps);
  spec.finish();
  return AdamType(p);
}
}  // namespace

AnyOptimizer make_optimizer(const std::string& text) {
  PolicySpec spec("--optimizer", text);
  const std::string& n = spec.name();
  if (n == "sgd") {
    SGD::Params p;
    p.lr = spec.get("lr", p.lr);
    p.weight_decay = spec.get("wd", p.weight_decay);
    spec.finish();
    return SGD(p);
  }
  if (n == "adagrad") {
    Adagrad::Params p;
    p.lr = spec.get("lr", p.lr);
    p.weight_decay = spec.get("wd", p.weight_decay);
    p.eps = spec.get("eps", p.eps);
    spec.finish();
    return Adagrad(p);
  }
  if (n == "adam") return make_adam<Adam>(spec);
  if (n == "lazy-adam") return make_adam<LazyAdam>(spec);
  spec.fail("is not an optimizer; valid: sgd, adagrad, adam, lazy-adam");
}

Schedule make_schedule(const std::string& text) {
  PolicySpec spec("--schedule", text);
  if (spec.name() == "constant") return spec.finish(), Schedule(ConstantLR{});
  if (spec.name() == "step") {
    StepDecay::Params p;
    p.every = spec.get("every", p.every);
    p.gamma = spec.get("gamma", p.gamma);
    spec.finish();
    return StepDecay(p);
  }
  spec.fail("is not a schedule; valid: constant, step");
}

}  // namespace hardneg::tool
