#!/usr/bin/env bash
# Checks ackd's systemd units: `systemd-analyze verify` finds nothing to say about them, and
# `systemd-analyze security` rates the service's exposure at 1.5 or lower.
# usage: check-units.sh SERVICE SOCKET [ACKD]
#   ACKD: a built binary to stand in for /usr/bin/ackd, which verify needs to exist.
set -euo pipefail
service=$1
socket=$2
ackd=${3:-}

# systemd 252 rates exposure from 0 to 100 and prints a tenth of it: 15 is the 1.5 shown.
threshold=15

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ -n "$ackd" ]; then
  # The copies keep their names: the socket finds its service by name.
  sed "s#/usr/bin/ackd#$ackd#g" "$service" >"$work/ackd.service"
  cp "$socket" "$work/ackd.socket"
  service=$work/ackd.service
  socket=$work/ackd.socket
fi

# verify exits 0 on unknown keys and unparsable values, which it only prints.
if ! systemd-analyze verify "$service" "$socket" >"$work/verify" 2>&1 || [ -s "$work/verify" ]; then
  echo "FAIL: systemd-analyze verify $service $socket:"
  cat "$work/verify"
  exit 1
fi
echo "systemd-analyze verify: clean"

if ! systemd-analyze security --offline=true --threshold="$threshold" "$service" >"$work/security" 2>&1; then
  cat "$work/security"
  echo "FAIL: exposure above $((threshold / 10)).$((threshold % 10))"
  exit 1
fi
grep -F 'Overall exposure level' "$work/security"
