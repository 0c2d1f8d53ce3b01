// Numerically stable scalar functions shared by the losses.
//
//   softplus(x) = log(1 + e^x) = max(x, 0) + log1p(e^-|x|)
//   sigmoid(x)  = 1 / (1 + e^-x), evaluated with e^-|x| so it never overflows
//
// Templated on the floating type: the losses run in `real` (float) and the
// tests re-run them in double for finite differences.
#pragma once

#include <cmath>
#include <concepts>

namespace hardneg::detail {

/// log(1 + e^x) without overflow for large x or loss of digits for very negative x.
template <std::floating_point T>
inline T softplus(T x) noexcept {
  return std::fmax(x, T(0)) + std::log1p(std::exp(-std::fabs(x)));
}

/// 1 / (1 + e^-x) without overflow; sigmoid(0) = 1/2.
template <std::floating_point T>
inline T sigmoid(T x) noexcept {
  if (x >= T(0)) return T(1) / (T(1) + std::exp(-x));
  const T e = std::exp(x);
  return e / (T(1) + e);
}

}  // namespace hardneg::detail
