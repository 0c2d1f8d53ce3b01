// The trainer's batch-loss hook (begin_batch / evaluate_row, used by T-CE):
// the contract seen from a probe loss, and T-CE trained end to end.
#include "hardneg/train/trainer.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <vector>

#include "hardneg/data/synthetic.hpp"
#include "hardneg/losses/bce.hpp"
#include "hardneg/losses/bsl.hpp"
#include "hardneg/losses/tce.hpp"
#include "hardneg/models/mf.hpp"
#include "hardneg/optim/adam.hpp"
#include "hardneg/samplers/uniform.hpp"
#include "hardneg/train/any_policy.hpp"

using namespace hardneg;

namespace {
const Dataset& tiny() {
  static const Dataset d = make_synthetic(SyntheticOptions::tiny(11));
  return d;
}

constexpr std::size_t batch_size = 256;

/// MF's user dropout (a model begin_batch hook: scores depend on the batch)
/// where MF has it.
template <class P>
void set_user_dropout(P& p, double dropout) {
  if constexpr (requires { p.user_dropout = dropout; }) p.user_dropout = dropout;
}

template <class L>
MF train(std::size_t threads, L loss, int k = 1, double dropout = 0, int epochs = 2,
         TrainContext* ctx = nullptr) {
  MF::Params params{.dim = 8, .init_std = 0.1, .seed = 5};
  set_user_dropout(params, dropout);
  MF model(tiny().n_users(), tiny().n_items(), params);
  if constexpr (requires { loss.log->model; }) loss.log->model = &model;
  Trainer<MF, Uniform<>, L, LazyAdam> trainer(
      model, {.batch = batch_size, .epochs = epochs, .threads = threads, .seed = 5},
      Uniform<>({.k = k}), std::move(loss), LazyAdam({.lr = 0.01}));
  const TrainContext c = trainer.fit(tiny().train);
  if (ctx) *ctx = c;
  return model;
}

/// What a probe saw. Rows are evaluated from several threads, each row by
/// one thread, so per-row flags need no lock; the counters are atomic.
struct ProbeLog {
  std::vector<std::vector<real>> batches;  // positive scores handed to begin_batch
  std::vector<std::uint64_t> iterations;
  std::vector<std::size_t> max_negatives;
  std::vector<unsigned char> seen;  // rows of the current batch evaluated
  std::atomic<int> mismatches{0};   // evaluate_row's pos != positive_scores[row]
  std::atomic<int> repeats{0};      // a row evaluated twice
  const MF* model = nullptr;        // the model being trained
  int size_mismatches = 0;          // positive_scores.size() != pairs.size()
  int pair_mismatches = 0;          // score(pairs[r]) != positive_scores[r]
  int missed = 0;                   // rows of a batch never evaluated

  void finish_batch() {
    for (unsigned char s : seen) missed += s == 0;
    seen.clear();
  }
};

/// BCE through the batch hook, checking the trainer's side of the contract.
class Probe {
 public:
  std::shared_ptr<ProbeLog> log = std::make_shared<ProbeLog>();

  static constexpr std::string_view name() { return "probe"; }
  real evaluate(real pos, std::span<const real> neg, std::span<const real> w, real& d_pos,
                std::span<real> d_neg) const {
    return BCE{}.evaluate(pos, neg, w, d_pos, d_neg);
  }
  void begin_batch(const LossBatch& batch) {
    log->finish_batch();
    log->batches.emplace_back(batch.positive_scores.begin(), batch.positive_scores.end());
    log->iterations.push_back(batch.iteration);
    log->max_negatives.push_back(batch.max_negatives);
    log->seen.assign(batch.rows(), 0);
    log->size_mismatches += batch.positive_scores.size() != batch.rows();
    // pairs[r] is row r's pair: its positive scores positive_scores[r].
    for (std::size_t r = 0; r < batch.rows() && r < batch.positive_scores.size(); ++r)
      log->pair_mismatches += log->model->score(batch.pairs[r].user, batch.pairs[r].item) !=
                              batch.positive_scores[r];
  }
  real evaluate_row(std::size_t row, real pos, std::span<const real> neg, std::span<const real> w,
                    real& d_pos, std::span<real> d_neg) const {
    if (row >= log->seen.size() || !(log->batches.back()[row] == pos))
      ++log->mismatches;
    else if (log->seen[row]++ != 0)
      ++log->repeats;
    return BCE{}.evaluate(pos, neg, w, d_pos, d_neg);
  }
};

/// T-CE through the hook, recording which rows got d_pos = 0 in each batch.
struct DropLog {
  std::vector<std::size_t> expected;  // TCE::drop_count of each batch
  std::vector<std::size_t> zero_rows; // rows with d_pos = 0 in each batch
  std::vector<std::size_t> rows;
  int order_violations = 0;           // a kept positive scored below a dropped one
  std::vector<real> scores;
  std::vector<unsigned char> zero;

