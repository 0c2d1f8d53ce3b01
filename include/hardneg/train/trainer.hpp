// Trainer<Model, Sampler, Loss, Optimizer>: mini-batch training with negative
// sampling, composed from four policies at compile time.
//
// One epoch: shuffle the (user, positive) pairs of the train set (or, with
// PairOrder::by_user, draw as many pairs user first); for each
// mini-batch, every thread takes a fixed contiguous share of the batch and,
// per pair, (1) scores the positive, (2) asks the sampler for weighted
// negatives (hard samplers score candidates with the model), (3) scores the
// negatives unless the sampler already did, (4) gets the loss and
// d(loss)/d(score) of the row, (5) back-propagates into its own sparse
// gradient. The threads' gradients are merged in thread order and the
// optimizer applies them: the model does not change inside a batch.
//
// Each epoch also counts the sampled negatives that score above their
// positive and at or above zero (TrainContext): how hard the negatives the
// sampler finds are, as the loss-analysis paper tracks them.
//
// Determinism: each thread's share of a batch draws from its own Rng stream
// keyed by (seed, epoch, batch, share), and the merge is ordered, so the same
// seed, data and thread count give bit-identical models.
#pragma once

#include <algorithm>
#include <array>
#include <cassert>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "hardneg/core/concepts.hpp"
#include "hardneg/core/error.hpp"
#include "hardneg/core/gradient.hpp"
#include "hardneg/core/negatives.hpp"
#include "hardneg/core/prefetch.hpp"
#include "hardneg/core/random.hpp"
#include "hardneg/core/thread_pool.hpp"
#include "hardneg/data/interactions.hpp"
#include "hardneg/optim/schedule.hpp"
#include "hardneg/train/context.hpp"
#include "hardneg/train/detail/callbacks.hpp"

namespace hardneg {

/// How the per-row losses of a mini-batch are combined. The papers' codes
/// differ (WWW'23 sums, RecBox averages) and, with Adam's epsilon and coupled
/// weight decay, the choice changes results.
enum class Reduction { sum, mean };

/// How an epoch visits the train pairs.
enum class PairOrder {
  /// Every (user, positive) pair once, in a fresh random order.
  shuffled,
  /// As many draws as there are pairs, with replacement: a uniform user
  /// among those with train items, then a uniform item of that user
  /// (LightGCN's reference code samples so): each user weighs the same
  /// whatever their number of items.
  by_user
};

struct TrainerOptions {
  std::size_t batch = 4096;       ///< training pairs per mini-batch
  int epochs = 10;                ///< epochs fit() runs (callbacks may stop earlier)
  std::size_t threads = 1;        ///< worker threads (the caller counts as one)
  std::uint64_t seed = 1;         ///< seeds shuffling and sampling
  Reduction reduction = Reduction::sum;
  /// Let samplers return the user's train items as negatives, as the papers'
  /// reference code does (spec/algorithms.md 2.1).
  bool allow_seen = false;
  Schedule schedule = ConstantLR{};
  PairOrder pair_order = PairOrder::shuffled;
};

template <class M, class S, class L, class O>
class Trainer {
  static_assert(Model<M>,
                "hardneg::Trainer: the first argument is not a Model: it needs static name(), "
                "n_users(), n_items(), score(u, i), score_items(u, items, out), "
                "backward(u, items, d_scores, grad), parameters() and block_scorer(); "
                "see docs/policies.md#model");
  static_assert(Sampler<S, M>,
                "hardneg::Trainer: the second argument is not a Sampler for this model: it needs "
                "static name(), max_negatives() and sample(model, ctx, negatives); "
                "see docs/policies.md#sampler");
  static_assert(Loss<L>,
                "hardneg::Trainer: the third argument is not a Loss: it needs static name() and "
                "evaluate(pos_score, neg_scores, weights, d_pos, d_neg) -> real; "
                "see docs/policies.md#loss");
  static_assert(Optimizer<O>,
                "hardneg::Trainer: the fourth argument is not an Optimizer: it needs static "
                "name(), step(params, grad, pool), learning_rate() and set_learning_rate(lr); "
                "see docs/policies.md#optimizer");

 public:
  /// Pairs sampled ahead of the gradient step (see run_batch).
  static constexpr std::size_t sample_ahead = 8;

  using model_type = M;
  using sampler_type = S;
  using loss_type = L;
  using optimizer_type = O;
  using Options = TrainerOptions;

