// The second translation unit of the two-TU link test (see CMakeLists.txt).
// It uses the same inline functions and templates as two_tu_main.cpp, so a
// non-inline definition in any header would be defined twice at link time.
#include <hardneg/hardneg.hpp>

#include <vector>

namespace two_tu {

// Items of user 1 in a small hand-made interaction set: {1, 3}.
std::vector<hardneg::index_t> items_of_user_one() {
  const std::vector<hardneg::Pair> pairs{{0, 2}, {1, 3}, {1, 1}, {2, 0}};
  const auto data = hardneg::Interactions::from_pairs(3, 4, pairs);
  const auto row = data.items_of(1);
  return {row.begin(), row.end()};
}

int version_major() { return hardneg::version_major; }

}  // namespace two_tu
