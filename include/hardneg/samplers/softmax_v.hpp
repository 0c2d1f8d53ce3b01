// Softmax-v(rho, N): softmax sampling with an adaptive temperature (Shi et
// al., WWW 2023; spec/theory.md, spec/algorithms.md 2.6).
//
//   c_1 .. c_N ~ Uniform(admissible items), with replacement
//   Z_j   = softplus(s_j - s_i)                   the BPR loss of candidate j
//   Var   = sum_j (Z_j - mean Z)^2 / (N - 1)      unbiased, over this pair's N candidates
//   tau   = sqrt(Var / (2 rho))
//   w_j   = exp(Z_j / tau) / sum_k exp(Z_k / tau)  (computed as exp((Z_j - max Z) / tau))
//
// This is the KL-constrained worst case max_P E_P[L] s.t. KL(P || Q) <= rho
// with Q uniform, whose solution is P ∝ Q exp(L / tau) with tau about
// sqrt(Var_Q(L) / (2 rho)). With rho = -log(beta) it is a smooth surrogate
// of OPAUC(beta) (the paper's Theorem 2). Larger rho gives harder negatives.
//
// All N candidates are returned with their weights and scores
// (out.scored = true). tau and the weights are constants to the loss: no
// gradient flows through them (the reference code computes them under
// no_grad). When Var = 0 (all candidates have the same loss, or N = 1) tau
// would be 0 and the reference code gives NaN; here the weights are then
// uniform, 1/N, the limit of the softmax of N equal values.
//
// Template parameter: N, the default number of candidates;
// SoftmaxV<>{{.rho = 2, .n = 100}} overrides rho and n at run time.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <string>
#include <string_view>

#include "hardneg/core/error.hpp"
#include "hardneg/core/negatives.hpp"
#include "hardneg/core/types.hpp"
#include "hardneg/data/interactions.hpp"
#include "hardneg/samplers/detail/exclusion.hpp"
#include "hardneg/samplers/softmax.hpp"

namespace hardneg {

namespace detail {

/// Softmax-v's weights of the losses z (in place allowed: w may alias z):
/// softmax_weights(z, 1 / tau) with tau = sqrt(sample_variance(z) / (2 rho)),
/// or 1/n each when that variance is 0 (or n = 1). Returns the tau used
/// (0 for uniform weights). rho > 0.
inline double softmax_v_weights(std::span<const real> z, double rho, std::span<real> w) noexcept {
  const std::size_t n = z.size();
  const real var = sample_variance(z);
  if (!(var > 0)) {
    std::fill_n(w.data(), n, real(1) / static_cast<real>(n));
    return 0;
  }
  const double tau = std::sqrt(static_cast<double>(var) / (2 * rho));
  // A huge rho makes 1/tau overflow a float: the largest float gives the
  // same limit (all the mass on the largest z).
  const double inv_tau = std::min(1 / tau, static_cast<double>(std::numeric_limits<real>::max()));
  softmax_weights(z, static_cast<real>(inv_tau), w);
  return tau;
}

/// Scalar reference of softmax_v_weights, in double.
inline double softmax_v_weights_reference(std::span<const real> z, double rho, std::span<real> w) noexcept {
  const double var = sample_variance_reference(z);
  if (!(var > 0)) {
    std::fill_n(w.data(), z.size(), static_cast<real>(1.0 / static_cast<double>(z.size())));
    return 0;
  }
  const double tau = std::sqrt(var / (2 * rho));
  softmax_weights_reference(z, 1 / tau, w);
  return tau;
}

}  // namespace detail

template <int N = 200>
class SoftmaxV {
  static_assert(N >= 1, "hardneg::SoftmaxV<N>: N (candidates) must be at least 1");

 public:
  struct Params {
    double rho = 1;  ///< KL radius (> 0): larger is harder
    int n = N;       ///< uniform candidates per positive
  };

  explicit SoftmaxV(Params p = {}) : params_(p) {
    detail::require(std::isfinite(p.rho) && p.rho > 0,
                    "softmax-v sampler: rho must be finite and > 0, got " + std::to_string(p.rho));
    detail::require(p.n >= 1, "softmax-v sampler: n must be at least 1, got " + std::to_string(p.n));
  }

  static constexpr std::string_view name() { return "softmax-v"; }
  const Params& params() const noexcept { return params_; }
  std::size_t max_negatives() const noexcept { return static_cast<std::size_t>(params_.n); }

  /// Checks, before training, that every user of `train` has an item left to
  /// draw (unless seen items are allowed).
  void prepare(const Interactions& train, bool allow_seen = false) const {
    if (!allow_seen) detail::check_sampleable(name(), train);
  }

  /// Fills `out` with n uniform candidates, their scores and their
  /// Softmax-v weights.
  template <class Model>
  void sample(const Model& model, SampleContext& ctx, Negatives& out) const {
    detail::draw_candidates_with_losses(name(), model, ctx, max_negatives(), out);
    detail::softmax_v_weights(out.weights(), params_.rho, out.weights());
  }

 private:
  Params params_;
};

}  // namespace hardneg
