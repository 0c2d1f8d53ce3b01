// InverseGradient<Model, Optimizer>: inverse-gradient meta-learning on sparse
// labelled feedback (IG of Lin et al., "Inverse Learning with Extremely Sparse
// Feedback for Recommendation", WSDM 2024; spec/algorithms.md 3.13).
//
// Input: labelled rows (u, i, t), t in [0, 1] (Interactions with labels:
// explicit positives 1 and negatives 0, possibly noisy). Every item a user
// has no row for is unlabelled. fit() splits the rows once, after a seeded
// shuffle, into a train part (the first floor(train_ratio * n) rows) and a
// meta part (the rest). Each epoch then runs two phases:
//
//  A. train part, in shuffled batches: one optimizer step on the mean BCE
//       BCE(s, t) = t softplus(-s) + (1 - t) softplus(s),  dBCE/ds = sigmoid(s) - t
//     of the batch's labelled rows (no sampled items, as in the paper).
//  B. meta part, in shuffled batches of labelled meta rows R; for each row one
//     unlabelled item of the row's user is drawn uniformly (items the user has
//     no labelled row for; U = the drawn pairs). With theta the parameters and
//       g = grad_theta IDL(U),  IDL(U) = mean over (u, j) in U of
//           v1 softplus(-s_uj) + v0 softplus(s_uj),  v1, v0 = IDL::dual_weights(sg[s_uj])
//     (the inverse dual loss of losses/idl.hpp on the unlabelled items only),
//     three candidates are compared by the mean BCE of R:
//         forward  theta - delta   (a step minimising the IDL)
//         none     theta
//         inverse  theta + delta   (the inverted step, maximising it)
//     delta = sample_lr * g (IGStep::gradient, the paper's gradient step), or
//     delta = sample_lr * g / (|g| + 1e-8) elementwise (IGStep::adam_first_step:
//     what a freshly created Adam's first step is, so the reference code's
//     candidates exactly). The model keeps the candidate with the lowest meta
//     loss (ties: none, then forward, then inverse), and with meta_update one
//     optimizer step on the BCE of R at the kept parameters follows.
//
// Choices, where the reference code (InverseGradient/main.py) differs:
//  - gradients are zeroed between steps (the code never calls zero_grad in
//    phase A, and phase B's final step also carries the candidate step's
//    gradient); here every step sees exactly its own batch's gradient;
//  - one optimizer (Optimizer, e.g. Adam) lives for the whole fit(); the code
//    re-creates Adam after every meta batch (moments reset) and takes the
//    final step of a forward / inverse winner with yet another fresh Adam;
//  - the candidate steps are not optimizer steps: they change only the rows
//    the IDL gradient touched, and the two candidates are exact mirror images
//    (the code's two fresh Adams give the same result: adam_first_step);
//  - the split is a seeded random one, not file order (the code's meta part
//    is the last 10 % of the file: the last users);
//  - no validation-based model selection (a callback can do it).
//
// Template parameters: M, any hardneg::Model (parameters() tables,
// score_items, backward; the Trainer's optional hooks begin_batch(seed,
// pool), end_batch(grad, pool) and set_training(bool) are called the same
// way: begin_batch again after every change of the parameters, with the same
// seed for the three candidates); O, any hardneg::Optimizer (default Adam).
//
// Single-threaded: rows are scored and back-propagated on the calling thread
// (the meta step is sequential by nature); the pool of `threads` workers runs
// the gradient merge, the optimizer step and the model hooks. Scratch buffers
// are sized once per fit(); nothing is allocated per scored item.
// Deterministic: every draw comes from hardneg::Rng streams keyed by (seed,
// epoch, phase, batch), so the same seed, data and thread count give
// bit-identical models. Callbacks: as Trainer (on_train_begin,
// on_epoch_begin, on_epoch_end -> bool, on_train_end, called with *this);
// each epoch adds to ctx.metrics "meta_loss" (mean meta BCE of the kept
// candidates), "idl_loss", and "ig_forward", "ig_none", "ig_inverse" (how
// many meta batches kept each candidate).
//
//   InverseGradient<MF> ig(model, {.batch = 1024, .epochs = 10}, Adam{{.lr = 1e-3}});
//   ig.fit(labelled);
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "hardneg/core/aligned.hpp"
#include "hardneg/core/concepts.hpp"
#include "hardneg/core/error.hpp"
#include "hardneg/core/gradient.hpp"
#include "hardneg/core/random.hpp"
#include "hardneg/core/thread_pool.hpp"
#include "hardneg/core/types.hpp"
#include "hardneg/data/interactions.hpp"
#include "hardneg/losses/detail/stable_math.hpp"
#include "hardneg/losses/idl.hpp"
#include "hardneg/optim/adam.hpp"
#include "hardneg/train/context.hpp"
#include "hardneg/train/detail/callbacks.hpp"

