#include <hardneg/hardneg.hpp>

#include <cstdio>
#include <vector>

int main() {
  const std::vector<hardneg::Pair> pairs{{0, 1}, {1, 0}, {1, 2}};
  const auto data = hardneg::Interactions::from_pairs(2, 3, pairs);
  std::printf("hardneg %d.%d.%d: %d users, %lld interactions\n", hardneg::version_major,
              hardneg::version_minor, hardneg::version_patch, data.n_users(),
              static_cast<long long>(data.size()));
  return data.size() == 3 ? 0 : 1;
}
