// Interactions: implicit feedback as a CSR matrix by user.
//
// Row u holds the items of user u sorted ascending and without duplicates, so
// "has u seen i" is a binary search over the row (O(log degree)). An optional
// label per interaction (+1 / 0 for explicit positive / negative feedback, or
// any float) travels with the items; training and evaluation use the items,
// the denoising policies use the labels.
#pragma once

#include <algorithm>
#include <cstddef>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "hardneg/core/error.hpp"
#include "hardneg/core/types.hpp"

namespace hardneg {

class Interactions {
 public:
  Interactions() : offsets_(1, 0) {}

  /// Takes ownership of a CSR structure; validates it (offsets monotone, ids
  /// in range, rows sorted and unique, labels empty or one per item).
  Interactions(index_t n_users, index_t n_items, std::vector<offset_t> offsets,
               std::vector<index_t> items, std::vector<float> labels = {})
      : n_users_(n_users),
        n_items_(n_items),
        offsets_(std::move(offsets)),
        items_(std::move(items)),
        labels_(std::move(labels)) {
    validate();
  }

  /// Builds from unordered pairs. Duplicate pairs are merged (the first
  /// label wins) and their number is returned through `duplicates` when given.
  static Interactions from_pairs(index_t n_users, index_t n_items, std::span<const Pair> pairs,
                                 std::span<const float> labels = {},
                                 std::size_t* duplicates = nullptr) {
    detail::require(labels.empty() || labels.size() == pairs.size(),
                    "Interactions::from_pairs: labels must be empty or one per pair");
    std::vector<offset_t> offsets(static_cast<std::size_t>(n_users) + 1, 0);
    for (const Pair& p : pairs) {
      if (p.user < 0 || p.user >= n_users || p.item < 0 || p.item >= n_items)
        throw InvalidArgument("Interactions::from_pairs: pair (" + std::to_string(p.user) + ", " +
                              std::to_string(p.item) + ") is outside " + std::to_string(n_users) +
                              " users x " + std::to_string(n_items) + " items");
      ++offsets[static_cast<std::size_t>(p.user) + 1];
    }
    for (std::size_t u = 0; u < static_cast<std::size_t>(n_users); ++u) offsets[u + 1] += offsets[u];
    // Counting sort by user keeps the input order within a user (stable), so
    // "first label wins" is well defined.
    std::vector<std::size_t> order(pairs.size());
    {
      std::vector<offset_t> cursor(offsets.begin(), offsets.end() - 1);
      for (std::size_t k = 0; k < pairs.size(); ++k)
        order[static_cast<std::size_t>(cursor[static_cast<std::size_t>(pairs[k].user)]++)] = k;
    }
    std::vector<index_t> items;
    std::vector<float> out_labels;
    items.reserve(pairs.size());
    if (!labels.empty()) out_labels.reserve(pairs.size());
    std::vector<offset_t> new_offsets(offsets.size(), 0);
    std::size_t dup = 0;
    for (std::size_t u = 0; u < static_cast<std::size_t>(n_users); ++u) {
      auto first = order.begin() + offsets[u];
      auto last = order.begin() + offsets[u + 1];
      std::stable_sort(first, last,
                       [&](std::size_t a, std::size_t b) { return pairs[a].item < pairs[b].item; });
      for (auto it = first; it != last; ++it) {
        const index_t item = pairs[*it].item;
        if (static_cast<offset_t>(items.size()) > new_offsets[u] && items.back() == item) {
          ++dup;
          continue;
        }
        items.push_back(item);
        if (!labels.empty()) out_labels.push_back(labels[*it]);
      }
      new_offsets[u + 1] = static_cast<offset_t>(items.size());
    }
    if (duplicates) *duplicates = dup;
    return Interactions(n_users, n_items, std::move(new_offsets), std::move(items),
                        std::move(out_labels));
  }

  index_t n_users() const noexcept { return n_users_; }
  index_t n_items() const noexcept { return n_items_; }
  /// Number of stored interactions.
  offset_t size() const noexcept { return static_cast<offset_t>(items_.size()); }
  bool empty() const noexcept { return items_.empty(); }
  bool has_labels() const noexcept { return !labels_.empty(); }