namespace hardneg {

/// One labelled row: (user, item) with a target label in [0, 1].
struct LabelledRow {
  index_t user = 0;
  index_t item = 0;
  real label = 0;
};

/// The candidate updates a meta batch compares.
enum class IGCandidate { forward, none, inverse };

/// How a candidate step delta is made from the IDL gradient g.
enum class IGStep {
  gradient,         ///< delta = sample_lr * g (the paper's gradient step)
  adam_first_step,  ///< delta = sample_lr * g / (|g| + 1e-8): a fresh Adam's first step (reference code)
};

struct InverseGradientOptions {
  std::size_t batch = 1024;     ///< labelled rows per phase-A batch
  std::size_t meta_batch = 0;   ///< labelled rows per meta batch (0: same as batch)
  int epochs = 10;              ///< epochs fit() runs (callbacks may stop earlier)
  double train_ratio = 0.9;     ///< share of the labelled rows in the train part, in (0, 1]
  double sample_lr = 1e-3;      ///< size of the candidate steps
  IGStep step = IGStep::adam_first_step;
  bool meta_update = true;      ///< after the choice, one optimizer step on the meta batch's BCE
  std::size_t threads = 1;      ///< workers of the merge, optimizer step and model hooks
  std::uint64_t seed = 1;       ///< seeds the split, the shuffles and the unlabelled draws
};

/// What one meta step measured and chose.
struct IGMetaResult {
  double loss_forward = 0;  ///< mean BCE of the meta rows at theta - delta
  double loss_none = 0;     ///< ... at theta
  double loss_inverse = 0;  ///< ... at theta + delta
  double idl_loss = 0;      ///< mean IDL of the unlabelled pairs at theta
  IGCandidate chosen = IGCandidate::none;
  /// The meta loss of the kept candidate.
  double chosen_loss() const noexcept {
    return chosen == IGCandidate::forward ? loss_forward
           : chosen == IGCandidate::inverse ? loss_inverse
                                            : loss_none;
  }
};

template <class M, class O = Adam>
class InverseGradient {
  static_assert(Model<M>,
                "hardneg::InverseGradient: the first argument is not a Model: it needs static "
                "name(), n_users(), n_items(), score(u, i), score_items(u, items, out), "
                "backward(u, items, d_scores, grad), parameters() and block_scorer(); "
                "see docs/policies.md#model");
  static_assert(Optimizer<O>,
                "hardneg::InverseGradient: the second argument is not an Optimizer: it needs "
                "static name(), step(params, grad, pool), learning_rate() and "
                "set_learning_rate(lr); see docs/policies.md#optimizer");

 public:
  using model_type = M;
  using optimizer_type = O;
  using Options = InverseGradientOptions;