  void finish_batch() {
    if (zero.empty()) return;
    std::size_t z = 0;
    real max_dropped = -std::numeric_limits<real>::infinity();
    real min_kept = std::numeric_limits<real>::infinity();
    for (std::size_t r = 0; r < zero.size(); ++r) {
      z += zero[r];
      if (zero[r])
        max_dropped = std::max(max_dropped, scores[r]);
      else
        min_kept = std::min(min_kept, scores[r]);
    }
    order_violations += max_dropped > min_kept;
    zero_rows.push_back(z);
    zero.clear();
  }
};

class RecordingTCE {
 public:
  explicit RecordingTCE(TCE::Params p) : tce_(p) {}
  std::shared_ptr<DropLog> log = std::make_shared<DropLog>();

  static constexpr std::string_view name() { return "recording-tce"; }
  real evaluate(real pos, std::span<const real> neg, std::span<const real> w, real& d_pos,
                std::span<real> d_neg) const {
    return tce_.evaluate(pos, neg, w, d_pos, d_neg);
  }
  void begin_batch(const LossBatch& batch) {
    log->finish_batch();
    tce_.begin_batch(batch);
    const std::span<const real> s = batch.positive_scores;
    log->expected.push_back(tce_.drop_count(s.size(), batch.max_negatives, batch.iteration));
    log->rows.push_back(s.size());
    log->scores.assign(s.begin(), s.end());
    log->zero.assign(s.size(), 0);
  }
  real evaluate_row(std::size_t row, real pos, std::span<const real> neg, std::span<const real> w,
                    real& d_pos, std::span<real> d_neg) const {
    const real l = tce_.evaluate_row(row, pos, neg, w, d_pos, d_neg);
    log->zero[row] = d_pos == 0;
    return l;
  }

 private:
  TCE tce_;
};
}  // namespace

TEST_CASE("Batch-loss hook: every row once, in processing order, with its pre-pass score",
          "[trainer][batch_loss]") {
  const std::size_t pairs = tiny().train.pairs().size();
  const std::size_t per_epoch = (pairs + batch_size - 1) / batch_size;
  for (const std::size_t threads : {1u, 2u}) {
    for (const double dropout : {0.0, 0.3}) {
      INFO("threads " << threads << ", user dropout " << dropout);
      Probe probe;
      const auto log = probe.log;
      const MF via_hook = train(threads, probe, 3, dropout);
      log->finish_batch();
      REQUIRE(log->batches.size() == 2 * per_epoch);
      for (std::size_t b = 0; b < log->batches.size(); ++b) {
        CHECK(log->iterations[b] == b);  // global batch count since fit()
        CHECK(log->max_negatives[b] == 3);
        const std::size_t in_epoch = b % per_epoch;
        CHECK(log->batches[b].size() == std::min(batch_size, pairs - in_epoch * batch_size));
      }
      CHECK(log->mismatches == 0);
      CHECK(log->repeats == 0);
      CHECK(log->missed == 0);
      CHECK(log->size_mismatches == 0);
      CHECK(log->pair_mismatches == 0);
      // The hook changes nothing else: the same model as BCE without it.
      const MF plain = train(threads, BCE(), 3, dropout);
      CHECK(via_hook.user_embeddings() == plain.user_embeddings());
      CHECK(via_hook.item_embeddings() == plain.item_embeddings());
    }
  }
}

