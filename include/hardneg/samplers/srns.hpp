// SRNS: simplify and robustify negative sampling (Ding et al., NeurIPS 2020;
// spec/algorithms.md 2.13 lists no reference code: this follows the paper,
// with details checked against the authors' TensorFlow code,
// dingjingtao/SRNS SRNS_real/SRNS_main.py: the likelihood sigmoid(s_j - s_i)
// with the positive's own history, the population std over 5 epochs, alpha_t
// = alpha min(1, t / warmup), the memory update without replacement
// ∝ exp(s / T)). Hard negatives are taken from a small per-user memory of
// candidates, preferring those the model scores high *and* whose scores
// moved a lot over the last epochs: false negatives (items the user would
// like) keep a high, stable score, true hard negatives fluctuate.
//
// State, per user u: a memory of s1 candidate items, each with the history
// of its scores over the last `history` epochs; per training pair (u, i): the
// history of the positive's score. At every on_epoch_begin (on the pool;
// user u draws from the Rng stream (seed, epoch, u), so the state does not
// depend on the thread count):
//
//   1. record the current scores of the memory items and of u's positives;
//   2. draw s2 fresh uniform candidates (never seen items unless prepare()
//      allowed them) and score them;
//   3. score-based memory update: keep s1 of the s1 + s2 candidates, drawn
//      without replacement with probability ∝ exp(s / temperature) (hard
//      candidates stay, easy ones leave). A kept item keeps its history; a
//      new one starts with the score of step 2.
//
// Epoch 0 (a new fit) starts over: the memory is s1 uniform candidates.
// Sampling for a pair (u, i) at epoch t scores the memory with the current
// model and returns the k candidates with the largest
//
//   sigmoid(s_j - s_i) + alpha_t * std_h( sigmoid(s_j^(h) - s_i^(h)) ),
//   alpha_t = alpha * min(1, t / warmup)          (warmup 0: alpha from the start)
//
// where h runs over the recorded epochs both items share (population std;
// 0 with fewer than two), weights 1/k, out.scored = true. Ties go to the
// earlier memory slot.
//
// Simplifications (documented in docs/policies.md): the paper refreshes the
// memories per mini-batch and keeps, per user, a larger fixed candidate set
// whose scores are recorded ahead of use, so every candidate has a full
// history; here state changes only in on_epoch_begin (sample() is const and
// runs on several threads at once), and a candidate's history starts when it
// enters the memory. A positive that is not one of ctx.seen (or a seen list
// that is not the train data's) has no history: its current score is used
// for every epoch. If fewer than k memory items are admissible for the pair
// (the memory was built with seen items allowed and ctx.allow_seen is false),
// the rest are uniform draws.
//
// Memory: n_users x s1 x (history + 2) x 4 bytes, plus |train| x history x 4
// bytes of positive histories (Gowalla defaults: 12 MB + 16 MB).
//
// Template parameter: K, the default number of negatives per positive.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hardneg/core/error.hpp"
#include "hardneg/core/negatives.hpp"
#include "hardneg/core/random.hpp"
#include "hardneg/core/thread_pool.hpp"
#include "hardneg/core/types.hpp"
#include "hardneg/data/interactions.hpp"
#include "hardneg/samplers/detail/candidates.hpp"
#include "hardneg/samplers/detail/exclusion.hpp"
#include "hardneg/samplers/detail/per_user.hpp"

namespace hardneg {

template <int K = 1>
class SRNS {
  static_assert(K >= 1, "hardneg::SRNS<K>: K (negatives per positive) must be at least 1");

 public:
  struct Params {
    int k = K;                ///< negatives per positive (the top-k of the memory)
    int s1 = 20;              ///< memory items per user
    int s2 = 20;              ///< fresh uniform candidates per refresh (0: the memory never changes)
    int history = 5;          ///< epochs of score history
    double alpha = 1;         ///< weight of the score's standard deviation
    double warmup = 1;        ///< epochs over which alpha_t rises linearly from 0 to alpha
    double temperature = 1;   ///< of the memory update's exp(s / temperature)
    std::uint64_t seed = 1;   ///< seeds the memory refreshes
  };