  InverseGradient(M& model, Options options = {}, O optimizer = O())
      : model_(model),
        options_(options),
        optimizer_(std::move(optimizer)),
        pool_(options_.threads == 0 ? 1 : options_.threads) {
    if (options_.meta_batch == 0) options_.meta_batch = options_.batch;
    detail::require(options_.batch > 0, "hardneg::InverseGradient: batch must be positive");
    detail::require(options_.epochs >= 0, "hardneg::InverseGradient: epochs must be >= 0");
    detail::require(options_.train_ratio > 0 && options_.train_ratio <= 1,
                    "hardneg::InverseGradient: train_ratio must be in (0, 1], got " +
                        std::to_string(options_.train_ratio));
    detail::require(std::isfinite(options_.sample_lr) && options_.sample_lr >= 0,
                    "hardneg::InverseGradient: sample_lr must be finite and >= 0, got " +
                        std::to_string(options_.sample_lr));
  }

  M& model() noexcept { return model_; }
  const Options& options() const noexcept { return options_; }
  O& optimizer() noexcept { return optimizer_; }
  ThreadPool& pool() noexcept { return pool_; }

  /// Trains for options().epochs epochs on the labelled rows of `labelled`
  /// (or until a callback's on_epoch_end returns false). Throws
  /// InvalidArgument when it has no labels, a label is outside [0, 1], or a
  /// user with rows has labelled every item (nothing unlabelled to draw).
  template <class... Callbacks>
  TrainContext fit(const Interactions& labelled, Callbacks&&... callbacks) {
    prepare(labelled);
    const std::size_t n_train = train_rows_end_;
    const std::size_t n_meta = rows_.size() - n_train;
    TrainContext ctx;
    ctx.epochs = options_.epochs;
    ctx.pairs = rows_.size();
    ctx.batches = (n_train + options_.batch - 1) / options_.batch +
                  (n_meta + options_.meta_batch - 1) / options_.meta_batch;
    detail::run_epochs(*this, model_, ctx, options_.epochs,
                       [&](int epoch) { run_epoch(labelled, epoch, ctx); }, callbacks...);
    return ctx;
  }

  // ---- The two steps, public for tests and custom loops.

  /// Phase A: one optimizer step on the mean BCE of `rows`; returns that
  /// mean (before the step).
  double train_step(std::span<const LabelledRow> rows, std::uint64_t batch_seed) {
    if (rows.empty()) return 0;
    shape_buffers(rows.size());
    begin_batch(batch_seed);
    const double loss = bce_backward(rows);
    finish_gradient();
    optimizer_.step(model_.parameters(), gradient_, pool_);
    return loss;
  }

  /// Phase B: compares the forward, no-step and inverse candidates built
  /// from the IDL gradient of `unlabelled` by the mean BCE of `meta_rows`,
  /// keeps the best and (with meta_update) takes one optimizer step on the
  /// BCE of `meta_rows` there.
  IGMetaResult meta_step(std::span<const LabelledRow> meta_rows, std::span<const Pair> unlabelled,
                         std::uint64_t batch_seed) {
    IGMetaResult r;
    if (meta_rows.empty()) return r;
    shape_buffers(std::max(meta_rows.size(), unlabelled.size()));
    begin_batch(batch_seed);
    r.loss_none = mean_bce(meta_rows);
    if (!unlabelled.empty()) {
      r.idl_loss = idl_backward(unlabelled);
      finish_gradient();
      save_touched_rows();
      set_candidate(-1);
      begin_batch(batch_seed);
      r.loss_forward = mean_bce(meta_rows);
      set_candidate(+1);
      begin_batch(batch_seed);
      r.loss_inverse = mean_bce(meta_rows);
      // Lowest meta loss; ties keep the model, then prefer forward.
      r.chosen = IGCandidate::none;
      double best = r.loss_none;
      if (r.loss_forward < best) {
        r.chosen = IGCandidate::forward;
        best = r.loss_forward;
      }
      if (r.loss_inverse < best) r.chosen = IGCandidate::inverse;
      set_candidate(r.chosen == IGCandidate::forward ? -1 : r.chosen == IGCandidate::inverse ? +1 : 0);
    } else {
      r.loss_forward = r.loss_inverse = r.loss_none;
    }
    if (options_.meta_update) {
      begin_batch(batch_seed);
      bce_backward(meta_rows);
      finish_gradient();
      optimizer_.step(model_.parameters(), gradient_, pool_);
    }
    return r;
  }

