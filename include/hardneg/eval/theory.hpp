// Theory tools: Theorem 3's bounds of Top-K metrics by OPAUC(beta), metrics of
// a ranking given as a label sequence, and the two simulations of the seed
// paper (spec/theory.md): Figure 6 (how well OPAUC_norm(beta) correlates with
// Top-K metrics over random rankings) and Figure 7 (the sampling distribution
// of a negative sampler over one user's negatives, ranked by score).
//
// Theorem 3. One ranking of N+ positives and N- negatives, K < N+, K < N-,
// beta = K / N-, A = OPAUC(beta) (not normalised), P = N+ N- A (the number of
// (positive, top-K negative) pairs ranked correctly, an integer):
//
//   (1/N+) floor( (N+ + K - sqrt((N+ + K)^2 - 4P)) / 2 ) <= Recall@K    <= (1/N+) ceil( sqrt(P) )
//   (1/K)  floor( (N+ + K - sqrt((N+ + K)^2 - 4P)) / 2 ) <= Precision@K <= (1/K)  ceil( sqrt(P) )
//
// Why (h = hits@K): a positive inside the top K beats at most the K top-K
// negatives, one outside at most the h of them that fall below rank K, so
// P <= hK + (N+ - h)h, which gives the lower bound; the h positives inside
// the top K each beat at least those h negatives, so P >= h^2, the upper one.
// The floor and ceil are the theorem's (spec/theory.md) and are conservative:
// h itself is at least the ceil of the lower root and at most the floor of
// sqrt(P). The bounds are computed exactly in integers when P is an integer
// up to rounding (always, for A from a real ranking), else in floating point.
//
// Figure 6 (simulate_opauc_correlation): N+ positives and N- negatives in a
// uniformly random order, repeated `trials` times; per trial Recall@K,
// Precision@K, NDCG@K and OPAUC_norm(beta) on a grid of beta; the result is
// the Pearson correlation of each Top-K metric with OPAUC_norm(beta), per
// beta. Trial t draws from Rng(seed, t); trials are grouped in fixed chunks
// whose means and co-moments are merged in chunk order (Chan et al.'s
// pairwise update), so the result is bit-identical for any thread count.
//
// Figure 7 (simulate_sampler): a fixed model and (user, positive) pair; the
// sampler runs `draws` times through its real sample(); each negative's
// probability is the total weight it received divided by `draws`, each
// draw's weights taken relative to their sum (they sum to 1 already unless a
// sampler was told to scale them, as DNS's scale=sum does).
//
// Metric definitions and the rounding of OPAUC's cut-off: eval/metrics.hpp.
#pragma once

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <optional>
#include <ranges>
#include <span>
#include <string>
#include <vector>

#include "hardneg/core/concepts.hpp"
#include "hardneg/core/error.hpp"
#include "hardneg/core/negatives.hpp"
#include "hardneg/core/random.hpp"
#include "hardneg/core/thread_pool.hpp"
#include "hardneg/core/types.hpp"
#include "hardneg/data/interactions.hpp"
#include "hardneg/eval/metrics.hpp"

