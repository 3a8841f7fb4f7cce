#!/usr/bin/env bash
# Builds the benchmarks (optimised, no sanitizers) and runs them.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DACKD_BUILD_BENCH=ON -DACKD_BUILD_TESTS=OFF
cmake --build build-bench -j "$(nproc)" --target ackd_bench_policy ackd_bench_limits
./build-bench/bench/ackd_bench_policy --benchmark_min_time=1 "$@"
./build-bench/bench/ackd_bench_limits --benchmark_min_time=1 "$@"
