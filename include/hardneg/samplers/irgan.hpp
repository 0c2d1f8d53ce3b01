// IRGAN: negatives from an adversarially trained generator (Wang et al.,
// "IRGAN: a minimax game for unifying generative and discriminative
// information retrieval models", SIGIR 2017; NeuRec's implementation,
// spec/algorithms.md 2.12). The model being trained is the discriminator D;
// the sampler owns the generator G, an MF with item biases,
//
//   g(u, j) = <a_u, b_j> + c_j,        p_G(j | u) = softmax_j(g(u, j)),
//
// and draws D's negatives from softmax_j(g(u, j) / temperature) (NeuRec's
// d_tau = 0.2), without the user's seen items unless prepare() allowed them.
//
// At every on_epoch_begin, before the epoch's D updates:
//   1. G is trained for g_epochs epochs by policy gradient against the
//      current D. Per user u with positives P_u: draw 2|P_u| items from the
//      importance proposal pn = (1 - mix) p_G + mix * uniform(P_u) (mix =
//      0.2), reward each with
//         r_j = 2 (sigmoid(D(u, j)) - 0.5) * p_G(j | u) / pn(j),
//      and take an SGD step on  -mean_j( log p_G(j | u) * r_j ) + reg/2 ||.||^2
//      (REINFORCE; the gradient of log p_G runs over all items, as the
//      softmax's does). NeuRec steps after every user; here the gradients of
//      g_batch users (default 32) are summed into one step, so the users of
//      a step are processed in parallel and the result does not depend on
//      the thread count.
//   2. For every user, k |P_u| exact draws from softmax(g / temperature)
//      over the admissible items are cached (one pass over all items per
//      user). sample() returns k of the user's cached draws, chosen uniformly
//      (each one is an exact draw from the generator, so the negatives are
//      too; two pairs of a user may share a draw).
// Weights 1/k, out.scored = false.
//
// Epoch 0 (a new fit) starts a new generator: a and b uniform in
// [-init_delta, init_delta], c = 0 (NeuRec loads a pretrained MF instead).
// Cost per epoch: about 3 (g_epochs + 1) passes over all (user, item) pairs
// of the generator's dim, like as many full evaluations. D's own training
// (NeuRec: BCE on pos/neg pairs, SGD) is the trainer's: use it with BCE for
// NeuRec's discriminator, or with any other loss.
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
#include <utility>
#include <vector>

#include "hardneg/core/error.hpp"
#include "hardneg/core/matrix.hpp"
#include "hardneg/core/negatives.hpp"
#include "hardneg/core/random.hpp"
#include "hardneg/core/thread_pool.hpp"
#include "hardneg/core/types.hpp"
#include "hardneg/data/interactions.hpp"
#include "hardneg/samplers/detail/exclusion.hpp"
#include "hardneg/samplers/detail/importance.hpp"
#include "hardneg/samplers/detail/per_user.hpp"
#include "hardneg/samplers/detail/row_sum.hpp"
#include "hardneg/simd/gather_dot.hpp"

namespace hardneg {

template <int K = 1>
class IRGAN {
  static_assert(K >= 1, "hardneg::IRGAN<K>: K (negatives per positive) must be at least 1");

 public:
  struct Params {
    int k = K;                  ///< negatives per positive
    std::size_t dim = 32;       ///< generator embedding size
    double temperature = 0.2;   ///< tau of the sampling distribution softmax(g / tau)
    double lr = 0.05;           ///< generator SGD learning rate
    double reg = 0;             ///< generator L2 coefficient
    double mix = 0.2;           ///< weight of uniform(P_u) in the importance proposal
    int g_epochs = 1;           ///< generator epochs per training epoch
    int g_batch = 32;           ///< users per generator step
    double init_delta = 0.05;   ///< generator initialisation: uniform(-delta, delta)
    std::uint64_t seed = 1;     ///< seeds the generator and its draws
  };

