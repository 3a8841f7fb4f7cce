#!/usr/bin/env bash
# ackd beside Prometheus Alertmanager (Debian's prometheus-alertmanager) in one run: the same
# paced client and receiver for both, POST-to-delivery latency and a burst
# (bench/peer/peer_bench.py). Builds build-bench/ (Release) like bench-serve.sh. Extra
# arguments go to the bench, e.g. `--rate 200 --count 2000 --burst 2000`.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
if ! command -v prometheus-alertmanager >/dev/null; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    prometheus-alertmanager
fi
./scripts/build-bench.sh ackd

# On the real disk, as bench-serve.sh: a tmpfs would make ackd's fsync free.
dir=$(mktemp -d "$PWD/build-bench/peer.XXXXXX")
trap 'rm -rf "$dir"' EXIT
timeout 900 python3 bench/peer/peer_bench.py ./build-bench/ackd "$PWD/rules" "$dir" "$@"
cp "$dir/peer-bench.json" build-bench/peer-bench.json
echo "wrote build-bench/peer-bench.json"
