// The logistic functions of the pairwise losses, on SIMD batches.
//
//   softplus(x) = log(1 + e^x) = max(x, 0) + log1p(e^-|x|)
//   sigmoid(x)  = 1 / (1 + e^-x), from the same e^-|x|, so neither overflows
//
// softplus_sigmoid() returns both from one exponential: a row of BPR over
// many negatives (Softmax-v returns 200 per pair) needs the loss and the
// derivative of each. The scalar references are losses/detail/stable_math.hpp.
//
// tanh_in_place() is the tanh activation of the dense layers (tanh(x) =
// 2 sigmoid(2x) - 1): SimpleX's attention keys take |H| x dim of them per row.
#pragma once

#include <cmath>
#include <cstddef>

#include <xsimd/xsimd.hpp>

#include "hardneg/core/types.hpp"

// GCC 12's _mm512_undefined_ps (inside xsimd's AVX-512 exp and log1p) trips
// a false -Wmaybe-uninitialized / -Wuninitialized; silence it here.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

namespace hardneg::simd {

using real_batch = xsimd::batch<real>;

/// log(1 + e^x), lane-wise.
[[gnu::flatten]] inline real_batch softplus(real_batch x) noexcept {
  return xsimd::max(x, real_batch(real(0))) + xsimd::log1p(xsimd::exp(-xsimd::abs(x)));
}

/// softplus(x) and sigmoid(x), lane-wise, sharing e^-|x|.
struct SoftplusSigmoid {
  real_batch softplus;
  real_batch sigmoid;
};
[[gnu::flatten]] inline SoftplusSigmoid softplus_sigmoid(real_batch x) noexcept {
  const real_batch e = xsimd::exp(-xsimd::abs(x));
  const real_batch one(real(1));
  const real_batch inv = one / (one + e);
  return {xsimd::max(x, real_batch(real(0))) + xsimd::log1p(e),
          xsimd::select(x >= real_batch(real(0)), inv, e * inv)};
}

/// y[c] = tanh(y[c]) for c < n: xsimd over whole batches, std::tanh on the
/// tail. (noinline: the AVX-512 false positive above is reported where the
/// batch code is inlined, so it stays in this function.)
[[gnu::noinline]] inline void tanh_in_place(real* y, std::size_t n) noexcept {
  std::size_t c = 0;
  for (; c + real_batch::size <= n; c += real_batch::size)
    xsimd::tanh(real_batch::load_unaligned(y + c)).store_unaligned(y + c);
  for (; c < n; ++c) y[c] = std::tanh(y[c]);
}

}  // namespace hardneg::simd

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
