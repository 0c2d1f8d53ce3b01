// Test helper: a file with given bytes in the temp directory, removed when
// the object goes out of scope. Shared by the data tests (not a test itself).
#pragma once

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include <unistd.h>

namespace hardneg::test {

class TempFile {
 public:
  explicit TempFile(std::string_view bytes, std::string_view suffix = ".txt") {
    static std::atomic<int> counter{0};
    path_ = (std::filesystem::temp_directory_path() /
             ("hardneg_data_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) +
              std::string(suffix)))
                .string();
    std::ofstream out(path_, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() {
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
  }
  const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
};

/// Path of a fixture in tests/fixtures/data.
inline std::string fixture(std::string_view name) {
  return std::string(HARDNEG_TEST_DATA_DIR) + "/data/" + std::string(name);
}

}  // namespace hardneg::test
