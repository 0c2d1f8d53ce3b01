// Tests of models/simplex.hpp: the Model concept; backward through the whole
// user tower (both aggregations, with and without dropout, BPR and CCE with
// several negatives) against double central differences of a double
// reference of the model; the block scorer against score(); the tower cache
// against recomputation; the model-file round trip; learning on synthetic
// data (beats the popularity ranking) and training determinism at 2 threads.
#include "hardneg/models/simplex.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <numeric>
#include <vector>

#include "hardneg/core/concepts.hpp"
#include "hardneg/data/synthetic.hpp"
#include "hardneg/eval/evaluator.hpp"
#include "hardneg/eval/popularity_scorer.hpp"
#include "hardneg/losses/bpr.hpp"
#include "hardneg/losses/cce.hpp"
#include "hardneg/optim/adam.hpp"
#include "hardneg/samplers/uniform.hpp"
#include "hardneg/train/trainer.hpp"

namespace {

using hardneg::index_t;
using hardneg::Interactions;
using hardneg::real;
using hardneg::SimpleX;
using Agg = SimpleX::Aggregation;
using History = SimpleX::HistoryEmbedding;

static_assert(hardneg::Model<SimpleX>);

// 4 users x 10 items; user 2 has no history.
Interactions small_history() {
  const std::vector<hardneg::Pair> pairs{{0, 1}, {0, 2}, {0, 5}, {1, 0}, {1, 3}, {1, 4},
                                         {1, 6}, {1, 9}, {3, 7}};
  return Interactions::from_pairs(4, 10, pairs);
}

// SimpleX in double: the parameters row-major without padding, and the
// forward pass written out directly from the formulas.
struct DoubleSimpleX {
  std::size_t d;
  double g;
  bool attention;
  std::size_t history_table;
  std::size_t pad_length;
  const Interactions* history;
  std::vector<std::vector<double>> tables;

  explicit DoubleSimpleX(const SimpleX& m)
      : d(m.dim()),
        g(m.g()),
        attention(m.aggregation() == Agg::user_attention),
        history_table(m.history_table()),
        pad_length(m.pad_length()),
        history(&m.history()) {
    for (const hardneg::RowMatrix& t : m.parameters()) {
      std::vector<double> v;
      for (std::size_t r = 0; r < t.rows(); ++r)
        for (real x : t.row(r)) v.push_back(x);
      tables.push_back(std::move(v));
    }
  }
  const double* row(std::size_t t, std::size_t r) const { return tables[t].data() + r * d; }

