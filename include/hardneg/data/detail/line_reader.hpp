// Buffered line reading and token parsing shared by every loader.
//
// LineReader reads a file in large blocks (1 MiB by default) and hands out
// each line as a string_view into its buffer, so the hot path allocates
// nothing per line; the buffer grows only when a single line is longer than
// it. A line ends at '\n'; a trailing '\r' (CRLF files) and a UTF-8 byte-order
// mark at the start of the file are removed; the last line needs no newline.
//
// The parse helpers turn one token into a number with std::from_chars and
// throw ParseError naming file:line:column and the offending token, e.g.
//   train.txt:3:9: item id '-3' is negative
// Columns are 1-based byte offsets into the line.
#pragma once

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "hardneg/core/error.hpp"
#include "hardneg/core/types.hpp"

namespace hardneg::detail::data {

class LineReader {
 public:
  static constexpr std::size_t default_block_size = std::size_t{1} << 20;

  /// Opens `path`; throws IoError naming it when that fails.
  explicit LineReader(std::string path, std::size_t block_size = default_block_size)
      : path_(std::move(path)), buffer_(std::max<std::size_t>(block_size, 16)) {
    errno = 0;
    file_.reset(std::fopen(path_.c_str(), "rb"));
    if (!file_)
      throw IoError("cannot open '" + path_ + "': " + std::generic_category().message(errno));
  }

  /// Sets `line` to the next line (without its end-of-line characters) and
  /// returns true, or returns false at the end of the file. The view stays
  /// valid until the next call.
  bool next(std::string_view& line) {
    for (;;) {
      if (pos_ < end_) {
        const char* start = buffer_.data() + pos_;
        if (const void* nl = std::memchr(start, '\n', end_ - pos_)) {
          const std::size_t length = static_cast<std::size_t>(static_cast<const char*>(nl) - start);
          pos_ += length + 1;
          line = emit(start, length);
          return true;
        }
      }
      if (eof_) {
        if (pos_ == end_) return false;
        // The file ends mid-line: that last line is a normal line.
        const char* start = buffer_.data() + pos_;
        const std::size_t length = end_ - pos_;
        pos_ = end_;
        line = emit(start, length);
        return true;
      }
      refill();
    }
  }

  const std::string& path() const noexcept { return path_; }
  /// 1-based number of the line last returned by next() (0 before the first).
  std::size_t line_number() const noexcept { return line_; }
  /// Bytes read from the file so far.
  std::uint64_t bytes_read() const noexcept { return bytes_; }
  /// The line last returned by next().
  std::string_view current() const noexcept { return current_; }

  /// 1-based column of `token`, a view into the current line (0 when it is not).
  std::size_t column_of(std::string_view token) const noexcept {
    const char* b = current_.data();
    const char* t = token.data();
    if (t == nullptr || b == nullptr || t < b || t > b + current_.size()) return 0;
    return static_cast<std::size_t>(t - b) + 1;
  }

  /// Throws ParseError at the current line and the column of `token`.
  [[noreturn]] void fail(std::string_view token, const std::string& message) const {
    throw ParseError(path_, line_, column_of(token), message);
  }
  /// Throws ParseError at the current line, without a column.
  [[noreturn]] void fail_line(const std::string& message) const {
    throw ParseError(path_, line_, 0, message);
  }

 private:
  struct FileCloser {
    void operator()(std::FILE* f) const noexcept { std::fclose(f); }
  };

  std::string_view emit(const char* start, std::size_t length) {
    ++line_;
    if (length > 0 && start[length - 1] == '\r') --length;
    if (line_ == 1 && length >= 3 && std::memcmp(start, "\xEF\xBB\xBF", 3) == 0) {
      start += 3;
      length -= 3;
    }
    current_ = std::string_view(start, length);
    return current_;
  }

  // Moves the unfinished line to the front of the buffer and reads the next
  // block after it; doubles the buffer when that line fills all of it.
  void refill() {
    const std::size_t keep = end_ - pos_;
    if (keep > 0 && pos_ > 0) std::memmove(buffer_.data(), buffer_.data() + pos_, keep);
    pos_ = 0;
    end_ = keep;
    if (end_ == buffer_.size()) buffer_.resize(buffer_.size() * 2);
    const std::size_t want = buffer_.size() - end_;
    errno = 0;
    const std::size_t got = std::fread(buffer_.data() + end_, 1, want, file_.get());
    if (got < want) {
      if (std::ferror(file_.get()))
        throw IoError("cannot read '" + path_ + "': " + std::generic_category().message(errno));
      eof_ = true;
    }
    end_ += got;
    bytes_ += got;
  }