namespace hardneg {

// ------------------------------------------------------------ Theorem 3 ----

/// A closed interval [lower, upper].
struct Interval {
  double lower = 0;
  double upper = 0;
  bool contains(double x) const noexcept { return lower <= x && x <= upper; }
};

/// Theorem 3's bounds for one ranking and one K.
struct TopKBounds {
  std::int64_t hits_lower = 0;  ///< floor((N+ + K - sqrt((N+ + K)^2 - 4P)) / 2)
  std::int64_t hits_upper = 0;  ///< ceil(sqrt(P))
  Interval recall;              ///< hits bounds / N+
  Interval precision;           ///< hits bounds / K
};

/// beta = K / N-, the OPAUC limit Theorem 3 pairs with Top-K metrics.
inline double theorem3_beta(std::int64_t n_negatives, std::int64_t k) {
  detail::require(n_negatives > 0, "theorem3_beta: N- must be positive, got " + std::to_string(n_negatives));
  return static_cast<double>(k) / static_cast<double>(n_negatives);
}

namespace detail::theory {

/// ceil(sqrt(n)) for 0 <= n < 2^62, exact.
inline std::int64_t ceil_sqrt(std::int64_t n) noexcept {
  auto r = static_cast<std::int64_t>(std::sqrt(static_cast<double>(n)));
  while (r > 0 && r * r >= n) --r;     // now r * r < n (or r = 0)
  while (r * r < n) ++r;               // the smallest r with r * r >= n
  return r;
}

}  // namespace detail::theory

/// Theorem 3's lower and upper bounds on Recall@K and Precision@K of a
/// ranking with n_positives (N+) positives and n_negatives (N-) negatives
/// whose OPAUC(K / N-) (not normalised) is `a`. Needs 1 <= K < N+, K < N-
/// and 0 <= a <= K / N- (up to rounding); throws InvalidArgument otherwise.
inline TopKBounds theorem3_bounds(std::int64_t n_positives, std::int64_t n_negatives, std::int64_t k,
                                  double a) {
  const auto ctx = [&] {
    return " (N+ = " + std::to_string(n_positives) + ", N- = " + std::to_string(n_negatives) +
           ", K = " + std::to_string(k) + ", A = " + std::to_string(a) + ")";
  };
  detail::require(k >= 1 && n_positives > k && n_negatives > k,
                  "theorem3_bounds: Theorem 3 needs 1 <= K < N+ and K < N-" + ctx());
  detail::require(n_positives + k <= std::numeric_limits<index_t>::max(),
                  "theorem3_bounds: N+ + K is too large" + ctx());
  const double np = static_cast<double>(n_positives);
  const double pairs = a * np * static_cast<double>(n_negatives);
  const double max_pairs = np * static_cast<double>(k);  // every positive beats all K
  const double slack = 1e-9 * std::max(1.0, max_pairs);
  detail::require(std::isfinite(a) && pairs >= -slack && pairs <= max_pairs + slack,
                  "theorem3_bounds: A must lie in [0, K / N-]" + ctx());
  const std::int64_t s = n_positives + k;
  TopKBounds b;
  const double nearest = std::round(pairs);
  if (std::abs(pairs - nearest) <= slack) {
    // P is an integer: exact integer arithmetic. 2h <= s - sqrt(d) holds for
    // an integer h iff s - 2h >= ceil(sqrt(d)), so the lower bound is
    // floor((s - ceil(sqrt(d))) / 2); d = s^2 - 4P lies in [(N+ - K)^2, s^2].
    const auto p = std::clamp<std::int64_t>(static_cast<std::int64_t>(nearest), 0, n_positives * k);
    b.hits_lower = (s - detail::theory::ceil_sqrt(s * s - 4 * p)) / 2;
    b.hits_upper = detail::theory::ceil_sqrt(p);
  } else {
    const double p = std::clamp(pairs, 0.0, max_pairs);
    const double sd = static_cast<double>(s);
    const double d = std::max(0.0, sd * sd - 4.0 * p);
    b.hits_lower = static_cast<std::int64_t>(std::floor((sd - std::sqrt(d)) / 2.0));
    b.hits_upper = static_cast<std::int64_t>(std::ceil(std::sqrt(p)));
  }
  const double h_lo = static_cast<double>(b.hits_lower), h_hi = static_cast<double>(b.hits_upper);
  const double kd = static_cast<double>(k);
  b.recall = {h_lo / np, h_hi / np};
  b.precision = {h_lo / kd, h_hi / kd};
  return b;
}

// ------------------------------------------------ a ranking as labels ----

/// One ranking given as its labels in descending score order (true or
/// non-zero = positive), summarised as a PositiveRanks so that every metric
/// comes from eval/metrics.hpp. Ties do not arise: the order is the ranking.
class RankedLabels {
 public:
  template <std::ranges::input_range R>
    requires std::convertible_to<std::ranges::range_value_t<R>, bool>
  explicit RankedLabels(const R& labels) {
    index_t negatives = 0;
    for (const auto& label : labels) {
      if (static_cast<bool>(label))
        negatives_above_.push_back(negatives);
      else
        ++negatives;
    }
    n_negatives_ = negatives;
  }

