// Softmax: N uniform candidates weighted by a softmax of their BPR losses
// with a fixed temperature tau (the WWW'23 code's fixed-temperature softmax
// sampling, spec/algorithms.md 2.5).
//
//   c_1 .. c_N ~ Uniform(admissible items), with replacement
//   L_j = softplus(s_j - s_i)            the BPR loss of candidate j
//   w_j = exp(L_j / tau) / sum_k exp(L_k / tau)
//
// All N candidates are returned with their weights and scores
// (out.scored = true). The weights are constants to the loss: no gradient
// flows through them (the reference code computes them under no_grad).
// Smaller tau gives harder negatives: tau -> 0 puts all the mass on the
// highest-scored candidate (DNS(1, N)), tau -> infinity gives uniform
// weights 1/N. Since L_j is increasing in s_j this ranks candidates as
// spec/theory.md's exp(s_j / tau) does, but with other weights: the loss
// saturates (L_j ~ s_j - s_i) for candidates far above the positive and
// flattens (L_j ~ 0) far below it.
//
// Default tau = 0.1 (the middle of the reference code's grid
// {0.001 .. 100}); choose it per data set. With the uniform proposal the
// reference code's "- log q_j" term is a constant and cancels.
//
// The weighting kernels live here (namespace detail) with their scalar
// references, and Softmax-v (samplers/softmax_v.hpp) reuses them:
//   bpr_losses:       z_j = softplus(s_j - s_i)
//   softmax_weights:  w_j = exp((z_j - max z) / tau) / sum   (stable)
//   sample_variance:  the unbiased variance of z (Softmax-v's temperature)
// They run with xsimd (exp and log1p of 8 or 16 floats at a time).
//
// Template parameter: N, the default number of candidates;
// Softmax<>{{.tau = 0.05, .n = 100}} overrides both at run time.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <string>
#include <string_view>

#include <xsimd/xsimd.hpp>

#include "hardneg/core/config.hpp"
#include "hardneg/core/error.hpp"
#include "hardneg/core/negatives.hpp"
#include "hardneg/core/types.hpp"
#include "hardneg/data/interactions.hpp"
#include "hardneg/samplers/detail/candidates.hpp"
#include "hardneg/samplers/detail/exclusion.hpp"
#include "hardneg/simd/logistic.hpp"

// GCC 12's _mm512_undefined_ps (inside xsimd's AVX-512 exp) trips a false
// -Wmaybe-uninitialized / -Wuninitialized; silence it for these kernels.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

