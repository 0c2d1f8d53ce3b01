// A user's program: evaluates a hand-made 3-user x 5-item embedding pair
// through the umbrella header and checks the result against values worked out
// by hand. Built by tests/install (find_package and add_subdirectory modes).
#include <hardneg/hardneg.hpp>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

int main() {
  const std::string version = std::to_string(hardneg::version_major) + "." +
                              std::to_string(hardneg::version_minor) + "." +
                              std::to_string(hardneg::version_patch);
#ifdef HARDNEG_CONSUMER_EXPECTED_VERSION
  if (version != HARDNEG_CONSUMER_EXPECTED_VERSION) {
    std::fprintf(stderr, "headers say %s, CMake says %s\n", version.c_str(),
                 HARDNEG_CONSUMER_EXPECTED_VERSION);
    return 1;
  }
#endif

  // dim = 2. Scores <user, item>:
  //        i0   i1   i2   i3   i4
  //   u0    2    1    3   -2   -1     train {i2}, test {i0}: i0 ranks 1st
  //   u1   -1    3    2    1   -3     train {i1}, test {i4}: i4 ranks 4th
  //   u2   -2   -1   -3    2    1     train {i3}, test {i1}: i1 ranks 2nd
  const float user_rows[3][2] = {{2, 1}, {-1, 3}, {-2, -1}};
  const float item_rows[5][2] = {{1, 0}, {0, 1}, {1, 1}, {-1, 0}, {0, -1}};
  hardneg::RowMatrix users(3, 2), items(5, 2);
  for (std::size_t r = 0; r < 3; ++r)
    for (std::size_t c = 0; c < 2; ++c) users(r, c) = user_rows[r][c];
  for (std::size_t r = 0; r < 5; ++r)
    for (std::size_t c = 0; c < 2; ++c) items(r, c) = item_rows[r][c];

  const std::vector<hardneg::Pair> train_pairs{{0, 2}, {1, 1}, {2, 3}};
  const std::vector<hardneg::Pair> test_pairs{{0, 0}, {1, 4}, {2, 1}};
  const auto train = hardneg::Interactions::from_pairs(3, 5, train_pairs);
  const auto test = hardneg::Interactions::from_pairs(3, 5, test_pairs);

  const hardneg::DotScorer scorer(users, items);
  const auto result = hardneg::evaluate(scorer, train, test, {.ks = {2}});

  // Recall@2 = (1 + 0 + 1) / 3; MRR = (1 + 1/4 + 1/2) / 3.
  const double recall = result.at("recall@2");
  const double mrr = result.at("mrr");
  std::printf("hardneg %s: recall@2 = %.6f (expected %.6f), mrr = %.6f (expected %.6f)\n",
              version.c_str(), recall, 2.0 / 3.0, mrr, 7.0 / 12.0);
  if (std::abs(recall - 2.0 / 3.0) > 1e-9 || std::abs(mrr - 7.0 / 12.0) > 1e-9) return 1;
  return 0;
}
