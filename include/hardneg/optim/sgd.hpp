// SGD: plain stochastic gradient descent with coupled L2 weight decay, as
// torch.optim.SGD without momentum:
//
//   g     = grad + wd * theta
//   theta = theta - lr * g
//
// Sparse semantics: only the rows the batch touched are updated, weight decay
// included (an untouched row is not decayed). PyTorch with a dense embedding
// gradient would also decay untouched rows; with wd = 0 both agree.
//
// Params: lr (default 0.01), weight_decay (default 0).
//   SGD{}  or  SGD{{.lr = 0.05, .weight_decay = 1e-4}}
#pragma once

#include <cmath>
#include <span>
#include <string_view>

#include "hardneg/core/gradient.hpp"
#include "hardneg/core/matrix.hpp"
#include "hardneg/core/thread_pool.hpp"
#include "hardneg/core/types.hpp"
#include "hardneg/optim/detail/row_update.hpp"

namespace hardneg {

namespace detail {
/// One SGD step on one element (T = real or a SIMD batch of reals).
struct SGDRule {
  real weight_decay;
  real neg_lr;  // -lr, as PyTorch's add_(g, alpha=-lr)

  template <class T>
  void operator()(T& theta, T g) const noexcept {
    g = g + weight_decay * theta;
    theta = theta + neg_lr * g;
  }
};
}  // namespace detail

class SGD {
 public:
  struct Params {
    double lr = 0.01;         ///< learning rate
    double weight_decay = 0;  ///< coupled L2 coefficient, touched rows only
  };

  SGD() = default;
  explicit SGD(Params p) : params_(p) {
    detail::require_param(std::isfinite(p.lr) && p.lr >= 0, "hardneg::SGD", "lr", "finite and >= 0",
                          p.lr);
    detail::require_param(std::isfinite(p.weight_decay) && p.weight_decay >= 0, "hardneg::SGD",
                          "weight_decay", "finite and >= 0", p.weight_decay);
  }

  static constexpr std::string_view name() noexcept { return "sgd"; }
  const Params& params() const noexcept { return params_; }
  double learning_rate() const noexcept { return params_.lr; }
  void set_learning_rate(double lr) {
    detail::require_param(std::isfinite(lr) && lr >= 0, "hardneg::SGD", "lr", "finite and >= 0",
                          lr);
    params_.lr = lr;
  }

  /// Updates the rows `grad` touched; grad's tables match `params`.
  void step(std::span<RowMatrix> params, const SparseGradient& grad, ThreadPool& pool) {
    detail::check_gradient("hardneg::SGD", params, grad);
    const detail::SGDRule rule{static_cast<real>(params_.weight_decay),
                               static_cast<real>(-params_.lr)};
    detail::for_touched_rows(
        params, grad, pool, [&](std::size_t t, std::size_t row, const real* g) {
          detail::update_row(rule, params[t].stride(), g, params[t].row_ptr(row));
        });
  }

 private:
  Params params_{};
};

}  // namespace hardneg
