#!/usr/bin/env bash
# End-to-end checks of the policy tools through the real binary.
# usage: run.sh ACKD_BINARY FIXTURE_DIR
set -uo pipefail
ackd=$1
here=$2
rules="$here/../../rules"
failures=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
expect_status() { # expected-status description command...
  local want=$1 what=$2
  shift 2
  "$@" >"$out" 2>&1
  local got=$?
  [ "$got" -eq "$want" ] || { fail "$what: exit $got, expected $want"; cat "$out"; }
}
expect_line() { # description fixed-string
  grep -qF -- "$2" "$out" || { fail "$1: missing line: $2"; cat "$out"; }
}

expect_status 0 "check accepts the bundled policy" "$ackd" check "$rules"
expect_line "check summary" "ok:"
! grep -q "warning:" "$out" || { fail "check warns about the bundled policy"; cat "$out"; }
# What the package installs: the configuration and the live policy, without a warning.
expect_status 0 "check accepts the installed configuration and policy" \
  "$ackd" check --config "$here/../../systemd/ackd.yaml" "$here/../../packaging/policy"
! grep -q "warning:" "$out" || { fail "check warns about the installed configuration"; cat "$out"; }

# A support lead's new file loads before the bundled rules and takes the safety team's
# complaints: a warning with an example, a failure with --strict, the order in `rules`.
hazard=$(mktemp -d)
cp "$rules"/*.yaml "$hazard/"
cat >"$hazard/30-logistics.yaml" <<'YAML'
lists:
  delay: [遅延]
rules:
  - id: shipping-delay
    priority: P3
    when: {text: {any: $delay}}
    reply: {template: ack}
    handoff: {team: support, within: 4h}
YAML
expect_status 0 "check loads a policy with a rule-order hazard" "$ackd" check "$hazard"
expect_line "rule order" "$hazard/30-logistics.yaml:4:5: warning: rule 'shipping-delay' (P3) comes before the more urgent rule 'safety-incident' (P1, $hazard/50-rules.yaml:6) and takes the complaints both match, e.g. \"発火、遅延\""
expect_status 1 "check --strict refuses it" "$ackd" check --strict "$hazard"
expect_line "strict" "1 rule-order warning in $hazard (--strict)"
expect_status 1 "check --strict --format json refuses it" "$ackd" check --strict --format json "$hazard"
python3 - "$out" <<'PY' || fail "rule-order warning as JSON"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["ok"] is False and d["errors"] == 0 and d["warnings"] == 1, d
w = d["diagnostics"][0]
assert (w["severity"], w["code"], w["line"], w["column"]) == ("warning", "rule-order", 4, 5), w
assert w["file"].endswith("/30-logistics.yaml"), w
PY
expect_status 0 "rules lists the effective order" "$ackd" rules "$hazard"
expect_line "first rule" "  1 shipping-delay"
expect_line "second rule" "  2 safety-incident          P1   $hazard/50-rules.yaml:6  text any \$safety"
rm -rf "$hazard"

# --strict refuses the rule-order hazard only: other warnings stay advice.
advice=$(mktemp -d)
cp "$rules"/*.yaml "$advice/"
cat >"$advice/30-urgent.yaml" <<'YAML'
rules:
  - id: late-and-urgent
    priority: P1
    when: {text: {any: [遅]}}
    reply: none
    handoff: {team: support, within: 1h}
YAML
expect_status 0 "check --strict takes a policy whose only warning is a short keyword" \
  "$ackd" check --strict "$advice"
expect_line "short keyword" "warning: keyword '遅' is one character"
rm -rf "$advice"

expect_status 1 "check refuses a broken policy" "$ackd" check "$here/broken"
b="$here/broken/policy.yaml"
expect_line "unknown section" "$b:3:1: error: unknown key 'channles' in the policy (did you mean 'channels'?)"
expect_line "bad time zone" "$b:8:15: error: unknown time zone 'Asia/Tokio'"
expect_line "bad duration" "$b:13:54: error: after must be a duration like 15m, 4h or 3d, got '2 hours'"
expect_line "unknown variable" "$b:16:10: error: template 'ack' (ja): unknown variable 'nme'"
expect_line "banned phrase" "$b:18:9: error: template 'money' (ja) holds the banned phrase '返金'"
expect_line "too long for X, with the arithmetic" "$b:20:9: error: template 'long' (ja) can reach 100 characters on channel 'x' (limit 40) in rule 'long-reply': its fixed text counts 60, {{name}} up to 40 (names are cut at 20 characters: safety.name.max_chars); X counts CJK, full-width characters and emoji 2 each; shorten it by 60"
expect_line "unknown list" "$b:25:24: error: unknown list '\$safty' (did you mean '\$safety'?)"
expect_line "duplicate id" "$b:28:9: error: duplicate rule id 'smoke' (first at $b:24)"
expect_line "bad regex" "$b:29:26: error: invalid regex: missing ): (unclosed"
expect_line "unknown team" "$b:31:21: error: unknown team 'suport' (did you mean 'support'?)"
expect_line "last rule" "$b:36:5: error: the last rule 'last' has a \`when\`"

# The platforms' example: its drop-in hands over exactly the credentials it names, and with
# them it checks clean; without them, each missing one is named.
systemd_dir="$here/../../systemd"
named=$(grep -o 'credential: [a-z-]*' "$systemd_dir/ackd.platforms.yaml" | cut -d' ' -f2 | sort -u)
loaded=$(sed -n 's/^LoadCredential=\([^:]*\):.*/\1/p' "$systemd_dir/ackd-platforms.conf" | sort -u)
[ "$named" = "$loaded" ] || fail "ackd-platforms.conf loads '$loaded', ackd.platforms.yaml names '$named'"
credentials=$(mktemp -d)
for name in $named; do echo "secret-$name" >"$credentials/$name"; done
expect_status 0 "check --config accepts the platforms' example" \
  env CREDENTIALS_DIRECTORY="$credentials" "$ackd" check --config "$systemd_dir/ackd.platforms.yaml" "$rules"
