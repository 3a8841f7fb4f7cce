#!/usr/bin/env bash
# Builds the given targets in build-bench/ (Release, the benchmarks on, no tests) on a set-up
# machine: what every bench script starts with. At most two jobs: the benches' figures are
# for the project's 2-core machine.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DACKD_BUILD_BENCH=ON \
  -DACKD_BUILD_TESTS=OFF >/dev/null
jobs=$(nproc); ((jobs > 2)) && jobs=2
cmake --build build-bench -j "$jobs" --target "$@"
