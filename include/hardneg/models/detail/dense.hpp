// Dense (fully connected) layers and initialisers for the neural models
// (GMF's output layer, NeuMF's MLP tower: He et al., WWW 2017).
//
//   y_r = act( <W_r, x> + b_r )      W: a RowMatrix of `out` rows x `in`
//                                    values (PyTorch's nn.Linear weight
//                                    layout), b: a 1 x out RowMatrix
//
// Kernels (no allocation, ids and sizes not checked: hot path):
//   dense_dot(a, b, n)             <a, b>: SIMD over whole batches, then a
//                                  scalar tail; reads nothing past n, so a
//                                  column range of a row works too
//   dense_rows(W, col0, n_in, x, n, y, ldy)
//                                  y[j * ldy + r] = <W_r[col0, col0 + n_in), x[j]>
//                                  for n inputs given by pointer: each weight
//                                  row is loaded once per tile of 4 inputs
//   dense_input_grad(...)          dx += W^T dy   (back to the layer input)
//   dense_weight_grad(...)         dW_r += dy_r x (into gradient rows)
// Every (input, row) sum is computed in the same order by dense_dot and
// dense_rows, whatever the tile, so a batched forward equals a one-at-a-time
// forward bit for bit. dense_dot_reference is the scalar reference.
//
// Activations: relu, tanh, identity; the backward uses the activation's
// output (relu' = [y > 0], tanh' = 1 - y^2).
//
// Dropout (inverted, as torch.nn.Dropout): unit c of a layer input is kept
// with probability 1 - p and then scaled by 1 / (1 - p). The mask is a pure
// function of (batch seed, user, item, unit) through SplitMix64, so a model
// scoring and back-propagating the same pair in the same batch, on any
// thread, sees the same mask.
//
// Initialisers (PyTorch's formulas, drawn from hardneg::Rng):
//   normal(std)          N(0, std^2)
//   xavier (uniform)     U(-a, a), a = sqrt(6 / (fan_in + fan_out))
//   xavier_normal        N(0, 2 / (fan_in + fan_out))
//   kaiming_uniform(a)   U(-b, b), b = sqrt(6 / ((1 + a^2) fan_in))
// with fan_in = dim (columns) and fan_out = rows, as torch.nn.init computes
// them for a weight (or an nn.Embedding table) of shape rows x dim.
//
// Per-thread scratch: thread_scratch<Tag>(n) returns a buffer of at least n
// floats owned by the calling thread (a thread_local vector that only grows),
// so const scoring functions called from several threads at once allocate
// only the first time a thread needs more room, never per item.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <xsimd/xsimd.hpp>

#include "hardneg/core/aligned.hpp"
#include "hardneg/core/error.hpp"
#include "hardneg/core/gradient.hpp"
#include "hardneg/core/matrix.hpp"
#include "hardneg/core/random.hpp"
#include "hardneg/core/types.hpp"
#include "hardneg/simd/gather_dot.hpp"
#include "hardneg/simd/logistic.hpp"

