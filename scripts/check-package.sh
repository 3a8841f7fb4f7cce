#!/usr/bin/env bash
# Builds the Debian package (Release, in build-pkg/), installs it, checks what it installed,
# upgrades, removes and purges it, and checks that the purge leaves nothing behind. Needs root
# (or sudo) for dpkg. Refuses to run where ackd is already installed: the purge would delete
# that installation's database.
#
# usage: check-package.sh [BUILD_DIR]   package an existing build instead (CI packages the
#                                       tested build/ rather than compiling ackd once more)
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh

sudo_cmd=""
[ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
package_state() { dpkg-query -W -f='${db:Status-Status}' ackd 2>/dev/null || echo not-installed; }

state=$(package_state)
[ "$state" = not-installed ] ||
  fail "ackd is already on this machine ($state); remove it first: dpkg --purge ackd"

build=${1:-build-pkg}
if [ "$build" = build-pkg ]; then
  cmake -S . -B build-pkg -G Ninja -DCMAKE_BUILD_TYPE=Release -DACKD_BUILD_TESTS=OFF \
    -DCMAKE_INSTALL_PREFIX=/usr
fi
[ -f "$build/CMakeCache.txt" ] || fail "$build is not a configured build directory"
rm -f "$build"/ackd_*.deb
cmake --build "$build" -j "$(nproc)" --target package
debs=("$build"/ackd_*.deb)
if [ ${#debs[@]} -ne 1 ] || [ ! -f "${debs[0]}" ]; then fail "expected one package in $build/"; fi
deb=${debs[0]}

trap '$sudo_cmd dpkg --purge ackd >/dev/null 2>&1 || true' EXIT
$sudo_cmd dpkg -i "$deb"

echo "== the installed configuration and policy"
/usr/bin/ackd --version
/usr/bin/ackd check --config /etc/ackd/ackd.yaml
/usr/bin/ackd test /etc/ackd/rules.d /usr/share/ackd/tests
[ "$(ls /etc/ackd/rules.d)" = 50-policy.yaml ] || fail "the live policy is not the minimal one"
examples=/usr/share/doc/ackd/examples/rules
/usr/bin/ackd check "$examples"
/usr/bin/ackd test "$examples" "$examples/tests"
for page in man1/ackd.1 man5/ackd-policy.5; do
  zcat "/usr/share/man/$page.gz" | groff -k -man -Tutf8 -ww -z ||
    fail "manual page $page is missing or does not format"
done
[ -s /usr/share/doc/ackd/policy.md ] || fail "no policy reference in /usr/share/doc/ackd"
for schema in policy ackd; do
  [ -s /usr/share/ackd/schema/$schema.schema.json ] || fail "no editor schema $schema.schema.json"
done

echo "== the API token"
tokens=/etc/ackd/api-tokens
[ -f "$tokens" ] || fail "$tokens was not created"
[ "$(stat -c '%a %U' "$tokens")" = "600 root" ] ||
  fail "$tokens is $(stat -c '%a %U' "$tokens"), expected 600 root"
[ "$($sudo_cmd grep -cvE '^#' "$tokens")" = 1 ] && $sudo_cmd grep -qE '^admin [0-9a-f]{64}$' "$tokens" ||
  fail "$tokens does not hold one admin token"
echo "$tokens: 600 root"

echo "== conffiles"
# Everything the package puts under /etc must be a conffile, or dpkg overwrites an operator's
# edits on upgrade.
conffiles=$(dpkg-query -W -f='${Conffiles}\n' ackd | awk 'NF { print $1 }' | sort)
shipped=$(dpkg -L ackd | grep '^/etc/' | while read -r f; do [ -d "$f" ] || echo "$f"; done | sort)
[ "$conffiles" = "$shipped" ] ||
  fail "conffiles differ from the files under /etc: $(diff <(echo "$conffiles") <(echo "$shipped"))"
echo "$conffiles"

if command -v systemctl >/dev/null; then
  [ -L /etc/systemd/system/multi-user.target.wants/ackd.service ] ||
    fail "ackd.service was not enabled on first install"
fi

echo "== units"
service=$(dpkg -L ackd | grep '/ackd\.service$')
socket=$(dpkg -L ackd | grep '/ackd\.socket$')
./scripts/check-units.sh "$service" "$socket"

echo "== upgrade, remove, purge"
token_sum=$($sudo_cmd sha256sum "$tokens")
live=/etc/ackd/rules.d/50-policy.yaml
echo "# an operator's edit" | $sudo_cmd tee -a "$live" >/dev/null
policy_sum=$(sha256sum "$live")
$sudo_cmd dpkg -i "$deb"
[ "$($sudo_cmd sha256sum "$tokens")" = "$token_sum" ] || fail "an upgrade replaced $tokens"
[ "$(sha256sum "$live")" = "$policy_sum" ] || fail "an upgrade changed the live policy"
[ "$(ls /etc/ackd/rules.d)" = 50-policy.yaml ] || fail "an upgrade added files to the live policy"
$sudo_cmd dpkg --remove ackd
[ ! -e /usr/bin/ackd ] || fail "remove left /usr/bin/ackd"
if [ ! -f "$tokens" ] || [ ! -f /etc/ackd/ackd.yaml ]; then fail "remove deleted the configuration"; fi
$sudo_cmd dpkg --purge ackd
trap - EXIT
for left in /etc/ackd /var/lib/ackd /var/lib/private/ackd /var/log/ackd /var/log/private/ackd \
  /etc/systemd/system/multi-user.target.wants/ackd.service; do
  if [ -e "$left" ] || [ -L "$left" ]; then fail "purge left $left"; fi
done
[ "$(package_state)" = not-installed ] || fail "ackd is still known to dpkg after the purge"
echo "check-package: $deb installs, checks, upgrades and purges cleanly"
