#!/usr/bin/env bash
# Builds ackd's libFuzzer targets with clang (AddressSanitizer, UndefinedBehaviorSanitizer)
# in build-fuzz/ and fuzzes each for SECONDS (default 30), starting from its seed corpus in
# fuzz/corpus/<target>/ (copied: what the fuzzer finds does not grow the repository).
# Fails on any crash, leak, timeout, out-of-memory or sanitizer report; the input that
# caused it is kept in build-fuzz/runs/<target>/findings/. Prints the executions and
# executions per second of each target (docs/reliability.md records them).
#
# Reproduce a finding:  build-fuzz/fuzz/<target> build-fuzz/runs/<target>/findings/<file>
# Fuzz one target:      build-fuzz/fuzz/<target> -max_total_time=600 DIR fuzz/corpus/<target>
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
targets=(fuzz_complaint fuzz_policy fuzz_render fuzz_http fuzz_mail fuzz_imap)
jobs=$(nproc)

./scripts/setup.sh

start=$(date +%s)
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
  -DACKD_BUILD_FUZZ=ON -DACKD_BUILD_TESTS=OFF -DACKD_TCMALLOC=OFF >/dev/null
cmake --build build-fuzz -j "$jobs" --target "${targets[@]}"
echo "fuzz build: $(($(date +%s) - start)) s"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

# One figure of libFuzzer's final stats ("stat::average_exec_per_sec: 1234").
stat() { sed -n "s/^stat::$1: *//p" "$2" | tail -1; }

failed=()
summary=()
for t in "${targets[@]}"; do
  run=build-fuzz/runs/$t
  rm -rf "$run"
  mkdir -p "$run/corpus" "$run/findings"
  cp fuzz/corpus/"$t"/* "$run/corpus/"
  echo "== $t: ${seconds}s from $(ls "$run/corpus" | wc -l) seeds"
  rc=0
  "build-fuzz/fuzz/$t" "$run/corpus" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 \
    -detect_leaks=1 -print_final_stats=1 -artifact_prefix="$run/findings/" >"$run/log" 2>&1 || rc=$?
  execs=$(stat number_of_executed_units "$run/log")
  per_second=$(stat average_exec_per_sec "$run/log")
  result=ok
  if ((rc != 0)) || [ -n "$(ls -A "$run/findings")" ] ||
    grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:' "$run/log"; then
    result="FAILED (exit $rc)"
    failed+=("$t")
    grep -E -m1 -A30 'ERROR:|runtime error:|==[0-9]+== ?ERROR' "$run/log" || tail -40 "$run/log"
    ls "$run"/findings/* 2>/dev/null || true
  fi
  summary+=("$(printf '%-16s %12s executions %8s exec/s   %s' "$t" "${execs:-?}" "${per_second:-?}" "$result")")
done

echo "== fuzzing, ${seconds}s per target ($(date -u +%Y-%m-%d))"
printf '%s\n' "${summary[@]}"
echo "total with the build: $(($(date +%s) - start)) s"
if ((${#failed[@]})); then
  echo "failed: ${failed[*]} (inputs in build-fuzz/runs/<target>/findings/)" >&2
  exit 1
fi
