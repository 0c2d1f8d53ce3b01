#!/usr/bin/env bash
# Builds everything (library checks, tests, tools, examples, benchmarks) and
# runs the test suite. Ends with ctest's summary.
#
#   bash scripts/test.sh
#
# Environment:
#   HARDNEG_PRESET  configure/build/test preset (default: ci -> build/ci)
#   HARDNEG_NATIVE  ON (default) or OFF: -march=native for hardneg's own targets
#   HARDNEG_JOBS    parallel build and test jobs (default: number of cores)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/deps.sh

preset="${HARDNEG_PRESET:-ci}"
native="${HARDNEG_NATIVE:-ON}"
jobs="${HARDNEG_JOBS:-$(nproc)}"

hardneg_ensure_deps

start=$SECONDS
cmake --preset "$preset" -D "HARDNEG_NATIVE=$native"
cmake --build --preset "$preset" --parallel "$jobs"
echo "hardneg: configure + build took $((SECONDS - start)) s" >&2
ctest --preset "$preset" --parallel "$jobs"
