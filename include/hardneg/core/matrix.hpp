// RowMatrix: a dense row-major float matrix whose rows are padded and aligned
// for SIMD. `dim` is the logical width, `stride` the padded one; the padding is
// always zero so kernels may read whole SIMD registers past `dim`.
#pragma once

#include <algorithm>
#include <cstddef>
#include <span>

#include "hardneg/core/aligned.hpp"
#include "hardneg/core/error.hpp"
#include "hardneg/core/types.hpp"

namespace hardneg {

class RowMatrix {
 public:
  RowMatrix() = default;
  RowMatrix(std::size_t rows, std::size_t dim)
      : rows_(rows), dim_(dim), stride_(padded_size(dim)), data_(rows * padded_size(dim), 0.0f) {}

  std::size_t rows() const noexcept { return rows_; }
  std::size_t dim() const noexcept { return dim_; }
  std::size_t stride() const noexcept { return stride_; }
  bool empty() const noexcept { return rows_ == 0; }

  /// The `dim` meaningful values of row r.
  std::span<real> row(std::size_t r) noexcept { return {data_.data() + r * stride_, dim_}; }
  std::span<const real> row(std::size_t r) const noexcept {
    return {data_.data() + r * stride_, dim_};
  }
  /// Pointer to the start of row r (aligned; `stride()` floats, zero padded).
  real* row_ptr(std::size_t r) noexcept { return data_.data() + r * stride_; }
  const real* row_ptr(std::size_t r) const noexcept { return data_.data() + r * stride_; }

  real& operator()(std::size_t r, std::size_t c) noexcept { return data_[r * stride_ + c]; }
  real operator()(std::size_t r, std::size_t c) const noexcept { return data_[r * stride_ + c]; }

  /// All storage including padding (rows * stride floats).
  real* data() noexcept { return data_.data(); }
  const real* data() const noexcept { return data_.data(); }
  std::size_t storage_size() const noexcept { return data_.size(); }

  void fill(real value) noexcept {
    for (std::size_t r = 0; r < rows_; ++r) std::fill_n(row_ptr(r), dim_, value);
  }

  friend bool operator==(const RowMatrix& a, const RowMatrix& b) noexcept {
    return a.rows_ == b.rows_ && a.dim_ == b.dim_ &&
           std::equal(a.data_.begin(), a.data_.end(), b.data_.begin(), b.data_.end());
  }

 private:
  std::size_t rows_ = 0;
  std::size_t dim_ = 0;
  std::size_t stride_ = 0;
  aligned_vector<real> data_;
};

}  // namespace hardneg