  // The user vector after normalisation and the dropout scaling, with
  // `left_out` (if in the history) left out of it.
  std::vector<double> user_vector(index_t u, const std::vector<real>& scale, index_t left_out = -1) const {
    const double* e = row(SimpleX::user_table, std::size_t(u));
    std::vector<double> x(d), agg(d, 0.0);
    for (std::size_t c = 0; c < d; ++c) x[c] = g * e[c];
    std::vector<index_t> hist;
    for (index_t i : history->items_of(u))
      if (i != left_out) hist.push_back(i);
    if (g < 1 && !hist.empty()) {
      if (attention) {
        std::vector<double> logits;
        for (index_t i : hist) {
          const double* h = row(history_table, std::size_t(i));
          double logit = 0;
          for (std::size_t r = 0; r < d; ++r) {
            double pre = row(SimpleX::key_bias_table, 0)[r];
            for (std::size_t c = 0; c < d; ++c) pre += row(SimpleX::key_table, r)[c] * h[c];
            logit += std::tanh(pre) * e[r];
          }
          logits.push_back(logit);
        }
        double z = pad_length > hist.size() ? double(pad_length - hist.size()) : 0.0;  // e^0 per padding slot
        for (double l : logits) z += std::exp(l);
        for (std::size_t s = 0; s < hist.size(); ++s)
          for (std::size_t c = 0; c < d; ++c)
            agg[c] += std::exp(logits[s]) / z * row(history_table, std::size_t(hist[s]))[c];
      } else {
        for (index_t i : hist)
          for (std::size_t c = 0; c < d; ++c) agg[c] += row(history_table, std::size_t(i))[c] / double(hist.size());
      }
      for (std::size_t r = 0; r < d; ++r) {
        double z = 0;
        for (std::size_t c = 0; c < d; ++c) z += row(SimpleX::value_table, r)[c] * agg[c];
        x[r] += (1 - g) * z;
      }
    }
    double n = 0;
    for (double v : x) n += v * v;
    n = std::max(std::sqrt(n), 1e-12);
    for (std::size_t c = 0; c < d; ++c) x[c] = x[c] / n * (scale.empty() ? 1.0 : scale[c]);
    return x;
  }
  std::vector<double> scores(index_t u, const std::vector<index_t>& items, const std::vector<real>& scale,
                             index_t left_out = -1) const {
    const auto v = user_vector(u, scale, left_out);
    std::vector<double> out;
    for (index_t i : items) {
      const double* q = row(SimpleX::item_table, std::size_t(i));
      double dot = 0, n = 0;
      for (std::size_t c = 0; c < d; ++c) dot += v[c] * q[c], n += q[c] * q[c];
      out.push_back(dot / std::max(std::sqrt(n), 1e-12));
    }
    return out;
  }
};

// One row of a loss: the user, items[0] the positive, the rest negatives of
// equal weight; BPR or CCE evaluated in double.
struct Row {
  index_t user;
  std::vector<index_t> items;
};

template <class L>
double row_loss(const L& loss, const std::vector<double>& s, std::vector<double>* d = nullptr) {
  const std::size_t n = s.size() - 1;
  const std::vector<double> w(n, 1.0 / double(n));
  std::vector<double> d_neg(n);
  double d_pos = 0;
  const double value = loss.template evaluate_as<double>(s[0], std::span<const double>(s).subspan(1), w, d_pos, d_neg);
  if (d) {
    d->assign(1, d_pos);
    d->insert(d->end(), d_neg.begin(), d_neg.end());
  }
  return value;
}

// backward() of the rows' summed loss against double central differences over
// every parameter of every table; untouched rows must have a zero gradient.
// With `announce`, each row is announced (begin_row) as the trainer does, and
// the reference leaves the row's positive out of the history.
template <class L>
void check_gradient(const SimpleX& m, const L& loss, const std::vector<Row>& rows, std::uint64_t batch_seed,
                    bool announce = false) {
  DoubleSimpleX ref(m);
  const auto scale_of = [&](index_t u) {
    std::vector<real> s;
    if (m.training() && m.dropout() > 0) {
      s.resize(m.dim());
      hardneg::detail::dropout_scale(batch_seed, u, m.dropout(), m.dim(), s.data());
    }
    return s;
  };
  const auto total = [&](const DoubleSimpleX& r) {
    double l = 0;
    for (const Row& row : rows)
      l += row_loss(loss, r.scores(row.user, row.items, scale_of(row.user), announce ? row.items[0] : -1));
    return l;
  };
  hardneg::GradientAccumulator grad;
  grad.shape(m.parameters(), 32);
  for (const Row& row : rows) {
    const auto s = ref.scores(row.user, row.items, scale_of(row.user), announce ? row.items[0] : -1);
    std::vector<real> out(row.items.size());
    if (announce) m.begin_row(row.user, row.items[0]);
    m.score_items(row.user, row.items, out);
    for (std::size_t k = 0; k < out.size(); ++k) CHECK(std::abs(out[k] - s[k]) <= 1e-5);
    std::vector<double> d;
    row_loss(loss, s, &d);
    std::vector<real> df(d.begin(), d.end());
    m.backward(row.user, row.items, df, grad);
  }
  const double h = 1e-6;
  double worst = 0;
  for (std::size_t t = 0; t < ref.tables.size(); ++t)
    for (std::size_t at = 0; at < ref.tables[t].size(); ++at) {
      double& x = ref.tables[t][at];
      const double old = x;
      x = old + h;
      const double lp = total(ref);
      x = old - h;
      const double lm = total(ref);
      x = old;
      const double fd = (lp - lm) / (2 * h);
      const real* g = grad.table(t).find(static_cast<index_t>(at / ref.d));
      const double got = g ? g[at % ref.d] : 0.0;
      worst = std::max(worst, std::abs(got - fd) / (1 + std::abs(fd)));
      INFO("table " << t << " row " << at / ref.d << " col " << at % ref.d << ": backward " << got << ", fd " << fd);
      CHECK(std::abs(got - fd) <= 2e-4 * (1 + std::abs(fd)));
    }
  INFO("largest relative difference " << worst);
  CHECK(worst < 2e-4);
}

// A model with every parameter of order 1 (b too), so every path matters.
SimpleX test_model(const Interactions& history, Agg agg, double dropout, std::size_t dim = 6,
                   History own = History::own, std::size_t pad_length = 0) {
  SimpleX m(4, 10, history,
            {.dim = dim, .g = 0.6, .aggregation = agg, .dropout = dropout, .history = own,
             .pad_length = pad_length, .init_std = 0.5, .seed = 3});
  if (agg == Agg::user_attention) {
    hardneg::Rng rng(11);
    for (real& x : m.parameters()[SimpleX::key_bias_table].row(0)) x = static_cast<real>(0.3 * rng.normal());
  }
  return m;
}

}  // namespace

