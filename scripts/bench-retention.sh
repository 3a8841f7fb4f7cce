#!/usr/bin/env bash
# Retention benchmark: on two copies of the store bench-report.sh filled (a month of
# 1,000,000 complaints), measures ingest at 1,000/s with bench-serve twice: without
# retention, then with `retention: {personal_data: 1d}`, which makes nearly every case of
# the month expire at once, so the daemon erases in batches while the load runs. Prints
# both runs' p99s, and how many cases were erased in the second run and in how long.
set -euo pipefail
cd "$(dirname "$0")/.."
filled=${ACKD_BENCH_FILLED:-$PWD/build-bench/report/state}  # or another filled state directory
if [ ! -f "$filled/ackd.db" ]; then
  echo "no filled store: run ./scripts/bench-report.sh first" >&2
  exit 1
fi
./scripts/build-bench.sh ackd ackd_bench_load
# On the project's disk, not a tmpfs (bench-serve.sh says why).
work=$(mktemp -d "$PWD/build-bench/retention.XXXXXX")
trap 'rm -rf "$work"' EXIT

summary() {
  python3 -c 'import json, sys
o = json.load(open(sys.argv[1]))["open_loop"][0]
print("%s: 202 p50 %.2f ms, p99 %.2f ms; reply delivered p99 %.2f ms (%d sent)" % (sys.argv[2],
      o["ack_latency"]["p50_ms"], o["ack_latency"]["p99_ms"], o["reply_latency"]["p99_ms"],
      o["sent"]))' build-bench/bench-serve.json "$1"
}
erased() { sqlite3 "$1/ackd.db" "SELECT count(*) FROM complaints WHERE erased_at IS NOT NULL"; }

echo "== ingest at 1,000/s on a copy of the filled store, no retention"
sqlite3 "$filled/ackd.db" ".backup '$work/alone.db'"
mkdir -p "$work/alone" && mv "$work/alone.db" "$work/alone/ackd.db"
ACKD_BENCH_STATE=$work/alone ./scripts/bench-serve.sh --seconds 20 --rates 1000 >"$work/alone.txt"
alone=$(summary "no retention")
rm -rf "$work/alone"

echo "== the same with retention: {personal_data: 1d}"
mkdir -p "$work/expiring"
sqlite3 "$filled/ackd.db" ".backup '$work/expiring/ackd.db'"
before=$(erased "$work/expiring")
start=$SECONDS
ACKD_BENCH_STATE=$work/expiring ACKD_BENCH_RETENTION='{personal_data: 1d}' \
  ./scripts/bench-serve.sh --seconds 20 --rates 1000 >"$work/expiring.txt"
took=$((SECONDS - start))
with=$(summary "while retention erases")
after=$(erased "$work/expiring")
echo "$alone"
echo "$with"
echo "erased: $((after - before)) cases while the daemon ran (${took} s, start to stop)"
