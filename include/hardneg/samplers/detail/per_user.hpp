// Per-user work of the samplers that keep per-user state (AdaSIR's pools,
// SRNS's memories, IRGAN's cached draws), run once per epoch in
// on_epoch_begin on the trainer's pool.
//
// for_each_user(pool, n_users, fn) calls fn(user, worker) for every user,
// in blocks of users handed to the pool's threads; `worker` indexes
// per-thread scratch. A result must depend on the user only (write per-user
// slots; draw from user_rng), so the state is the same whatever thread ran
// which block and whatever the thread count.
//
// user_rng(seed, epoch, user, purpose) is the Rng stream of one user in one
// epoch for one purpose (a sampler may need several independent streams).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "hardneg/core/random.hpp"
#include "hardneg/core/thread_pool.hpp"
#include "hardneg/core/types.hpp"

namespace hardneg::detail {

/// Users per task of for_each_user.
inline constexpr index_t users_per_task = 64;

template <class Fn>
void for_each_user(ThreadPool& pool, index_t n_users, Fn&& fn) {
  if (n_users <= 0) return;
  const auto tasks = static_cast<std::size_t>((n_users + users_per_task - 1) / users_per_task);
  pool.run(tasks, [&](std::size_t task, std::size_t worker) {
    const index_t begin = static_cast<index_t>(task) * users_per_task;
    const index_t end = std::min<index_t>(n_users, begin + users_per_task);
    for (index_t u = begin; u < end; ++u) fn(u, worker);
  });
}

/// The Rng stream of `user` in `epoch` for `purpose`.
inline Rng user_rng(std::uint64_t seed, int epoch, index_t user, std::uint64_t purpose = 0) noexcept {
  std::uint64_t h = static_cast<std::uint64_t>(static_cast<std::uint32_t>(epoch)) << 32 |
                    static_cast<std::uint32_t>(user);
  std::uint64_t state = h ^ (purpose * 0xD1B54A32D192ED03ull);
  return Rng(seed, splitmix64(state));
}

}  // namespace hardneg::detail
