// Alias table: O(1) draws from a fixed discrete distribution (Walker 1977;
// Vose 1991's numerically stable construction).
//
// For n outcomes with probabilities p_i, column c of the table keeps its own
// outcome with probability threshold[c] and otherwise gives alias[c]:
//
//   P(i) = (1/n) * (threshold[i] + sum_{c : alias[c] = i} (1 - threshold[c]))
//
// Construction (Vose): scale q_i = n p_i; repeatedly pair an outcome with
// q < 1 (small) with one with q >= 1 (large): the small one's column keeps it
// with probability q_small and aliases the large one, whose q drops by
// 1 - q_small. Leftovers (rounding) keep their column with probability 1.
// Building is O(n); a draw is one bounded integer and one uniform double.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "hardneg/core/error.hpp"
#include "hardneg/core/random.hpp"
#include "hardneg/core/types.hpp"

namespace hardneg::detail {

class AliasTable {
 public:
  AliasTable() = default;

  /// Builds the table of p_i = weights[i] / sum(weights). Weights must be
  /// finite and >= 0 with a positive sum.
  explicit AliasTable(std::span<const double> weights) {
    const std::size_t n = weights.size();
    require(n > 0 && n <= static_cast<std::size_t>(max_id), "AliasTable: needs 1 .. 2^31-1 weights");
    double total = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (!std::isfinite(weights[i]) || weights[i] < 0)
        throw InvalidArgument("AliasTable: weight " + std::to_string(i) + " is " +
                              std::to_string(weights[i]) + "; weights must be finite and >= 0");
      total += weights[i];
    }
    require(total > 0 && std::isfinite(total), "AliasTable: the weights sum to zero");

    threshold_.assign(n, 1.0);
    alias_.resize(n);
    std::vector<double> q(n);
    std::vector<index_t> small, large;
    for (std::size_t i = 0; i < n; ++i) {
      alias_[i] = static_cast<index_t>(i);
      q[i] = weights[i] / total * static_cast<double>(n);
      (q[i] < 1.0 ? small : large).push_back(static_cast<index_t>(i));
    }
    while (!small.empty() && !large.empty()) {
      const index_t s = small.back();
      small.pop_back();
      const index_t l = large.back();
      threshold_[static_cast<std::size_t>(s)] = q[static_cast<std::size_t>(s)];
      alias_[static_cast<std::size_t>(s)] = l;
      double& ql = q[static_cast<std::size_t>(l)];
      ql = (ql + q[static_cast<std::size_t>(s)]) - 1.0;  // Vose's ordering: less rounding
      if (ql < 1.0) {
        large.pop_back();
        small.push_back(l);
      }
    }
    // Whatever is left has q == 1 up to rounding: it keeps its column
    // (threshold 1, set above).
  }

  std::size_t size() const noexcept { return threshold_.size(); }
  bool empty() const noexcept { return threshold_.empty(); }

  /// One outcome in [0, size()).
  index_t draw(Rng& rng) const noexcept {
    const auto column = static_cast<std::size_t>(rng.below(threshold_.size()));
    return rng.uniform() < threshold_[column] ? static_cast<index_t>(column) : alias_[column];
  }

  /// The probability of each outcome that the table encodes (the formula in
  /// the header comment; equals the normalised weights up to rounding).
  std::vector<double> probabilities() const {
    const std::size_t n = size();
    std::vector<double> p(n, 0.0);
    for (std::size_t c = 0; c < n; ++c) {
      p[c] += threshold_[c] / static_cast<double>(n);
      p[static_cast<std::size_t>(alias_[c])] += (1.0 - threshold_[c]) / static_cast<double>(n);
    }
    return p;
  }

 private:
  std::vector<double> threshold_;
  std::vector<index_t> alias_;
};

}  // namespace hardneg::detail
