// The one exception family of hardneg.
//
// Every error a user can cause derives from hardneg::Error. Input errors name
// where they happened, e.g. `train.txt:1042:7: item id '-3' is negative`.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace hardneg {

/// Base of every exception hardneg throws on purpose.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A bad argument or option value (validated at the API boundary).
class InvalidArgument : public Error {
 public:
  using Error::Error;
};

/// A file that cannot be opened, read or written.
class IoError : public Error {
 public:
  using Error::Error;
};

/// Malformed input data, with its location. line and column are 1-based;
/// 0 means "not applicable" (e.g. an empty file).
class ParseError : public Error {
 public:
  ParseError(std::string file, std::size_t line, std::size_t column, const std::string& message)
      : Error(format(file, line, column, message)),
        file_(std::move(file)),
        line_(line),
        column_(column) {}

  const std::string& file() const noexcept { return file_; }
  std::size_t line() const noexcept { return line_; }
  std::size_t column() const noexcept { return column_; }

 private:
  static std::string format(const std::string& file, std::size_t line, std::size_t column,
                            const std::string& message) {
    std::string where = file;
    // Appended piece by piece: `":" + std::to_string(n)` trips a bogus
    // -Wrestrict warning in g++ 12 wherever this constructor is inlined.
    if (line > 0) where.append(":").append(std::to_string(line));
    if (column > 0) where.append(":").append(std::to_string(column));
    return where + ": " + message;
  }

  std::string file_;
  std::size_t line_;
  std::size_t column_;
};

namespace detail {
/// Throws InvalidArgument with `what` when `condition` is false. For boundary
/// checks only, never inside a hot loop.
inline void require(bool condition, std::string_view what) {
  if (!condition) throw InvalidArgument(std::string(what));
}
}  // namespace detail

}  // namespace hardneg
