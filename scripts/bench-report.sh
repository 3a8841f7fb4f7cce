#!/usr/bin/env bash
# Report benchmark: fills a store with a month of made-up traffic through the store's own
# code (bench/report/fill_store.cpp; 1,000,000 complaints unless ACKD_BENCH_COMPLAINTS says
# otherwise, ~10 minutes), times `ackd report --since 30d` on it three times, then measures
# ingest at 1,000/s on that store with bench-serve twice: alone, and while `ackd report`
# runs again and again. Prints the report times and both runs' p99s.
# ACKD_BENCH_KEEP=1 reuses the store of the last run (its month then ends when it was filled,
# so the report is asked for that month with --from/--to).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build-bench.sh ackd ackd_bench_fill ackd_bench_load

# On the project's disk, not a tmpfs (bench-serve.sh says why).
dir=$PWD/build-bench/report
complaints=${ACKD_BENCH_COMPLAINTS:-1000000}
mkdir -p "$dir"
{
  echo "listen: 127.0.0.1:0"
  echo "policy: $PWD/rules"
  echo "state: $dir/state"
  echo "sinks:"  # bench-serve's sinks; the fill sends nothing
  for sink in x-replies meta-replies chat-replies mail-replies safety-pager safety-lead \
              legal-inbox legal-lead billing-chat support-chat support-lead; do
    echo "  $sink: {type: webhook, url: \"http://127.0.0.1:9/$sink\"}"
  done
  echo "channels:"
  echo "  x: {reply_sink: x-replies}"
  echo "  instagram: {reply_sink: meta-replies}"
  echo "  facebook: {reply_sink: meta-replies}"
  echo "  chat: {reply_sink: chat-replies}"
  echo "  line: {reply_sink: chat-replies}"
  echo "  email: {reply_sink: mail-replies}"
} >"$dir/ackd.yaml"
if [ "${ACKD_BENCH_KEEP:-0}" = 1 ] && [ -f "$dir/state/ackd.db" ] && [ -f "$dir/filled-at" ]; then
  filled_at=$(cat "$dir/filled-at")
else
  rm -rf "$dir/state"
  filled_at=$(date -u +%s)
  ./build-bench/bench/ackd_bench_fill --config "$dir/ackd.yaml" --complaints "$complaints" --days 30
  echo "$filled_at" >"$dir/filled-at"
fi
period=(--from "$(date -u -d "@$((filled_at - 30 * 86400))" +%FT%TZ)" --to "$(date -u -d "@$((filled_at + 60))" +%FT%TZ)")
echo "store: $(du -h "$dir/state/ackd.db" | cut -f1), $complaints complaints over 30 days"

echo "== ackd report ${period[*]} (wall seconds, peak memory)"
for _ in 1 2 3; do
  /usr/bin/time -f "%e s, %M KiB" ./build-bench/ackd report --config "$dir/ackd.yaml" "${period[@]}" >/dev/null
done

summary() {
  python3 -c 'import json, sys
o = json.load(open(sys.argv[1]))["open_loop"][0]
print("%s: 202 p99 %.2f ms, reply delivered p99 %.2f ms (%d sent)" % (sys.argv[2],
      o["ack_latency"]["p99_ms"], o["reply_latency"]["p99_ms"], o["sent"]))' build-bench/bench-serve.json "$1"
}
export ACKD_BENCH_STATE=$dir/state
echo "== ingest at 1,000/s on the filled store, alone"
./scripts/bench-serve.sh --seconds 20 --rates 1000 >"$dir/alone.txt"
alone=$(summary alone)
echo "== ingest at 1,000/s on the filled store, with reports running"
rm -f "$dir/stop"
(
  # Bounded: stops by itself after the ingest run's length and then some.
  end=$((SECONDS + 120))
  while ((SECONDS < end)) && [ ! -f "$dir/stop" ]; do
    ./build-bench/ackd report --config "$dir/ackd.yaml" "${period[@]}" >/dev/null || true
  done
) &
reports=$!
./scripts/bench-serve.sh --seconds 20 --rates 1000 >"$dir/with-reports.txt"
touch "$dir/stop"
wait "$reports"
rm -f "$dir/stop"
echo "$alone"
summary "with reports"
