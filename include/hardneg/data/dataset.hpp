// Dataset: the train / test (/ validation) matrices of one experiment, the
// original ids when they were remapped, and the DataStats.
//
// train, test and valid share n_users x n_items; n_users (n_items) is the
// largest user (item) id over all parts plus one for numeric formats, or the
// size of the id map. Test pairs whose user or item never occurs in train,
// and test pairs that are also in train, are kept and counted in the stats.
//
// make_dataset() assembles a Dataset from separately loaded Records (e.g. a
// train file and a test file): when their ids were remapped, the test ids
// are translated through the train map, new ones appended after it.
#pragma once

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "hardneg/core/error.hpp"
#include "hardneg/core/types.hpp"
#include "hardneg/data/id_map.hpp"
#include "hardneg/data/interactions.hpp"
#include "hardneg/data/records.hpp"
#include "hardneg/data/stats.hpp"

namespace hardneg {

struct Dataset {
  Interactions train;
  Interactions test;
  std::optional<Interactions> valid;
  std::optional<IdMap> user_ids;  ///< original user ids (index -> id) when remapped
  std::optional<IdMap> item_ids;
  DataStats stats;

  index_t n_users() const noexcept { return train.n_users(); }
  index_t n_items() const noexcept { return train.n_items(); }

  /// Original id of user u (its number when ids were not remapped).
  std::string user_name(index_t u) const {
    return user_ids ? std::string(user_ids->name(u)) : std::to_string(u);
  }
  std::string item_name(index_t i) const {
    return item_ids ? std::string(item_ids->name(i)) : std::to_string(i);
  }

  /// Recomputes the derived fields of `stats` (sizes, test_in_train,
  /// cold_test_users, cold_test_items, negative_labels) from the matrices;
  /// leaves the counters gathered while loading as they are. Throws
  /// InvalidArgument when the parts do not share one shape.
  void update_stats() {
    const auto same_shape = [&](const Interactions& m) {
      return m.n_users() == train.n_users() && m.n_items() == train.n_items();
    };
    detail::require(same_shape(test) && (!valid || same_shape(*valid)),
                    "Dataset: train, test and valid must have the same n_users and n_items");
    detail::require(!user_ids || user_ids->size() == n_users(),
                    "Dataset: user_ids must hold exactly n_users ids");
    detail::require(!item_ids || item_ids->size() == n_items(),
                    "Dataset: item_ids must hold exactly n_items ids");
    stats.users = n_users();
    stats.items = n_items();
    stats.train = train.size();
    stats.test = test.size();
    stats.valid = valid ? valid->size() : 0;

    std::int64_t in_train = 0, cold_users = 0;
    for (index_t u = 0; u < n_users(); ++u) {
      const auto t = test.items_of(u);
      if (t.empty()) continue;
      const auto r = train.items_of(u);
      if (r.empty()) ++cold_users;
      // Both rows are sorted: count the common items by merging.
      std::size_t a = 0, b = 0;
      while (a < t.size() && b < r.size()) {
        if (t[a] < r[b])
          ++a;
        else if (r[b] < t[a])
          ++b;
        else
          ++in_train, ++a, ++b;
      }
    }
    stats.test_in_train = in_train;
    stats.cold_test_users = cold_users;

    std::vector<char> in_train_items(static_cast<std::size_t>(n_items()), 0);
    for (const index_t i : train.items()) in_train_items[static_cast<std::size_t>(i)] = 1;
    std::vector<char> counted(static_cast<std::size_t>(n_items()), 0);
    std::int64_t cold_items = 0;
    for (const index_t i : test.items()) {
      const auto k = static_cast<std::size_t>(i);
      if (!in_train_items[k] && !counted[k]) ++cold_items, counted[k] = 1;
    }
    stats.cold_test_items = cold_items;

    std::int64_t negatives = 0;
    for (const Interactions* m : {&train, &test, valid ? &*valid : nullptr})
      if (m)
        for (const float label : m->labels()) negatives += label == 0.0f;
    stats.negative_labels = negatives;
  }
};

namespace detail::data {

/// Translates the ids of `part` into the id space of `target` (whose map
/// grows by the ids it has not seen): `map` is part's map, `target` the
/// shared one, `ids` the column to rewrite.
inline void translate_ids(const IdMap& map, IdMap& target, std::vector<index_t>& ids) {
  std::vector<index_t> to(static_cast<std::size_t>(map.size()));
  for (index_t k = 0; k < map.size(); ++k)
    to[static_cast<std::size_t>(k)] = target.insert(map.name(k));
  for (index_t& id : ids) id = to[static_cast<std::size_t>(id)];
}

}  // namespace detail::data

/// Assembles a Dataset from a train table, a test table and optionally a
/// validation table loaded separately. Their ids must be all remapped (then
/// test and valid ids are translated through the train map, new ones added
/// after it) or all numeric (then the id space is the largest of the three).
/// Duplicate pairs within each part are merged and counted.
inline Dataset make_dataset(Records train, Records test,
                            std::optional<Records> valid = std::nullopt) {
  train.validate();
  test.validate();
  if (valid) valid->validate();
  std::vector<Records*> parts{&train, &test};
  if (valid) parts.push_back(&*valid);
  for (const Records* p : parts) {
    if (p->user_ids.has_value() != train.user_ids.has_value() ||
        p->item_ids.has_value() != train.item_ids.has_value())
      throw InvalidArgument(
          "make_dataset: train, test and valid must all have remapped ids or all numeric ids");
  }
  index_t n_users = 0, n_items = 0;
  for (Records* p : parts) {
    if (p != &train && p->user_ids)
      detail::data::translate_ids(*p->user_ids, *train.user_ids, p->users);
    if (p != &train && p->item_ids)
      detail::data::translate_ids(*p->item_ids, *train.item_ids, p->items);
    n_users = std::max(n_users, p->n_users);
    n_items = std::max(n_items, p->n_items);
  }
  if (train.user_ids) n_users = train.user_ids->size();
  if (train.item_ids) n_items = train.item_ids->size();

  Dataset data;
  std::size_t duplicates = 0;
  auto build = [&](Records& p) {
    p.n_users = n_users;
    p.n_items = n_items;
    p.user_ids.reset();  // ids now live in train's maps
    p.item_ids.reset();
    std::size_t dup = 0;
    Interactions m = p.to_interactions(&dup);
    duplicates += dup;
    data.stats.add_counters(p.stats);
    return m;
  };
  data.user_ids = std::move(train.user_ids);
  data.item_ids = std::move(train.item_ids);
  data.train = build(train);
  data.test = build(test);
  if (valid) data.valid = build(*valid);
  data.stats.duplicates += static_cast<std::int64_t>(duplicates);
  data.update_stats();
  return data;
}

/// A Dataset whose train part holds every row of `all` and whose test part is
/// empty (to be split later, or for statistics).
inline Dataset make_dataset(Records all) {
  all.validate();
  Dataset data;
  std::size_t duplicates = 0;
  data.train = all.to_interactions(&duplicates);
  data.test = Interactions(all.n_users, all.n_items,
                           std::vector<offset_t>(static_cast<std::size_t>(all.n_users) + 1, 0), {});
  data.user_ids = std::move(all.user_ids);
  data.item_ids = std::move(all.item_ids);
  data.stats.add_counters(all.stats);
  data.stats.duplicates += static_cast<std::int64_t>(duplicates);
  data.update_stats();
  return data;
}

}  // namespace hardneg
