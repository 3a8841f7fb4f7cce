#!/usr/bin/env python3
"""Checks contrib/prometheus/ackd-alerts.yaml: a Prometheus rule file whose rules name only
metrics ackd exports, so that renaming a metric cannot silently disarm an alert.
usage: alerts_test.py ALERTS_FILE SOURCE_DIR..."""
import pathlib
import re
import sys

try:
    import yaml
except ImportError:
    # 77: CTest counts it as skipped, or in CI (tests/CMakeLists.txt) as failed.
    print("SKIPPED: no PyYAML (python3-yaml); the alerting rules were not checked", file=sys.stderr)
    sys.exit(77)

alerts_file = pathlib.Path(sys.argv[1])
source_dirs = [pathlib.Path(d) for d in sys.argv[2:]]
failures = []

rules = yaml.safe_load(alerts_file.read_text())
groups = rules.get("groups") if isinstance(rules, dict) else None
if not groups:
    sys.exit(f"FAIL: {alerts_file}: no groups")

# Every metric ackd registers appears in its source as a string literal.
sources = "\n".join(
    p.read_text() for d in source_dirs for p in d.rglob("*") if p.suffix in (".cpp", ".hpp"))
exported = set(re.findall(r'"(ackd_[a-z0-9_]+)"', sources))

names = set()
for group in groups:
    for rule in group.get("rules", []):
        name = rule.get("alert")
        if not name or not isinstance(rule.get("expr"), str):
            failures.append(f"a rule in group {group.get('name')} lacks alert or expr: {rule}")
            continue
        if name in names:
            failures.append(f"{name}: defined twice")
        names.add(name)
        if not rule.get("annotations", {}).get("summary"):
            failures.append(f"{name}: no summary annotation")
        if rule.get("labels", {}).get("severity") not in ("critical", "warning"):
            failures.append(f"{name}: severity must be critical or warning")
        for metric in re.findall(r"\backd_[a-z0-9_]+", rule["expr"]):
            base = re.sub(r"_(bucket|sum|count)$", "", metric)
            if metric not in exported and base not in exported:
                failures.append(f"{name}: ackd exports no metric {metric}")

for f in failures:
    print("FAIL:", f)
print(f"alerts: {len(names)} rules, {len(failures)} failures")
sys.exit(1 if failures else 0)