namespace hardneg {

namespace detail {

// ---------------------------------------------------------- references ----

/// Scalar reference of bpr_losses, in double.
inline void bpr_losses_reference(real s_pos, std::span<const real> s, std::span<real> z) noexcept {
  for (std::size_t j = 0; j < s.size(); ++j) {
    const double x = static_cast<double>(s[j]) - static_cast<double>(s_pos);
    z[j] = static_cast<real>(std::fmax(x, 0.0) + std::log1p(std::exp(-std::fabs(x))));
  }
}

/// Scalar reference of softmax_weights, in double.
inline void softmax_weights_reference(std::span<const real> z, double inv_tau, std::span<real> w) noexcept {
  double top = -std::numeric_limits<double>::infinity();
  for (real v : z) top = std::fmax(top, static_cast<double>(v));
  double total = 0;
  for (real v : z) total += std::exp((static_cast<double>(v) - top) * inv_tau);
  for (std::size_t j = 0; j < z.size(); ++j)
    w[j] = static_cast<real>(std::exp((static_cast<double>(z[j]) - top) * inv_tau) / total);
}

/// Scalar reference of sample_variance, in double (two passes).
inline double sample_variance_reference(std::span<const real> z) noexcept {
  const std::size_t n = z.size();
  if (n < 2) return 0;
  double mean = 0;
  for (real v : z) mean += v;
  mean /= static_cast<double>(n);
  double ss = 0;
  for (real v : z) ss += (v - mean) * (v - mean);
  return ss / static_cast<double>(n - 1);
}

// ------------------------------------------------------------- kernels ----

namespace softmax_simd {
using batch = xsimd::batch<real>;
inline constexpr std::size_t width = batch::size;

/// Applies f (batch -> batch) to x[0..n) into y[0..n) (y may be x). The
/// tail goes through the same SIMD code, padded with `pad`, so every element
/// gets bit-identical arithmetic wherever it sits.
template <class F>
inline void transform(const real* x, real* y, std::size_t n, real pad, F f) noexcept {
  std::size_t j = 0;
  for (; j + width <= n; j += width) f(batch::load_unaligned(x + j)).store_unaligned(y + j);
  if (j < n) {
    alignas(alignment) real tail[width];
    std::fill_n(tail, width, pad);
    std::copy(x + j, x + n, tail);
    f(batch::load_aligned(tail)).store_aligned(tail);
    std::copy_n(tail, n - j, y + j);
  }
}

/// Sum of the lanes' per-lane partial sums, in a fixed order.
inline real horizontal_sum(batch acc) noexcept { return xsimd::hadd(acc); }

inline real horizontal_max(batch acc) noexcept {
  alignas(alignment) real lanes[width];
  acc.store_aligned(lanes);
  real top = lanes[0];
  for (std::size_t l = 1; l < width; ++l) top = std::max(top, lanes[l]);
  return top;
}
}  // namespace softmax_simd

/// z[j] = softplus(s[j] - s_pos) = max(x, 0) + log1p(exp(-|x|)), x = s[j] - s_pos:
/// the BPR loss of each candidate. z may alias s. z.size() >= s.size().
/// (flatten: xsimd's exp and log1p are inlined here, inside the pragma
/// above, rather than emitted on their own where GCC 12 warns about them.)
[[gnu::flatten]] inline void bpr_losses(real s_pos, std::span<const real> s, std::span<real> z) noexcept {
  using softmax_simd::batch;
  const batch pos(s_pos);
  softmax_simd::transform(s.data(), z.data(), s.size(), s_pos, [&](batch v) {
    return simd::softplus(v - pos);
  });
}

/// w[j] = exp((z[j] - max z) * inv_tau) / sum_k exp((z[k] - max z) * inv_tau):
/// a softmax of z / tau that cannot overflow. inv_tau must be finite and
/// >= 0; z non-empty, without NaN. w may alias z.
[[gnu::flatten]] inline void softmax_weights(std::span<const real> z, real inv_tau,
                                             std::span<real> w) noexcept {
  using softmax_simd::batch;
  using softmax_simd::width;
  const std::size_t n = z.size();
  const real* x = z.data();
  // Max: the tail is padded with -inf, which never wins.
  batch top_acc(-std::numeric_limits<real>::infinity());
  std::size_t j = 0;
  for (; j + width <= n; j += width) top_acc = xsimd::max(top_acc, batch::load_unaligned(x + j));
  real top = softmax_simd::horizontal_max(top_acc);
  for (; j < n; ++j) top = std::max(top, x[j]);

  // Exponentials and their sum (padding -inf -> exp = 0).
  const batch shift(top), scale(inv_tau);
  softmax_simd::transform(x, w.data(), n, -std::numeric_limits<real>::infinity(),
                          [&](batch v) { return xsimd::exp((v - shift) * scale); });
  batch sum_acc(real(0));
  j = 0;
  for (; j + width <= n; j += width) sum_acc += batch::load_unaligned(w.data() + j);
  real total = softmax_simd::horizontal_sum(sum_acc);
  for (; j < n; ++j) total += w[j];
  // total >= 1: the max term is exp(0).
  const batch norm(real(1) / total);
  softmax_simd::transform(w.data(), w.data(), n, real(0), [&](batch v) { return v * norm; });
}

/// The unbiased sample variance of z: sum (z_j - mean)^2 / (n - 1), two
/// passes; 0 when n < 2.
inline real sample_variance(std::span<const real> z) noexcept {
  using softmax_simd::batch;
  using softmax_simd::width;
  const std::size_t n = z.size();
  if (n < 2) return 0;
  const real* x = z.data();
  batch acc(real(0));
  std::size_t j = 0;
  for (; j + width <= n; j += width) acc += batch::load_unaligned(x + j);
  real total = softmax_simd::horizontal_sum(acc);
  for (std::size_t t = j; t < n; ++t) total += x[t];
  const real mean = total / static_cast<real>(n);
  const batch mean_b(mean);
  batch ss_acc(real(0));
  for (j = 0; j + width <= n; j += width) {
    const batch d = batch::load_unaligned(x + j) - mean_b;
    ss_acc = xsimd::fma(d, d, ss_acc);
  }
  real ss = softmax_simd::horizontal_sum(ss_acc);
  for (; j < n; ++j) ss += (x[j] - mean) * (x[j] - mean);
  return ss / static_cast<real>(n - 1);
}

/// The shared sampling step of Softmax and Softmax-v: n admissible uniform
/// candidates drawn and scored straight into `out` (all of them are
/// returned), and their BPR losses into out.weights() (turned into weights
/// by the caller).
template <class Model>
void draw_candidates_with_losses(std::string_view sampler, const Model& model, SampleContext& ctx,
                                 std::size_t n, Negatives& out) {
  out.reserve(n);  // no-op once the trainer has reserved max_negatives()
  out.resize(n);
  out.scored = true;
  draw_scored_candidates(sampler, model, ctx, out.items(), out.scores());
  bpr_losses(ctx.positive_score, out.scores(), out.weights());
}

}  // namespace detail

template <int N = 200>
class Softmax {
  static_assert(N >= 1, "hardneg::Softmax<N>: N (candidates) must be at least 1");

 public:
  struct Params {
    double tau = 0.1;  ///< temperature (> 0): smaller is harder
    int n = N;         ///< uniform candidates per positive
  };

  explicit Softmax(Params p = {}) : params_(p) {
    detail::require(std::isfinite(p.tau) && p.tau > 0,
                    "softmax sampler: tau must be finite and > 0, got " + std::to_string(p.tau));
    detail::require(p.n >= 1, "softmax sampler: n must be at least 1, got " + std::to_string(p.n));
    // 1/tau in float: tau below ~1e-38 would make it infinite.
    detail::require(std::isfinite(static_cast<real>(1 / p.tau)),
                    "softmax sampler: tau is too small, got " + std::to_string(p.tau));
  }

  static constexpr std::string_view name() { return "softmax"; }
  const Params& params() const noexcept { return params_; }
  std::size_t max_negatives() const noexcept { return static_cast<std::size_t>(params_.n); }

  /// Checks, before training, that every user of `train` has an item left to
  /// draw (unless seen items are allowed).
  void prepare(const Interactions& train, bool allow_seen = false) const {
    if (!allow_seen) detail::check_sampleable(name(), train);
  }

  /// Fills `out` with n uniform candidates, their scores, and the weights
  /// softmax_j(softplus(s_j - s_i) / tau).
  template <class Model>
  void sample(const Model& model, SampleContext& ctx, Negatives& out) const {
    detail::draw_candidates_with_losses(name(), model, ctx, max_negatives(), out);
    detail::softmax_weights(out.weights(), static_cast<real>(1 / params_.tau), out.weights());
  }

 private:
  Params params_;
};

}  // namespace hardneg

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
