// hardneg version. CMake and the Conan recipe read these three lines.
#pragma once

#define HARDNEG_VERSION_MAJOR 0
#define HARDNEG_VERSION_MINOR 1
#define HARDNEG_VERSION_PATCH 0

namespace hardneg {
inline constexpr int version_major = HARDNEG_VERSION_MAJOR;
inline constexpr int version_minor = HARDNEG_VERSION_MINOR;
inline constexpr int version_patch = HARDNEG_VERSION_PATCH;
}  // namespace hardneg
