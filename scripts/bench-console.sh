#!/usr/bin/env bash
# Console benchmark (bench/console/console_bench.py): with 10,000 open cases, the console's
# first load and a live update, each request's time to first byte and bytes, and GET
# /v1/handoffs p50/p99; then, with ACKD_BENCH_FILLED=DIR (a store bench-report.sh filled,
# a million complaints), GET /v1/handoffs on it. Prints the figures; the JSON goes to
# build-bench/console*.json.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build-bench.sh ackd
python3 bench/console/console_bench.py build-bench/ackd --open "${ACKD_BENCH_OPEN:-10000}" \
  --json build-bench/console.json
if [ -n "${ACKD_BENCH_FILLED:-}" ]; then
  echo "== on the filled store $ACKD_BENCH_FILLED"
  python3 bench/console/console_bench.py build-bench/ackd --store "$ACKD_BENCH_FILLED" \
    --json build-bench/console-filled.json
fi