  Trainer(M& model, Options options = {}, S sampler = S(), L loss = L(), O optimizer = O())
      : model_(model),
        options_(std::move(options)),
        sampler_(std::move(sampler)),
        loss_(std::move(loss)),
        optimizer_(std::move(optimizer)),
        pool_(options_.threads == 0 ? 1 : options_.threads),
        base_lr_(optimizer_.learning_rate()) {
    detail::require(options_.batch > 0, "hardneg::Trainer: batch must be positive");
    detail::require(options_.epochs >= 0, "hardneg::Trainer: epochs must be >= 0");
  }

  M& model() noexcept { return model_; }
  const Options& options() const noexcept { return options_; }
  S& sampler() noexcept { return sampler_; }
  L& loss() noexcept { return loss_; }
  O& optimizer() noexcept { return optimizer_; }
  ThreadPool& pool() noexcept { return pool_; }

  /// The rate the schedule starts from (the optimizer's at construction).
  /// Setting it takes effect from the next epoch (EarlyStopping's decay on a
  /// plateau uses it).
  double base_learning_rate() const noexcept { return base_lr_; }
  void set_base_learning_rate(double lr) {
    detail::require(lr > 0, "hardneg::Trainer: the base learning rate must be > 0");
    base_lr_ = lr;
  }

  /// Trains for options().epochs epochs on `train` (or until a callback's
  /// on_epoch_end returns false). Callbacks are called in the given order;
  /// every hook is optional (see train/callbacks/).
  template <class... Callbacks>
  TrainContext fit(const Interactions& train, Callbacks&&... callbacks) {
    detail::require(train.n_users() <= model_.n_users() && train.n_items() <= model_.n_items(),
                    "hardneg::Trainer::fit: the train data has more users or items than the model");
    detail::require(!train.empty(), "hardneg::Trainer::fit: the train data is empty");
    prepare(train);
    TrainContext ctx;
    ctx.epochs = options_.epochs;
    ctx.pairs = pairs_.size();
    ctx.batches = (pairs_.size() + options_.batch - 1) / options_.batch;
    detail::run_epochs(*this, model_, ctx, options_.epochs,
                       [&](int epoch) { run_epoch(train, epoch, ctx); }, callbacks...);
    return ctx;
  }

 private:
  /// Sampled negatives of an epoch (or a share of a batch), and how many of
  /// them scored above their positive and at or above zero.
  struct NegativeCounts {
    std::size_t sampled = 0, above_positive = 0, nonnegative = 0;
    void add(const NegativeCounts& o) noexcept {
      sampled += o.sampled;
      above_positive += o.above_positive;
      nonnegative += o.nonnegative;
    }
  };

  /// A pair whose negatives were drawn ahead of its gradient step.
  struct Sampled {
    Negatives negatives;
    real positive_score = 0;
  };

  /// Buffers of one share of a batch (share s of every batch uses buffers
  /// s, whichever thread runs it), sized once per fit().
  struct Share {
    std::array<Sampled, sample_ahead + 1> ring;  // pairs p .. p + sample_ahead
    SamplerWorkspace workspace;
    std::vector<index_t> items;   // [positive, negatives...]
    std::vector<real> d_scores;   // d(loss)/d(score) of `items`
    std::vector<real> d_neg;
    double loss = 0;
    NegativeCounts counts;
  };

  void prepare(const Interactions& train) {
    if constexpr (requires { sampler_.prepare(train, options_.allow_seen); })
      sampler_.prepare(train, options_.allow_seen);
    else if constexpr (requires { sampler_.prepare(train); })
      sampler_.prepare(train);
    if constexpr (batch_loss) {
      if constexpr (requires { loss_.uses_batch(); })
        use_batch_ = loss_.uses_batch();
      else
        use_batch_ = true;
    }
    pairs_ = train.pairs();
    active_users_.clear();
    if (options_.pair_order == PairOrder::by_user)
      for (index_t u = 0; u < train.n_users(); ++u)
        if (!train.items_of(u).empty()) active_users_.push_back(u);
    // The seen-item test of the samplers, one probe instead of a search.
    seen_filter_.reset(options_.allow_seen ? 0 : pairs_.size());
    if (!options_.allow_seen)
      for (const Pair& p : pairs_) seen_filter_.insert(p.user, p.item);
    const std::size_t k = sampler_.max_negatives();
    const std::size_t share = (options_.batch + pool_.size() - 1) / pool_.size();
    shares_.resize(pool_.size());
    gradients_.resize(pool_.size());
    for (auto& g : gradients_) g.shape(model_.parameters(), share * (k + 1));
    for (auto& w : shares_) {
      for (auto& slot : w.ring) slot.negatives.reserve(k);
      w.items.resize(k + 1);
      w.d_scores.resize(k + 1);
      w.d_neg.resize(k);
    }
  }