TEST_CASE("SimpleX backward matches double central differences through the tower", "[models][simplex]") {
  const Interactions history = small_history();
  const Agg agg = GENERATE(Agg::mean, Agg::user_attention);
  const bool training = GENERATE(false, true);
  const History own = GENERATE(History::own, History::shared);
  const std::size_t pad = GENERATE(0u, 9u);
  SimpleX m = test_model(history, agg, 0.3, 6, own, pad);
  const std::uint64_t seed = 77;
  if (training) {
    m.set_training(true);
    m.begin_batch(seed);
  }
  INFO("aggregation " << SimpleX::aggregation_name(agg) << ", training " << training << ", history "
                      << SimpleX::history_embedding_name(own) << ", pad_length " << pad);
  REQUIRE(m.parameters().size() == (agg == Agg::mean ? 3u : 5u) + (own == History::own ? 1u : 0u));
  REQUIRE(m.history_table() == (own == History::own ? m.parameters().size() - 1 : SimpleX::item_table));
  SECTION("BPR, one negative per row") {
    check_gradient(m, hardneg::BPR(), {{0, {1, 8}}, {1, {9, 2}}, {2, {4, 5}}, {3, {7, 1}}}, seed);
  }
  SECTION("CCE with several negatives (a repeated one, history items among them)") {
    check_gradient(m, hardneg::CCE(), {{0, {2, 8, 5, 8, 0}}, {1, {3, 1, 9, 7, 2}}, {2, {4, 5, 6, 5}}}, seed);
  }
}

