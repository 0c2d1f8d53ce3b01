// PolicySpec: a policy named on the command line as `name:key=value,...`
// (e.g. `dns:m=5,n=200`). Each policy factory takes the keys it knows and
// finally calls finish(), which rejects any key left over, listing the valid
// ones, so a typo never silently falls back to a default.
#pragma once

#include <charconv>
#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "hardneg/core/error.hpp"

namespace hardneg::tool {

class PolicySpec {
 public:
  /// `what` names the option for messages ("--sampler").
  PolicySpec(std::string_view what, std::string_view text) : what_(what), text_(text) {
    const auto colon = text.find(':');
    name_ = std::string(text.substr(0, colon));
    if (name_.empty()) fail("is empty");
    if (colon == std::string_view::npos) return;
    std::string_view rest = text.substr(colon + 1);
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      const std::string_view item = rest.substr(0, comma);
      const auto eq = item.find('=');
      if (eq == std::string_view::npos || eq == 0)
        fail("has '" + std::string(item) + "' where key=value was expected");
      const std::string key(item.substr(0, eq));
      if (values_.count(key)) fail("gives key '" + key + "' twice");
      values_[key] = std::string(item.substr(eq + 1));
      if (comma == std::string_view::npos) break;
      rest = rest.substr(comma + 1);
    }
  }

  const std::string& name() const noexcept { return name_; }

  double get(const std::string& key, double fallback) { return number<double>(key, fallback); }
  int get(const std::string& key, int fallback) { return number<int>(key, fallback); }
  std::size_t get(const std::string& key, std::size_t fallback) { return number<std::size_t>(key, fallback); }
  std::string get(const std::string& key, const std::string& fallback) {
    known_.push_back(key + " (default " + fallback + ")");
    const auto it = values_.find(key);
    if (it == values_.end()) return fallback;
    std::string v = it->second;
    values_.erase(it);
    return v;
  }
  /// A key whose value must be one of `choices`.
  std::string choice(const std::string& key, const std::string& fallback,
                     const std::vector<std::string>& choices) {
    const std::string v = get(key, fallback);
    for (const auto& c : choices)
      if (c == v) return v;
    std::string list;
    for (const auto& c : choices) list += (list.empty() ? "" : "|") + c;
    fail("key '" + key + "' has value '" + v + "'; valid values: " + list);
  }

  /// A list key such as margins=0.7/0.8/0.9: '/' separates the numbers
  /// because ',' separates the keys.
  std::vector<double> list(const std::string& key, const std::vector<double>& fallback) {
    std::string def;
    for (double v : fallback) {
      if (!def.empty()) def += '/';
      def += format(v);  // (not "/" + format(v): a GCC 12 -Wrestrict false positive)
    }
    known_.push_back(key + " (default " + def + ")");
    const auto it = values_.find(key);
    if (it == values_.end()) return fallback;
    const std::string v = it->second;
    values_.erase(it);
    std::vector<double> out;
    std::string_view rest = v;
    for (;;) {
      const auto slash = rest.find('/');
      const std::string_view item = rest.substr(0, slash);
      double x{};
      const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), x);
      if (item.empty() || ec != std::errc() || end != item.data() + item.size())
        fail("key '" + key + "' has value '" + v + "', which is not a list of numbers a/b/c");
      out.push_back(x);
      if (slash == std::string_view::npos) break;
      rest = rest.substr(slash + 1);
    }
    return out;
  }

  /// Rejects keys nobody took.
  void finish() const {
    if (values_.empty()) return;
    std::string valid;
    for (const auto& k : known_) valid += (valid.empty() ? "" : ", ") + k;
    if (valid.empty()) valid = "none";
    fail("has unknown key '" + values_.begin()->first + "' for '" + name_ + "'; valid keys: " +
         valid);
  }

  [[noreturn]] void fail(const std::string& message) const {
    throw InvalidArgument(what_ + " '" + text_ + "' " + message);
  }

 private:
  template <class T>
  T number(const std::string& key, T fallback) {
    known_.push_back(key + " (default " + format(fallback) + ")");
    const auto it = values_.find(key);
    if (it == values_.end()) return fallback;
    const std::string v = it->second;
    values_.erase(it);
    T out{};
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
    if (ec != std::errc() || end != v.data() + v.size())
      fail("key '" + key + "' has value '" + v + "', which is not a number");
    return out;
  }
  template <class T>
  static std::string format(T v) {
    char buf[32];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, end);
  }

  std::string what_;
  std::string text_;
  std::string name_;
  std::map<std::string, std::string> values_;
  std::vector<std::string> known_;
};

/// Splits "5,20,50" into numbers; `what` names the option for messages.
template <class T>
std::vector<T> parse_list(std::string_view what, std::string_view text) {
  std::vector<T> out;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    T v{};
    const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
    if (ec != std::errc() || end != item.data() + item.size())
      throw InvalidArgument(std::string(what) + ": '" + std::string(item) + "' is not a number");
    out.push_back(v);
    if (comma == std::string_view::npos) break;
    text = text.substr(comma + 1);
  }
  return out;
}

}  // namespace hardneg::tool