  explicit IRGAN(Params p = {}) : params_(p) {
    const auto fail = [](const std::string& what) { throw InvalidArgument("irgan sampler: " + what); };
    if (p.k < 1) fail("k must be at least 1, got " + std::to_string(p.k));
    if (p.dim < 1) fail("dim must be at least 1");
    if (!std::isfinite(p.temperature) || p.temperature <= 0)
      fail("temperature must be finite and > 0, got " + std::to_string(p.temperature));
    if (!std::isfinite(p.lr) || p.lr < 0) fail("lr must be finite and >= 0, got " + std::to_string(p.lr));
    if (!std::isfinite(p.reg) || p.reg < 0) fail("reg must be finite and >= 0, got " + std::to_string(p.reg));
    if (!(p.mix >= 0 && p.mix < 1)) fail("mix must be in [0, 1), got " + std::to_string(p.mix));
    if (p.g_epochs < 0) fail("g_epochs must be >= 0, got " + std::to_string(p.g_epochs));
    if (p.g_batch < 1) fail("g_batch must be at least 1, got " + std::to_string(p.g_batch));
    if (!std::isfinite(p.init_delta) || p.init_delta < 0)
      fail("init_delta must be finite and >= 0, got " + std::to_string(p.init_delta));
  }

  static constexpr std::string_view name() { return "irgan"; }
  const Params& params() const noexcept { return params_; }
  std::size_t max_negatives() const noexcept { return static_cast<std::size_t>(params_.k); }

  /// Checks that every user has an item left to draw (unless seen items are
  /// allowed) and remembers whether the cached draws may be seen items.
  void prepare(const Interactions& train, bool allow_seen = false) {
    if (!allow_seen) detail::check_sampleable(name(), train);
    allow_seen_ = allow_seen;
  }

  /// Trains the generator against `model` (the discriminator) and caches the
  /// epoch's draws.
  template <class M>
  void on_epoch_begin(const M& model, const Interactions& train, int epoch, ThreadPool& pool) {
    const auto n_users = static_cast<std::size_t>(train.n_users());
    const auto n_items = static_cast<std::size_t>(model.n_items());
    if (epoch == 0 || users_.rows() != n_users || items_.rows() != n_items) init_generator(n_users, n_items);
    for (int g = 0; g < params_.g_epochs; ++g) train_generator(model, train, epoch, g, pool);
    cache_draws(train, epoch, pool);
  }