  explicit SRNS(Params p = {}) : params_(p) {
    const auto fail = [](const std::string& what) { throw InvalidArgument("srns sampler: " + what); };
    if (p.k < 1) fail("k must be at least 1, got " + std::to_string(p.k));
    if (p.s1 < p.k) fail("s1 (memory size) must be at least k (" + std::to_string(p.k) + "), got " + std::to_string(p.s1));
    if (p.s2 < 0) fail("s2 must be >= 0, got " + std::to_string(p.s2));
    if (p.history < 1) fail("history must be at least 1, got " + std::to_string(p.history));
    if (!std::isfinite(p.alpha) || p.alpha < 0) fail("alpha must be finite and >= 0, got " + std::to_string(p.alpha));
    if (!std::isfinite(p.warmup) || p.warmup < 0) fail("warmup must be finite and >= 0, got " + std::to_string(p.warmup));
    if (!std::isfinite(p.temperature) || p.temperature <= 0)
      fail("temperature must be finite and > 0, got " + std::to_string(p.temperature));
  }

  static constexpr std::string_view name() { return "srns"; }
  const Params& params() const noexcept { return params_; }
  std::size_t max_negatives() const noexcept { return static_cast<std::size_t>(params_.k); }

  /// Checks that every user has an item left to draw (unless seen items are
  /// allowed) and remembers whether the memories may hold seen items.
  void prepare(const Interactions& train, bool allow_seen = false) {
    if (!allow_seen) detail::check_sampleable(name(), train);
    allow_seen_ = allow_seen;
  }

  /// Records the scores and refreshes every user's memory (steps 1-3 above).
  template <class M>
  void on_epoch_begin(const M& model, const Interactions& train, int epoch, ThreadPool& pool) {
    const auto s1 = static_cast<std::size_t>(params_.s1);
    const auto s2 = static_cast<std::size_t>(params_.s2);
    const auto h = static_cast<std::size_t>(params_.history);
    const index_t n_users = train.n_users();
    const bool restart = epoch == 0 || records_ == 0 || n_users != n_users_ ||
                         offsets_.size() != train.offsets().size() ||
                         !std::equal(offsets_.begin(), offsets_.end(), train.offsets().begin());
    if (restart) {
      records_ = 0;
      n_users_ = n_users;
      offsets_ = train.offsets();
      items_.assign(static_cast<std::size_t>(n_users) * s1, 0);
      born_.assign(items_.size(), 0);
      hist_.assign(items_.size() * h, 0);
      pos_hist_.assign(static_cast<std::size_t>(train.size()) * h, 0);
    }
    const int record = records_;
    const std::size_t slot = static_cast<std::size_t>(record) % h;

    struct Scratch {
      SamplerWorkspace workspace;
      std::vector<index_t> ids;
      std::vector<real> scores;
      std::vector<double> keys;
      std::vector<std::size_t> order;
      std::vector<index_t> keep_items;
      std::vector<int> keep_born;
      std::vector<real> keep_hist;
    };
    std::vector<Scratch> scratch(pool.size());
    for (Scratch& s : scratch) {
      s.ids.resize(std::max(s1 + s2, std::size_t{1}));
      s.scores.resize(s.ids.size());
      s.keys.resize(s1 + s2);
      s.order.resize(s1 + s2);
      s.keep_items.resize(s1);
      s.keep_born.resize(s1);
      s.keep_hist.resize(s1 * h);
    }

    detail::for_each_user(pool, n_users, [&](index_t u, std::size_t worker) {
      Scratch& s = scratch[worker];
      Rng rng = detail::user_rng(params_.seed, epoch, u);
      const auto seen = train.items_of(u);
      SampleContext ctx{u, index_t{-1}, real(0), seen, allow_seen_, rng, s.workspace};
      const auto base = static_cast<std::size_t>(u) * s1;
      index_t* items = items_.data() + base;
      int* born = born_.data() + base;
      real* hist = hist_.data() + base * h;

      // 1. Positives' scores.
      if (!seen.empty()) {
        s.workspace.reserve(seen.size());
        const std::span<real> pos_scores(s.workspace.scores.data(), seen.size());
        model.score_items(u, seen, pos_scores);
        const auto off = static_cast<std::size_t>(train.offsets()[static_cast<std::size_t>(u)]);
        for (std::size_t p = 0; p < seen.size(); ++p) pos_hist_[(off + p) * h + slot] = pos_scores[p];
      }

      if (restart) {  // a new memory of s1 uniform candidates
        detail::draw_uniform_candidates(name(), ctx, model.n_items(), std::span<index_t>(items, s1));
        model.score_items(u, std::span<const index_t>(items, s1), std::span<real>(s.scores.data(), s1));
        for (std::size_t j = 0; j < s1; ++j) {
          born[j] = record;
          hist[j * h + slot] = s.scores[j];
        }
        return;
      }
      // 1. Memory items' scores.
      const std::span<real> all_scores(s.scores.data(), s1 + s2);
      model.score_items(u, std::span<const index_t>(items, s1), all_scores.first(s1));
      for (std::size_t j = 0; j < s1; ++j) hist[j * h + slot] = all_scores[j];
      if (s2 == 0) return;
      // 2. Fresh candidates.
      const std::span<index_t> fresh(s.ids.data() + s1, s2);
      detail::draw_uniform_candidates(name(), ctx, model.n_items(), fresh);
      model.score_items(u, fresh, all_scores.subspan(s1));
      // 3. Keep s1 of s1 + s2 without replacement, P ∝ exp(s / T): the s1
      //    largest Gumbel-perturbed keys s / T + G (Gumbel-top-k).
      std::copy(items, items + s1, s.ids.begin());
      for (std::size_t c = 0; c < s1 + s2; ++c) {
        const double uniform = (static_cast<double>(rng() >> 11) + 0.5) * 0x1.0p-53;  // (0, 1)
        s.keys[c] = static_cast<double>(all_scores[c]) / params_.temperature - std::log(-std::log(uniform));
      }
      std::iota(s.order.begin(), s.order.end(), std::size_t{0});
      std::partial_sort(s.order.begin(), s.order.begin() + static_cast<std::ptrdiff_t>(s1), s.order.end(),
                        [&](std::size_t a, std::size_t b) { return s.keys[a] > s.keys[b] || (s.keys[a] == s.keys[b] && a < b); });
      for (std::size_t j = 0; j < s1; ++j) {
        const std::size_t c = s.order[j];
        s.keep_items[j] = s.ids[c];
        real* row = s.keep_hist.data() + j * h;
        if (c < s1) {
          s.keep_born[j] = born[c];
          std::copy(hist + c * h, hist + (c + 1) * h, row);
        } else {
          s.keep_born[j] = record;
          std::fill(row, row + h, real(0));
          row[slot] = all_scores[c];
        }
      }
      std::copy(s.keep_items.begin(), s.keep_items.end(), items);
      std::copy(s.keep_born.begin(), s.keep_born.end(), born);
      std::copy(s.keep_hist.begin(), s.keep_hist.end(), hist);
    });
    records_ = record + 1;
    epoch_ = epoch;
  }

