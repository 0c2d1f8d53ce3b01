// Builds the policies named on the command line (`name:key=value,...`) as
// type-erased AnySampler / AnyLoss / AnyOptimizer, and documents their keys.
#pragma once

#include <string>

#include "hardneg/losses.hpp"
#include "hardneg/optim.hpp"
#include "hardneg/samplers.hpp"
#include "hardneg/train/any_policy.hpp"
#include "policy_spec.hpp"

namespace hardneg::tool {

/// Help text listing every policy with its keys and defaults.
std::string policies_help();

AnyLoss make_loss(const std::string& text);
AnyOptimizer make_optimizer(const std::string& text);
Schedule make_schedule(const std::string& text);

template <class M>
AnySampler<M> make_sampler(const std::string& text) {
  PolicySpec spec("--sampler", text);
  if (spec.name() == "uniform") {
    Uniform<> s({.k = spec.get("k", 1)});
    spec.finish();
    return s;
  }
  if (spec.name() == "popularity") {
    typename Popularity<>::Params p;
    p.k = spec.get("k", 1);
    p.alpha = spec.get("alpha", p.alpha);
    const std::string proposal = spec.choice("proposal", "power", {"power", "log"});
    p.proposal = proposal == "log" ? PopularityProposal::log : PopularityProposal::power;
    spec.finish();
    return Popularity<>(p);
  }
  spec.fail("is not a sampler; valid: uniform, popularity");
}

}  // namespace hardneg::tool
