// Hardness orderings of the hard samplers (spec/theory.md, "Sampling
// distribution"): for a fixed trained-like model (random MF with a large
// init_std, so scores spread) and one (user, positive) pair, the expected
// weight mass a sampler puts on the top 10 % scored negatives of the pair
//   * grows as M decreases in DNS(M, N),
//   * grows as N increases in DNS(M, N),
//   * grows as rho increases in Softmax-v(rho, N),
//   * grows as tau decreases in Softmax(tau, N).
// Each mass is a mean over `calls` independent sample() calls (fixed seeds);
// an ordering a < b is accepted when b - a exceeds 6 standard errors of the
// difference, so a wrong ordering cannot pass by chance. For DNS the mass
// is also compared with its exact value, (1/M) sum_t P(Bin(N, 0.1') >= t),
// 0.1' = (top-10 % size) / (number of negatives).
//
// The end of the file runs every hard sampler through the Trainer with every
// loss (BPR, BCE, CCE, hinge, MSE), excluding and allowing seen items.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "hardneg/losses/bce.hpp"
#include "hardneg/losses/bpr.hpp"
#include "hardneg/losses/cce.hpp"
#include "hardneg/losses/hinge.hpp"
#include "hardneg/losses/mse.hpp"
#include "hardneg/models/mf.hpp"
#include "hardneg/optim/sgd.hpp"
#include "hardneg/samplers/dns.hpp"
#include "hardneg/samplers/softmax.hpp"
#include "hardneg/samplers/softmax_v.hpp"
#include "hardneg/train/trainer.hpp"

namespace {

using hardneg::index_t;
using hardneg::real;

struct Mass {
  double mean, standard_error;
};

// The setting: 2,000 items, user 0 has seen 60 of them, positive = one seen.
struct Setting {
  hardneg::MF model{1, 2000, {.dim = 32, .init_std = 0.5, .seed = 21}};
  std::vector<index_t> seen;
  index_t positive;
  std::vector<char> top;  // top[j]: j is among the top 10 % scored negatives
  std::size_t n_negatives = 0, n_top = 0;

  Setting() {
    for (index_t i = 7; i < 2000; i += 33) seen.push_back(i);
    positive = seen[5];
    std::vector<std::pair<real, index_t>> negs;
    for (index_t j = 0; j < 2000; ++j)
      if (!std::binary_search(seen.begin(), seen.end(), j)) negs.emplace_back(model.score(0, j), j);
    std::sort(negs.begin(), negs.end(), [](auto a, auto b) { return a.first > b.first; });
    n_negatives = negs.size();
    n_top = (n_negatives + 9) / 10;  // 10 %, rounded up
    top.assign(2000, 0);
    for (std::size_t r = 0; r < n_top; ++r) top[static_cast<std::size_t>(negs[r].second)] = 1;
  }

  template <class S>
  Mass mass(const S& sampler, std::size_t calls, std::uint64_t seed) const {
    hardneg::Rng rng(seed);
    hardneg::SamplerWorkspace ws;
    hardneg::Negatives out(sampler.max_negatives());
    hardneg::SampleContext ctx{0, positive, model.score(0, positive), seen, false, rng, ws};
    double sum = 0, sum_sq = 0;
    for (std::size_t c = 0; c < calls; ++c) {
      sampler.sample(model, ctx, out);
      double m = 0;
      for (std::size_t j = 0; j < out.size(); ++j)
        m += top[static_cast<std::size_t>(out.items()[j])] ? out.weights()[j] : 0;
      sum += m;
      sum_sq += m * m;
    }
    const double n = static_cast<double>(calls);
    const double mean = sum / n;
    const double var = std::max(0.0, (sum_sq - n * mean * mean) / (n - 1));
    return {mean, std::sqrt(var / n)};
  }
};

const Setting& setting() {
  static const Setting s;
  return s;
}

// a is clearly below b.
void check_harder(const Mass& a, const Mass& b) {
  const double se = std::sqrt(a.standard_error * a.standard_error + b.standard_error * b.standard_error);
  INFO("mass " << a.mean << " (se " << a.standard_error << ") should be below " << b.mean << " (se "
               << b.standard_error << ")");
  CHECK(b.mean - a.mean > 6 * se);
}

// Exact expected top-10 % mass of DNS(M, N): (1/M) sum_{t=1}^{M} P(Bin(N, q) >= t).
double dns_exact_mass(int m, int n, double q) {
  double total = 0;
  for (int t = 1; t <= m; ++t) {
    double below = 0;
    for (int i = 0; i < t; ++i)
      below += std::exp(std::lgamma(n + 1.0) - std::lgamma(i + 1.0) - std::lgamma(n - i + 1.0) +
                        i * std::log(q) + (n - i) * std::log1p(-q));
    total += 1 - below;
  }
  return total / m;
}

}  // namespace