  /// Mean BCE of `rows` under the model as it is (no hooks called).
  double mean_bce(std::span<const LabelledRow> rows) const {
    double sum = 0;
    for (const LabelledRow& row : rows) {
      real s;
      model_.score_items(row.user, std::span<const index_t>(&row.item, 1), std::span<real>(&s, 1));
      sum += static_cast<double>(bce(s, row.label));
    }
    return rows.empty() ? 0.0 : sum / static_cast<double>(rows.size());
  }

  /// The labelled rows of the last fit(), after the split shuffle: the
  /// train part first, then the meta part (from meta_begin()).
  std::span<const LabelledRow> rows() const noexcept { return rows_; }
  std::size_t meta_begin() const noexcept { return train_rows_end_; }

 private:
  // Rng stream purposes.
  static constexpr std::uint64_t phase_split = 0, phase_train = 1, phase_meta = 2, phase_draw = 3;

  static std::uint64_t stream_id(std::uint64_t epoch, std::uint64_t phase, std::uint64_t batch) noexcept {
    std::uint64_t s = epoch * 0x9E3779B97F4A7C15ull ^ (phase << 56) ^ batch;
    return detail::splitmix64(s);
  }

  template <class T>
  static T bce(T s, T t) noexcept {
    return t * detail::softplus(-s) + (T(1) - t) * detail::softplus(s);
  }

  void prepare(const Interactions& labelled) {
    detail::require(labelled.n_users() <= model_.n_users() && labelled.n_items() <= model_.n_items(),
                    "hardneg::InverseGradient::fit: the labelled data has more users or items than "
                    "the model");
    detail::require(!labelled.empty(), "hardneg::InverseGradient::fit: the labelled data is empty");
    detail::require(labelled.has_labels(),
                    "hardneg::InverseGradient::fit: the data has no labels (explicit 1 / 0 feedback "
                    "is needed)");
    rows_.clear();
    rows_.reserve(static_cast<std::size_t>(labelled.size()));
    for (index_t u = 0; u < labelled.n_users(); ++u) {
      const auto items = labelled.items_of(u);
      const auto labels = labelled.labels_of(u);
      if (!items.empty() && static_cast<offset_t>(items.size()) >= labelled.n_items())
        throw InvalidArgument("hardneg::InverseGradient::fit: user " + std::to_string(u) +
                              " has labelled every item: no unlabelled item to draw");
      for (std::size_t k = 0; k < items.size(); ++k) {
        if (!(labels[k] >= 0 && labels[k] <= 1))
          throw InvalidArgument("hardneg::InverseGradient::fit: label " + std::to_string(labels[k]) +
                                " of (user " + std::to_string(u) + ", item " +
                                std::to_string(items[k]) + ") is not in [0, 1]");
        rows_.push_back({u, items[k], labels[k]});
      }
    }
    Rng rng(options_.seed, stream_id(0, phase_split, 0));
    rng.shuffle(rows_.begin(), rows_.end());
    train_rows_end_ = static_cast<std::size_t>(options_.train_ratio * static_cast<double>(rows_.size()));
    train_rows_end_ = std::min(train_rows_end_, rows_.size());
    unlabelled_.resize(options_.meta_batch);
    shape_buffers(std::max(options_.batch, options_.meta_batch));
  }