  std::size_t n_positives() const noexcept { return negatives_above_.size(); }
  std::int64_t n_negatives() const noexcept { return n_negatives_; }
  std::size_t size() const noexcept { return n_positives() + static_cast<std::size_t>(n_negatives_); }

  /// The view eval/metrics.hpp's functions take (valid while *this lives).
  PositiveRanks ranks() const noexcept { return {negatives_above_, n_negatives_}; }

  std::size_t hits_at(std::size_t k) const noexcept { return hardneg::hits_at(ranks(), k); }
  double recall_at(std::size_t k) const noexcept { return hardneg::recall_at(ranks(), k); }
  double precision_at(std::size_t k) const noexcept { return hardneg::precision_at(ranks(), k); }
  double ndcg_at(std::size_t k) const noexcept { return hardneg::ndcg_at(ranks(), k); }
  double auc() const noexcept { return hardneg::auc(ranks()); }
  /// OPAUC(beta), not normalised.
  double opauc(double beta) const noexcept { return hardneg::opauc(ranks(), beta); }
  /// McClish's OPAUC_norm(beta).
  double opauc_norm(double beta) const noexcept { return hardneg::opauc_norm(opauc(beta), beta); }

  /// Theorem 3's bounds for this ranking at K: A = OPAUC(K / N-).
  TopKBounds theorem3_bounds(std::int64_t k) const {
    detail::require(k >= 1 && n_negatives_ > k,
                    "RankedLabels::theorem3_bounds: needs 1 <= K < N-, got K = " + std::to_string(k) +
                        ", N- = " + std::to_string(n_negatives_));
    return hardneg::theorem3_bounds(static_cast<std::int64_t>(n_positives()), n_negatives_, k,
                                    opauc(theorem3_beta(n_negatives_, k)));
  }

 private:
  std::vector<index_t> negatives_above_;
  std::int64_t n_negatives_ = 0;
};

// ------------------------------------------- Figure 6: the correlation ----

namespace detail::theory {

/// OPAUC(beta) for many beta at once: out[b] = opauc(r, betas[b]), bit-identical
/// to eval/metrics.hpp's opauc. `order` lists the indices of `betas` by
/// ascending beta. With c_j non-decreasing and L_b = opauc_cutoff(beta_b), the
/// positives with c_j < L_b are a prefix of length m_b, growing with L_b, so
/// sum_j max(0, L_b - c_j) = L_b m_b - (c_0 + ... + c_{m_b - 1}): one merge
/// pass over the positives for all betas.
inline void opauc_many(const PositiveRanks& r, std::span<const double> betas,
                       std::span<const std::size_t> order, std::span<double> out) noexcept {
  const double pairs = static_cast<double>(r.n_positives()) * static_cast<double>(r.n_negatives);
  std::size_t m = 0;
  std::int64_t prefix = 0;
  for (const std::size_t b : order) {
    const std::int64_t l = opauc_cutoff(betas[b], r.n_negatives);
    while (m < r.n_positives() && r.negatives_above[m] < l) prefix += r.negatives_above[m++];
    out[b] = static_cast<double>(l * static_cast<std::int64_t>(m) - prefix) / pairs;
  }
}

/// Means and co-moments of one group of trials: x are the Top-K metrics, y
/// the OPAUC_norm values; cxy[m * n_y + b] = sum (x_m - mean x_m)(y_b - mean y_b).
struct Moments {
  double n = 0;
  std::vector<double> mean_x, mean_y, cxx, cyy, cxy;

  void shape(std::size_t n_x, std::size_t n_y) {
    n = 0;
    mean_x.assign(n_x, 0.0), cxx.assign(n_x, 0.0);
    mean_y.assign(n_y, 0.0), cyy.assign(n_y, 0.0);
    cxy.assign(n_x * n_y, 0.0);
  }

