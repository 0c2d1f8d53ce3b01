// Builds the policies named on the command line (`name:key=value,...`) as
// type-erased AnySampler / AnyLoss / AnyOptimizer, and documents their keys.
#pragma once

#include <string>
#include <string_view>

#include "hardneg/losses.hpp"
#include "hardneg/optim.hpp"
#include "hardneg/samplers.hpp"
#include "hardneg/samplers/detail/embedding_model.hpp"
#include "hardneg/train/any_policy.hpp"
#include "policy_spec.hpp"

namespace hardneg::tool {

AnyLoss make_loss(const std::string& text);
AnyOptimizer make_optimizer(const std::string& text);
Schedule make_schedule(const std::string& text);

/// The error of a sampler that needs the model's embedding tables
/// (samplers/detail/embedding_model.hpp) with a model that has none.
[[noreturn]] inline void needs_embeddings(const PolicySpec& spec, std::string_view model) {
  spec.fail("needs a model with user and item embedding tables (mf, gmf, simplex), not " +
            std::string(model));
}

/// The sampler `text` names, for model type M. Samplers that need what M
/// lacks (AOBPR and the kernel sampler need embedding tables) are errors
/// naming the model, not compile failures.
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
  if (spec.name() == "dns") {
    typename DNS<>::Params p;
    p.m = spec.get("m", p.m);
    p.n = spec.get("n", p.n);
    p.k = spec.get("k", p.k);
    p.scale = spec.choice("scale", "mean", {"mean", "sum"}) == "sum" ? DNSScale::sum : DNSScale::mean;
    spec.finish();
    return DNS<>(p);
  }
  if (spec.name() == "softmax") {
    typename Softmax<>::Params p;
    p.tau = spec.get("tau", p.tau);
    p.n = spec.get("n", p.n);
    spec.finish();
    return Softmax<>(p);
  }
  if (spec.name() == "softmax-v") {
    typename SoftmaxV<>::Params p;
    p.rho = spec.get("rho", p.rho);
    p.n = spec.get("n", p.n);
    spec.finish();
    return SoftmaxV<>(p);
  }
  if (spec.name() == "aobpr") {
    if constexpr (hardneg::detail::EmbeddingModel<M>) {
      typename AOBPR<>::Params p;
      p.k = spec.get("k", p.k);
      p.lambda = spec.get("lambda", p.lambda);
      spec.finish();
      return AOBPR<>(p);
    } else {
      needs_embeddings(spec, M::name());
    }
  }
  if (spec.name() == "warp") {
    typename WARP<>::Params p;
    p.max_trials = spec.get("max_trials", p.max_trials);
    p.margin = static_cast<real>(spec.get("margin", static_cast<double>(p.margin)));
    p.rank_weight = spec.choice("rank_weight", "harmonic", {"harmonic", "log"}) == "log"
                        ? WARPRankWeight::log
                        : WARPRankWeight::harmonic;
    p.max_weight = spec.get("max_weight", p.max_weight);
    spec.finish();
    return WARP<>(p);
  }
  if (spec.name() == "irgan") {
    typename IRGAN<>::Params p;
    p.k = spec.get("k", p.k);
    p.dim = static_cast<std::size_t>(spec.get("dim", static_cast<int>(p.dim)));
    p.temperature = spec.get("temperature", p.temperature);
    p.lr = spec.get("lr", p.lr);
    p.reg = spec.get("reg", p.reg);
    p.mix = spec.get("mix", p.mix);
    p.g_epochs = spec.get("g_epochs", p.g_epochs);
    p.g_batch = spec.get("g_batch", p.g_batch);
    p.seed = static_cast<std::uint64_t>(spec.get("seed", 1));
    spec.finish();
    return IRGAN<>(p);
  }
  if (spec.name() == "kernel") {
    if constexpr (hardneg::detail::EmbeddingModel<M>) {
      typename Kernel<>::Params p;
      p.k = spec.get("k", p.k);
      p.alpha = spec.get("alpha", p.alpha);
      p.lambda = spec.get("lambda", p.lambda);
      p.weighting = spec.choice("weighting", "importance", {"importance", "uniform"}) == "uniform"
                        ? KernelWeighting::uniform
                        : KernelWeighting::importance;
      p.leaf_size = spec.get("leaf_size", p.leaf_size);
      spec.finish();
      return Kernel<>(p);
    } else {
      needs_embeddings(spec, M::name());
    }
  }
  if (spec.name() == "pris" || spec.name() == "adasir") {
    const auto proposal = [&](auto& p) {
      p.lambda = spec.get("lambda", p.lambda);
      p.proposal = spec.choice("proposal", "uniform", {"uniform", "popularity"}) == "popularity"
                       ? ProposalKind::popularity
                       : ProposalKind::uniform;
      p.alpha = spec.get("alpha", p.alpha);
      p.popularity = spec.choice("popularity", "log", {"log", "power"}) == "power"
                         ? PopularityProposal::power
                         : PopularityProposal::log;
    };
    if (spec.name() == "pris") {
      typename PRIS<>::Params p;
      p.n = spec.get("n", p.n);
      proposal(p);
      spec.finish();
      return PRIS<>(p);
    }
    typename AdaSIR<>::Params p;
    p.n = spec.get("n", p.n);
    p.pool_size = spec.get("pool_size", p.pool_size);
    p.sample_size = spec.get("sample_size", p.sample_size);
    p.seed = static_cast<std::uint64_t>(spec.get("seed", 1));
    proposal(p);
    spec.finish();
    return AdaSIR<>(p);
  }
  if (spec.name() == "srns") {
    typename SRNS<>::Params p;
    p.k = spec.get("k", p.k);
    p.s1 = spec.get("s1", p.s1);
    p.s2 = spec.get("s2", p.s2);
    p.history = spec.get("history", p.history);
    p.alpha = spec.get("alpha", p.alpha);
    p.warmup = spec.get("warmup", p.warmup);
    p.temperature = spec.get("temperature", p.temperature);
    p.seed = static_cast<std::uint64_t>(spec.get("seed", 1));
    spec.finish();
    return SRNS<>(p);
  }
  spec.fail("is not a sampler; valid: uniform, popularity, dns, softmax, softmax-v, aobpr, warp, "
            "irgan, kernel, pris, adasir, srns");
}

}  // namespace hardneg::tool