  bool ready() const noexcept { return records_ > 0; }
  /// The memory of `user` (s1 items, repeats possible).
  std::span<const index_t> memory(index_t user) const noexcept {
    const auto s1 = static_cast<std::size_t>(params_.s1);
    return {items_.data() + static_cast<std::size_t>(user) * s1, s1};
  }
  /// alpha_t of the current epoch.
  double alpha_t() const noexcept {
    const double ramp = params_.warmup > 0 ? std::min(1.0, static_cast<double>(epoch_) / params_.warmup) : 1.0;
    return params_.alpha * ramp;
  }

  /// The population standard deviation over the shared recorded epochs of
  /// sigmoid(s_j - s_i) for memory slot `slot_index` of the pair's user;
  /// `pos_hist` is the positive's history (null: `s_pos` every epoch).
  double score_std(index_t user, std::size_t slot_index, const real* pos_hist, real s_pos) const noexcept {
    const auto h = static_cast<std::size_t>(params_.history);
    const std::size_t base = static_cast<std::size_t>(user) * static_cast<std::size_t>(params_.s1) + slot_index;
    const int valid_slot = std::min(params_.history, records_ - born_[base]);
    const int valid = pos_hist ? std::min(valid_slot, std::min(params_.history, records_)) : valid_slot;
    if (valid < 2) return 0;
    const real* hist = hist_.data() + base * h;
    double sum = 0, sum_sq = 0;
    for (int t = 0; t < valid; ++t) {
      const std::size_t at = static_cast<std::size_t>(records_ - 1 - t) % h;
      const double pos = pos_hist ? static_cast<double>(pos_hist[at]) : static_cast<double>(s_pos);
      const double l = sigmoid(static_cast<double>(hist[at]) - pos);
      sum += l;
      sum_sq += l * l;
    }
    const double mean = sum / valid;
    return std::sqrt(std::max(0.0, sum_sq / valid - mean * mean));
  }

