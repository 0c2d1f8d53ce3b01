// Progress: reports each epoch on stderr.
//
// On a terminal it redraws one bar line (epoch, loss, pairs/s, ETA); when
// stderr is not a terminal (logs, CI) it prints one line per epoch instead.
#pragma once

#include <cstdio>
#include <string>

#include <unistd.h>

#include "hardneg/train/context.hpp"

namespace hardneg {

class Progress {
 public:
  struct Params {
    std::FILE* stream = stderr;  ///< nullptr: silent
    int width = 30;  ///< characters of the bar
  };
  Progress() : Progress(Params{}) {}
  explicit Progress(Params p) : p_(p), tty_(p.stream && ::isatty(::fileno(p.stream)) != 0) {}

  template <class Trainer>
  void on_epoch_end(Trainer&, const TrainContext& ctx) {
    if (!p_.stream) return;
    const int done = ctx.epoch + 1;
    const double eta = ctx.epoch_seconds * (ctx.epochs - done);
    std::string metrics;
    for (const auto& [name, value] : ctx.metrics) metrics += "  " + name + " " + fmt4(value);
    if (tty_) {
      const int filled = ctx.epochs > 0 ? p_.width * done / ctx.epochs : p_.width;
      std::string bar(static_cast<std::size_t>(filled), '#');
      bar.resize(static_cast<std::size_t>(p_.width), '.');
      std::fprintf(p_.stream, "\r[%s] epoch %d/%d  loss %.5g  %.3g pairs/s  ETA %.0fs%s\033[K",
                   bar.c_str(), done, ctx.epochs, ctx.loss, ctx.pairs_per_second, eta,
                   metrics.c_str());
      if (!metrics.empty()) std::fputc('\n', p_.stream);
    } else {
      std::fprintf(p_.stream, "epoch %d/%d  loss %.6g  lr %.4g  %.3fs  %.4g pairs/s  ETA %.0fs%s\n",
                   done, ctx.epochs, ctx.loss, ctx.learning_rate, ctx.epoch_seconds,
                   ctx.pairs_per_second, eta, metrics.c_str());
    }
    std::fflush(p_.stream);
  }

  template <class Trainer>
  void on_train_end(Trainer&, const TrainContext&) {
    if (p_.stream && tty_) std::fputc('\n', p_.stream);
  }

 private:
  static std::string fmt4(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4f", v);
    return buf;
  }
  Params p_;
  bool tty_;
};

}  // namespace hardneg