TEST_CASE("SimpleX training rows leave their positive out of the history", "[models][simplex]") {
  const Interactions history = small_history();
  const Agg agg = GENERATE(Agg::mean, Agg::user_attention);
  const std::size_t pad = GENERATE(0u, 9u);
  SimpleX m = test_model(history, agg, 0.3, 6, History::own, pad);
  const std::uint64_t seed = 91;
  m.set_training(true);
  m.begin_batch(seed);
  INFO("aggregation " << SimpleX::aggregation_name(agg) << ", pad_length " << pad);
  // Gradients: user 3's only history item is its positive (an empty history
  // is left), user 2 has none, users 0 and 1 lose one of several.
  SECTION("BPR") {
    check_gradient(m, hardneg::BPR(), {{0, {1, 8}}, {1, {9, 2}}, {2, {4, 5}}, {3, {7, 1}}}, seed, true);
  }
  SECTION("CCE, a user's rows interleaved") {
    check_gradient(m, hardneg::CCE(), {{0, {2, 8, 5, 8, 0}}, {1, {3, 1, 9, 7, 2}}, {0, {5, 1, 3}}}, seed, true);
  }
  SECTION("only the announced user, batch and training mode are affected") {
    const DoubleSimpleX ref(m);
    std::vector<real> scale(m.dim());
    const auto scores_of = [&](index_t u) {
      std::vector<real> out(10);
      const std::vector<index_t> items{0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
      m.score_items(u, items, out);
      return out;
    };
    hardneg::detail::dropout_scale(seed, 0, m.dropout(), m.dim(), scale.data());
    m.begin_row(0, 5);
    const auto left = scores_of(0);
    const auto want = ref.scores(0, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, scale, 5);
    for (std::size_t i = 0; i < 10; ++i) CHECK(std::abs(left[i] - want[i]) <= 1e-5);
    const auto full = ref.scores(0, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, scale);
    m.begin_row(1, 9);  // another user's row: user 0 has its full history again
    const auto other = scores_of(0);
    for (std::size_t i = 0; i < 10; ++i) CHECK(std::abs(other[i] - full[i]) <= 1e-5);
    CHECK_FALSE(left == other);
    m.begin_row(0, 5);
    m.begin_batch(seed + 1);  // a new batch forgets the announcement
    hardneg::detail::dropout_scale(seed + 1, 0, m.dropout(), m.dim(), scale.data());
    const auto next = scores_of(0);
    const auto next_full = ref.scores(0, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, scale);
    for (std::size_t i = 0; i < 10; ++i) CHECK(std::abs(next[i] - next_full[i]) <= 1e-5);
    m.begin_row(0, 5);
    m.set_leave_target_out(false);  // switched off: the full history
    const auto kept = scores_of(0);
    for (std::size_t i = 0; i < 10; ++i) CHECK(std::abs(kept[i] - next_full[i]) <= 1e-5);
  }
}

TEST_CASE("SimpleX with g = 1 is cosine MF on e_u and touches no aggregation rows", "[models][simplex]") {
  const Interactions history = small_history();
  SimpleX m(4, 10, history, {.dim = 5, .g = 1, .aggregation = Agg::user_attention, .init_std = 0.5});
  hardneg::GradientAccumulator grad;
  grad.shape(m.parameters());
  const std::vector<index_t> items{1, 3};
  const std::vector<real> d{-1, 1};
  m.backward(1, items, d, grad);
  CHECK(grad.table(SimpleX::value_table).size() == 0);
  CHECK(grad.table(SimpleX::key_table).size() == 0);
  CHECK(grad.table(SimpleX::key_bias_table).size() == 0);
  CHECK(grad.table(SimpleX::item_table).size() == 2);
  const hardneg::MF mf(m.user_embeddings(), m.item_embeddings(), {.cosine = true});
  for (index_t u = 0; u < 4; ++u)
    for (index_t i = 0; i < 10; ++i) CHECK(m.score(u, i) == Approx(mf.score(u, i)).margin(1e-6));
}

TEST_CASE("SimpleX block scorer equals score, towers are unit vectors", "[models][simplex]") {
  const Interactions history = small_history();
  const Agg agg = GENERATE(Agg::mean, Agg::user_attention);
  const SimpleX m = test_model(history, agg, 0.2, 20);
  const auto scorer = m.block_scorer();
  hardneg::ThreadPool pool(2);
  const auto pooled = m.block_scorer(&pool);
  std::vector<index_t> users(4);
  std::iota(users.begin(), users.end(), 0);
  std::vector<real> block(4 * 10), block2(4 * 10);
  scorer.score_block(users, block.data(), 10);
  pooled.score_block(users, block2.data(), 10);
  CHECK(block == block2);
  for (index_t u = 0; u < 4; ++u) {
    const auto x = m.user_tower(u);
    double n = 0;
    for (real v : x) n += double(v) * v;
    CHECK(std::sqrt(n) == Approx(1).margin(1e-6));
    for (index_t i = 0; i < 10; ++i) {
      CHECK(std::abs(block[std::size_t(u) * 10 + std::size_t(i)] - m.score(u, i)) <= 1e-5);
      CHECK(std::abs(m.score(u, i)) <= 1 + 1e-6);
    }
  }
  // recommend() ranks by the same scores and skips seen items.
  const auto rec = m.recommend(1, 3, history);
  REQUIRE(rec.size() == 3);
  for (const auto& r : rec) CHECK_FALSE(history.contains(1, r.item));
  CHECK(rec[0].score >= rec[1].score);
}

TEST_CASE("SimpleX reuses towers within a batch with bit-identical results", "[models][simplex]") {
  const Interactions history = small_history();
  SimpleX m = test_model(history, Agg::user_attention, 0.3, 16);
  m.set_training(true);
  m.begin_batch(5);
  const std::vector<index_t> items{0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  std::vector<real> cached(10), again(10), fresh(10);
  // Interleave users so that every tower is computed, cached and reused.
  for (index_t u : {0, 1, 3, 0, 1, 3}) m.score_items(u, items, cached);
  m.score_items(1, items, again);
  (void)m.parameters();  // a mutable access ends reuse: recomputed now
  m.score_items(1, items, fresh);
  CHECK(again == fresh);
  // Changing a parameter after the mutable access is seen.
  m.parameters()[SimpleX::value_table](0, 0) += 1.0f;
  m.score_items(1, items, fresh);
  CHECK_FALSE(again == fresh);
  // Outside training there is no dropout: scores equal the block scorer's.
  m.set_training(false);
  std::vector<real> eval(10), block(10);
  m.score_items(1, items, eval);
  const index_t user = 1;
  m.block_scorer().score_block(std::span<const index_t>(&user, 1), block.data(), 10);
  for (std::size_t i = 0; i < 10; ++i) CHECK(std::abs(eval[i] - block[i]) <= 1e-5);
}

TEST_CASE("SimpleX survives save and load with its settings", "[models][simplex][io]") {
  const auto dir = std::filesystem::temp_directory_path() / "hardneg_simplex_test";
  std::filesystem::create_directories(dir);
  const Interactions history = small_history();
  const Agg agg = GENERATE(Agg::mean, Agg::user_attention);
  const History own = GENERATE(History::own, History::shared);
  const SimpleX m(4, 10, history,
                  {.dim = 7, .g = 0.7, .aggregation = agg, .dropout = 0.25, .history = own, .pad_length = 6,
                   .init_std = 0.3});
  hardneg::save_model(dir / "m", m, {{"loss", "ccl"}});
  hardneg::Metadata meta;
  const SimpleX back = hardneg::load_simplex(dir / "m", history, &meta);
  CHECK(meta.at("loss") == "ccl");
  CHECK(back.g() == 0.7);
  CHECK(back.dropout() == 0.25);
  CHECK(back.aggregation() == agg);
  CHECK(back.history_embedding() == own);
  CHECK(back.pad_length() == 6);
  REQUIRE(back.parameters().size() == m.parameters().size());
  for (std::size_t t = 0; t < m.parameters().size(); ++t) CHECK(back.parameters()[t] == m.parameters()[t]);
  for (index_t u = 0; u < 4; ++u)
    for (index_t i = 0; i < 10; ++i) CHECK(back.score(u, i) == m.score(u, i));

  // Damaged settings are rejected with the file's name.
  auto tables = hardneg::load_model_file(dir / "m").tables;
  const std::pair<std::string, std::string> said{"simplex.history", SimpleX::history_embedding_name(own)};
  CHECK_THROWS_WITH(SimpleX::from_tables(tables, {said}, history), Catch::Contains("simplex.g"));
  CHECK_THROWS_WITH(SimpleX::from_tables(tables, {{"simplex.g", "0.5"}, {"simplex.x", "1"}, said}, history),
                    Catch::Contains("unknown model setting"));
  const char* other = agg == Agg::mean ? "user_attention" : "mean";
  CHECK_THROWS_WITH(
      SimpleX::from_tables(tables, {{"simplex.g", "0.5"}, {"simplex.aggregation", other}, said}, history),
      Catch::Contains("aggregation"));
  const Interactions bigger = history.resized(4, 11);
  CHECK_THROWS_WITH(SimpleX::from_tables(tables, {{"simplex.g", "0.5"}, said}, bigger),
                    Catch::Contains("history"));
  CHECK_THROWS_WITH(SimpleX::from_tables(tables, {{"simplex.g", "0.5"}, {"simplex.history", "other"}}, history),
                    Catch::Contains("history embedding"));
  CHECK_THROWS_WITH(SimpleX::from_tables(tables, {{"simplex.g", "0.5"}, said, {"simplex.pad_length", "2.5"}}, history),
                    Catch::Contains("pad_length"));
  // The table count must agree with the history setting (a file without it is shared).
  const char* wrong = own == History::own ? "shared" : "own";
  CHECK_THROWS_WITH(SimpleX::from_tables(tables, {{"simplex.g", "0.5"}, {"simplex.history", wrong}}, history),
                    Catch::Contains("tables"));
  if (own == History::shared) CHECK_NOTHROW(SimpleX::from_tables(tables, {{"simplex.g", "0.5"}}, history));
  tables.pop_back();
  CHECK_THROWS_AS(SimpleX::from_tables(tables, {{"simplex.g", "0.5"}, said}, history),
                  hardneg::InvalidArgument);
  hardneg::save_model_file(dir / "mf", "mf", m.parameters());
  CHECK_THROWS_WITH(hardneg::load_simplex(dir / "mf", history), Catch::Contains("expected 'simplex'"));
  CHECK_THROWS_AS(SimpleX(4, 10, history, {.g = 1.5}), hardneg::InvalidArgument);
  CHECK_THROWS_AS(SimpleX(4, 10, history, {.dropout = 1}), hardneg::InvalidArgument);
  CHECK_THROWS_AS(SimpleX(3, 10, history), hardneg::InvalidArgument);
  std::filesystem::remove_all(dir);
}

namespace {
const hardneg::Dataset& tiny() {
  static const hardneg::Dataset d = hardneg::make_synthetic(hardneg::SyntheticOptions::tiny(1));
  return d;
}

template <class L>
SimpleX train_simplex(Agg agg, std::size_t threads, int epochs, std::uint64_t seed, bool leave_target_out = true,
                      std::size_t pad_length = 0) {
  SimpleX model(tiny().n_users(), tiny().n_items(), tiny().train,
                {.dim = 32, .g = 0.8, .aggregation = agg, .dropout = 0.1, .leave_target_out = leave_target_out,
                 .pad_length = pad_length, .init_std = 0.1, .seed = seed});
  hardneg::Trainer<SimpleX, hardneg::Uniform<>, L, hardneg::Adam> trainer(
      model, {.batch = 256, .epochs = epochs, .threads = threads, .seed = seed},
      hardneg::Uniform<>({.k = 8}), L(), hardneg::Adam({.lr = 0.01}));
  trainer.fit(tiny().train);
  return model;
}

double ndcg20(const auto& scorer) {
  return hardneg::evaluate(scorer, tiny().train, tiny().test, {.ks = {20}}).at("ndcg@20");
}
}  // namespace

TEST_CASE("SimpleX with uniform CCE learns: NDCG@20 at least twice the popularity ranking's",
          "[models][simplex][learning]") {
  const Agg agg = GENERATE(Agg::mean, Agg::user_attention);
  const SimpleX model = train_simplex<hardneg::CCE>(agg, 2, 20, 1);
  const double learned = ndcg20(model.block_scorer());
  const double popular = ndcg20(hardneg::PopularityScorer(tiny().train));
  INFO(SimpleX::aggregation_name(agg) << ": SimpleX ndcg@20 " << learned << ", popularity " << popular);
  CHECK(learned >= 2 * popular);
}

TEST_CASE("SimpleX training is deterministic at 2 threads", "[models][simplex]") {
  const SimpleX a = train_simplex<hardneg::BPR>(Agg::user_attention, 2, 2, 4);
  const SimpleX b = train_simplex<hardneg::BPR>(Agg::user_attention, 2, 2, 4);
  for (std::size_t t = 0; t < a.parameters().size(); ++t) CHECK(a.parameters()[t] == b.parameters()[t]);
  CHECK_FALSE(a.parameters()[SimpleX::key_table] ==
              SimpleX(tiny().n_users(), tiny().n_items(), tiny().train, {.dim = 32, .init_std = 0.1, .seed = 4})
                  .parameters()[SimpleX::key_table]);
  // The trainer announces its rows: keeping the positive in the history, or
  // padding the softmax, trains another model.
  const SimpleX kept = train_simplex<hardneg::BPR>(Agg::user_attention, 2, 2, 4, false);
  CHECK_FALSE(kept.parameters()[SimpleX::user_table] == a.parameters()[SimpleX::user_table]);
  const SimpleX padded = train_simplex<hardneg::BPR>(Agg::user_attention, 2, 2, 4, true, 200);
  CHECK_FALSE(padded.parameters()[SimpleX::user_table] == a.parameters()[SimpleX::user_table]);
}
