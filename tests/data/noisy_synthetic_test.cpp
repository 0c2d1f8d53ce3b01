#include "hardneg/data/noisy_synthetic.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <vector>

using hardneg::index_t;
using hardneg::NoisySynthetic;
using hardneg::NoisySyntheticOptions;

TEST_CASE("make_noisy_synthetic: shapes, labels, disjoint train and test") {
  const NoisySyntheticOptions o = NoisySyntheticOptions::tiny(3);
  const NoisySynthetic d = make_noisy_synthetic(o);
  REQUIRE(d.n_users() == 200);
  REQUIRE(d.n_items() == 200);
  REQUIRE(d.test.n_users() == 200);
  REQUIRE(d.test.n_items() == 200);
  REQUIRE(d.truth.size() == 200u * 200u);
  REQUIRE(d.train.has_labels());
  REQUIRE(d.test.has_labels());
  CHECK(d.train.size() == 200 * o.labelled_per_user);
  CHECK(d.test.size() == 200 * o.test_per_user);
  for (index_t u = 0; u < d.n_users(); ++u) {
    CHECK(d.train.degree(u) == o.labelled_per_user);
    CHECK(d.test.degree(u) == o.test_per_user);
    for (const float l : d.train.labels_of(u)) CHECK((l == 0.0f || l == 1.0f));
    const auto items = d.test.items_of(u);
    const auto labels = d.test.labels_of(u);
    for (std::size_t k = 0; k < items.size(); ++k) {
      CHECK_FALSE(d.train.contains(u, items[k]));  // test rows come from the unlabelled pool
      CHECK(d.unlabelled(u, items[k]));
      CHECK(labels[k] == (d.true_label(u, items[k]) ? 1.0f : 0.0f));  // clean labels
    }
  }
}

TEST_CASE("make_noisy_synthetic: exact per-user counts of true positives") {
  // P_u = L_pos + round(h (items - L)); among the labelled items exactly
  // L_pos true positives; among the unlabelled ones exactly round(h (items - L)).
  for (const double h : {0.1, 0.2, 0.35}) {
    NoisySyntheticOptions o = NoisySyntheticOptions::tiny(5);
    o.hidden_positive_rate = h;
    o.labelled_positive_share = 0.6;  // 6 of 10
    const NoisySynthetic d = make_noisy_synthetic(o);
    const hardneg::Interactions clean = d.train_with_true_labels();
    const auto hidden = static_cast<int>(std::lround(h * (o.items - o.labelled_per_user)));
    for (index_t u = 0; u < d.n_users(); ++u) {
      int labelled_pos = 0, unlabelled_pos = 0;
      for (const float l : clean.labels_of(u)) labelled_pos += l == 1.0f;
      for (index_t i = 0; i < d.n_items(); ++i)
        if (d.unlabelled(u, i)) unlabelled_pos += d.true_label(u, i);
      CHECK(labelled_pos == 6);
      CHECK(unlabelled_pos == hidden);
      // The achieved hidden rate is within rounding of the asked one.
      CHECK(std::abs(unlabelled_pos / double(o.items - o.labelled_per_user) - h) <=
            0.5 / (o.items - o.labelled_per_user) + 1e-12);
    }
  }
}

TEST_CASE("make_noisy_synthetic: label noise and the test positive share match their rates") {
  // Flips are Bernoulli(label_noise) per observed label: n = 2000 labels,
  // sd = sqrt(p (1 - p) / n) = 0.0089 at p = 0.2; tolerance 4 sd.
  for (const double noise : {0.0, 0.2, 0.4}) {
    NoisySyntheticOptions o = NoisySyntheticOptions::tiny(11);
    o.label_noise = noise;
    const NoisySynthetic d = make_noisy_synthetic(o);
    const hardneg::Interactions clean = d.train_with_true_labels();
    const auto n = static_cast<double>(d.train.size());
    double flipped = 0;
    for (std::size_t k = 0; k < d.train.labels().size(); ++k)
      flipped += d.train.labels()[k] != clean.labels()[k];
    const double sd = std::sqrt(noise * (1 - noise) / n);
    CHECK(std::abs(flipped / n - noise) <= 4 * sd + 1e-12);
  }
  // Test rows are drawn uniformly (without replacement) from pools whose
  // positive share is exactly h up to rounding: the pooled share has sd at
  // most sqrt(h (1 - h) / n) = 0.0063 for n = 4000 rows; tolerance 4 sd.
  NoisySyntheticOptions o = NoisySyntheticOptions::tiny(12);
  o.hidden_positive_rate = 0.2;
  const NoisySynthetic d = make_noisy_synthetic(o);
  double pos = 0;
  for (const float l : d.test.labels()) pos += l;
  const auto n = static_cast<double>(d.test.size());
  const double pool_rate = std::lround(0.2 * 190) / 190.0;
  CHECK(std::abs(pos / n - pool_rate) <= 4 * std::sqrt(0.2 * 0.8 / n));
}

