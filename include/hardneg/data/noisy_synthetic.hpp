// Synthetic sparse, noisy, labelled feedback with known true preferences: the
// setting of inverse learning (Lin et al., "Inverse Learning with Extremely
// Sparse Feedback for Recommendation", WSDM 2024; spec/algorithms.md 3.12-3.13),
// where a few observed items carry explicit positive / negative labels, some
// of them wrong, and the unobserved items hide positives.
//
// Generative model, per user u (true relevance, then true labels, then what
// is observed):
//   - relevance r(u, i) = <p_u, q_i> / sqrt(dim) + item_bias_std * b_i with
//     p_u, q_i ~ N(0, I_dim) and b_i ~ N(0, 1) (a rank-dim model plus an item
//     popularity term);
//   - true labels: the P_u most relevant items of u are positive (ties by
//     item id), the rest negative, with
//         P_u = L_pos + round(hidden_positive_rate * (items - L)),
//         L = labelled_per_user,  L_pos = round(labelled_positive_share * L);
//   - observed (train) rows: L items, L_pos drawn uniformly from u's true
//     positives and L - L_pos from its true negatives; each observed label is
//     the true label flipped with probability label_noise (independently);
//   - unlabelled pool: every item u has no observed label. By construction
//     exactly P_u - L_pos = round(hidden_positive_rate * (items - L)) of its
//     items - L items are true positives (the rate is exact up to rounding);
//   - test rows: test_per_user items drawn uniformly from u's unlabelled
//     items, labelled with their TRUE labels (clean), so a model's AUC on them
//     measures how well it recovered the true preferences. Test items stay in
//     the unlabelled pool (training never sees their labels).
// round() is half away from zero (std::lround).
//
// Everything is drawn from hardneg::Rng streams derived from `seed` (one for
// the item factors, one per user): the same options give the same data on
// any machine. Memory: the true labels are stored densely (users x items
// bytes), which suits the small experiments this generator is for.
//
//   NoisySyntheticOptions::tiny()          200 users x 200 items, unit tests
//   NoisySyntheticOptions::reproduction()  2000 users x 1000 items
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "hardneg/core/error.hpp"
#include "hardneg/core/random.hpp"
#include "hardneg/core/types.hpp"
#include "hardneg/data/interactions.hpp"

namespace hardneg {

struct NoisySyntheticOptions {
  index_t users = 1000;
  index_t items = 1000;
  /// Rank of the true preference model.
  int dim = 8;
  /// Weight of the item popularity term in the true relevance (>= 0).
  double item_bias_std = 0.5;
  /// Observed (labelled) train items per user.
  index_t labelled_per_user = 10;
  /// Share of true positives among each user's observed items, before noise.
  double labelled_positive_share = 0.5;
  /// Probability that an observed label is flipped (0 .. 1).
  double label_noise = 0.2;
  /// Share of true positives among each user's unlabelled items (0 .. 1).
  double hidden_positive_rate = 0.2;
  /// Clean test rows per user, drawn from its unlabelled items.
  index_t test_per_user = 20;
  std::uint64_t seed = 1;

  /// A small case for unit tests: 200 users x 200 items, 10 labels and 20
  /// test rows per user.
  static NoisySyntheticOptions tiny(std::uint64_t seed = 1) {
    NoisySyntheticOptions o;
    o.users = 200;
    o.items = 200;
    o.seed = seed;
    return o;
  }
  /// A larger case for the reproduction: 2000 users x 1000 items.
  static NoisySyntheticOptions reproduction(std::uint64_t seed = 1) {
    NoisySyntheticOptions o;
    o.users = 2000;
    o.items = 1000;
    o.dim = 16;
    o.seed = seed;
    return o;
  }
};

/// The output of make_noisy_synthetic (see the header comment).
struct NoisySynthetic {
  /// Observed train rows: per user, its labelled items with the observed
  /// (noisy) labels 1 / 0.
  Interactions train;
  /// Clean test rows: per user, items of its unlabelled pool with their true
  /// labels 1 / 0.
  Interactions test;
  /// True labels of every (user, item): row-major, users x items, 1 / 0.
  std::vector<std::uint8_t> truth;

  index_t n_users() const noexcept { return train.n_users(); }
  index_t n_items() const noexcept { return train.n_items(); }

