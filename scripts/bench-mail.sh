#!/usr/bin/env bash
# ackd answering a mailbox (bench/mail/mail_bench.py): a real Dovecot in, a real SMTP server
# out, on 127.0.0.1. Mails taken and answered per second, and the time from a mail landing
# in the mailbox to its answer accepted by the SMTP server (p50/p90/p99). Builds
# build-bench/ (Release) like bench-serve.sh. Extra arguments go to the bench, e.g.
# `--count 2000 --latency-count 500`.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build-bench.sh ackd

# On the real disk, as bench-serve.sh: a tmpfs would make ackd's fsync free.
dir=$(mktemp -d "$PWD/build-bench/mail.XXXXXX")
trap 'rm -rf "$dir"' EXIT
# Debian's python3: aiosmtpd comes as a Debian package.
timeout 900 /usr/bin/python3 bench/mail/mail_bench.py ./build-bench/ackd "$dir" "$@"
cp "$dir/mail-bench.json" build-bench/mail-bench.json
echo "wrote build-bench/mail-bench.json"