  std::string path_;
  std::unique_ptr<std::FILE, FileCloser> file_;
  std::vector<char> buffer_;
  std::size_t pos_ = 0;  // start of the unread part of buffer_
  std::size_t end_ = 0;  // end of the valid bytes in buffer_
  bool eof_ = false;
  std::size_t line_ = 0;
  std::uint64_t bytes_ = 0;
  std::string_view current_;
};

// ------------------------------------------------------------- tokens ----

/// The token quoted for an error message, shortened when very long.
inline std::string quoted(std::string_view token) {
  constexpr std::size_t max_shown = 60;
  std::string out(1, '\'');
  out += token.substr(0, max_shown);
  out += token.size() <= max_shown ? "'" : "...'";
  return out;
}

inline bool is_blank(char c) noexcept { return c == ' ' || c == '\t'; }

/// True when the line holds only spaces and tabs.
inline bool is_blank_line(std::string_view line) noexcept {
  return std::all_of(line.begin(), line.end(), is_blank);
}

/// Next token of `line` separated by runs of spaces or tabs, starting at
/// `pos` (advanced past it). Returns false when no token is left.
inline bool next_word(std::string_view line, std::size_t& pos, std::string_view& word) noexcept {
  const std::size_t n = line.size();
  while (pos < n && is_blank(line[pos])) ++pos;
  if (pos == n) return false;
  const std::size_t start = pos;
  while (pos < n && !is_blank(line[pos])) ++pos;
  word = line.substr(start, pos - start);
  return true;
}

/// `field` without leading and trailing spaces (and tabs, unless the
/// separator is a tab and they are therefore part of the data).
inline std::string_view trim_field(std::string_view field, bool keep_tabs) noexcept {
  auto blank = [keep_tabs](char c) { return c == ' ' || (!keep_tabs && c == '\t'); };
  while (!field.empty() && blank(field.front())) field.remove_prefix(1);
  while (!field.empty() && blank(field.back())) field.remove_suffix(1);
  return field;
}

/// Splits `line` into fields at `separator` into `out`, trimming spaces
/// around each field. The separator " " means "runs of spaces or tabs".
/// Returns the number of fields; when there are more than out.size(), returns
/// out.size() + 1 and `out` holds the first ones.
inline std::size_t split_fields(std::string_view line, std::string_view separator,
                                std::span<std::string_view> out) noexcept {
  std::size_t count = 0;
  if (separator == " ") {
    std::size_t pos = 0;
    std::string_view word;
    while (next_word(line, pos, word)) {
      if (count == out.size()) return count + 1;
      out[count++] = word;
    }
    return count;
  }
  const bool keep_tabs = separator == "\t";
  std::size_t start = 0;
  for (;;) {
    const std::size_t stop = line.find(separator, start);
    if (count == out.size()) return count + 1;
    const std::string_view raw =
        line.substr(start, stop == std::string_view::npos ? std::string_view::npos : stop - start);
    out[count++] = trim_field(raw, keep_tabs);
    if (stop == std::string_view::npos) return count;
    start = stop + separator.size();
  }
}

/// Parses a dense id: a decimal integer in [0, max_id). max_id itself is
/// refused too, so that n = max id + 1 still fits in index_t. `what` names
/// the field in the message ("user id", "item id").
inline index_t parse_id(const LineReader& in, std::string_view token, std::string_view what) {
  std::int64_t value = 0;
  const char* last = token.data() + token.size();
  const auto [ptr, ec] = std::from_chars(token.data(), last, value);
  if (ec == std::errc() && ptr == last && value >= 0 && value < max_id) [[likely]]
    return static_cast<index_t>(value);
  const std::string head = std::string(what) + " " + quoted(token);
  if (token.empty()) in.fail(token, std::string(what) + " is empty");
  const bool numeric = (ec == std::errc() && ptr == last) || ec == std::errc::result_out_of_range;
  if (!numeric) in.fail(token, head + " is not a non-negative integer");
  if (token.front() == '-') in.fail(token, head + " is negative");
  in.fail(token, head + " is too large (ids must be below " + std::to_string(max_id) + ")");
}

/// Parses a finite decimal number (rating, timestamp).
inline double parse_number(const LineReader& in, std::string_view token, std::string_view what) {
  double value = 0;
  const char* last = token.data() + token.size();
  const auto [ptr, ec] = std::from_chars(token.data(), last, value);
  if (ec == std::errc() && ptr == last && std::isfinite(value)) [[likely]]
    return value;
  if (token.empty()) in.fail(token, std::string(what) + " is empty");
  in.fail(token, std::string(what) + " " + quoted(token) + " is not a finite number");
}

}  // namespace hardneg::detail::data