  /// One generator epoch against the discriminator `model` (step 1); `pass`
  /// selects the random streams. on_epoch_begin calls it g_epochs times.
  template <class M>
  void train_generator(const M& model, const Interactions& train, int epoch, int pass, ThreadPool& pool) {
    detail::require(!items_.empty(), "irgan sampler: the generator is not initialised (call on_epoch_begin)");
    const std::size_t n = items_.rows();
    const std::size_t d = params_.dim;
    std::vector<index_t> users;
    for (index_t u = 0; u < train.n_users(); ++u)
      if (train.degree(u) > 0) users.push_back(u);
    const auto batch = static_cast<std::size_t>(params_.g_batch);
    const double mix = params_.mix;

    // Per slot b of a step: p_G(. | u_b) (n), d(loss)/d(a_u) (d), C_b, and
    // the sampled items with their coefficients c_j = r_j / S.
    std::vector<real> probs(batch * n);
    RowMatrix user_grad(batch, d);
    std::vector<double> total_coeff(batch);
    std::vector<std::vector<std::pair<index_t, real>>> sparse(batch);
    struct Scratch {
      detail::BlockCumulative cumulative;
      std::vector<index_t> samples;
      std::vector<real> d_scores;
      std::vector<real> expected;  // sum_k p_k b_k
    };
    std::vector<Scratch> scratch(pool.size());
    for (Scratch& s : scratch) s.expected.resize(d);
    struct Entry {
      index_t item;
      std::uint32_t slot;
      real coeff;
    };
    std::vector<Entry> entries;

    for (std::size_t start = 0; start < users.size(); start += batch) {
      const std::size_t size = std::min(batch, users.size() - start);
      // Phase 1 (per user of the step): probabilities, samples, rewards,
      // the user's gradient.
      pool.run(size, [&](std::size_t b, std::size_t worker) {
        Scratch& s = scratch[worker];
        const index_t u = users[start + b];
        const auto pos = train.items_of(u);
        real* p = probs.data() + b * n;
        const std::span<real> row(p, n);
        logits(u, row);
        const real top = *std::max_element(p, p + n);
        detail::exp_shifted(row, top, real(1), row);  // exp(g - max g): p up to 1 / total
        s.cumulative.build(row);
        Rng rng = detail::user_rng(params_.seed, epoch, u, 2 + static_cast<std::uint64_t>(pass));
        const std::size_t count = 2 * pos.size();
        s.samples.resize(count);
        s.d_scores.resize(count);
        for (index_t& j : s.samples)
          j = rng.uniform() < mix ? pos[rng.below(pos.size())] : static_cast<index_t>(s.cumulative.draw(rng));
        const auto inv_total = static_cast<real>(1.0 / s.cumulative.total());
        for (std::size_t k = 0; k < n; ++k) p[k] *= inv_total;
        model.score_items(u, s.samples, s.d_scores);
        auto& list = sparse[b];
        list.clear();
        double c_total = 0;
        real* g = user_grad.row_ptr(b);
        std::fill(g, g + d, real(0));
        for (std::size_t t = 0; t < count; ++t) {
          const index_t j = s.samples[t];
          const double pj = p[static_cast<std::size_t>(j)];
          const double pn = (1 - mix) * pj + (detail::is_seen(pos, j) ? mix / static_cast<double>(pos.size()) : 0.0);
          const double reward = 2 * (1 / (1 + std::exp(-static_cast<double>(s.d_scores[t]))) - 0.5) * pj / pn;
          const double c = reward / static_cast<double>(count);
          c_total += c;
          list.emplace_back(j, static_cast<real>(c));
          simd::axpy(static_cast<real>(-c), items_.row_ptr(static_cast<std::size_t>(j)), g, d);
        }
        total_coeff[b] = c_total;
        // + C * sum_k p_k b_k + reg * a_u (one pass over the item table)
        real* expected = s.expected.data();
        detail::weighted_row_sum(items_, ids_, row, expected);
        const real* a = users_.row_ptr(static_cast<std::size_t>(u));
        for (std::size_t c = 0; c < d; ++c)
          g[c] += static_cast<real>(c_total * static_cast<double>(expected[c]) + params_.reg * static_cast<double>(a[c]));
      });
      // The sampled items' terms, sorted by item for phase 2.
      entries.clear();
      for (std::size_t b = 0; b < size; ++b)
        for (const auto& [j, c] : sparse[b]) entries.push_back({j, static_cast<std::uint32_t>(b), c});
      std::stable_sort(entries.begin(), entries.end(), [](const Entry& x, const Entry& y) { return x.item < y.item; });
      // Phase 2 (per block of items): dL/dlogit_k = sum_b (C_b p_bk - a_bk),
      // dL/db_k = that times a_{u_b}; SGD with the old user vectors.
      constexpr std::size_t items_per_task = 512;
      const auto lr = static_cast<real>(params_.lr);
      const auto reg = static_cast<real>(params_.reg);
      const std::span<const index_t> step_users(users.data() + start, size);
      pool.run((n + items_per_task - 1) / items_per_task, [&](std::size_t task, std::size_t) {
        const std::size_t lo = task * items_per_task, hi = std::min(n, lo + items_per_task);
        auto e = std::lower_bound(entries.begin(), entries.end(), static_cast<index_t>(lo),
                                  [](const Entry& x, index_t item) { return x.item < item; });
        std::vector<real> coeff(size), grad(d);
        for (std::size_t k = lo; k < hi; ++k) {
          // coeff_b = dL/dlogit_k from user b: C_b p_bk minus its samples of k.
          for (std::size_t b = 0; b < size; ++b)
            coeff[b] = static_cast<real>(total_coeff[b] * static_cast<double>(probs[b * n + k]));
          real* v = items_.row_ptr(k);
          std::size_t occurrences = 0;
          for (; e != entries.end() && static_cast<std::size_t>(e->item) == k; ++e) {
            coeff[e->slot] -= e->coeff;
            ++occurrences;
          }
          double bias_grad = 0;
          for (std::size_t b = 0; b < size; ++b) bias_grad += coeff[b];
          detail::weighted_row_sum(users_, step_users, coeff, grad.data());
          if (occurrences > 0 && reg > 0) {
            // reg/2 ||b_j||^2 per sampled occurrence (NeuRec's l2 on the looked-up rows)
            simd::axpy(reg * static_cast<real>(occurrences), v, grad.data(), d);
            bias_grad += static_cast<double>(reg) * static_cast<double>(occurrences) * static_cast<double>(bias_[k]);
          }
          simd::axpy(-lr, grad.data(), v, d);
          bias_[k] -= static_cast<real>(static_cast<double>(lr) * bias_grad);
        }
      });
      // Phase 3: the users' steps.
      for (std::size_t b = 0; b < size; ++b)
        simd::axpy(-lr, user_grad.row_ptr(b), users_.row_ptr(static_cast<std::size_t>(users[start + b])), d);
    }
  }