namespace hardneg::detail {

// ------------------------------------------------------------ options ----

/// How an embedding table is initialised (see the header comment).
enum class EmbeddingInit { normal, xavier, xavier_normal };

/// Activation of a hidden layer.
enum class Activation { relu, tanh, identity };

inline std::string_view activation_name(Activation a) noexcept {
  switch (a) {
    case Activation::relu: return "relu";
    case Activation::tanh: return "tanh";
    case Activation::identity: return "identity";
  }
  return "relu";
}

/// "relu", "tanh" or "identity"; throws InvalidArgument otherwise.
inline Activation parse_activation(std::string_view s) {
  if (s == "relu") return Activation::relu;
  if (s == "tanh") return Activation::tanh;
  if (s == "identity") return Activation::identity;
  throw InvalidArgument("unknown activation '" + std::string(s) + "' (expected relu, tanh or identity)");
}

// ------------------------------------------------------------ kernels ----

/// Scalar reference of dense_dot (accumulated in double).
inline real dense_dot_reference(const real* a, const real* b, std::size_t n) noexcept {
  double s = 0;
  for (std::size_t c = 0; c < n; ++c) s += static_cast<double>(a[c]) * static_cast<double>(b[c]);
  return static_cast<real>(s);
}

/// out[j] = <w, x[j]> over n values for j < T: the weight row is loaded once
/// for the T inputs. Each sum: per-lane FMAs over whole batches in order,
/// xsimd::hadd, then the scalar tail in order.
template <std::size_t T>
inline void dense_tile(const real* w, const real* const* x, std::size_t n, real* out) noexcept {
  using batch = xsimd::batch<real>;
  constexpr std::size_t width = batch::size;
  batch acc[T];
  for (std::size_t j = 0; j < T; ++j) acc[j] = batch(real{0});
  std::size_t c = 0;
  for (; c + width <= n; c += width) {
    const batch wv = batch::load_unaligned(w + c);
    for (std::size_t j = 0; j < T; ++j) acc[j] = xsimd::fma(wv, batch::load_unaligned(x[j] + c), acc[j]);
  }
  for (std::size_t j = 0; j < T; ++j) {
    real s = xsimd::hadd(acc[j]);
    for (std::size_t k = c; k < n; ++k) s += w[k] * x[j][k];
    out[j] = s;
  }
}

/// <a, b> over n values (no alignment or padding needed).
inline real dense_dot(const real* a, const real* b, std::size_t n) noexcept {
  real out;
  dense_tile<1>(a, &b, n, &out);
  return out;
}

/// y[j * ldy + r] = <W.row(r)[col0 .. col0 + n_in), x[j]> for j < n and
/// r < W.rows(). Inputs are given by pointer (rows of a table or scratch).
inline void dense_rows(const RowMatrix& w, std::size_t col0, std::size_t n_in, const real* const* x,
                       std::size_t n, real* y, std::size_t ldy) noexcept {
  constexpr std::size_t tile = 4;
  const std::size_t rows = w.rows();
  real tmp[tile];
  std::size_t j = 0;
  for (; j + tile <= n; j += tile)
    for (std::size_t r = 0; r < rows; ++r) {
      dense_tile<tile>(w.row_ptr(r) + col0, x + j, n_in, tmp);
      for (std::size_t t = 0; t < tile; ++t) y[(j + t) * ldy + r] = tmp[t];
    }
  for (; j < n; ++j)
    for (std::size_t r = 0; r < rows; ++r) y[j * ldy + r] = dense_dot(w.row_ptr(r) + col0, x[j], n_in);
}

/// dx[c] += sum_r dy[r] * W(r, col0 + c) for c < n_in (the backward of
/// dense_rows with respect to its input).
inline void dense_input_grad(const RowMatrix& w, std::size_t col0, std::size_t n_in, const real* dy,
                             real* dx) noexcept {
  for (std::size_t r = 0; r < w.rows(); ++r)
    if (dy[r] != real{0}) simd::axpy(dy[r], w.row_ptr(r) + col0, dx, n_in);
}

/// Gradient rows r < rows of `table`, columns [col0, col0 + n_in), get
/// dy[r] * x. Every row is touched (a layer uses all its weights), even where
/// dy[r] is zero, so lazy optimizers see the same rows whatever the inputs.
inline void dense_weight_grad(GradientAccumulator& grad, std::size_t table, std::size_t rows,
                              std::size_t col0, std::size_t n_in, const real* dy, const real* x) {
  for (std::size_t r = 0; r < rows; ++r) {
    real* g = grad.row(table, static_cast<index_t>(r));
    if (dy[r] != real{0}) simd::axpy(dy[r], x, g + col0, n_in);
  }
}

/// y = act(y) in place.
inline void activate(Activation a, real* y, std::size_t n) noexcept {
  switch (a) {
    case Activation::relu:
      for (std::size_t c = 0; c < n; ++c) y[c] = y[c] > real{0} ? y[c] : real{0};
      return;
    case Activation::tanh: simd::tanh_in_place(y, n); return;
    case Activation::identity: return;
  }
}

/// d *= act'(pre), with the derivative written through the output y = act(pre).
inline void activation_backward(Activation a, const real* y, real* d, std::size_t n) noexcept {
  switch (a) {
    case Activation::relu:
      for (std::size_t c = 0; c < n; ++c)
        if (!(y[c] > real{0})) d[c] = real{0};
      return;
    case Activation::tanh:
      for (std::size_t c = 0; c < n; ++c) d[c] *= real{1} - y[c] * y[c];
      return;
    case Activation::identity: return;
  }
}

// ------------------------------------------------------------ dropout ----

/// The dropout of one layer input: drop probability p as a 32-bit threshold
/// and the scale 1 / (1 - p) of the kept units.
struct DropoutRate {
  std::uint32_t threshold = 0;  // unit dropped when its 32-bit hash < threshold
  real scale = 1;

