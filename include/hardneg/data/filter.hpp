// Filters on Records: merging duplicate pairs, compacting ids, iterated k-core.
//
// deduplicate(r)   keeps the first row of each (user, item) pair (its label,
//                  rating and timestamp win); adds the merged rows to
//                  stats.duplicates.
// compact_ids(r)   renumbers the users and items that occur in some row as
//                  0, 1, 2, ... keeping their relative order; original ids
//                  survive in user_ids / item_ids (numeric ids become their
//                  decimal strings there). A no-op when no id is unused.
// k_core(r, k)     the largest subset of (deduplicated) rows in which every
//                  user and every item has at least k rows: users and items
//                  below k are removed repeatedly until none is left (a fixed
//                  point; the result does not depend on the removal order).
//                  Removed rows are counted in stats.k_core_removed; ids are
//                  compacted afterwards. Every row counts, whatever its label.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hardneg/core/error.hpp"
#include "hardneg/core/types.hpp"
#include "hardneg/data/id_map.hpp"
#include "hardneg/data/records.hpp"

namespace hardneg {

namespace detail::data {

/// Row indices grouped by user (counting sort, so rows of a user keep their
/// order). Returns the offsets (n_users + 1); `rows` receives the indices.
inline std::vector<std::size_t> rows_by_user(const Records& r, std::vector<std::size_t>& rows) {
  std::vector<std::size_t> offsets(static_cast<std::size_t>(r.n_users) + 1, 0);
  for (const index_t u : r.users) ++offsets[static_cast<std::size_t>(u) + 1];
  for (std::size_t u = 1; u < offsets.size(); ++u) offsets[u] += offsets[u - 1];
  rows.resize(r.size());
  std::vector<std::size_t> cursor(offsets.begin(), offsets.end() - 1);
  for (std::size_t k = 0; k < r.size(); ++k)
    rows[cursor[static_cast<std::size_t>(r.users[k])]++] = k;
  return offsets;
}

/// Renumbers one id column to the ids that occur, keeping order; rebuilds the map.
inline void compact_column(std::vector<index_t>& ids, index_t& n, std::optional<IdMap>& map) {
  std::vector<index_t> to(static_cast<std::size_t>(n), -1);
  for (const index_t id : ids) to[static_cast<std::size_t>(id)] = 0;
  index_t next = 0;
  for (index_t& t : to)
    if (t == 0) t = next++;
  if (next == n) return;  // every id is used: nothing to do
  IdMap names;
  for (index_t old = 0; old < n; ++old)
    if (to[static_cast<std::size_t>(old)] >= 0)
      names.insert(map ? map->name(old) : std::string_view(std::to_string(old)));
  for (index_t& id : ids) id = to[static_cast<std::size_t>(id)];
  n = next;
  map = std::move(names);
}

}  // namespace detail::data

/// Merges repeated (user, item) pairs, keeping the first row of each.
inline Records deduplicate(Records records) {
  records.validate();
  std::vector<std::size_t> rows;
  const auto offsets = detail::data::rows_by_user(records, rows);
  std::vector<char> keep(records.size(), 1);
  std::vector<std::size_t> row_of_item(static_cast<std::size_t>(records.n_items), 0);
  std::vector<index_t> seen_by(static_cast<std::size_t>(records.n_items), -1);
  std::size_t merged = 0;
  for (index_t u = 0; u < records.n_users; ++u) {
    for (std::size_t k = offsets[static_cast<std::size_t>(u)];
         k < offsets[static_cast<std::size_t>(u) + 1]; ++k) {
      const auto item = static_cast<std::size_t>(records.items[rows[k]]);
      if (seen_by[item] == u) {
        keep[rows[k]] = 0;  // rows of u are in file order, so the first one stays
        ++merged;
      }
      seen_by[item] = u;
    }
  }
  if (merged == 0) return records;
  std::vector<std::size_t> kept;
  kept.reserve(records.size() - merged);
  for (std::size_t r = 0; r < records.size(); ++r)
    if (keep[r]) kept.push_back(r);
  Records out = records.select(kept);
  out.stats.duplicates += static_cast<std::int64_t>(merged);
  return out;
}

/// Renumbers users and items densely (see the header comment).
inline Records compact_ids(Records records) {
  records.validate();
  detail::data::compact_column(records.users, records.n_users, records.user_ids);
  detail::data::compact_column(records.items, records.n_items, records.item_ids);
  return records;
}

/// Iterated k-core with separate thresholds for users and items.
inline Records k_core(Records records, int user_k, int item_k) {
  if (user_k < 1 || item_k < 1)
    throw InvalidArgument("k_core: k must be at least 1 (got user_k = " + std::to_string(user_k) +
                          ", item_k = " + std::to_string(item_k) + ")");
  records = deduplicate(std::move(records));
  const std::size_t n = records.size();
  const auto nu = static_cast<std::size_t>(records.n_users);
  const auto ni = static_cast<std::size_t>(records.n_items);

  // Rows of each user and of each item (CSR), and the current degrees.
  std::vector<std::size_t> user_rows, item_rows(n);
  const auto user_off = detail::data::rows_by_user(records, user_rows);
  std::vector<std::size_t> item_off(ni + 1, 0);
  for (const index_t i : records.items) ++item_off[static_cast<std::size_t>(i) + 1];
  for (std::size_t i = 1; i <= ni; ++i) item_off[i] += item_off[i - 1];
  {
    std::vector<std::size_t> cursor(item_off.begin(), item_off.end() - 1);
    for (std::size_t r = 0; r < n; ++r)
      item_rows[cursor[static_cast<std::size_t>(records.items[r])]++] = r;
  }
  std::vector<std::int64_t> user_deg(nu), item_deg(ni);
  for (std::size_t u = 0; u < nu; ++u)
    user_deg[u] = static_cast<std::int64_t>(user_off[u + 1] - user_off[u]);
  for (std::size_t i = 0; i < ni; ++i)
    item_deg[i] = static_cast<std::int64_t>(item_off[i + 1] - item_off[i]);

  // Peel: a stack of users (encoded as id) and items (encoded as nu + id)
  // whose degree fell below k; removing one lowers its partners' degrees.
  std::vector<char> alive(n, 1), gone(nu + ni, 0);
  std::vector<std::size_t> stack;
  for (std::size_t u = 0; u < nu; ++u)
    if (user_deg[u] > 0 && user_deg[u] < user_k) stack.push_back(u);
  for (std::size_t i = 0; i < ni; ++i)
    if (item_deg[i] > 0 && item_deg[i] < item_k) stack.push_back(nu + i);
  while (!stack.empty()) {
    const std::size_t e = stack.back();
    stack.pop_back();
    if (gone[e]) continue;
    gone[e] = 1;
    const bool is_user = e < nu;
    const std::size_t id = is_user ? e : e - nu;
    const auto& off = is_user ? user_off : item_off;
    const auto& rows = is_user ? user_rows : item_rows;
    for (std::size_t k = off[id]; k < off[id + 1]; ++k) {
      const std::size_t r = rows[k];
      if (!alive[r]) continue;
      alive[r] = 0;
      if (is_user) {
        const auto i = static_cast<std::size_t>(records.items[r]);
        if (--item_deg[i] < item_k && !gone[nu + i]) stack.push_back(nu + i);
      } else {
        const auto u = static_cast<std::size_t>(records.users[r]);
        if (--user_deg[u] < user_k && !gone[u]) stack.push_back(u);
      }
    }
  }
  std::vector<std::size_t> kept;
  for (std::size_t r = 0; r < n; ++r)
    if (alive[r]) kept.push_back(r);
  if (kept.size() == n) return compact_ids(std::move(records));
  Records out = records.select(kept);
  out.stats.k_core_removed += static_cast<std::int64_t>(n - kept.size());
  return compact_ids(std::move(out));
}

/// Iterated k-core: every user and every item keeps at least k rows.
inline Records k_core(Records records, int k) { return k_core(std::move(records), k, k); }

}  // namespace hardneg
