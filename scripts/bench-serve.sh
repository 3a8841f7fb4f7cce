#!/usr/bin/env bash
# Load benchmark of the daemon: builds build-bench/ (Release), starts `ackd serve` with a
# throwaway config and state directory, and runs bench/load/loadgen.cpp against it
# (ingest throughput, received-to-reply-delivered latency, static-202 ceiling).
# Prints a table and writes build-bench/bench-serve.json. Extra arguments go to the load
# tool, e.g. `--seconds 5 --rates 1000,2000 --connections 32`; `--memory 100000,1000000`
# instead takes that many complaints and reads ackd's memory at each count.
# ACKD_BENCH_ACKD=path runs another ackd binary (an older build, to compare).
# ACKD_BENCH_STATE=dir serves from that state directory (a filled store, scripts/bench-report.sh)
# instead of an empty one. ACKD_BENCH_RETENTION='{personal_data: 1d}' adds that retention
# section (scripts/bench-retention.sh).
# --https (first) makes every sink HTTPS: the receiver serves the test certificate
# (tests/data/tls) and the sinks trust the test CA, so TLS's cost shows in the figures.
# --line (after it, if both) sends each complaint as a signed LINE webhook to a `line`
# source and answers through a `line` sink to the receiver's /v2/bot/message/reply: a
# platform's event in, the platform's reply API out.
set -euo pipefail
cd "$(dirname "$0")/.."
scheme=http
tls_args=()
sink_tls=""
if [ "${1:-}" = "--https" ]; then
  shift
  scheme=https
  tls_args=(--tls-cert "$PWD/tests/data/tls/server.pem" --tls-key "$PWD/tests/data/tls/server-key.pem")
  sink_tls=", tls: {ca_file: $PWD/tests/data/tls/ca.pem}"
fi
line_args=()
if [ "${1:-}" = "--line" ]; then
  shift
  line_args=(--line-secret bench-line-channel-secret)
fi
./scripts/build-bench.sh ackd ackd_bench_load

# Under build-bench/ rather than $TMPDIR: the store must sit on a real disk (a tmpfs would
# make every fsync free and the figures meaningless).
dir=$(mktemp -d "$PWD/build-bench/serve.XXXXXX")
ackd_pid=""
cleanup() {
  local status=$?
  if [ -n "$ackd_pid" ] && kill -0 "$ackd_pid" 2>/dev/null; then
    kill -TERM "$ackd_pid" 2>/dev/null || true
    for _ in $(seq 150); do kill -0 "$ackd_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$ackd_pid" 2>/dev/null || true
    wait "$ackd_pid" 2>/dev/null || true
  fi
  if [ "$status" -ne 0 ] && [ -f "$dir/ackd.log" ]; then
    echo "--- last lines of the ackd log ---" >&2
    tail -n 20 "$dir/ackd.log" >&2
  fi
  rm -rf "$dir"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

read -r ackd_port receiver_port < <(python3 -c '
import socket
ss = [socket.socket() for _ in range(2)]
for s in ss: s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in ss))')

base="$scheme://127.0.0.1:$receiver_port"
{
  echo "listen: 127.0.0.1:$ackd_port"
  echo "policy: $PWD/rules"
  echo "state: ${ACKD_BENCH_STATE:-$dir/state}"
  echo "mode: live"
  echo "log_level: warn"
  echo "sinks:"
  for sink in x-replies meta-replies chat-replies mail-replies safety-pager safety-lead \
              legal-inbox legal-lead billing-chat support-chat support-lead; do
    echo "  $sink: {type: webhook, url: \"$base/$sink\", timeout: 5s$sink_tls}"
  done
  if [ ${#line_args[@]} -gt 0 ]; then
    echo "  line-out: {type: line, base_url: \"$base\", token: {env: ACKD_BENCH_LINE_TOKEN}$sink_tls}"
    echo "sources:"
    echo "  line: {type: line, channel_secret: {env: ACKD_BENCH_LINE_SECRET}}"
  fi
  echo "channels:"
  echo "  x: {reply_sink: x-replies}"
  echo "  instagram: {reply_sink: meta-replies}"
  echo "  facebook: {reply_sink: meta-replies}"
  echo "  chat: {reply_sink: chat-replies}"
  if [ ${#line_args[@]} -gt 0 ]; then
    echo "  line: {reply_sink: line-out}"
  else
    echo "  line: {reply_sink: chat-replies}"
  fi
  echo "  email: {reply_sink: mail-replies}"
  if [ -n "${ACKD_BENCH_RETENTION:-}" ]; then echo "retention: $ACKD_BENCH_RETENTION"; fi
} >"$dir/ackd.yaml"

export ACKD_BENCH_LINE_SECRET=bench-line-channel-secret ACKD_BENCH_LINE_TOKEN=bench-line-token
ackd=${ACKD_BENCH_ACKD:-./build-bench/ackd}
"$ackd" check --config "$dir/ackd.yaml" rules >/dev/null
${ACKD_BENCH_PRELOAD:+env LD_PRELOAD=$ACKD_BENCH_PRELOAD} "$ackd" serve --config "$dir/ackd.yaml" >"$dir/ackd.log" 2>&1 &
ackd_pid=$!

# The load tool starts the receiver, waits for /readyz, runs every phase; each phase and
# each wait in it is bounded, and `timeout` bounds the whole.
timeout 3600 ./build-bench/bench/ackd_bench_load --ackd-port "$ackd_port" --ackd-pid "$ackd_pid" \
  --receiver-port "$receiver_port" --json build-bench/bench-serve.json "${tls_args[@]}" "${line_args[@]}" "$@"
echo "wrote build-bench/bench-serve.json"