  bool ready() const noexcept { return !cache_offsets_.empty(); }

  /// softmax_j(g(user, j) / temperature) over all items (tests, diagnostics).
  std::vector<double> generator_probabilities(index_t user, double temperature = 1) const {
    const std::size_t n = items_.rows();
    std::vector<real> g(n);
    logits(user, g);
    const double top = *std::max_element(g.begin(), g.end());
    std::vector<double> p(n);
    double total = 0;
    for (std::size_t k = 0; k < n; ++k) total += p[k] = std::exp((static_cast<double>(g[k]) - top) / temperature);
    for (double& x : p) x /= total;
    return p;
  }

  /// The generator's tables: user vectors, item vectors, item biases.
  const RowMatrix& generator_users() const noexcept { return users_; }
  const RowMatrix& generator_items() const noexcept { return items_; }
  std::span<const real> generator_bias() const noexcept { return bias_; }

  /// The draws cached for `user` this epoch.
  std::span<const index_t> cached_draws(index_t user) const noexcept {
    const auto u = static_cast<std::size_t>(user);
    return {cache_.data() + cache_offsets_[u], static_cast<std::size_t>(cache_offsets_[u + 1] - cache_offsets_[u])};
  }

  /// Fills `out` with k of the user's cached generator draws, weights 1/k.
  /// Call on_epoch_begin first.
  template <class M>
  void sample(const M& model, SampleContext& ctx, Negatives& out) const {
    if (!ready())
      throw InvalidArgument("irgan sampler: call on_epoch_begin(model, train, epoch, pool) before sample()");
    const std::size_t k = max_negatives();
    out.reserve(k);
    out.resize(k);
    out.scored = false;
    const bool known = ctx.user >= 0 && static_cast<std::size_t>(ctx.user) + 1 < cache_offsets_.size();
    const auto draws = known ? cached_draws(ctx.user) : std::span<const index_t>();
    for (index_t& item : out.items()) {
      if (draws.empty()) {  // a user without train items: uniform
        item = detail::draw_uniform(name(), ctx, model.n_items());
        continue;
      }
      item = detail::draw_admissible(name(), ctx, [&] { return draws[ctx.rng.below(draws.size())]; });
    }
    std::fill(out.weights().begin(), out.weights().end(), real{1} / static_cast<real>(k));
  }