  /// Two-pass moments of `rows` trials stored row after row in x (n_x per
  /// row) and y (n_y per row).
  void compute(std::size_t rows, std::span<const double> x, std::span<const double> y,
               std::span<double> dx, std::span<double> dy) {
    const std::size_t n_x = mean_x.size(), n_y = mean_y.size();
    n = static_cast<double>(rows);
    std::fill(mean_x.begin(), mean_x.end(), 0.0);
    std::fill(mean_y.begin(), mean_y.end(), 0.0);
    for (std::size_t t = 0; t < rows; ++t) {
      for (std::size_t m = 0; m < n_x; ++m) mean_x[m] += x[t * n_x + m];
      for (std::size_t b = 0; b < n_y; ++b) mean_y[b] += y[t * n_y + b];
    }
    for (auto& v : mean_x) v /= n;
    for (auto& v : mean_y) v /= n;
    std::fill(cxx.begin(), cxx.end(), 0.0);
    std::fill(cyy.begin(), cyy.end(), 0.0);
    std::fill(cxy.begin(), cxy.end(), 0.0);
    for (std::size_t t = 0; t < rows; ++t) {
      for (std::size_t m = 0; m < n_x; ++m) dx[m] = x[t * n_x + m] - mean_x[m];
      for (std::size_t b = 0; b < n_y; ++b) dy[b] = y[t * n_y + b] - mean_y[b];
      for (std::size_t m = 0; m < n_x; ++m) cxx[m] += dx[m] * dx[m];
      for (std::size_t b = 0; b < n_y; ++b) cyy[b] += dy[b] * dy[b];
      for (std::size_t m = 0; m < n_x; ++m) {
        double* row = cxy.data() + m * n_y;
        const double d = dx[m];
        for (std::size_t b = 0; b < n_y; ++b) row[b] += d * dy[b];
      }
    }
  }

  /// Adds another group (Chan, Golub & LeVeque's pairwise update).
  void merge(const Moments& o) {
    if (o.n == 0) return;
    if (n == 0) {
      *this = o;
      return;
    }
    const double total = n + o.n;
    const double w = n * o.n / total;
    const std::size_t n_x = mean_x.size(), n_y = mean_y.size();
    std::vector<double> dx(n_x), dy(n_y);
    for (std::size_t m = 0; m < n_x; ++m) dx[m] = o.mean_x[m] - mean_x[m];
    for (std::size_t b = 0; b < n_y; ++b) dy[b] = o.mean_y[b] - mean_y[b];
    for (std::size_t m = 0; m < n_x; ++m)
      for (std::size_t b = 0; b < n_y; ++b) cxy[m * n_y + b] += o.cxy[m * n_y + b] + w * dx[m] * dy[b];
    for (std::size_t m = 0; m < n_x; ++m) {
      cxx[m] += o.cxx[m] + w * dx[m] * dx[m];
      mean_x[m] += dx[m] * o.n / total;
    }
    for (std::size_t b = 0; b < n_y; ++b) {
      cyy[b] += o.cyy[b] + w * dy[b] * dy[b];
      mean_y[b] += dy[b] * o.n / total;
    }
    n = total;
  }
};

/// Trials per chunk: fixed, so results do not depend on the thread count.
inline constexpr std::size_t simulation_chunk = 512;

}  // namespace detail::theory

/// n points log-spaced from 1 / n_negatives to 1 (both included, exactly).
inline std::vector<double> log_beta_grid(std::size_t n, std::int64_t n_negatives) {
  detail::require(n >= 1 && n_negatives >= 1, "log_beta_grid: needs n >= 1 and N- >= 1, got n = " +
                                                  std::to_string(n) + ", N- = " + std::to_string(n_negatives));
  if (n == 1) return {1.0};
  std::vector<double> betas(n);
  const double lo = -std::log(static_cast<double>(n_negatives));
  for (std::size_t b = 0; b < n; ++b)
    betas[b] = std::exp(lo * (1.0 - static_cast<double>(b) / static_cast<double>(n - 1)));
  betas.front() = 1.0 / static_cast<double>(n_negatives);
  betas.back() = 1.0;
  return betas;
}

/// The Figure 6 protocol's settings (spec/theory.md).
struct SimulationOptions {
  std::int64_t positives = 200;        ///< N+
  std::int64_t negatives = 800;        ///< N-
  std::size_t trials = 100000;         ///< random rankings (at least 2)
  std::vector<int> ks = {5, 10, 20, 50};
  std::vector<double> betas = {};      ///< each in (0, 1]; empty: log_beta_grid(n_betas, negatives)
  std::size_t n_betas = 50;
  std::uint64_t seed = 1;
  std::size_t threads = 1;             ///< when no pool is given (0 = all cores)
};

struct SimulationResult {
  std::size_t trials = 0;
  std::vector<double> betas;
  /// "recall@K" for every K, then "precision@K", then "ndcg@K".
  std::vector<std::string> metrics;
  /// correlation[m][b]: Pearson correlation of metrics[m] with OPAUC_norm(betas[b])
  /// over the trials (NaN when either has no variance).
  std::vector<std::vector<double>> correlation;

