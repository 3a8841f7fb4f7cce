#!/usr/bin/env bash
# Installs everything ackd needs to build, test and benchmark, from Debian 12's packages.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates tzdata curl python3
  libboost-dev libboost-system-dev
  libyaml-cpp-dev libspdlog-dev libfmt-dev doctest-dev
  libsqlite3-dev libre2-dev libicu-dev libcld2-dev libsystemd-dev libgoogle-perftools-dev libssl-dev
  nlohmann-json3-dev libabsl-dev libbenchmark-dev libgmime-3.0-dev
  clang clang-format libclang-rt-14-dev
  dpkg-dev systemd python3-yaml  # the package: dpkg-shlibdeps, systemd-analyze, alert rules
  python3-jsonschema groff-base  # the editor schemas and the manual pages checked
  python3-aiosmtpd dovecot-imapd  # a real SMTP server and a real mailbox for the mail tests
  chromium chromium-driver python3-selenium fonts-dejavu-core  # a real browser for ackd's pages
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