  /// Fills `out` with the k memory items of the largest criterion (see the
  /// header comment), weights 1/k. Call on_epoch_begin first.
  template <class M>
  void sample(const M& model, SampleContext& ctx, Negatives& out) const {
    if (!ready())
      throw InvalidArgument("srns sampler: call on_epoch_begin(model, train, epoch, pool) before sample()");
    detail::require(ctx.user >= 0 && ctx.user < n_users_, "srns sampler: user outside the memories");
    const auto s1 = static_cast<std::size_t>(params_.s1);
    const std::size_t k = max_negatives();
    const auto mem = memory(ctx.user);
    ctx.workspace.reserve(s1);
    const std::span<real> scores(ctx.workspace.scores.data(), s1);
    const std::span<real> crit(ctx.workspace.values.data(), s1);
    model.score_items(ctx.user, mem, scores);

    // The positive's history, when the pair is one of the train data's.
    const real* pos_hist = nullptr;
    const auto u = static_cast<std::size_t>(ctx.user);
    const auto degree = static_cast<std::size_t>(offsets_[u + 1] - offsets_[u]);
    if (ctx.seen.size() == degree) {
      const auto it = std::lower_bound(ctx.seen.begin(), ctx.seen.end(), ctx.positive);
      if (it != ctx.seen.end() && *it == ctx.positive)
        pos_hist = pos_hist_.data() +
                   (static_cast<std::size_t>(offsets_[u]) + static_cast<std::size_t>(it - ctx.seen.begin())) *
                       static_cast<std::size_t>(params_.history);
    }
    const double a = alpha_t();
    const bool check_seen = allow_seen_ && !ctx.allow_seen;
    constexpr real excluded = -std::numeric_limits<real>::infinity();
    std::size_t admissible = 0;
    for (std::size_t j = 0; j < s1; ++j) {
      const bool ok = ctx.allow_seen ||
                      (mem[j] != ctx.positive && !(check_seen && detail::is_seen(ctx.seen, mem[j])));
      if (!ok) {
        crit[j] = excluded;
        continue;
      }
      ++admissible;
      const double l = sigmoid(static_cast<double>(scores[j]) - static_cast<double>(ctx.positive_score));
      crit[j] = static_cast<real>(a > 0 ? l + a * score_std(ctx.user, j, pos_hist, ctx.positive_score) : l);
    }
    out.reserve(k);
    out.resize(k);
    out.scored = true;
    const std::size_t picked = std::min(k, admissible);
    for (std::size_t t = 0; t < picked; ++t) {  // k is small: repeated arg-max
      std::size_t best = s1;
      for (std::size_t j = 0; j < s1; ++j)
        if (crit[j] != excluded && (best == s1 || crit[j] > crit[best])) best = j;
      out.items()[t] = mem[best];
      out.scores()[t] = scores[best];
      crit[best] = excluded;
    }
    for (std::size_t t = picked; t < k; ++t) {
      out.items()[t] = detail::draw_uniform(name(), ctx, model.n_items());
      model.score_items(ctx.user, out.items().subspan(t, 1), out.scores().subspan(t, 1));
    }
    std::fill(out.weights().begin(), out.weights().end(), real{1} / static_cast<real>(k));
  }

 private:
  static double sigmoid(double x) noexcept {
    return x >= 0 ? 1.0 / (1.0 + std::exp(-x)) : std::exp(x) / (1.0 + std::exp(x));
  }

  Params params_;
  bool allow_seen_ = false;
  int records_ = 0;  // on_epoch_begin calls since the last restart
  int epoch_ = 0;
  index_t n_users_ = 0;
  std::vector<offset_t> offsets_;  // the train data's CSR offsets (pair -> positive history)
  std::vector<index_t> items_;     // n_users x s1
  std::vector<int> born_;          // the record at which each memory item entered
  std::vector<real> hist_;         // n_users x s1 x history, ring indexed by record % history
  std::vector<real> pos_hist_;     // |train| x history, same ring
};

}  // namespace hardneg