  /// Index of the beta where metric m correlates most (the first on ties).
  std::size_t peak(std::size_t m) const {
    const auto& c = correlation.at(m);
    std::size_t best = 0;
    for (std::size_t b = 1; b < c.size(); ++b)
      if (c[b] > c[best] || std::isnan(c[best])) best = b;
    return best;
  }
  /// Index of metric `name` ("recall@5"); throws InvalidArgument if absent.
  std::size_t metric(const std::string& name) const {
    for (std::size_t m = 0; m < metrics.size(); ++m)
      if (metrics[m] == name) return m;
    throw InvalidArgument("SimulationResult: no metric '" + name + "'");
  }
};

/// Runs the Figure 6 simulation on `pool` (or on a pool of o.threads).
inline SimulationResult simulate_opauc_correlation(const SimulationOptions& o, ThreadPool* pool = nullptr) {
  detail::require(o.positives >= 1 && o.negatives >= 1,
                  "simulate_opauc_correlation: needs at least one positive and one negative, got N+ = " +
                      std::to_string(o.positives) + ", N- = " + std::to_string(o.negatives));
  detail::require(o.positives + o.negatives <= std::numeric_limits<index_t>::max(),
                  "simulate_opauc_correlation: N+ + N- is too large");
  detail::require(o.trials >= 2, "simulate_opauc_correlation: needs at least 2 trials, got " +
                                     std::to_string(o.trials));
  detail::require(!o.ks.empty(), "simulate_opauc_correlation: needs at least one K");
  for (const int k : o.ks)
    detail::require(k >= 1, "simulate_opauc_correlation: K must be at least 1, got " + std::to_string(k));

  SimulationResult result;
  result.trials = o.trials;
  result.betas = o.betas.empty() ? log_beta_grid(o.n_betas, o.negatives) : o.betas;
  for (const double beta : result.betas)
    detail::require(beta > 0.0 && beta <= 1.0, "simulate_opauc_correlation: beta must lie in (0, 1], got " +
                                                   std::to_string(beta));
  for (const char* kind : {"recall@", "precision@", "ndcg@"})
    for (const int k : o.ks) result.metrics.push_back(kind + std::to_string(k));

  const std::size_t n_k = o.ks.size();
  const std::size_t n_x = result.metrics.size(), n_y = result.betas.size();
  std::vector<std::size_t> order(n_y);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return result.betas[a] < result.betas[b]; });

  std::optional<ThreadPool> own;
  if (!pool) pool = &own.emplace(o.threads);
  const std::size_t chunk = detail::theory::simulation_chunk;
  const std::size_t n_chunks = (o.trials + chunk - 1) / chunk;
  std::vector<detail::theory::Moments> moments(n_chunks);

  struct Scratch {
    std::vector<index_t> above;      // c_j of one trial
    std::vector<double> x, y, dx, dy;  // a chunk's values, row per trial
    std::vector<double> opauc;
  };
  std::vector<Scratch> scratch(pool->size());
  for (auto& s : scratch) {
    s.above.resize(static_cast<std::size_t>(o.positives));
    s.x.resize(chunk * n_x), s.y.resize(chunk * n_y);
    s.dx.resize(n_x), s.dy.resize(n_y), s.opauc.resize(n_y);
  }

  const std::int64_t n_items = o.positives + o.negatives;
  pool->run(n_chunks, [&](std::size_t c, std::size_t worker) {
    Scratch& s = scratch[worker];
    const std::size_t first = c * chunk, rows = std::min(chunk, o.trials - first);
    for (std::size_t t = 0; t < rows; ++t) {
      // A uniformly random arrangement of the labels by sequential selection:
      // position i holds a positive with probability (positives left) /
      // (positions left), exactly, which yields the positives in rank order.
      Rng rng(o.seed, first + t);
      std::int64_t left = o.positives;
      std::size_t j = 0;
      for (std::int64_t i = 0; left > 0; ++i) {
        if (static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(n_items - i))) < left) {
          s.above[j] = static_cast<index_t>(i - static_cast<std::int64_t>(j));
          ++j, --left;
        }
      }
      const PositiveRanks r{s.above, o.negatives};
      double* x = s.x.data() + t * n_x;
      for (std::size_t q = 0; q < n_k; ++q) {
        const auto k = static_cast<std::size_t>(o.ks[q]);
        x[q] = recall_at(r, k);
        x[n_k + q] = precision_at(r, k);
        x[2 * n_k + q] = ndcg_at(r, k);
      }
      detail::theory::opauc_many(r, result.betas, order, s.opauc);
      double* y = s.y.data() + t * n_y;
      for (std::size_t b = 0; b < n_y; ++b) y[b] = opauc_norm(s.opauc[b], result.betas[b]);
    }
    auto& mo = moments[c];
    mo.shape(n_x, n_y);
    mo.compute(rows, std::span<const double>(s.x.data(), rows * n_x),
               std::span<const double>(s.y.data(), rows * n_y), s.dx, s.dy);
  });

  detail::theory::Moments total;
  total.shape(n_x, n_y);
  for (const auto& m : moments) total.merge(m);  // in chunk order: deterministic

  result.correlation.assign(n_x, std::vector<double>(n_y));
  for (std::size_t m = 0; m < n_x; ++m)
    for (std::size_t b = 0; b < n_y; ++b) {
      const double den = std::sqrt(total.cxx[m] * total.cyy[b]);
      result.correlation[m][b] =
          den > 0 ? total.cxy[m * n_y + b] / den : std::numeric_limits<double>::quiet_NaN();
    }
  return result;
}

