// TrainingLog: keeps one record per epoch (loss, learning rate, seconds, the
// counts of hard sampled negatives, and any metrics measured) and writes them
// as CSV or JSON.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "hardneg/core/error.hpp"
#include "hardneg/train/context.hpp"

namespace hardneg {

class TrainingLog {
 public:
  struct Record {
    int epoch;  ///< 1-based, as people count epochs
    double loss;
    double learning_rate;
    double epoch_seconds;
    std::size_t negatives;                 ///< negatives sampled in the epoch
    std::size_t negatives_above_positive;  ///< ... that scored above their positive
    std::size_t negatives_nonnegative;     ///< ... that scored at or above zero
    std::map<std::string, double> metrics;
  };

  template <class Trainer>
  void on_epoch_end(Trainer&, const TrainContext& ctx) {
    records_.push_back({ctx.epoch + 1, ctx.loss, ctx.learning_rate, ctx.epoch_seconds, ctx.negatives,
                        ctx.negatives_above_positive, ctx.negatives_nonnegative, ctx.metrics});
  }

  const std::vector<Record>& records() const noexcept { return records_; }

  /// One row per epoch; metric columns are the union over epochs (empty where
  /// an epoch did not measure them).
  void write_csv(const std::filesystem::path& path) const {
    std::ofstream out(path);
    if (!out) throw IoError(path.string() + ": cannot open for writing");
    const auto names = metric_names();
    out << "epoch,loss,learning_rate,epoch_seconds,negatives,negatives_above_positive,"
           "negatives_nonnegative";
    for (const auto& n : names) out << ',' << n;
    out << '\n';
    for (const auto& r : records_) {
      out << r.epoch << ',' << number(r.loss) << ',' << number(r.learning_rate) << ','
          << number(r.epoch_seconds) << ',' << r.negatives << ',' << r.negatives_above_positive
          << ',' << r.negatives_nonnegative;
      for (const auto& n : names) {
        out << ',';
        if (auto it = r.metrics.find(n); it != r.metrics.end()) out << number(it->second);
      }
      out << '\n';
    }
    if (!out) throw IoError(path.string() + ": write failed");
  }

  /// A JSON array of epoch objects.
  std::string to_json() const {
    std::string s = "[";
    for (std::size_t k = 0; k < records_.size(); ++k) {
      const auto& r = records_[k];
      s += k ? ",\n " : "\n ";
      s += "{\"epoch\": " + std::to_string(r.epoch) + ", \"loss\": " + number(r.loss) +
           ", \"learning_rate\": " + number(r.learning_rate) +
           ", \"epoch_seconds\": " + number(r.epoch_seconds) +
           ", \"negatives\": " + std::to_string(r.negatives) +
           ", \"negatives_above_positive\": " + std::to_string(r.negatives_above_positive) +
           ", \"negatives_nonnegative\": " + std::to_string(r.negatives_nonnegative);
      for (const auto& [n, v] : r.metrics) s += ", \"" + n + "\": " + number(v);
      s += "}";
    }
    return s + (records_.empty() ? "]" : "\n]");
  }

 private:
  std::set<std::string> metric_names() const {
    std::set<std::string> names;
    for (const auto& r : records_)
      for (const auto& [n, v] : r.metrics) names.insert(n);
    return names;
  }
  /// Text that reads back to the same double (17 digits); JSON has no NaN.
  static std::string number(double v) {
    if (!std::isfinite(v)) return "null";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
  }

  std::vector<Record> records_;
};

}  // namespace hardneg