TEST_CASE("DNS(M, N) is harder for smaller M and larger N", "[samplers][hardness]") {
  const Setting& s = setting();
  const double q = static_cast<double>(s.n_top) / static_cast<double>(s.n_negatives);
  const std::size_t calls = 4000;
  const Mass m1 = s.mass(hardneg::DNS<>({.m = 1, .n = 50}), calls, 1);
  const Mass m5 = s.mass(hardneg::DNS<>({.m = 5, .n = 50}), calls, 2);
  const Mass m20 = s.mass(hardneg::DNS<>({.m = 20, .n = 50}), calls, 3);
  check_harder(m20, m5);
  check_harder(m5, m1);

  const Mass n20 = s.mass(hardneg::DNS<>({.m = 5, .n = 20}), calls, 4);
  const Mass n200 = s.mass(hardneg::DNS<>({.m = 5, .n = 200}), calls, 5);
  check_harder(n20, m5);
  check_harder(m5, n200);

  // Each against its exact value (6 standard errors).
  struct Row {
    Mass mass;
    int m, n;
  };
  for (const Row& r : {Row{m1, 1, 50}, Row{m5, 5, 50}, Row{m20, 20, 50}, Row{n20, 5, 20}, Row{n200, 5, 200}}) {
    const double exact = dns_exact_mass(r.m, r.n, q);
    CAPTURE(r.m, r.n, r.mass.mean, exact);
    // (a floor of 1/calls for the standard error: a mass of 1 in every call has se 0)
    CHECK(std::abs(r.mass.mean - exact) <= 6 * std::max(r.mass.standard_error, 1.0 / calls));
  }
}

TEST_CASE("Softmax-v(rho, N) is harder for larger rho", "[samplers][hardness]") {
  const Setting& s = setting();
  const std::size_t calls = 3000;
  const Mass r01 = s.mass(hardneg::SoftmaxV<>({.rho = 0.1}), calls, 6);
  const Mass r1 = s.mass(hardneg::SoftmaxV<>({.rho = 1}), calls, 7);
  const Mass r10 = s.mass(hardneg::SoftmaxV<>({.rho = 10}), calls, 8);
  check_harder(r01, r1);
  check_harder(r1, r10);
  // Uniform weights would put about 10 % on the top 10 %.
  CHECK(r01.mean > 0.1);
}

TEST_CASE("Softmax(tau, N) is harder for smaller tau", "[samplers][hardness]") {
  const Setting& s = setting();
  const std::size_t calls = 3000;
  const Mass t10 = s.mass(hardneg::Softmax<>({.tau = 10}), calls, 9);
  const Mass t1 = s.mass(hardneg::Softmax<>({.tau = 1}), calls, 10);
  const Mass t01 = s.mass(hardneg::Softmax<>({.tau = 0.1}), calls, 11);
  check_harder(t10, t1);
  check_harder(t1, t01);
}

// ------------------------------------------------------- with the trainer ----

namespace {

// 40 users x 120 items; user u has seen 3 + (u mod 9) items.
hardneg::Interactions small_train() {
  std::vector<hardneg::Pair> pairs;
  hardneg::Rng rng(4);
  for (index_t u = 0; u < 40; ++u)
    for (int d = 0; d < 3 + u % 9; ++d) pairs.push_back({u, static_cast<index_t>(rng.below(120))});
  return hardneg::Interactions::from_pairs(40, 120, pairs);
}

template <class S, class L>
void train_once(const S& sampler, bool allow_seen) {
  const auto train = small_train();
  hardneg::MF model(40, 120, {.dim = 8, .seed = 2});
  hardneg::Trainer<hardneg::MF, S, L, hardneg::SGD> trainer(
      model, {.batch = 64, .epochs = 2, .threads = 2, .seed = 3, .allow_seen = allow_seen}, sampler, L{},
      hardneg::SGD({.lr = 0.05}));
  const auto ctx = trainer.fit(train);
  CHECK(std::isfinite(ctx.loss));
  CHECK(ctx.loss > 0);
  for (const auto& table : model.parameters())
    for (std::size_t r = 0; r < table.rows(); ++r)
      for (real x : table.row(r)) REQUIRE(std::isfinite(x));
}

template <class L>
void train_all_samplers(bool allow_seen) {
  train_once<hardneg::DNS<>, L>(hardneg::DNS<>({.m = 3, .n = 20}), allow_seen);
  train_once<hardneg::DNS<>, L>(hardneg::DNS<>({.m = 2, .n = 10, .k = 2, .scale = hardneg::DNSScale::sum}),
                                allow_seen);
  train_once<hardneg::Softmax<>, L>(hardneg::Softmax<>({.tau = 0.5, .n = 16}), allow_seen);
  train_once<hardneg::SoftmaxV<>, L>(hardneg::SoftmaxV<>({.rho = 1, .n = 16}), allow_seen);
}

}  // namespace

TEST_CASE("the hard samplers train with every loss", "[samplers][hardness][trainer]") {
  for (const bool allow_seen : {false, true}) {
    CAPTURE(allow_seen);
    train_all_samplers<hardneg::BPR>(allow_seen);
    train_all_samplers<hardneg::BCE>(allow_seen);
    train_all_samplers<hardneg::CCE>(allow_seen);
    train_all_samplers<hardneg::Hinge>(allow_seen);
    train_all_samplers<hardneg::MSE>(allow_seen);
  }
}