// ------------------------------------- Figure 7: a sampler's distribution ----

/// One negative of the user in the sampling distribution.
struct SampledNegative {
  std::size_t rank = 0;     ///< 1-based, by descending score (ties: smaller item first)
  index_t item = 0;
  real score = 0;
  double probability = 0;   ///< total (relative) weight received / draws
  double cumulative = 0;    ///< sum of probability over ranks 1 .. rank
};

struct SamplingDistribution {
  index_t user = 0;
  index_t positive = 0;
  real positive_score = 0;
  std::size_t draws = 0;
  /// Every item that is neither a train item of the user nor the positive.
  std::vector<SampledNegative> negatives;
  /// Weight per draw that went to other items (seen items or the positive):
  /// 0 for a sampler that honours the exclusion rule.
  double outside = 0;

  /// Probability-weighted mean rank of a sampled negative.
  double mean_rank() const noexcept {
    double s = 0;
    for (const auto& n : negatives) s += n.probability * static_cast<double>(n.rank);
    return s;
  }
  /// Probability that a draw lands in the `rank` best-scored negatives.
  double cumulative_at(std::size_t rank) const noexcept {
    if (rank == 0 || negatives.empty()) return 0;
    return negatives[std::min(rank, negatives.size()) - 1].cumulative;
  }
  /// Smallest rank whose cumulative probability reaches `mass` (0 when none does).
  std::size_t rank_reaching(double mass) const noexcept {
    for (const auto& n : negatives)
      if (n.cumulative >= mass) return n.rank;
    return 0;
  }
};

