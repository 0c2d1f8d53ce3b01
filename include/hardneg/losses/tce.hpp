// TCE: truncated cross-entropy, T-CE of Wang et al., "Denoising Implicit
// Feedback for Recommendation" (WSDM 2021; WenjieWWJ/DenoisingRec T_CE/loss.py,
// T_CE/main.py, spec/algorithms.md 3.10). BCE (losses/bce.hpp) in which, per
// mini-batch, the positives with the largest loss are dropped: observed
// interactions the model finds hardest are the likely noisy ones.
//
//   per row r:  L_r = [r kept] softplus(-s_i) + sum_j n w_j softplus(s_j)
//   dL_r/ds_i = -[r kept] sigmoid(-s_i),   dL_r/ds_j = n w_j sigmoid(s_j)
//
// Which rows are dropped (a row = one (user, positive) pair of the batch with
// its negatives). At batch t (t = batches since fit() started) with B rows
// and k = the sampler's max_negatives():
//   S     = B (1 + k)   the batch's samples, positives and negatives
//           (B when Params::rate_of_positives is set);
//   d(t)  = d_max^exponent * t / (num_gradual - 1)  for t < num_gradual,
//           d_max afterwards (num_gradual 0: d_max from the start; 1: d(0) = 0);
//   m     = min(B, floor(d(t) S)), computed in double with a relative slack of
//           1e-12 so that a product that is an integer up to rounding
//           (0.29 * 100) is not floored to the integer below;
// and the m rows whose positive loss softplus(-s_i) (in float) is largest are
// dropped, ties broken by row order (the earlier row is dropped first; a NaN
// score counts as an infinite loss). The row order is the order in which the
// trainer processes the batch, which depends on the thread count (each
// thread's share is sorted by user), so the dropped set is deterministic for
// a given seed, data and thread count. Negatives are never dropped.
//
// A batch loss (core/loss_batch.hpp): the trainer scores every positive of
// the batch first, calls begin_batch(batch) once (serially), then
// evaluate_row(row, ...) for every row, from several threads at once.
// evaluate() alone, outside a batch, is BCE (the row is kept).
//
// Differences from the reference. The reference mixes positives and sampled
// negatives (1 per positive) in one batch of B' samples, ranks them by
// loss * label (negatives have key 0 and are always kept) and keeps the
// floor((1 - d) B') smallest, i.e. drops B' - floor((1 - d) B') = ceil(d B')
// positives up to rounding; here exactly floor(d S) with S = B (1 + k), which
// for the reference's k = 1 is the same fraction of the samples (so d = 0.2
// drops 40% of the positives). With many negatives per row d must stay below
// 1 / (1 + k) to keep any positive; rate_of_positives = true makes d the
// fraction of the positives instead. The reference averages the kept
// samples' BCE (divides by S - m); the trainer's Reduction::mean divides the
// summed row losses by B, a factor (S - m) / B apart (sum reduction: none).
//
// Params: drop_rate d_max (default 0.2: the NeuMF Yelp / Amazon-Books and
// Adressa NeuMF setting; GMF uses 0.1, Adressa GMF 0.05), num_gradual
// (default 30000 batches; Adressa NeuMF 1000), exponent (default 1: linear
// ramp; otherwise the ramp ends at d_max^exponent and then jumps to d_max, as
// in the reference), rate_of_positives (default false). drop_rate 0 is BCE.
//   TCE{}   TCE{{.drop_rate = 0.1, .num_gradual = 30000}}
#pragma once

#include <algorithm>
#include <cassert>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hardneg/core/error.hpp"
#include "hardneg/core/loss_batch.hpp"
#include "hardneg/core/types.hpp"
#include "hardneg/losses/bce.hpp"
#include "hardneg/losses/detail/stable_math.hpp"

namespace hardneg {

class TCE {
 public:
  struct Params {
    double drop_rate = 0.2;             ///< d_max, in [0, 1]; 0 gives BCE
    std::uint64_t num_gradual = 30000;  ///< batches over which d ramps up from 0
    double exponent = 1;                ///< the ramp ends at d_max^exponent (> 0)
    bool rate_of_positives = false;     ///< d is a fraction of the positives, not of the samples
  };

  TCE() = default;
  explicit TCE(Params p) : params_(p) {
    detail::require(std::isfinite(p.drop_rate) && p.drop_rate >= 0 && p.drop_rate <= 1,
                    "hardneg::TCE: drop_rate must be in [0, 1], got " + std::to_string(p.drop_rate));
    detail::require(std::isfinite(p.exponent) && p.exponent > 0,
                    "hardneg::TCE: exponent must be finite and > 0, got " + std::to_string(p.exponent));
  }

  static constexpr std::string_view name() noexcept { return "tce"; }
  const Params& params() const noexcept { return params_; }