TEST_CASE("make_noisy_synthetic: preferences are shared structure, not noise") {
  // With a strong item term, items differ a lot in how many users like them;
  // with item_bias_std = 0 and dim 8 much less so. Both differ from a random
  // labelling, whose per-item positive counts are binomial (sd ~ 5.7 here).
  auto item_count_sd = [](double bias) {
    NoisySyntheticOptions o = NoisySyntheticOptions::tiny(2);
    o.item_bias_std = bias;
    const NoisySynthetic d = make_noisy_synthetic(o);
    std::vector<double> count(static_cast<std::size_t>(d.n_items()), 0.0);
    for (index_t u = 0; u < d.n_users(); ++u)
      for (index_t i = 0; i < d.n_items(); ++i) count[static_cast<std::size_t>(i)] += d.true_label(u, i);
    double mean = 0, var = 0;
    for (const double c : count) mean += c / count.size();
    for (const double c : count) var += (c - mean) * (c - mean) / count.size();
    return std::sqrt(var);
  };
  const double strong = item_count_sd(2.0), none = item_count_sd(0.0);
  CHECK(strong > 2 * none);
  CHECK(none > 2 * 5.7);
}

TEST_CASE("make_noisy_synthetic: deterministic by seed") {
  const NoisySynthetic a = make_noisy_synthetic(NoisySyntheticOptions::tiny(4));
  const NoisySynthetic b = make_noisy_synthetic(NoisySyntheticOptions::tiny(4));
  const NoisySynthetic c = make_noisy_synthetic(NoisySyntheticOptions::tiny(5));
  CHECK(a.train == b.train);
  CHECK(a.test == b.test);
  CHECK(a.truth == b.truth);
  CHECK_FALSE(a.train == c.train);
  CHECK_FALSE(a.truth == c.truth);
}

TEST_CASE("NoisySynthetic::sample_unlabelled is uniform over the unlabelled pool") {
  const NoisySynthetic d = make_noisy_synthetic(NoisySyntheticOptions::tiny(6));
  hardneg::Rng rng(9, 0);
  const index_t u = 17;
  std::vector<int> count(static_cast<std::size_t>(d.n_items()), 0);
  const int draws = 19000;  // 100 per unlabelled item (190 of them)
  for (int k = 0; k < draws; ++k) ++count[static_cast<std::size_t>(d.sample_unlabelled(u, rng))];
  for (index_t i = 0; i < d.n_items(); ++i) {
    if (d.train.contains(u, i)) {
      CHECK(count[static_cast<std::size_t>(i)] == 0);
    } else {
      // Binomial(19000, 1/190): mean 100, sd 9.97; 5 sd either side.
      CHECK(count[static_cast<std::size_t>(i)] >= 50);
      CHECK(count[static_cast<std::size_t>(i)] <= 150);
    }
  }
}

TEST_CASE("make_noisy_synthetic: the reproduction case and invalid options") {
  const NoisySynthetic big = make_noisy_synthetic(NoisySyntheticOptions::reproduction(1));
  CHECK(big.n_users() == 2000);
  CHECK(big.n_items() == 1000);
  CHECK(big.train.size() == 2000 * 10);

  NoisySyntheticOptions o = NoisySyntheticOptions::tiny();
  o.labelled_per_user = 190;
  o.test_per_user = 20;
  CHECK_THROWS_AS(make_noisy_synthetic(o), hardneg::InvalidArgument);
  o = NoisySyntheticOptions::tiny();
  o.label_noise = 1.5;
  CHECK_THROWS_AS(make_noisy_synthetic(o), hardneg::InvalidArgument);
  o = NoisySyntheticOptions::tiny();
  o.hidden_positive_rate = -0.1;
  CHECK_THROWS_AS(make_noisy_synthetic(o), hardneg::InvalidArgument);
  o = NoisySyntheticOptions::tiny();
  o.dim = 0;
  CHECK_THROWS_AS(make_noisy_synthetic(o), hardneg::InvalidArgument);
}
