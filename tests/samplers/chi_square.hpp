// Pearson's chi-square goodness-of-fit test for the sampler tests.
//
// chi_square_p_value(observed, expected_probabilities) returns the p-value of
// the observed counts under the expected distribution: P(X >= statistic) for
// X ~ chi-square with (number of categories with positive probability - 1)
// degrees of freedom, computed from the regularised upper incomplete gamma
// function Q(df/2, statistic/2) (series for x < a + 1, continued fraction
// otherwise). A category with expected probability 0 and a positive count
// gives p = 0 (impossible under the hypothesis).
#pragma once

#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <vector>

namespace hardneg_test {

/// Q(a, x) = Gamma(a, x) / Gamma(a), a > 0, x >= 0.
inline double gamma_q(double a, double x) {
  if (x <= 0) return 1.0;
  const double log_prefix = a * std::log(x) - x - std::lgamma(a);
  if (x < a + 1) {  // P(a, x) by its series, Q = 1 - P
    double term = 1.0 / a, sum = term;
    for (int n = 1; n < 10000; ++n) {
      term *= x / (a + n);
      sum += term;
      if (term < sum * 1e-16) break;
    }
    return 1.0 - sum * std::exp(log_prefix);
  }
  // Continued fraction for Q (modified Lentz).
  const double tiny = 1e-300;
  double b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
  for (int n = 1; n < 10000; ++n) {
    const double an = -n * (n - a);
    b += 2;
    d = an * d + b;
    if (std::abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (std::abs(c) < tiny) c = tiny;
    d = 1 / d;
    const double delta = d * c;
    h *= delta;
    if (std::abs(delta - 1) < 1e-16) break;
  }
  return std::exp(log_prefix) * h;
}

struct ChiSquare {
  double statistic;
  std::size_t df;
  double p_value;
};

/// Goodness of fit of `observed` counts to `expected` probabilities (which
/// need not be normalised: they are scaled to sum to 1).
inline ChiSquare chi_square(std::span<const std::size_t> observed, std::span<const double> expected) {
  double total_p = 0;
  std::size_t total_n = 0;
  for (double p : expected) total_p += p;
  for (std::size_t n : observed) total_n += n;
  double stat = 0;
  std::size_t categories = 0;
  for (std::size_t i = 0; i < observed.size(); ++i) {
    const double e = expected[i] / total_p * static_cast<double>(total_n);
    if (e <= 0) {
      if (observed[i] > 0) return {std::numeric_limits<double>::infinity(), 0, 0.0};
      continue;
    }
    ++categories;
    const double diff = static_cast<double>(observed[i]) - e;
    stat += diff * diff / e;
  }
  const std::size_t df = categories - 1;
  return {stat, df, gamma_q(static_cast<double>(df) / 2, stat / 2)};
}

}  // namespace hardneg_test
