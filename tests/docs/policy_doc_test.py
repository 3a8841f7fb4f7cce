#!/usr/bin/env python3
"""Runs the examples of docs/policy.md, so that the reference cannot drift from ackd.

The reference's YAML blocks say what they are in their info string:
- `yaml policy`: a whole policy; `ackd check` must take it. The first is the base.
- `yaml fragment`: a part of a policy, loaded before the base (as 10-example.yaml beside
  90-base.yaml); `ackd check` must take the two together.
- `yaml refused`: a fragment `ackd check` must refuse; the ```text block right after it
  holds what the error says (the part after "error: ").
- `yaml test`: policy tests (`cases:`); `ackd test` must pass them on the last policy or
  fragment above.
Every key of the policy schema (schema/policy.schema.json) must appear in an example.

usage: policy_doc_test.py ACKD_BINARY REPO_ROOT
"""
import json
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

ackd = sys.argv[1]
root = pathlib.Path(sys.argv[2])
doc = (root / "docs/policy.md").read_text()
failures = []

BLOCK = re.compile(r"^```([^\n]*)\n(.*?)^```", re.M | re.S)
blocks = [(m.group(1).split(), m.group(2), doc.count("\n", 0, m.start()) + 1)
          for m in BLOCK.finditer(doc)]


def run(*args):
    return subprocess.run([ackd, *args], capture_output=True, text=True, timeout=60)


base = None
current = None  # the directory the last policy or fragment was written to
counts = {"policy": 0, "fragment": 0, "refused": 0, "test": 0}
work = pathlib.Path(tempfile.mkdtemp())
for index, (info, text, line) in enumerate(blocks):
    if info[:1] != ["yaml"] or len(info) < 2:
        continue
    kind = info[1]
    where = f"docs/policy.md:{line}"
    if kind not in counts:
        failures.append(f"{where}: unknown example kind '{kind}'")
        continue
    counts[kind] += 1
    if kind == "test":
        if current is None:
            failures.append(f"{where}: a test before any policy")
            continue
        tests = current / "tests.yaml"
        tests.write_text(text)
        result = run("test", str(current / "policy"), str(tests))
        if result.returncode != 0:
            failures.append(f"{where}: ackd test failed:\n{result.stdout}{result.stderr}")
        continue
    directory = work / f"example-{index}"
    (directory / "policy").mkdir(parents=True)
    if kind == "policy":
        base = base or text
        (directory / "policy/50-policy.yaml").write_text(text)
    else:
        if base is None:
            failures.append(f"{where}: a fragment before the base policy")
            continue
        (directory / "policy/10-example.yaml").write_text(text)
        (directory / "policy/90-base.yaml").write_text(base)
    result = run("check", "--format", "json", str(directory / "policy"))
    report = json.loads(result.stdout)
    errors = [d for d in report["diagnostics"] if d["severity"] == "error"]
    if kind == "refused":
        said = blocks[index + 1] if index + 1 < len(blocks) else None
        if not said or said[0][:1] != ["text"]:
            failures.append(f"{where}: a refused example needs the error in a ```text block")
            continue
        expected = said[1].strip()
        if not any(expected in d["message"] for d in errors):
            got = "; ".join(d["message"] for d in errors) or "no error"
            failures.append(f"{where}: expected the error '{expected}', got: {got}")
        continue
    if errors:
        failures.append(f"{where}: ackd check refuses it: " +
                        "; ".join(f"{d['line']}:{d['column']}: {d['message']}" for d in errors))
    current = directory

# Every key of the language has an example.
schema = json.loads((root / "schema/policy.schema.json").read_text())
keys = set()


def collect(node):
    if isinstance(node, dict):
        keys.update(node.get("properties", {}))
        for value in node.values():
            collect(value)
    elif isinstance(node, list):
        for value in node:
            collect(value)


collect(schema)
examples = "\n".join(text for info, text, _ in blocks if info[:1] == ["yaml"])
for key in sorted(keys):
    if not re.search(r"(^|[\s{,-])" + re.escape(key) + r":", examples, re.M):
        failures.append(f"docs/policy.md: no example uses the key '{key}'")

shutil.rmtree(work)
for f in failures:
    print("FAIL:", f)
if failures:
    sys.exit(1)
print("ok: " + ", ".join(f"{n} {k}" for k, n in counts.items()) +
      f" examples; all {len(keys)} keys of the language shown")
