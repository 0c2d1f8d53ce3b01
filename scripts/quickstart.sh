#!/usr/bin/env bash
# The quick start: installs what is missing, builds the `hardneg` tool (CMake
# target hardneg_tool) and trains a model on the built-in synthetic data.
#
#   bash scripts/quickstart.sh
#
# Environment:
#   HARDNEG_PRESET  configure/build preset (default: release -> build/release)
#   HARDNEG_NATIVE  ON (default) or OFF: -march=native for hardneg's own targets
#   HARDNEG_JOBS    parallel build jobs (default: number of cores)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/deps.sh

preset="${HARDNEG_PRESET:-release}"
native="${HARDNEG_NATIVE:-ON}"
jobs="${HARDNEG_JOBS:-$(nproc)}"
build_dir="build/$preset"

hardneg_ensure_deps

cmake --preset "$preset" -D "HARDNEG_NATIVE=$native" >/dev/null
cmake --build --preset "$preset" --parallel "$jobs" --target hardneg_tool

# Train MF with uniform BPR on the built-in synthetic data set and compare it
# with the popularity ranking (table on stderr, full JSON result on stdout).
tool="$build_dir/tools/hardneg"
set -x
"$tool" train --synthetic small --model mf --dim 32 --sampler uniform:k=1 --loss bpr \
  --optimizer lazy-adam:lr=0.01 --batch 1024 --epochs 20 --eval-every 5 --k 20 \
  --threads 2 --seed 1 --compare-popularity
