#!/usr/bin/env python3
"""Checks the manual pages (docs/man/): groff formats them without a warning, ackd(1)
names every command and option `ackd --help` lists, and ackd-policy(5) every section and
condition of the policy schema, so the pages cannot fall behind the program.

usage: man_test.py ACKD_BINARY REPO_ROOT
"""
import json
import pathlib
import re
import shutil
import subprocess
import sys

ackd = sys.argv[1]
root = pathlib.Path(sys.argv[2])
pages = {name: root / "docs/man" / name for name in ("ackd.1", "ackd-policy.5")}
failures = []

if not shutil.which("groff"):
    print("SKIPPED: no groff (groff-base)", file=sys.stderr)
    sys.exit(77)

for name, path in pages.items():
    run = subprocess.run(["groff", "-k", "-man", "-Tutf8", "-ww", "-z", str(path)],
                         capture_output=True, text=True, timeout=60)
    if run.returncode != 0 or run.stderr:
        failures.append(f"{name}: groff: {run.stderr.strip() or run.returncode}")


def text_of(path):
    """The page as a reader sees it, without troff's escapes."""
    source = path.read_text()
    return source.replace("\\-", "-").replace("\\(dq", '"')


help_text = subprocess.run([ackd, "--help"], capture_output=True, text=True).stdout
commands = re.findall(r"^  (\w+|--version)\b", help_text, re.M)
options = set(re.findall(r"--[a-z]+", help_text))
manual = text_of(pages["ackd.1"])
for word in commands + sorted(options):
    if not re.search(r"(^|[\s\[(])" + re.escape(word) + r"\b", manual, re.M):
        failures.append(f"ackd.1 does not describe '{word}' (from ackd --help)")

schema = json.loads((root / "schema/policy.schema.json").read_text())
policy_page = text_of(pages["ackd-policy.5"])
keys = list(schema["properties"]) + list(schema["$defs"]["when"]["properties"])
for key in keys:
    if not re.search(r"(^|[\s(])" + re.escape(key) + r"\b", policy_page, re.M):
        failures.append(f"ackd-policy.5 does not describe '{key}' (from the policy schema)")

for f in failures:
    print("FAIL:", f)
if failures:
    sys.exit(1)
print(f"ok: 2 pages format cleanly; {len(commands)} commands, {len(options)} options and "
      f"{len(keys)} policy keys described")