  DropoutRate() = default;
  /// p in [0, 1) (the models check it).
  explicit DropoutRate(double p) {
    const double t = std::ldexp(p, 32);
    threshold = t >= 4294967295.0 ? 4294967295u : static_cast<std::uint32_t>(std::llround(t));
    scale = static_cast<real>(1.0 / (1.0 - p));
  }
};

/// The key of the masks of pair (user, item) in the batch of `batch_seed`.
inline std::uint64_t dropout_key(std::uint64_t batch_seed, index_t user, index_t item) noexcept {
  std::uint64_t s = batch_seed;
  const std::uint64_t a = splitmix64(s);
  std::uint64_t t = a ^ ((static_cast<std::uint64_t>(static_cast<std::uint32_t>(user)) << 32) |
                         static_cast<std::uint32_t>(item));
  return splitmix64(t);
}

/// The mask value of unit `unit` under `key`: 0 (dropped) or rate.scale.
inline real dropout_factor(std::uint64_t key, std::uint64_t unit, const DropoutRate& rate) noexcept {
  std::uint64_t s = key ^ (unit * 0xD1B54A32D192ED03ull);
  const auto h = static_cast<std::uint32_t>(splitmix64(s) >> 32);
  return h < rate.threshold ? real{0} : rate.scale;
}

/// y[c] = x[c] * mask(first_unit + c) for c < n.
inline void apply_dropout(std::uint64_t key, std::uint64_t first_unit, const DropoutRate& rate,
                          const real* x, real* y, std::size_t n) noexcept {
  for (std::size_t c = 0; c < n; ++c) y[c] = x[c] * dropout_factor(key, first_unit + c, rate);
}

// ------------------------------------------------------- initialisers ----

inline void init_normal(RowMatrix& m, double std, Rng& rng) {
  for (std::size_t r = 0; r < m.rows(); ++r)
    for (real& x : m.row(r)) x = static_cast<real>(std * rng.normal());
}

inline void init_uniform(RowMatrix& m, double bound, Rng& rng) {
  for (std::size_t r = 0; r < m.rows(); ++r)
    for (real& x : m.row(r)) x = static_cast<real>(bound * (2.0 * rng.uniform() - 1.0));
}

/// Xavier/Glorot uniform bound of a rows x dim weight.
inline double xavier_bound(std::size_t rows, std::size_t dim) noexcept {
  return std::sqrt(6.0 / static_cast<double>(rows + dim));
}

/// Kaiming/He uniform bound of a weight with `fan_in` inputs and negative
/// slope a (torch.nn.init.kaiming_uniform_ with a leaky-relu gain; a = 1, or
/// any `a` with nonlinearity 'sigmoid', gives sqrt(3 / fan_in)).
inline double kaiming_uniform_bound(std::size_t fan_in, double a) noexcept {
  return std::sqrt(6.0 / ((1.0 + a * a) * static_cast<double>(fan_in)));
}

/// Initialises an embedding table by `init` from Rng(seed, stream).
inline void init_embeddings(RowMatrix& m, EmbeddingInit init, double std, std::uint64_t seed,
                            std::uint64_t stream) {
  Rng rng(seed, stream);
  switch (init) {
    case EmbeddingInit::normal: init_normal(m, std, rng); return;
    case EmbeddingInit::xavier: init_uniform(m, xavier_bound(m.rows(), m.dim()), rng); return;
    case EmbeddingInit::xavier_normal:
      init_normal(m, std::sqrt(2.0 / static_cast<double>(m.rows() + m.dim())), rng);
      return;
  }
}

// ------------------------------------------------------------ scratch ----

/// A per-thread buffer of at least n floats (aligned, contents unspecified).
/// Tag separates the users, so two models never share one buffer.
template <class Tag>
inline real* thread_scratch(std::size_t n) {
  thread_local aligned_vector<real> buffer;
  if (buffer.size() < n) buffer.resize(n);
  return buffer.data();
}

}  // namespace hardneg::detail