/// Runs `sampler` `draws` times for the pair (user, positive) of `model`,
/// with seen items excluded, and returns each negative's share of the
/// sampled weight, negatives sorted by descending score. The sampler is
/// prepared here (prepare(train, false), then on_epoch_begin(model, train, 0,
/// pool) when it has them), so the sampling is that of a training epoch.
/// Draws use Rng(seed, 0). `train` must have the model's number of items.
template <class M, class S>
  requires Sampler<S, M>
SamplingDistribution simulate_sampler(const M& model, S& sampler, const Interactions& train, index_t user,
                                      index_t positive, std::size_t draws, std::uint64_t seed = 1) {
  detail::require(train.n_items() == model.n_items() && train.n_users() == model.n_users(),
                  "simulate_sampler: the train data has " + std::to_string(train.n_users()) + " users x " +
                      std::to_string(train.n_items()) + " items, the model " +
                      std::to_string(model.n_users()) + " x " + std::to_string(model.n_items()));
  detail::require(user >= 0 && user < model.n_users(),
                  "simulate_sampler: user " + std::to_string(user) + " is out of range");
  detail::require(positive >= 0 && positive < model.n_items(),
                  "simulate_sampler: item " + std::to_string(positive) + " is out of range");
  detail::require(draws >= 1, "simulate_sampler: needs at least one draw");

  ThreadPool pool(1);
  if constexpr (requires { sampler.prepare(train, false); })
    sampler.prepare(train, false);
  else if constexpr (requires { sampler.prepare(train); })
    sampler.prepare(train);
  if constexpr (requires { sampler.on_epoch_begin(model, train, 0, pool); })
    sampler.on_epoch_begin(model, train, 0, pool);

  const auto seen = train.items_of(user);
  std::vector<double> mass(static_cast<std::size_t>(model.n_items()), 0.0);
  Rng rng(seed, 0);
  SamplerWorkspace workspace;
  Negatives out(sampler.max_negatives());
  SamplingDistribution d;
  d.user = user, d.positive = positive, d.draws = draws;
  d.positive_score = model.score(user, positive);
  for (std::size_t t = 0; t < draws; ++t) {
    SampleContext ctx{user, positive, d.positive_score, seen, false, rng, workspace};
    out.clear();
    sampler.sample(model, ctx, out);
    const auto items = out.items();
    const auto weights = out.weights();
    double sum = 0;
    for (const real w : weights) sum += static_cast<double>(w);
    detail::require(!items.empty() && sum > 0 && std::isfinite(sum),
                    "simulate_sampler: the sampler returned no negative or weights that do not sum to a positive number");
    for (std::size_t q = 0; q < items.size(); ++q) {
      detail::require(items[q] >= 0 && items[q] < model.n_items(),
                      "simulate_sampler: the sampler returned item " + std::to_string(items[q]) +
                          ", out of range");
      mass[static_cast<std::size_t>(items[q])] += static_cast<double>(weights[q]) / sum;
    }
  }

  std::vector<index_t> negatives;
  for (index_t i = 0; i < model.n_items(); ++i)
    if (i != positive && !std::binary_search(seen.begin(), seen.end(), i)) negatives.push_back(i);
  std::vector<real> scores(negatives.size());
  model.score_items(user, negatives, scores);
  std::vector<std::size_t> order(negatives.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return scores[a] > scores[b]; });

  const double n = static_cast<double>(draws);
  double cumulative = 0;
  d.negatives.reserve(negatives.size());
  for (std::size_t r = 0; r < order.size(); ++r) {
    const index_t item = negatives[order[r]];
    const double p = mass[static_cast<std::size_t>(item)] / n;
    cumulative += p;
    d.negatives.push_back({r + 1, item, scores[order[r]], p, cumulative});
  }
  double outside = mass[static_cast<std::size_t>(positive)];
  for (const index_t i : seen)
    if (i != positive) outside += mass[static_cast<std::size_t>(i)];
  d.outside = outside / n;
  return d;
}

}  // namespace hardneg
