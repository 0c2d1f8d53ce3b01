# Runs one consumer test (cmake -P; variables come from CMakeLists.txt):
# [install hardneg into WORK_DIR/prefix,] configure, build and run the consumer.
cmake_minimum_required(VERSION 3.25)

foreach(_var MODE HARDNEG_SOURCE_DIR HARDNEG_BINARY_DIR HARDNEG_VERSION CONSUMER_SOURCE_DIR
             WORK_DIR GENERATOR CXX_COMPILER)
  if(NOT DEFINED ${_var})
    message(FATAL_ERROR "run_consumer.cmake: -D ${_var}=... is missing")
  endif()
endforeach()

# Start from nothing, so that no cache from an earlier run hides a problem.
file(REMOVE_RECURSE "${WORK_DIR}")
set(_prefix "${WORK_DIR}/prefix")
set(_build "${WORK_DIR}/build")

set(_args
  -S "${CONSUMER_SOURCE_DIR}" -B "${_build}" -G "${GENERATOR}"
  -D "CMAKE_CXX_COMPILER=${CXX_COMPILER}"
  -D CMAKE_BUILD_TYPE=Release
  -D "EXPECTED_HARDNEG_VERSION=${HARDNEG_VERSION}")
if(MAKE_PROGRAM)
  list(APPEND _args -D "CMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}")
endif()

if(MODE STREQUAL "find_package")
  message(STATUS "installing hardneg into ${_prefix}")
  execute_process(COMMAND "${CMAKE_COMMAND}" --install "${HARDNEG_BINARY_DIR}" --prefix "${_prefix}"
                  COMMAND_ERROR_IS_FATAL ANY)
  list(APPEND _args -D "CMAKE_PREFIX_PATH=${_prefix}" -D "EXPECTED_HARDNEG_PREFIX=${_prefix}")
elseif(MODE STREQUAL "add_subdirectory")
  list(APPEND _args -D "HARDNEG_SOURCE_DIR=${HARDNEG_SOURCE_DIR}")
else()
  message(FATAL_ERROR "run_consumer.cmake: unknown MODE '${MODE}'")
endif()

message(STATUS "configuring the consumer (${MODE})")
execute_process(COMMAND "${CMAKE_COMMAND}" ${_args} COMMAND_ERROR_IS_FATAL ANY)
message(STATUS "building the consumer")
execute_process(COMMAND "${CMAKE_COMMAND}" --build "${_build}" COMMAND_ERROR_IS_FATAL ANY)
message(STATUS "running the consumer")
execute_process(COMMAND "${_build}/hardneg_consumer" COMMAND_ERROR_IS_FATAL ANY)