  /// Sorted items of user u.
  std::span<const index_t> items_of(index_t u) const noexcept {
    const auto b = offsets_[static_cast<std::size_t>(u)];
    const auto e = offsets_[static_cast<std::size_t>(u) + 1];
    return {items_.data() + b, static_cast<std::size_t>(e - b)};
  }
  /// Labels aligned with items_of(u); empty when the data has no labels.
  std::span<const float> labels_of(index_t u) const noexcept {
    if (labels_.empty()) return {};
    const auto b = offsets_[static_cast<std::size_t>(u)];
    const auto e = offsets_[static_cast<std::size_t>(u) + 1];
    return {labels_.data() + b, static_cast<std::size_t>(e - b)};
  }
  offset_t degree(index_t u) const noexcept {
    return offsets_[static_cast<std::size_t>(u) + 1] - offsets_[static_cast<std::size_t>(u)];
  }
  /// Whether user u interacted with item i: binary search, O(log degree).
  bool contains(index_t u, index_t i) const noexcept {
    const auto row = items_of(u);
    return std::binary_search(row.begin(), row.end(), i);
  }

  /// Interactions per item (item popularity).
  std::vector<offset_t> item_counts() const {
    std::vector<offset_t> counts(static_cast<std::size_t>(n_items_), 0);
    for (index_t i : items_) ++counts[static_cast<std::size_t>(i)];
    return counts;
  }
  /// Number of users with at least one interaction.
  index_t active_users() const noexcept {
    index_t n = 0;
    for (index_t u = 0; u < n_users_; ++u) n += degree(u) > 0;
    return n;
  }

  /// All (user, item) pairs in CSR order.
  std::vector<Pair> pairs() const {
    std::vector<Pair> out;
    out.reserve(items_.size());
    for (index_t u = 0; u < n_users_; ++u)
      for (index_t i : items_of(u)) out.push_back({u, i});
    return out;
  }
  /// Calls fn(user, item) for every interaction in CSR order.
  template <class Fn>
  void for_each(Fn&& fn) const {
    for (index_t u = 0; u < n_users_; ++u)
      for (index_t i : items_of(u)) fn(u, i);
  }

  const std::vector<offset_t>& offsets() const noexcept { return offsets_; }
  const std::vector<index_t>& items() const noexcept { return items_; }
  const std::vector<float>& labels() const noexcept { return labels_; }

  /// The same interactions seen with (at least) the given numbers of users and
  /// items, e.g. to align a test set with a train set that has more items.
  Interactions resized(index_t n_users, index_t n_items) const {
    detail::require(n_users >= n_users_ && n_items >= n_items_,
                    "Interactions::resized: cannot shrink");
    std::vector<offset_t> offsets = offsets_;
    offsets.resize(static_cast<std::size_t>(n_users) + 1, offsets_.back());
    return Interactions(n_users, n_items, std::move(offsets), items_, labels_);
  }

  friend bool operator==(const Interactions&, const Interactions&) = default;

 private:
  void validate() const {
    detail::require(n_users_ >= 0 && n_items_ >= 0, "Interactions: negative size");
    detail::require(offsets_.size() == static_cast<std::size_t>(n_users_) + 1,
                    "Interactions: offsets must have n_users + 1 entries");
    detail::require(offsets_.front() == 0 && offsets_.back() == static_cast<offset_t>(items_.size()),
                    "Interactions: offsets must start at 0 and end at the number of items");
    detail::require(labels_.empty() || labels_.size() == items_.size(),
                    "Interactions: labels must be empty or one per interaction");
    for (index_t u = 0; u < n_users_; ++u) {
      const auto b = offsets_[static_cast<std::size_t>(u)];
      const auto e = offsets_[static_cast<std::size_t>(u) + 1];
      detail::require(b <= e, "Interactions: offsets must be non-decreasing");
      for (auto k = b; k < e; ++k) {
        const index_t i = items_[static_cast<std::size_t>(k)];
        if (i < 0 || i >= n_items_)
          throw InvalidArgument("Interactions: item " + std::to_string(i) + " of user " +
                                std::to_string(u) + " is outside [0, " + std::to_string(n_items_) +
                                ")");
        if (k > b && items_[static_cast<std::size_t>(k) - 1] >= i)
          throw InvalidArgument("Interactions: items of user " + std::to_string(u) +
                                " are not sorted and unique");
      }
    }
  }

  index_t n_users_ = 0;
  index_t n_items_ = 0;
  std::vector<offset_t> offsets_;
  std::vector<index_t> items_;
  std::vector<float> labels_;
};

}  // namespace hardneg