  /// The true label of (u, i).
  bool true_label(index_t u, index_t i) const noexcept {
    return truth[static_cast<std::size_t>(u) * static_cast<std::size_t>(n_items()) +
                 static_cast<std::size_t>(i)] != 0;
  }
  /// Whether (u, i) is in the unlabelled pool (u has no observed label on i).
  bool unlabelled(index_t u, index_t i) const noexcept { return !train.contains(u, i); }
  /// An item drawn uniformly from u's unlabelled pool (rejection sampling;
  /// the pool holds all but labelled_per_user items).
  index_t sample_unlabelled(index_t u, Rng& rng) const noexcept {
    for (;;) {
      const auto i = static_cast<index_t>(rng.below(static_cast<std::uint64_t>(n_items())));
      if (unlabelled(u, i)) return i;
    }
  }
  /// The train rows with their true labels instead of the observed ones (to
  /// measure the label noise).
  Interactions train_with_true_labels() const {
    std::vector<float> labels;
    labels.reserve(static_cast<std::size_t>(train.size()));
    for (index_t u = 0; u < n_users(); ++u)
      for (const index_t i : train.items_of(u)) labels.push_back(true_label(u, i) ? 1.0f : 0.0f);
    return Interactions(train.n_users(), train.n_items(), train.offsets(), train.items(),
                        std::move(labels));
  }
};

namespace detail::data {

inline constexpr std::uint64_t noisy_stream_items = 1;
inline constexpr std::uint64_t noisy_stream_users = std::uint64_t{1} << 40;

/// The per-user counts of the header comment.
struct NoisyCounts {
  index_t labelled, labelled_positive, hidden_positive, positive;
};

inline NoisyCounts noisy_counts(const NoisySyntheticOptions& o) {
  NoisyCounts c{};
  c.labelled = o.labelled_per_user;
  c.labelled_positive =
      static_cast<index_t>(std::lround(o.labelled_positive_share * static_cast<double>(o.labelled_per_user)));
  c.hidden_positive = static_cast<index_t>(
      std::lround(o.hidden_positive_rate * static_cast<double>(o.items - o.labelled_per_user)));
  c.positive = c.labelled_positive + c.hidden_positive;
  return c;
}

inline void check_noisy_synthetic(const NoisySyntheticOptions& o) {
  auto fail = [](const std::string& what) {
    throw InvalidArgument("make_noisy_synthetic: " + what);
  };
  auto in01 = [](double x) { return x >= 0.0 && x <= 1.0; };
  if (o.users < 1 || o.items < 1) fail("users and items must be at least 1");
  if (o.dim < 1) fail("dim must be at least 1, got " + std::to_string(o.dim));
  if (!(o.item_bias_std >= 0.0) || !std::isfinite(o.item_bias_std))
    fail("item_bias_std must be a finite number >= 0");
  if (o.labelled_per_user < 1) fail("labelled_per_user must be at least 1");
  if (o.test_per_user < 0) fail("test_per_user must be >= 0");
  if (static_cast<offset_t>(o.labelled_per_user) + o.test_per_user > o.items)
    fail("labelled_per_user + test_per_user (" +
         std::to_string(static_cast<offset_t>(o.labelled_per_user) + o.test_per_user) +
         ") must be at most items (" + std::to_string(o.items) + ")");
  if (!in01(o.labelled_positive_share)) fail("labelled_positive_share must be in [0, 1]");
  if (!in01(o.label_noise)) fail("label_noise must be in [0, 1]");
  if (!in01(o.hidden_positive_rate)) fail("hidden_positive_rate must be in [0, 1]");
}

/// Draws `count` distinct entries of `pool` into its first `count` places
/// (a partial Fisher-Yates shuffle).
inline void draw_prefix(std::vector<index_t>& pool, std::size_t count, Rng& rng) noexcept {
  for (std::size_t k = 0; k < count; ++k) {
    const std::size_t j = k + static_cast<std::size_t>(rng.below(pool.size() - k));
    std::swap(pool[k], pool[j]);
  }
}

}  // namespace detail::data

/// The noisy labelled data set of `options` (see the header comment).
inline NoisySynthetic make_noisy_synthetic(const NoisySyntheticOptions& options) {
  namespace dd = detail::data;
  dd::check_noisy_synthetic(options);
  const auto n_items = static_cast<std::size_t>(options.items);
  const auto n_users = static_cast<std::size_t>(options.users);
  const auto dim = static_cast<std::size_t>(options.dim);
  const dd::NoisyCounts counts = dd::noisy_counts(options);

  // Item factors and biases.
  std::vector<double> q(n_items * dim), bias(n_items);
  {
    Rng rng(options.seed, dd::noisy_stream_items);
    for (double& x : q) x = rng.normal();
    for (double& b : bias) b = options.item_bias_std * rng.normal();
  }
  const double scale = 1.0 / std::sqrt(static_cast<double>(dim));

  NoisySynthetic out;
  out.truth.assign(n_users * n_items, 0);
  std::vector<offset_t> train_off{0}, test_off{0};
  std::vector<index_t> train_items, test_items;
  std::vector<float> train_labels, test_labels;
  train_off.reserve(n_users + 1);
  test_off.reserve(n_users + 1);

  std::vector<double> p(dim), relevance(n_items);
  std::vector<index_t> order(n_items), positives, negatives, unlabelled;
  std::vector<std::pair<index_t, float>> row;
  for (std::size_t u = 0; u < n_users; ++u) {
    Rng rng(options.seed, dd::noisy_stream_users + u);
    for (double& x : p) x = rng.normal();
    for (std::size_t i = 0; i < n_items; ++i) {
      double dot = 0.0;
      for (std::size_t c = 0; c < dim; ++c) dot += p[c] * q[i * dim + c];
      relevance[i] = scale * dot + bias[i];
    }
    // True positives: the `positive` most relevant items (ties by id).
    std::iota(order.begin(), order.end(), index_t{0});
    const auto n_pos = static_cast<std::ptrdiff_t>(counts.positive);
    std::nth_element(order.begin(), order.begin() + n_pos, order.end(), [&](index_t a, index_t b) {
      const double ra = relevance[static_cast<std::size_t>(a)];
      const double rb = relevance[static_cast<std::size_t>(b)];
      return ra > rb || (ra == rb && a < b);
    });
    std::uint8_t* truth = out.truth.data() + u * n_items;
    for (std::ptrdiff_t k = 0; k < n_pos; ++k) truth[static_cast<std::size_t>(order[static_cast<std::size_t>(k)])] = 1;
    positives.assign(order.begin(), order.begin() + n_pos);
    negatives.assign(order.begin() + n_pos, order.end());
    // order[] from nth_element depends only on the data, but sort so that
    // the draws below do not depend on the library's nth_element.
    std::sort(positives.begin(), positives.end());
    std::sort(negatives.begin(), negatives.end());

    // Observed rows: L_pos true positives and L - L_pos true negatives, each
    // label flipped with probability label_noise.
    const auto l_pos = static_cast<std::size_t>(counts.labelled_positive);
    const auto l_neg = static_cast<std::size_t>(counts.labelled) - l_pos;
    dd::draw_prefix(positives, l_pos, rng);
    dd::draw_prefix(negatives, l_neg, rng);
    row.clear();
    for (std::size_t k = 0; k < l_pos; ++k) row.push_back({positives[k], 1.0f});
    for (std::size_t k = 0; k < l_neg; ++k) row.push_back({negatives[k], 0.0f});
    for (auto& [item, label] : row)
      if (rng.uniform() < options.label_noise) label = 1.0f - label;
    std::sort(row.begin(), row.end());
    for (const auto& [item, label] : row) {
      train_items.push_back(item);
      train_labels.push_back(label);
    }
    train_off.push_back(static_cast<offset_t>(train_items.size()));

    // Test rows: uniform over the unlabelled items, true labels.
    unlabelled.clear();
    {
      const auto labelled_end = train_items.end();
      const auto labelled_begin = labelled_end - static_cast<std::ptrdiff_t>(row.size());
      for (index_t i = 0; i < options.items; ++i)
        if (!std::binary_search(labelled_begin, labelled_end, i)) unlabelled.push_back(i);
    }
    const auto n_test = static_cast<std::size_t>(options.test_per_user);
    dd::draw_prefix(unlabelled, n_test, rng);
    std::sort(unlabelled.begin(), unlabelled.begin() + static_cast<std::ptrdiff_t>(n_test));
    for (std::size_t k = 0; k < n_test; ++k) {
      const index_t i = unlabelled[k];
      test_items.push_back(i);
      test_labels.push_back(truth[static_cast<std::size_t>(i)] ? 1.0f : 0.0f);
    }
    test_off.push_back(static_cast<offset_t>(test_items.size()));
  }
  out.train = Interactions(options.users, options.items, std::move(train_off), std::move(train_items),
                           std::move(train_labels));
  out.test = Interactions(options.users, options.items, std::move(test_off), std::move(test_items),
                          std::move(test_labels));
  return out;
}

}  // namespace hardneg
