#!/usr/bin/env bash
# Sets up and builds ackd, checks the bundled policy in rules/, starts a receiver that prints
# what ackd sends (127.0.0.1:9000), and runs `ackd serve` on 127.0.0.1:8080 with the
# embedded SQLite store in build/state, until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j "$(nproc)" --target ackd
./build/ackd check --config scripts/ackd.local.yaml
./build/ackd test rules rules/tests
python3 scripts/receiver.py 9000 &
receiver=$!
trap 'kill $receiver 2>/dev/null' EXIT
exec_status=0
./build/ackd serve --config scripts/ackd.local.yaml || exec_status=$?
exit $exec_status