  void run_epoch(const Interactions& train, int epoch, TrainContext& ctx) {
    const auto start = std::chrono::steady_clock::now();
    const double lr = options_.schedule.lr(base_lr_, epoch);
    optimizer_.set_learning_rate(lr);
    if constexpr (requires { sampler_.on_epoch_begin(model_, train, epoch, pool_); })
      sampler_.on_epoch_begin(model_, train, epoch, pool_);

    Rng order_rng(options_.seed, stream_id(epoch, ~std::uint64_t{0}, 0));
    if (options_.pair_order == PairOrder::shuffled)
      order_rng.shuffle(pairs_.begin(), pairs_.end());
    else
      draw_pairs_by_user(train, order_rng);

    double epoch_loss = 0;
    NegativeCounts counts;
    const std::size_t n = pairs_.size();
    for (std::size_t begin = 0, batch = 0; begin < n; begin += options_.batch, ++batch) {
      const std::size_t end = std::min(n, begin + options_.batch);
      epoch_loss += run_batch(train, epoch, batch, begin, end, counts);
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ctx.loss = epoch_loss / static_cast<double>(n);
    ctx.learning_rate = lr;
    ctx.epoch_seconds = seconds;
    ctx.train_seconds += seconds;
    ctx.pairs_per_second = seconds > 0 ? static_cast<double>(n) / seconds : 0;
    ctx.negatives = counts.sampled;
    ctx.negatives_above_positive = counts.above_positive;
    ctx.negatives_nonnegative = counts.nonnegative;
  }

  /// PairOrder::by_user: pairs_ gets pairs_.size() fresh draws.
  void draw_pairs_by_user(const Interactions& train, Rng& rng) {
    for (Pair& p : pairs_) {
      const index_t u = active_users_[rng.below(active_users_.size())];
      const auto items = train.items_of(u);
      p = Pair{u, items[rng.below(items.size())]};
    }
  }

  /// Returns the summed (unscaled) loss of the batch's rows; adds its
  /// negatives to `counts`.
  double run_batch(const Interactions& train, int epoch, std::size_t batch, std::size_t begin,
                   std::size_t end, NegativeCounts& counts) {
    const std::size_t size = end - begin;
    const std::size_t shares = std::min(pool_.size(), size);
    const real scale =
        options_.reduction == Reduction::mean ? real(1) / static_cast<real>(size) : real(1);
    // Models with state derived from the parameters (graph propagation,
    // dropout masks) refresh it once per batch: the model is fixed within it.
    if constexpr (requires { model_.begin_batch(std::uint64_t{}, pool_); })
      model_.begin_batch(stream_id(epoch, batch, ~std::uint64_t{0}), pool_);
    if (use_batch_) begin_loss_batch(epoch, batch, begin, end, shares);
    pool_.run(shares, [&](std::size_t share, std::size_t) {
      Share& w = shares_[share];
      w.loss = 0;
      w.counts = {};
      const std::size_t lo = begin + size * share / shares;
      const std::size_t hi = begin + size * (share + 1) / shares;
      if (!use_batch_) sort_by_user(lo, hi);  // else the batch loss's pre-pass sorted it
      Rng rng(options_.seed, stream_id(epoch, batch, share));
      // A software pipeline over the share's pairs, so that the random row
      // reads of a pair overlap with the work on earlier pairs: the rows of
      // pair p + 2A are prefetched, pair p + A is sampled (its negatives'
      // rows prefetched), pair p takes its gradient step. The Rng is drawn in
      // pair order, so the result equals the plain loop's bit for bit.
      constexpr std::size_t A = sample_ahead;
      const GradientAccumulator& gradient = gradients_[share];
      for (std::size_t q = lo; q < std::min(hi, lo + 2 * A); ++q) prefetch_pair(train, pairs_[q]);
      for (std::size_t q = lo; q < std::min(hi, lo + A); ++q)
        sample_pair(train, pairs_[q], rng, w, w.ring[q % (A + 1)], gradient);
      for (std::size_t p = lo; p < hi; ++p) {
        if (p + 2 * A < hi) prefetch_pair(train, pairs_[p + 2 * A]);
        if (p + A < hi) sample_pair(train, pairs_[p + A], rng, w, w.ring[(p + A) % (A + 1)], gradient);
        step_pair(pairs_[p], p - begin, w.ring[p % (A + 1)], w, gradients_[share], scale);
      }
    });
    // Merge in share order: deterministic for a given thread count.
    double loss = 0;
    for (std::size_t s = 0; s < shares; ++s) {
      loss += shares_[s].loss;
      counts.add(shares_[s].counts);
    }
    const std::span<const GradientAccumulator> parts(gradients_.data(), shares);
    if constexpr (requires { model_.end_batch(gradient_, pool_); }) {
      gradient_.merge(parts, pool_);
      // ... and may turn the merged gradient of what they computed into the
      // gradient of their parameters (e.g. back through the graph).
      model_.end_batch(gradient_, pool_);
    } else {
      gradient_.link(parts);  // the optimizer sums each row as it updates it
    }
    optimizer_.step(model_.parameters(), gradient_, pool_);
    for (std::size_t s = 0; s < shares; ++s) gradients_[s].clear();
    return loss;
  }

  void prefetch_pair(const Interactions& train, Pair pair) const noexcept {
    if constexpr (requires { model_.prefetch(pair.user, pair.item); })
      model_.prefetch(pair.user, pair.item);
    // The first lines of the user's train items: the seen-item test of the
    // sampler searches them (a long row is mostly not read at all).
    const auto seen = train.items_of(pair.user);
    detail::prefetch_row(reinterpret_cast<const real*>(seen.data()), std::min<std::size_t>(seen.size(), 64));
  }

  /// Tells a model whose scores depend on the training row (SimpleX leaves the
  /// positive out of the user's history) which row this thread works on next.
  void begin_row(Pair pair) const noexcept {
    if constexpr (requires { model_.begin_row(pair.user, pair.item); }) model_.begin_row(pair.user, pair.item);
  }

  /// Scores the positive and draws the negatives of `pair` into `slot`, then
  /// asks for the rows its gradient step will read (and, for a model with
  /// prefetch_backward, the gradient rows it will add to).
  void sample_pair(const Interactions& train, Pair pair, Rng& rng, Share& w, Sampled& slot,
                   const GradientAccumulator& gradient) {
    begin_row(pair);
    slot.positive_score = model_.score(pair.user, pair.item);
    SampleContext sctx{pair.user, pair.item, slot.positive_score, train.items_of(pair.user),
                       options_.allow_seen, rng, w.workspace, &seen_filter_};
    slot.negatives.clear();
    sampler_.sample(std::as_const(model_), sctx, slot.negatives);
    if constexpr (requires { model_.prefetch(pair.user, pair.item); })
      if (!slot.negatives.scored)
        for (const index_t j : slot.negatives.items()) model_.prefetch(pair.user, j);
    if constexpr (requires { model_.prefetch_backward(pair.user, pair.item, slot.negatives.items(), gradient); })
      model_.prefetch_backward(pair.user, pair.item, slot.negatives.items(), gradient);
  }

  /// Loss, d(loss)/d(score) and back-propagation of a sampled pair.
  void step_pair(Pair pair, std::size_t row, Sampled& slot, Share& w, GradientAccumulator& gradient,
                 real scale) {
    Negatives& negs = slot.negatives;
    const std::size_t k = negs.size();
    begin_row(pair);
    if (!negs.scored) model_.score_items(pair.user, negs.items(), negs.scores());
    const real pos = slot.positive_score;
    const std::span<const real> scores = negs.scores();
    std::size_t above = 0, nonnegative = 0;
    for (const real s : scores) {
      above += s > pos;
      nonnegative += s >= 0;
    }
    w.counts.add({k, above, nonnegative});
    real d_pos = 0;
    const std::span<real> d_neg(w.d_neg.data(), k);
    w.loss += static_cast<double>(
        row_loss(row, pos, scores, negs.weights(), d_pos, d_neg));
    // A sampler may return no negative (WARP finding no margin violator):
    // with a zero derivative nothing is back-propagated, so no row counts as
    // touched (a lazy optimizer would otherwise move it by momentum).
    if (k == 0 && d_pos == 0) return;
    w.items[0] = pair.item;
    w.d_scores[0] = d_pos * scale;
    for (std::size_t j = 0; j < k; ++j) {
      w.items[j + 1] = negs.items()[j];
      w.d_scores[j + 1] = d_neg[j] * scale;
    }
    model_.backward(pair.user, std::span<const index_t>(w.items.data(), k + 1),
                    std::span<const real>(w.d_scores.data(), k + 1), gradient);
  }

  // ---- batch-loss hook (core/loss_batch.hpp: T-CE, BSL's same-user form).
  // A BatchLoss sees the pairs and positive scores of the whole batch before
  // any row's loss; other losses skip all of this at compile time, and a
  // batch loss whose uses_batch() is false at run time.
  static constexpr bool batch_loss = BatchLoss<L>;

  /// Sorts each share of the batch (run_batch then keeps that order, so row
  /// r is the r-th pair it processes), scores the positives in parallel and
  /// hands them to the loss.
  void begin_loss_batch(int epoch, std::size_t batch, std::size_t begin, std::size_t end,
                        std::size_t shares) {
    const std::size_t size = end - begin;
    loss_batch_scores_.resize(size);
    pool_.run(shares, [&](std::size_t share, std::size_t) {
      const std::size_t lo = begin + size * share / shares;
      const std::size_t hi = begin + size * (share + 1) / shares;
      sort_by_user(lo, hi);
      for (std::size_t p = lo; p < hi; ++p) {
        begin_row(pairs_[p]);
        loss_batch_scores_[p - begin] = model_.score(pairs_[p].user, pairs_[p].item);
      }
    });
    if constexpr (batch_loss) {
      const std::uint64_t per_epoch = (pairs_.size() + options_.batch - 1) / options_.batch;
      loss_.begin_batch(LossBatch{
          .pairs = std::span<const Pair>(pairs_.data() + begin, size),
          .positive_scores = std::span<const real>(loss_batch_scores_),
          .max_negatives = sampler_.max_negatives(),
          .iteration = static_cast<std::uint64_t>(epoch) * per_epoch + batch});
    }
  }

  /// The loss of the batch's row `row` (its index in processing order).
  real row_loss(std::size_t row, real pos, std::span<const real> neg, std::span<const real> w,
                real& d_pos, std::span<real> d_neg) const {
    if constexpr (batch_loss) {
      if (use_batch_) {
        // The pipeline scored the same pair as the pre-pass did.
        assert(row < loss_batch_scores_.size() &&
               (loss_batch_scores_[row] == pos || std::isnan(pos)));
        return loss_.evaluate_row(row, pos, neg, w, d_pos, d_neg);
      }
    }
    (void)row;
    return loss_.evaluate(pos, neg, w, d_pos, d_neg);
  }

  /// Sorts the pairs [lo, hi) of a share by (user, item). Within a share the
  /// order of pairs does not change the (summed) gradient, and sorted, a
  /// user's rows and train items are read once from memory instead of once
  /// per pair.
  void sort_by_user(std::size_t lo, std::size_t hi) {
    std::sort(pairs_.begin() + static_cast<std::ptrdiff_t>(lo), pairs_.begin() + static_cast<std::ptrdiff_t>(hi),
              [](const Pair& x, const Pair& y) { return pair_key(x) < pair_key(y); });
  }

  static std::uint64_t pair_key(const Pair& p) noexcept {
    return static_cast<std::uint64_t>(static_cast<std::uint32_t>(p.user)) << 32 |
           static_cast<std::uint32_t>(p.item);
  }

  static std::uint64_t stream_id(int epoch, std::uint64_t batch, std::uint64_t share) noexcept {
    std::uint64_t h = static_cast<std::uint64_t>(epoch) * 0x9E3779B97F4A7C15ull;
    h ^= detail::splitmix64(batch);
    std::uint64_t s = h ^ (share + 0x632BE59BD9B4E019ull);
    return detail::splitmix64(s);
  }

  M& model_;
  Options options_;
  S sampler_;
  L loss_;
  O optimizer_;
  ThreadPool pool_;
  double base_lr_;
  std::vector<Pair> pairs_;
  std::vector<index_t> active_users_;  // PairOrder::by_user: the users with train items
  SeenFilter seen_filter_;
  std::vector<Share> shares_;
  std::vector<GradientAccumulator> gradients_;
  SparseGradient gradient_;
  bool use_batch_ = false;               // batch-loss hook in use (batch_loss and uses_batch())
  std::vector<real> loss_batch_scores_;  // batch-loss hook: the batch's positive scores
};

}  // namespace hardneg