! grep -q "warning:" "$out" || { fail "check warns about the platforms' example"; cat "$out"; }
rm "$credentials/line-channel-token"
expect_status 1 "check --config names a missing credential" \
  env CREDENTIALS_DIRECTORY="$credentials" "$ackd" check --config "$systemd_dir/ackd.platforms.yaml" "$rules"
expect_line "missing credential" "line-channel-token"
rm -rf "$credentials"
expect_status 1 "check --config finds sinks the policy names but the config lacks" "$ackd" check --config "$here/config/ackd.yaml"
c="$here/config/ackd.yaml"
expect_line "team sink typo" "10-teams.yaml:16:13: error: team 'support' names sink 'support-chat', which ackd.yaml does not define (did you mean 'suport-chat'?)"
expect_line "missing escalation sink" "team 'safety' names sink 'safety-lead', which ackd.yaml does not define"
expect_line "channel without reply sink" "$c:2:9: error: the policy replies on channel 'instagram', but ackd.yaml has no channels.instagram.reply_sink"
expect_status 1 "check --config reports every config error" "$ackd" check --config "$here/config/broken.yaml"
c="$here/config/broken.yaml"
expect_line "listen" "$c:1:9: error: listen must be HOST:PORT"
expect_line "state" "error: ackd.yaml needs state"
expect_line "mode" "$c:3:7: error: mode must be live or shadow, got 'loud'"
expect_line "sink type" "$c:5:13: error: sink 'a': type must be webhook, file, x, meta, line, slack, teams, google-chat, chatwork, zendesk, zammad or smtp, got 'carrier-pigeon'"
expect_line "sink url" "$c:6:27: error: sink 'b': unsupported URL 'ftp://example': need http:// or https://"
expect_line "channel sink" "$c:8:19: error: channel 'x': unknown sink 'c'"

expect_status 1 "check --format json on a broken policy" "$ackd" check --format json "$here/broken"
python3 - "$out" "$b" <<'PY' || fail "diagnostics as JSON"
import json, sys
d = json.load(open(sys.argv[1]))
errors = [x for x in d["diagnostics"] if x["severity"] == "error"]
assert d["ok"] is False and d["errors"] == len(errors) > 0, d
found = {(x["file"], x["line"], x["code"]) for x in errors}
for line, code in [(3, "unknown-key"), (8, "invalid"), (18, "banned-phrase"), (20, "too-long"),
                   (25, "unknown-name"), (28, "already-defined")]:
    assert (sys.argv[2], line, code) in found, (line, code, sorted(found))
PY
expect_status 2 "check --format takes text or json" "$ackd" check --format xml "$rules"
expect_status 1 "check refuses a YAML syntax error" "$ackd" check "$here/syntax.yaml"
expect_line "indentation in words" "$here/syntax.yaml:5:4: error: \`handoff:\` is indented 3 spaces, which lines up with nothing above it: indent it like \`reply:\` on line 4 (4 spaces)"

