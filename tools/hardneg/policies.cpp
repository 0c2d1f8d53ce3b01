// The policy factories of the hardneg tool.
#include "policies.hpp"

#include "help.hpp"

namespace hardneg::tool {

std::string policies_help() {
  return R"(Policies are named name:key=value,... ; unknown keys are errors.
Samplers (--sampler):
  uniform:k=1                       k uniform negatives per positive
  popularity:k=1,alpha=0.75,proposal=power|log
                                    q(j) ~ count^alpha (power) or log(1+count) (log)
  dns:m=5,n=200,k=1,scale=mean|sum  DNS(M,N): the top-m of n uniform candidates, k times;
                                    weight 1/(k m) (mean, the paper) or 1 each (sum, its code);
                                    dns:m=1,n=50 is the classic DNS
  softmax:tau=0.1,n=200             n uniform candidates, weights softmax(BPR loss / tau)
  softmax-v:rho=1,n=200             Softmax-v(rho,N): adaptive tau = sqrt(Var(loss) / (2 rho))
  aobpr:k=1,lambda=0                rank-based adaptive oversampling (lambda 0: n_items/20)
  warp:max_trials=10,margin=1,rank_weight=harmonic|log,max_weight=inf   (use with --loss hinge)
  irgan:k=1,dim=32,temperature=0.2,lr=0.05,reg=0,mix=0.2,g_epochs=1,g_batch=32,seed=1
  kernel:k=5,alpha=1,lambda=1,weighting=importance|uniform,leaf_size=64
  pris:n=5,lambda=1,proposal=uniform|popularity,alpha=0.75,popularity=log|power
  adasir:n=5,pool_size=50,sample_size=200,lambda=1,proposal=...,seed=1   (keys of pris too)
  srns:k=1,s1=20,s2=20,history=5,alpha=1,warmup=1,temperature=1,seed=1
  See docs/policies.md for what each key means.
Losses (--loss):
  bpr  bce  cce  mse  hinge:margin=1  idl
  infonce:tau=0.1,positive=yes|no   sampled softmax; positive: e^{s_i/tau} in the denominator
  ccl:margin=0.9,w=150              SimpleX's cosine contrastive loss (w: negatives' weight)
  mml:margins=0.7/0.8/0.9,weights=0.1/0.15/0.75,w_pos=1,w_neg=700
                                    multi-margin loss; lists separated by '/'
  bsl:tau1=0.08,tau2=1.22,mean=yes|no,same_user=yes|no
                                    bilateral softmax loss; same_user: the positive term
                                    averaged over the batch's rows of the user (mode "multi")
  contrastive:margin=0.5            (1 - s_i)^2 / 2 + relu(s_j - margin)^2 / 2
  tce:drop_rate=0.2,num_gradual=30000,exponent=1,of=samples|positives
                                    truncated BCE: drops the batch's largest-loss positives,
                                    drop_rate (of the samples or of the positives) ramped over
                                    num_gradual batches
  rce:alpha=0.2                     reweighted BCE, weights sg(sigmoid)^alpha
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

namespace {
std::vector<double> to_doubles(const std::vector<real>& v) { return {v.begin(), v.end()}; }
std::vector<real> to_reals(const std::vector<double>& v) {
  std::vector<real> out;
  for (double x : v) out.push_back(static_cast<real>(x));
  return out;
}
}  // namespace

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
  if (n == "idl") return spec.finish(), AnyLoss(IDL{});
  if (n == "infonce") {
    InfoNCE::Params p;
    p.tau = static_cast<real>(spec.get("tau", static_cast<double>(p.tau)));
    p.include_positive = spec.choice("positive", "yes", {"yes", "no"}) == "yes";
    spec.finish();
    return InfoNCE(p);
  }
  if (n == "ccl") {
    CCL::Params p;
    p.margin = static_cast<real>(spec.get("margin", static_cast<double>(p.margin)));
    p.negative_weight = static_cast<real>(spec.get("w", static_cast<double>(p.negative_weight)));
    spec.finish();
    return CCL(p);
  }
  if (n == "mml") {
    MML<>::Params p;
    p.margins = to_reals(spec.list("margins", to_doubles(p.margins)));
    p.weights = to_reals(spec.list("weights", to_doubles(p.weights)));
    p.positive_weight = static_cast<real>(spec.get("w_pos", static_cast<double>(p.positive_weight)));
    p.negative_weight = static_cast<real>(spec.get("w_neg", static_cast<double>(p.negative_weight)));
    spec.finish();
    return MML<>(p);
  }
  if (n == "bsl") {
    BSL::Params p;
    p.tau1 = static_cast<real>(spec.get("tau1", static_cast<double>(p.tau1)));
    p.tau2 = static_cast<real>(spec.get("tau2", static_cast<double>(p.tau2)));
    p.mean_negatives = spec.choice("mean", "yes", {"yes", "no"}) == "yes";
    p.same_user = spec.choice("same_user", "yes", {"yes", "no"}) == "yes";
    spec.finish();
    return BSL(p);
  }
  if (n == "contrastive") {
    Contrastive::Params p;
    p.margin = static_cast<real>(spec.get("margin", static_cast<double>(p.margin)));
    spec.finish();
    return Contrastive(p);
  }
  if (n == "tce") {
    TCE::Params p;
    p.drop_rate = spec.get("drop_rate", p.drop_rate);
    p.num_gradual = spec.get("num_gradual", std::size_t{p.num_gradual});
    p.exponent = spec.get("exponent", p.exponent);
    p.rate_of_positives = spec.choice("of", "samples", {"samples", "positives"}) == "positives";
    spec.finish();
    return TCE(p);
  }
  if (n == "rce") {
    RCE::Params p;
    p.alpha = static_cast<real>(spec.get("alpha", static_cast<double>(p.alpha)));
    spec.finish();
    return RCE(p);
  }
  spec.fail("is not a loss; valid: bpr, bce, cce, mse, hinge, idl, infonce, ccl, mml, bsl, "
            "contrastive, tce, rce");
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