 private:
  void init_generator(std::size_t n_users, std::size_t n_items) {
    users_ = RowMatrix(n_users, params_.dim);
    items_ = RowMatrix(n_items, params_.dim);
    bias_.assign(n_items, real(0));
    ids_.resize(n_items);
    std::iota(ids_.begin(), ids_.end(), index_t{0});
    RowMatrix* tables[] = {&users_, &items_};
    for (std::size_t t = 0; t < 2; ++t) {
      Rng rng(params_.seed, t);
      for (std::size_t r = 0; r < tables[t]->rows(); ++r)
        for (real& x : tables[t]->row(r)) x = static_cast<real>(params_.init_delta * (2 * rng.uniform() - 1));
    }
  }

  /// out[j] = g(user, j) for every item.
  void logits(index_t user, std::span<real> out) const noexcept {
    simd::gather_dot(users_.row_ptr(static_cast<std::size_t>(user)), items_, ids_, out);
    for (std::size_t j = 0; j < out.size(); ++j) out[j] += bias_[j];
  }

  /// Step 2: k |P_u| draws per user from softmax(g / tau) over the
  /// admissible items.
  void cache_draws(const Interactions& train, int epoch, ThreadPool& pool) {
    const std::size_t n = items_.rows();
    const auto k = static_cast<offset_t>(params_.k);
    cache_offsets_.resize(static_cast<std::size_t>(train.n_users()) + 1);
    for (std::size_t u = 0; u < cache_offsets_.size(); ++u) cache_offsets_[u] = k * train.offsets()[u];
    cache_.resize(static_cast<std::size_t>(cache_offsets_.back()));
    struct Scratch {
      std::vector<real> g;
      detail::BlockCumulative cumulative;
    };
    std::vector<Scratch> scratch(pool.size());
    for (Scratch& s : scratch) s.g.resize(n);
    const auto inv_tau = static_cast<real>(1.0 / params_.temperature);
    detail::for_each_user(pool, train.n_users(), [&](index_t u, std::size_t worker) {
      const auto uu = static_cast<std::size_t>(u);
      if (cache_offsets_[uu + 1] == cache_offsets_[uu]) return;
      Scratch& s = scratch[worker];
      logits(u, s.g);
      const auto seen = train.items_of(u);
      // Seen items get no mass (unless allowed); the largest admissible
      // logit is the shift, so the admissible masses cannot all underflow.
      if (!allow_seen_)
        for (index_t i : seen)
          if (static_cast<std::size_t>(i) < n) s.g[static_cast<std::size_t>(i)] = -std::numeric_limits<real>::infinity();
      const real top = *std::max_element(s.g.begin(), s.g.end());
      detail::exp_shifted(s.g, top, inv_tau, s.g);
      if (!allow_seen_)
        for (index_t i : seen)
          if (static_cast<std::size_t>(i) < n) s.g[static_cast<std::size_t>(i)] = 0;
      s.cumulative.build(s.g);
      Rng rng = detail::user_rng(params_.seed, epoch, u, 1);
      for (offset_t c = cache_offsets_[uu]; c < cache_offsets_[uu + 1]; ++c)
        cache_[static_cast<std::size_t>(c)] = static_cast<index_t>(s.cumulative.draw(rng));
    });
  }

  Params params_;
  bool allow_seen_ = false;
  RowMatrix users_;                    // generator user vectors a_u
  RowMatrix items_;                    // generator item vectors b_j
  std::vector<real> bias_;             // generator item biases c_j
  std::vector<index_t> ids_;           // 0 .. n_items - 1 (gather-dot over all items)
  std::vector<offset_t> cache_offsets_;  // n_users + 1
  std::vector<index_t> cache_;         // the epoch's draws, by user
};

}  // namespace hardneg
