# Install rules: the headers, the exported target hardneg::hardneg and the
# package files that make `find_package(hardneg CONFIG)` work from an install
# tree. hardneg is header-only, so everything here is architecture independent.
include(CMakePackageConfigHelpers)

set(HARDNEG_INSTALL_CMAKEDIR "${CMAKE_INSTALL_DATADIR}/cmake/hardneg"
    CACHE STRING "Where hardnegConfig.cmake is installed, relative to the prefix")
mark_as_advanced(HARDNEG_INSTALL_CMAKEDIR)

install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/hardneg"
        DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
        FILES_MATCHING PATTERN "*.hpp")

install(TARGETS hardneg EXPORT hardnegTargets)
install(EXPORT hardnegTargets
        NAMESPACE hardneg::
        DESTINATION "${HARDNEG_INSTALL_CMAKEDIR}")

configure_package_config_file(
  "${CMAKE_CURRENT_LIST_DIR}/hardnegConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/hardnegConfig.cmake"
  INSTALL_DESTINATION "${HARDNEG_INSTALL_CMAKEDIR}")

# SameMajorVersion: a request for 1.2 accepts 1.x >= 1.2 but not 2.0. The
# public API is templates and concepts that a user's own policies are written
# against; a new major version may change them, and AnyNewerVersion would then
# accept it and fail deep inside a template instead of at find_package().
write_basic_package_version_file(
  "${PROJECT_BINARY_DIR}/hardnegConfigVersion.cmake"
  VERSION "${PROJECT_VERSION}"
  COMPATIBILITY SameMajorVersion
  ARCH_INDEPENDENT)

install(FILES
          "${PROJECT_BINARY_DIR}/hardnegConfig.cmake"
          "${PROJECT_BINARY_DIR}/hardnegConfigVersion.cmake"
        DESTINATION "${HARDNEG_INSTALL_CMAKEDIR}")
