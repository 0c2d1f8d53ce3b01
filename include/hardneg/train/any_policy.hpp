// Policies chosen at run time: AnySampler<Model>, AnyLoss, AnyOptimizer.
//
// Trainer<M, S, L, O> is fastest when every policy is a concrete type, but a
// program that picks policies from a command line or a sweep would have to
// instantiate every combination (models x samplers x losses x optimizers).
// These wrappers erase the policy type behind one virtual call per training
// pair (sampler, loss) or per mini-batch (optimizer), never per scored item:
// a hard sampler still scores its N candidates through the concrete model.
// Trainer<MF, AnySampler<MF>, AnyLoss, AnyOptimizer> is one instantiation
// that runs any sampler, loss and optimizer with MF. AnyLoss is a batch loss
// (core/loss_batch.hpp) whose uses_batch() says whether the wrapped loss is
// one, so the trainer runs the batch pre-pass only for those.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "hardneg/core/concepts.hpp"
#include "hardneg/data/interactions.hpp"

namespace hardneg {

template <class M>
class AnySampler {
 public:
  template <class S>
    requires Sampler<S, M> && (!std::same_as<std::remove_cvref_t<S>, AnySampler>)
  AnySampler(S sampler) : impl_(std::make_shared<Impl<S>>(std::move(sampler))) {}

  static constexpr std::string_view name() { return "any"; }
  /// The wrapped sampler's name.
  std::string_view policy_name() const { return impl_->policy_name(); }
  std::size_t max_negatives() const { return impl_->max_negatives(); }
  void sample(const M& model, SampleContext& ctx, Negatives& out) const {
    impl_->sample(model, ctx, out);
  }
  void prepare(const Interactions& train, bool allow_seen) { impl_->prepare(train, allow_seen); }
  void on_epoch_begin(const M& model, const Interactions& train, int epoch, ThreadPool& pool) {
    impl_->on_epoch_begin(model, train, epoch, pool);
  }

 private:
  struct Base {
    virtual ~Base() = default;
    virtual std::string_view policy_name() const = 0;
    virtual std::size_t max_negatives() const = 0;
    virtual void sample(const M&, SampleContext&, Negatives&) const = 0;
    virtual void prepare(const Interactions&, bool) = 0;
    virtual void on_epoch_begin(const M&, const Interactions&, int, ThreadPool&) = 0;
  };
  template <class S>
  struct Impl final : Base {
    explicit Impl(S s) : s(std::move(s)) {}
    std::string_view policy_name() const override { return S::name(); }
    std::size_t max_negatives() const override { return s.max_negatives(); }
    void sample(const M& m, SampleContext& c, Negatives& o) const override { s.sample(m, c, o); }
    void prepare(const Interactions& train, bool allow_seen) override {
      if constexpr (requires { s.prepare(train, allow_seen); })
        s.prepare(train, allow_seen);
      else if constexpr (requires { s.prepare(train); })
        s.prepare(train);
    }
    void on_epoch_begin(const M& m, const Interactions& t, int e, ThreadPool& p) override {
      if constexpr (requires { s.on_epoch_begin(m, t, e, p); }) s.on_epoch_begin(m, t, e, p);
    }
    S s;
  };
  std::shared_ptr<Base> impl_;
};

class AnyLoss {
 public:
  template <class L>
    requires Loss<L> && (!std::same_as<std::remove_cvref_t<L>, AnyLoss>)
  AnyLoss(L loss) : impl_(std::make_shared<Impl<L>>(std::move(loss))) {}

  static constexpr std::string_view name() { return "any"; }
  std::string_view policy_name() const { return impl_->policy_name(); }
  real evaluate(real pos, std::span<const real> neg, std::span<const real> weights, real& d_pos,
                std::span<real> d_neg) const {
    return impl_->evaluate(pos, neg, weights, d_pos, d_neg);
  }
  bool uses_batch() const { return impl_->uses_batch(); }
  void begin_batch(const LossBatch& batch) { impl_->begin_batch(batch); }
  real evaluate_row(std::size_t row, real pos, std::span<const real> neg,
                    std::span<const real> weights, real& d_pos, std::span<real> d_neg) const {
    return impl_->evaluate_row(row, pos, neg, weights, d_pos, d_neg);
  }

 private:
  struct Base {
    virtual ~Base() = default;
    virtual std::string_view policy_name() const = 0;
    virtual real evaluate(real, std::span<const real>, std::span<const real>, real&,
                          std::span<real>) const = 0;
    virtual bool uses_batch() const = 0;
    virtual void begin_batch(const LossBatch&) = 0;
    virtual real evaluate_row(std::size_t, real, std::span<const real>, std::span<const real>,
                              real&, std::span<real>) const = 0;
  };
  template <class L>
  struct Impl final : Base {
    explicit Impl(L l) : l(std::move(l)) {}
    std::string_view policy_name() const override { return L::name(); }
    real evaluate(real p, std::span<const real> n, std::span<const real> w, real& dp,
                  std::span<real> dn) const override {
      return l.evaluate(p, n, w, dp, dn);
    }
    bool uses_batch() const override {
      if constexpr (!BatchLoss<L>)
        return false;
      else if constexpr (requires { l.uses_batch(); })
        return l.uses_batch();
      else
        return true;
    }
    void begin_batch(const LossBatch& batch) override {
      if constexpr (BatchLoss<L>) l.begin_batch(batch);
    }
    real evaluate_row(std::size_t row, real p, std::span<const real> n, std::span<const real> w,
                      real& dp, std::span<real> dn) const override {
      if constexpr (BatchLoss<L>)
        return l.evaluate_row(row, p, n, w, dp, dn);
      else
        return (void)row, l.evaluate(p, n, w, dp, dn);
    }
    L l;
  };
  // A batch loss keeps the state of the current batch: a copy of an AnyLoss
  // shares it (the trainer holds one copy).
  std::shared_ptr<Base> impl_;
};

class AnyOptimizer {
 public:
  template <class O>
    requires Optimizer<O> && (!std::same_as<std::remove_cvref_t<O>, AnyOptimizer>)
  AnyOptimizer(O optimizer) : impl_(std::make_shared<Impl<O>>(std::move(optimizer))) {}

  static constexpr std::string_view name() { return "any"; }
  std::string_view policy_name() const { return impl_->policy_name(); }
  void step(std::span<RowMatrix> params, const SparseGradient& grad, ThreadPool& pool) {
    impl_->step(params, grad, pool);
  }
  double learning_rate() const { return impl_->learning_rate(); }
  void set_learning_rate(double lr) { impl_->set_learning_rate(lr); }

 private:
  struct Base {
    virtual ~Base() = default;
    virtual std::string_view policy_name() const = 0;
    virtual void step(std::span<RowMatrix>, const SparseGradient&, ThreadPool&) = 0;
    virtual double learning_rate() const = 0;
    virtual void set_learning_rate(double) = 0;
  };
  template <class O>
  struct Impl final : Base {
    explicit Impl(O o) : o(std::move(o)) {}
    std::string_view policy_name() const override { return O::name(); }
    void step(std::span<RowMatrix> p, const SparseGradient& g, ThreadPool& pool) override {
      o.step(p, g, pool);
    }
    double learning_rate() const override { return o.learning_rate(); }
    void set_learning_rate(double lr) override { o.set_learning_rate(lr); }
    O o;
  };
  // Optimizers carry state (moments): a copy of an AnyOptimizer shares it.
  std::shared_ptr<Base> impl_;
};

}  // namespace hardneg