TEST_CASE("T-CE with drop rate 0 trains exactly like BCE", "[trainer][batch_loss][tce]") {
  for (const std::size_t threads : {1u, 2u}) {
    INFO("threads " << threads);
    TrainContext ct, cb;
    const MF t = train(threads, TCE({.drop_rate = 0.0}), 2, 0, 2, &ct);
    const MF b = train(threads, BCE(), 2, 0, 2, &cb);
    CHECK(t.user_embeddings() == b.user_embeddings());
    CHECK(t.item_embeddings() == b.item_embeddings());
    CHECK(ct.loss == cb.loss);
  }
}

TEST_CASE("T-CE in training drops floor(d(t) S) positives per batch, the largest losses",
          "[trainer][batch_loss][tce]") {
  // d ramps over 5 batches to 0.2; k = 1 negative, so S = 2 B and
  //   m(t) = floor(0.2 t/4 * 2 B) = floor(t B / 10) for t < 5, floor(2 B / 5) after.
  for (const std::size_t threads : {1u, 2u}) {
    INFO("threads " << threads);
    RecordingTCE loss({.drop_rate = 0.2, .num_gradual = 5});
    const auto log = loss.log;
    train(threads, loss, 1);
    log->finish_batch();
    REQUIRE(log->zero_rows.size() == log->expected.size());
    REQUIRE(log->zero_rows.size() > 5);
    for (std::size_t t = 0; t < log->expected.size(); ++t) {
      const std::size_t b = log->rows[t];
      const std::size_t m = t < 5 ? t * b / 10 : 2 * b / 5;
      CHECK(log->expected[t] == m);
      CHECK(log->zero_rows[t] == m);
    }
    CHECK(log->order_violations == 0);
  }
}

TEST_CASE("T-CE training is deterministic at 1 and 2 threads and differs from BCE",
          "[trainer][batch_loss][tce]") {
  const TCE::Params p{.drop_rate = 0.2, .num_gradual = 4};
  for (const std::size_t threads : {1u, 2u}) {
    INFO("threads " << threads);
    const MF a = train(threads, TCE(p), 2);
    const MF b = train(threads, TCE(p), 2);
    CHECK(a.user_embeddings() == b.user_embeddings());
    CHECK(a.item_embeddings() == b.item_embeddings());
    CHECK_FALSE(a.item_embeddings() == train(threads, BCE(), 2).item_embeddings());
  }
}

TEST_CASE("AnyLoss forwards the batch hook only for batch losses", "[trainer][batch_loss][any_policy]") {
  CHECK(AnyLoss(TCE()).uses_batch());
  CHECK_FALSE(AnyLoss(BCE()).uses_batch());
  CHECK(AnyLoss(BSL()).uses_batch());
  CHECK_FALSE(AnyLoss(BSL({.same_user = false})).uses_batch());
  for (const std::size_t threads : {1u, 2u}) {
    INFO("threads " << threads);
    const TCE::Params p{.drop_rate = 0.2, .num_gradual = 4};
    const MF concrete = train(threads, TCE(p), 2);
    const MF erased = train(threads, AnyLoss(TCE(p)), 2);
    CHECK(concrete.item_embeddings() == erased.item_embeddings());
    CHECK(train(threads, AnyLoss(BCE()), 2).item_embeddings() ==
          train(threads, BCE(), 2).item_embeddings());
    const MF bsl = train(threads, BSL(), 3, 0.1);
    CHECK(bsl.item_embeddings() == train(threads, AnyLoss(BSL()), 3, 0.1).item_embeddings());
  }
}

TEST_CASE("BSL's same-user form trains differently from its per-row form",
          "[trainer][batch_loss][bsl]") {
  // The tiny data set's batches of 256 pairs hold users with several rows,
  // so the forms differ; each is deterministic.
  for (const std::size_t threads : {1u, 2u}) {
    INFO("threads " << threads);
    const MF grouped = train(threads, BSL(), 3);
    const MF per_row = train(threads, BSL({.same_user = false}), 3);
    CHECK_FALSE(grouped.item_embeddings() == per_row.item_embeddings());
    CHECK(grouped.item_embeddings() == train(threads, BSL(), 3).item_embeddings());
    CHECK(per_row.item_embeddings() == train(threads, BSL({.same_user = false}), 3).item_embeddings());
  }
}