  void run_epoch(const Interactions& labelled, int epoch, TrainContext& ctx) {
    const auto start = std::chrono::steady_clock::now();
    const auto e = static_cast<std::uint64_t>(epoch);
    const std::span<LabelledRow> train(rows_.data(), train_rows_end_);
    const std::span<LabelledRow> meta(rows_.data() + train_rows_end_, rows_.size() - train_rows_end_);

    // Phase A.
    Rng train_rng(options_.seed, stream_id(e, phase_train, ~std::uint64_t{0}));
    train_rng.shuffle(train.begin(), train.end());
    double train_loss = 0;
    for (std::size_t begin = 0, b = 0; begin < train.size(); begin += options_.batch, ++b) {
      const std::size_t end = std::min(train.size(), begin + options_.batch);
      train_loss += static_cast<double>(end - begin) *
                    train_step(train.subspan(begin, end - begin), stream_id(e, phase_train, b));
    }

    // Phase B.
    Rng meta_rng(options_.seed, stream_id(e, phase_meta, ~std::uint64_t{0}));
    meta_rng.shuffle(meta.begin(), meta.end());
    double meta_loss = 0, idl_loss = 0;
    std::size_t chosen[3] = {0, 0, 0};
    std::size_t meta_batches = 0;
    for (std::size_t begin = 0, b = 0; begin < meta.size(); begin += options_.meta_batch, ++b) {
      const std::size_t end = std::min(meta.size(), begin + options_.meta_batch);
      const auto batch = meta.subspan(begin, end - begin);
      Rng draw(options_.seed, stream_id(e, phase_draw, b));
      for (std::size_t k = 0; k < batch.size(); ++k)
        unlabelled_[k] = {batch[k].user, draw_unlabelled(labelled, batch[k].user, draw)};
      const IGMetaResult r = meta_step(batch, std::span<const Pair>(unlabelled_.data(), batch.size()),
                                       stream_id(e, phase_meta, b));
      meta_loss += r.chosen_loss();
      idl_loss += r.idl_loss;
      ++chosen[static_cast<int>(r.chosen)];
      ++meta_batches;
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ctx.epoch_seconds = seconds;
    ctx.train_seconds += seconds;
    ctx.pairs_per_second = seconds > 0 ? static_cast<double>(rows_.size()) / seconds : 0;
    ctx.loss = train.empty() ? 0.0 : train_loss / static_cast<double>(train.size());
    ctx.learning_rate = optimizer_.learning_rate();
    ctx.metrics["meta_loss"] = meta_batches ? meta_loss / static_cast<double>(meta_batches) : 0.0;
    ctx.metrics["idl_loss"] = meta_batches ? idl_loss / static_cast<double>(meta_batches) : 0.0;
    ctx.metrics["ig_forward"] = static_cast<double>(chosen[static_cast<int>(IGCandidate::forward)]);
    ctx.metrics["ig_none"] = static_cast<double>(chosen[static_cast<int>(IGCandidate::none)]);
    ctx.metrics["ig_inverse"] = static_cast<double>(chosen[static_cast<int>(IGCandidate::inverse)]);
  }

  /// An item of u's unlabelled pool, uniformly (rejection; prepare() made
  /// sure the pool is not empty).
  static index_t draw_unlabelled(const Interactions& labelled, index_t u, Rng& rng) noexcept {
    for (;;) {
      const auto i = static_cast<index_t>(rng.below(static_cast<std::uint64_t>(labelled.n_items())));
      if (!labelled.contains(u, i)) return i;
    }
  }

  void shape_buffers(std::size_t rows) {
    if (accumulator_shaped_ && rows <= accumulator_rows_) return;
    accumulator_.shape(model_.parameters(), 2 * rows);
    accumulator_rows_ = rows;
    accumulator_shaped_ = true;
  }

  void begin_batch(std::uint64_t seed) {
    if constexpr (requires { model_.begin_batch(seed, pool_); }) model_.begin_batch(seed, pool_);
  }

  /// Accumulates d(mean BCE)/d(parameters) of `rows`; returns the mean BCE.
  double bce_backward(std::span<const LabelledRow> rows) {
    const real inv_n = real(1) / static_cast<real>(rows.size());
    double sum = 0;
    for (const LabelledRow& row : rows) {
      const std::span<const index_t> item(&row.item, 1);
      real s;
      model_.score_items(row.user, item, std::span<real>(&s, 1));
      sum += static_cast<double>(bce(s, row.label));
      const real d = (detail::sigmoid(s) - row.label) * inv_n;
      model_.backward(row.user, item, std::span<const real>(&d, 1), accumulator_);
    }
    return sum / static_cast<double>(rows.size());
  }

  /// Accumulates d(mean IDL)/d(parameters) of the unlabelled pairs, dual
  /// weights held constant (losses/idl.hpp); returns the mean IDL.
  double idl_backward(std::span<const Pair> pairs) {
    const real inv_n = real(1) / static_cast<real>(pairs.size());
    double sum = 0;
    for (const Pair& p : pairs) {
      const std::span<const index_t> item(&p.item, 1);
      real s;
      model_.score_items(p.user, item, std::span<real>(&s, 1));
      const IDL::DualWeights<real> w = IDL::dual_weights(s);
      sum += static_cast<double>(w.v1 * detail::softplus(-s) + w.v0 * detail::softplus(s));
      const real d = (w.v0 * detail::sigmoid(s) - w.v1 * detail::sigmoid(-s)) * inv_n;
      model_.backward(p.user, item, std::span<const real>(&d, 1), accumulator_);
    }
    return sum / static_cast<double>(pairs.size());
  }

  /// Merges the accumulator into gradient_ (and lets the model rewrite it),
  /// then clears the accumulator: no gradient survives into the next step.
  void finish_gradient() {
    gradient_.merge(std::span<const GradientAccumulator>(&accumulator_, 1), pool_);
    if constexpr (requires { model_.end_batch(gradient_, pool_); }) model_.end_batch(gradient_, pool_);
    accumulator_.clear();
  }

  /// Copies the parameter rows gradient_ touches and makes delta per row.
  void save_touched_rows() {
    auto params = model_.parameters();
    std::size_t total = 0;
    for (std::size_t t = 0; t < gradient_.n_tables(); ++t)
      total += gradient_.rows(t).size() * params[t].dim();
    if (saved_.size() < total) saved_.resize(total), delta_.resize(total);
    const real lr = static_cast<real>(options_.sample_lr);
    std::size_t at = 0;
    for (std::size_t t = 0; t < gradient_.n_tables(); ++t) {
      const std::size_t dim = params[t].dim();
      const auto ids = gradient_.rows(t);
      for (std::size_t k = 0; k < ids.size(); ++k, at += dim) {
        const real* theta = params[t].row_ptr(static_cast<std::size_t>(ids[k]));
        const real* g = gradient_.values(t, k);
        for (std::size_t c = 0; c < dim; ++c) {
          saved_[at + c] = theta[c];
          delta_[at + c] = options_.step == IGStep::gradient
                               ? lr * g[c]
                               : lr * g[c] / (std::fabs(g[c]) + real(1e-8));
        }
      }
    }
  }

  /// Sets the touched rows to saved + sign * delta (sign -1: forward, 0:
  /// none, +1: inverse), always from the saved values, so none restores
  /// the model bit for bit.
  void set_candidate(int sign) {
    auto params = model_.parameters();
    std::size_t at = 0;
    for (std::size_t t = 0; t < gradient_.n_tables(); ++t) {
      const std::size_t dim = params[t].dim();
      for (const index_t id : gradient_.rows(t)) {
        real* theta = params[t].row_ptr(static_cast<std::size_t>(id));
        for (std::size_t c = 0; c < dim; ++c)
          theta[c] = sign == 0 ? saved_[at + c]
                     : sign < 0 ? saved_[at + c] - delta_[at + c]
                                : saved_[at + c] + delta_[at + c];
        at += dim;
      }
    }
    if constexpr (requires { model_.on_parameters_changed(); }) model_.on_parameters_changed();
  }

  M& model_;
  Options options_;
  O optimizer_;
  ThreadPool pool_;
  std::vector<LabelledRow> rows_;
  std::size_t train_rows_end_ = 0;
  std::vector<Pair> unlabelled_;
  GradientAccumulator accumulator_;
  std::size_t accumulator_rows_ = 0;
  bool accumulator_shaped_ = false;
  SparseGradient gradient_;
  aligned_vector<real> saved_, delta_;
};

}  // namespace hardneg