expect_status 1 "check --config on a file that is not there" "$ackd" check --config "$here/no-such.yaml"
expect_line "missing config" "$here/no-such.yaml: error: cannot open: No such file or directory"
expect_status 2 "check without a policy is a usage error" "$ackd" check
expect_status 2 "an unknown command is a usage error" "$ackd" frobnicate
expect_status 0 "version" "$ackd" --version
expect_line "version" "ackd "

expect_status 0 "the bundled tests pass" "$ackd" test "$rules" "$rules/tests"
expect_line "test summary" " passed, 0 failed"

cat >"$out.cases.yaml" <<'CASES'
cases:
  - name: deliberately wrong
    at: "2026-11-24T10:00:00+09:00"
    complaint: {channel: x, author: {id: "1", name: "山田"}, text: "届きません"}
    expect:
      rule: billing
      handoff: {team: support, deadline: "2026-11-24T11:00:00+09:00"}
  - name: right
    at: "2026-11-24T10:00:00+09:00"
    complaint: {channel: x, author: {id: "1", name: "山田"}, text: "届きません"}
    expect: {rule: default}
CASES
expect_status 1 "a failing policy test fails" "$ackd" test "$rules" "$out.cases.yaml"
expect_line "failure shows expected and actual" "rule: expected 'billing', got 'default'"
expect_line "deadline failure" "handoff.deadline: expected '2026-11-24T11:00:00+09:00', got '2026-11-24T14:00:00+09:00'"
expect_line "summary line" "1 passed, 1 failed"
# A problem in a test file fails the run, counted apart from the cases.
cat >>"$out.cases.yaml" <<'CASES'
  - name: a typo in a key
    at: "2026-11-24T10:00:00+09:00"
    complaint: {channel: x, author: {id: "1", name: "山田"}, text: "届きません"}
    expext: {rule: default}
CASES
expect_status 1 "a problem in a test file fails the run" "$ackd" test "$rules" "$out.cases.yaml"
expect_line "the problems are counted apart" "2 problems in the test files"
[ "$(tail -n 1 "$out")" = "1 passed, 1 failed" ] || { fail "cases are counted: $(tail -n 1 "$out")"; cat "$out"; }
rm -f "$out.cases.yaml"

expect_status 0 "explain a sample complaint" "$ackd" explain "$rules" "$rules/samples/complaint.json"
expect_line "explain names the failed keyword condition" "no   text any \$safety: found none"
expect_line "explain shows the decision" "decision: rule default, priority P3"
expect_line "explain shows the reply" "山田太郎様、ご連絡ありがとうございます"
expect_line "explain shows the deadline" "deadline 2026-11-30T12:30:00+09:00"
expect_status 0 "explain a text" "$ackd" explain "$rules" --text "充電器から煙が出ました" --at 2026-11-24T10:00:00+09:00
expect_line "explain --text decides" "decision: rule safety-incident, priority P1"
expect_status 0 "explain a text on a channel" "$ackd" explain "$rules" --text "届きません" --channel email
expect_line "explain --channel" "complaint email/explain"
expect_status 2 "explain --channel needs --text" "$ackd" explain "$rules" "$rules/samples/complaint.json" --channel x
expect_status 1 "explain an unreadable complaint" "$ackd" explain "$rules" "$here/nope.json"

for command in serve check test explain replay; do
  expect_status 0 "$command --help" "$ackd" "$command" --help
  expect_line "$command --help prints its usage" "usage: ackd $command"
done

expect_status 0 "replay recorded complaints" "$ackd" replay "$rules" "$here/complaints.ndjson"
expect_line "replay reports bad lines" "complaints.ndjson:5: error: body: malformed JSON"
expect_line "replay reports bad fields" "complaints.ndjson:6: error: text: is required"
expect_line "replay decisions" '"rule":"safety-incident"'
expect_line "replay summary" "replayed 4 complaints"
expect_line "replay keeps author history" '"reason":"replies_per_author'

# The edit a policy author might make: billing questions no longer get their own rule.
edited=$(mktemp -d)
cp "$rules"/*.yaml "$edited"/
sed -i 's/when: {text: {any: $billing}}/when: {text: {any: [no-such-word]}}/' "$edited/50-rules.yaml"
expect_status 0 "replay --compare" "$ackd" replay "$rules" "$here/complaints.ndjson" --compare "$edited"
rm -rf "$edited"
expect_line "compare shows what changed" '"external_id":"2"'
expect_line "compare summary" "decisions changed"
grep -qF '"external_id":"1"' "$out" && fail "compare lists an unchanged decision"

echo "cli: $failures failures"
[ "$failures" -eq 0 ]
