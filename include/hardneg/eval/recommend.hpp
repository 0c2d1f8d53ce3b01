// Recommendation: each user's k best-scored items it has not seen.
//
// The same machinery as evaluation: users are scored in blocks with the
// scorer's score_block (simd::score_block for DotScorer), then simd::top_k
// selects the k best of each row, skipping the user's seen items (its row of
// `seen`, sorted, passed as the exclusion list). Order: best first, ties by
// smaller item id. A user with fewer than k unseen items gets all of them.
#pragma once

#include <algorithm>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "hardneg/core/aligned.hpp"
#include "hardneg/core/error.hpp"
#include "hardneg/core/thread_pool.hpp"
#include "hardneg/core/types.hpp"
#include "hardneg/data/interactions.hpp"
#include "hardneg/eval/block_scorer.hpp"
#include "hardneg/simd/top_k.hpp"

namespace hardneg {

/// The top-k lists of several users: row r (for users[r]) holds counts[r]
/// entries at ids[r * k ...] and scores[r * k ...].
struct Recommendations {
  std::size_t k = 0;
  std::vector<index_t> users;
  std::vector<index_t> ids;
  std::vector<real> scores;
  std::vector<std::size_t> counts;

  std::span<const index_t> ids_of(std::size_t r) const noexcept { return {ids.data() + r * k, counts[r]}; }
  std::span<const real> scores_of(std::size_t r) const noexcept {
    return {scores.data() + r * k, counts[r]};
  }
};

namespace detail {
template <BlockScorer S>
void check_recommend_users(const S& scorer, std::span<const index_t> users) {
  const index_t known = scorer_users(scorer);
  for (const index_t u : users)
    if (u < 0 || (known >= 0 && u >= known))
      throw InvalidArgument("recommend: user " + std::to_string(u) + " is outside the model's " +
                            std::to_string(known) + " users");
}

inline std::span<const index_t> seen_items(const Interactions& seen, index_t u) noexcept {
  return u < seen.n_users() ? seen.items_of(u) : std::span<const index_t>{};
}
}  // namespace detail

/// Writes the k best unseen items of `user` (best first) and their scores;
/// returns how many were written. out_ids and out_scores must hold
/// min(k, n_items) entries. Allocates one score row per call.
template <BlockScorer S>
std::size_t recommend_top_k(const S& scorer, index_t user, std::size_t k, const Interactions& seen,
                            std::span<index_t> out_ids, std::span<real> out_scores) {
  const index_t one[1] = {user};
  detail::check_recommend_users(scorer, one);
  const auto n_items = static_cast<std::size_t>(scorer.n_items());
  aligned_vector<real> row(padded_size(n_items));
  scorer.score_block(one, row.data(), row.size());
  return simd::top_k({row.data(), n_items}, k, detail::seen_items(seen, user), out_ids, out_scores);
}

/// The k best unseen items of every user in `users`, scored in blocks of
/// `user_block` users; on `pool` when given, else on the calling thread.
template <BlockScorer S>
Recommendations recommend_top_k(const S& scorer, std::span<const index_t> users, std::size_t k,
                                const Interactions& seen, ThreadPool* pool = nullptr,
                                std::size_t user_block = 32) {
  detail::require(user_block > 0, "recommend_top_k: user_block must be positive");
  detail::check_recommend_users(scorer, users);
  const auto n_items = static_cast<std::size_t>(scorer.n_items());
  Recommendations rec;
  rec.k = k;
  rec.users.assign(users.begin(), users.end());
  rec.ids.assign(users.size() * k, 0);
  rec.scores.assign(users.size() * k, 0.0f);
  rec.counts.assign(users.size(), 0);

  std::optional<ThreadPool> own_pool;
  if (pool == nullptr) pool = &own_pool.emplace(1);
  const std::size_t ld = padded_size(n_items);
  std::vector<aligned_vector<real>> buffers(pool->size());
  const std::size_t n_blocks = (users.size() + user_block - 1) / user_block;
  pool->run(n_blocks, [&](std::size_t b, std::size_t worker) {
    auto& buf = buffers[worker];
    if (buf.empty()) buf.resize(user_block * ld);  // once per worker
    const std::size_t first = b * user_block;
    const std::size_t count = std::min(user_block, users.size() - first);
    scorer.score_block(users.subspan(first, count), buf.data(), ld);
    for (std::size_t r = 0; r < count; ++r) {
      const std::size_t row = first + r;
      rec.counts[row] = simd::top_k({buf.data() + r * ld, n_items}, k,
                                    detail::seen_items(seen, users[row]),
                                    {rec.ids.data() + row * k, k}, {rec.scores.data() + row * k, k});
    }
  });
  return rec;
}

}  // namespace hardneg