  /// d(t), the drop rate at batch `iteration` (0-based, counted since fit()).
  double drop_rate_at(std::uint64_t iteration) const noexcept {
    const std::uint64_t n = params_.num_gradual;
    if (iteration >= n) return params_.drop_rate;
    if (n == 1) return 0.0;  // the reference's linspace(0, x, 1) = [0]
    return std::pow(params_.drop_rate, params_.exponent) * static_cast<double>(iteration) /
           static_cast<double>(n - 1);
  }

  /// m, the number of positives dropped from a batch of `rows` rows whose
  /// sampler returns up to `max_negatives` negatives per row.
  std::size_t drop_count(std::size_t rows, std::size_t max_negatives,
                         std::uint64_t iteration) const noexcept {
    const double samples = static_cast<double>(rows) *
                           (params_.rate_of_positives ? 1.0 : 1.0 + static_cast<double>(max_negatives));
    const double m = std::floor(drop_rate_at(iteration) * samples * (1.0 + 1e-12));
    return m >= static_cast<double>(rows) ? rows : static_cast<std::size_t>(m);
  }

  /// Chooses the rows of the batch to drop from their positives' scores.
  void begin_batch(const LossBatch& batch) {
    const std::span<const real> positive_scores = batch.positive_scores;
    const std::size_t rows = positive_scores.size();
    dropped_ = drop_count(rows, batch.max_negatives, batch.iteration);
    drop_.assign(rows, 0);
    if (dropped_ == 0) return;
    keys_.resize(rows);
    for (std::size_t r = 0; r < rows; ++r) {
      const real s = positive_scores[r];
      keys_[r] = std::isnan(s) ? std::numeric_limits<real>::infinity() : detail::softplus(-s);
    }
    order_.resize(rows);
    std::iota(order_.begin(), order_.end(), std::size_t{0});
    // A strict total order (loss descending, then row ascending): the first
    // m rows under it are the same whatever nth_element does with ties.
    const auto first = [this](std::size_t a, std::size_t b) {
      return keys_[a] > keys_[b] || (keys_[a] == keys_[b] && a < b);
    };
    if (dropped_ < rows)
      std::nth_element(order_.begin(), order_.begin() + static_cast<std::ptrdiff_t>(dropped_),
                       order_.end(), first);
    for (std::size_t q = 0; q < dropped_; ++q) drop_[order_[q]] = 1;
  }

  /// Whether row `row` of the current batch has its positive dropped.
  bool dropped(std::size_t row) const noexcept { return row < drop_.size() && drop_[row] != 0; }
  /// Number of positives dropped from the current batch.
  std::size_t dropped_count() const noexcept { return dropped_; }

  /// Loss of row `row` of the current batch; writes d(loss)/d(score) (d_pos
  /// = 0 when the row's positive is dropped). Safe from several threads.
  real evaluate_row(std::size_t row, real pos, std::span<const real> neg, std::span<const real> w,
                    real& d_pos, std::span<real> d_neg) const noexcept {
    return evaluate_row_as<real>(dropped(row), pos, neg, w, d_pos, d_neg);
  }

  /// Loss of a row outside a batch: BCE (the row is kept).
  real evaluate(real pos, std::span<const real> neg, std::span<const real> w, real& d_pos,
                std::span<real> d_neg) const noexcept {
    return evaluate_row_as<real>(false, pos, neg, w, d_pos, d_neg);
  }

  /// The same in any floating type (the tests use double).
  template <std::floating_point T>
  T evaluate_as(T pos, std::span<const T> neg, std::span<const T> w, T& d_pos,
                std::span<T> d_neg) const noexcept {
    return evaluate_row_as<T>(false, pos, neg, w, d_pos, d_neg);
  }

  /// A row's loss with its positive dropped or not: a kept row is exactly
  /// BCE's (bit for bit); a dropped row keeps only the negatives' terms.
  template <std::floating_point T>
  static T evaluate_row_as(bool drop, T pos, std::span<const T> neg, std::span<const T> w, T& d_pos,
                           std::span<T> d_neg) noexcept {
    assert(w.size() == neg.size() && d_neg.size() == neg.size());
    if (!drop) return BCE{}.evaluate_as<T>(pos, neg, w, d_pos, d_neg);
    const T n = static_cast<T>(neg.size());
    T loss = 0;
    d_pos = 0;
    for (std::size_t j = 0; j < neg.size(); ++j) {
      const T c = n * w[j];
      loss += c * detail::softplus(neg[j]);
      d_neg[j] = c * detail::sigmoid(neg[j]);
    }
    return loss;
  }

 private:
  Params params_{};
  std::size_t dropped_ = 0;
  std::vector<unsigned char> drop_;  // 1 for the rows of the current batch whose positive is dropped
  std::vector<real> keys_;           // scratch of begin_batch: the positives' losses
  std::vector<std::size_t> order_;   // scratch of begin_batch
};

}  // namespace hardneg
