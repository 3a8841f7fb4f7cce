#!/usr/bin/env bash
# Sets up, builds, validates the bundled policy in rules/ and shows how it decides a sample
# complaint.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DACKD_BUILD_TESTS=OFF
cmake --build build -j "$(nproc)" --target ackd
./build/ackd check rules
./build/ackd test rules rules/tests
./build/ackd explain rules rules/samples/complaint.json
