// Two-TU link test: this file and two_tu_other.cpp both include the umbrella
// header; the program links and both units agree on what they see.
#include <hardneg/hardneg.hpp>

#include <cstdio>
#include <vector>

namespace two_tu {
std::vector<hardneg::index_t> items_of_user_one();
int version_major();
}  // namespace two_tu

int main() {
  const std::vector<hardneg::Pair> pairs{{1, 1}, {1, 3}};
  const auto data = hardneg::Interactions::from_pairs(3, 4, pairs);
  const auto row = data.items_of(1);
  const std::vector<hardneg::index_t> here(row.begin(), row.end());
  if (here != two_tu::items_of_user_one() || two_tu::version_major() != hardneg::version_major) {
    std::fprintf(stderr, "two translation units disagree\n");
    return 1;
  }
  std::puts("two translation units including hardneg.hpp link and agree");
  return 0;
}
