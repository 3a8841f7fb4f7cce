#!/usr/bin/env python3
"""Checks the editor schemas (schema/) against ackd itself.

1. Both are valid JSON Schema (draft 2020-12).
2. Every bundled policy file and configuration validates.
3. Mistakes a support lead makes are underlined: each broken document is refused.
4. The schemas and the loaders agree on every key. A bogus key is put into each mapping of a
   document that uses every section; `ackd check --format json` names the keys its loader
   accepts there ("expected one of: ..."), and the schema must allow exactly those, and
   refuse the bogus one. A mapping whose keys are names (lists, templates, teams...) takes
   the bogus key as a name; the schema must then not close it either.

usage: schema_test.py ACKD_BINARY REPO_ROOT
"""
import copy
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile

try:
    import jsonschema
    import yaml
except ImportError:
    # 77: CTest counts it as skipped, or in CI (tests/CMakeLists.txt) as failed.
    print("SKIPPED: needs python3-jsonschema and python3-yaml", file=sys.stderr)
    sys.exit(77)

ackd = sys.argv[1]
root = pathlib.Path(sys.argv[2])
schemas = {name: json.loads((root / "schema" / f"{name}.schema.json").read_text())
           for name in ("policy", "ackd")}
failures = []
BOGUS = "zqxjv"


class StringDates(yaml.SafeLoader):
    """YAML as ackd reads it: 2026-12-31 is a text, not a date."""


StringDates.yaml_implicit_resolvers = {
    k: [(tag, regexp) for tag, regexp in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def load_yaml(text):
    return yaml.load(text, Loader=StringDates)


def schema_errors(kind, document):
    validator = jsonschema.Draft202012Validator(schemas[kind])
    return sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))


def where(error):
    return "/".join(str(p) for p in error.absolute_path) or "(top)"


def places(error):
    """Where an error and the errors behind it (of anyOf branches) point."""
    yield where(error)
    for e in error.context or []:
        yield from places(e)


# 1. Valid schemas.
for name, schema in schemas.items():
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as e:
        failures.append(f"{name}.schema.json is not a valid schema: {e.message}")

# 2. What ships validates.
shipped = [("policy", p) for p in sorted((root / "rules").glob("*.yaml"))]
shipped += [("ackd", root / p) for p in ("systemd/ackd.yaml", "systemd/ackd.platforms.yaml",
                                          "scripts/ackd.local.yaml")]
for kind, path in shipped:
    for error in schema_errors(kind, load_yaml(path.read_text())):
        failures.append(f"{path.relative_to(root)}: {where(error)}: {error.message}")

# 3. Mistakes are refused, each at its place.
RULE = ("rules:\n  - id: late\n    when: {text: {any: [遅延]}}\n    reply: {template: ack}\n"
        "    handoff: {team: support, within: 4h}\n")
mistakes = [
    ("policy", RULE.replace("    when", "    priorty: P2\n    when"), "rules/0", "a misspelt key"),
    ("policy", RULE.replace("    handoff:", "handoff:"), "rules/0", "a handoff dedented out of its rule"),
    ("policy", RULE.replace("within: 4h", "within: 4 hours"), "rules/0/handoff/within",
     "a duration in words"),
    ("policy", RULE.replace("{any: [遅延]}", "{anyof: [遅延]}"), "rules/0/when/text",
     "an unknown matcher"),
    ("policy", RULE.replace("reply: {template: ack}", "reply: nothing"), "rules/0/reply",
     "reply neither none nor a template"),
    ("policy", "teams:\n  support:\n    notify: chat\n  calendar: office\n", "teams/calendar",
     "a dedented team key"),
    ("policy", "calendars:\n  office:\n    timezone: Asia/Tokyo\n    hours: {monday: 09:00-18:00}\n",
     "calendars/office/hours", "an unknown day"),
    ("ackd", "policy: /etc/ackd/rules\nstate: /var/lib/ackd\nsinks:\n  chat: {type: slack, "
             "url: {credential: slack-url}, channel: x}\n", "sinks/chat", "a key of another type"),
    ("ackd", "policy: /etc/ackd/rules\nstate: /var/lib/ackd\nsinks:\n  chat: {type: slak}\n",
     "sinks/chat/type", "an unknown sink type"),
    ("ackd", "policy: /etc/ackd/rules\n", "(top)", "no state"),
]
for kind, text, place, what in mistakes:
    errors = schema_errors(kind, load_yaml(text))
    if not any(place in places(e) for e in errors):
        found = "; ".join(f"{where(e)}: {e.message}" for e in errors) or "no error"
        failures.append(f"{kind} schema: {what} is not underlined at {place} ({found})")


# 4. The schemas and the loaders agree.
def resolve(schema, node):
    """The subschemas that apply to `node` (an instance) under `schema`: refs followed,
    every allOf/anyOf/oneOf branch, `then` when `if` holds (else `else`)."""
    if not isinstance(schema, dict):
        return []
    out = [schema]
    if "$ref" in schema:
        target = schemas["current"]
        for part in schema["$ref"].lstrip("#/").split("/"):
            target = target[part]
        out += resolve(target, node)
    for key in ("allOf", "anyOf", "oneOf"):
        for branch in schema.get(key, []):
            out += resolve(branch, node)
    if "if" in schema:
        validator = jsonschema.Draft202012Validator(
            dict(schema["if"], **{"$defs": schemas["current"].get("$defs", {})}))
        out += resolve(schema.get("then" if validator.is_valid(node) else "else", {}), node)
    return out


def child_schemas(schema, node, key):
    found = []
    for s in resolve(schema, node):
        if isinstance(key, int):
            if isinstance(s.get("items"), dict):
                found.append(s["items"])
        elif key in s.get("properties", {}):
            found.append(s["properties"][key])
        elif isinstance(s.get("additionalProperties"), dict):
            found.append(s["additionalProperties"])
    return found


def schema_at(path, document):
    """The subschemas at `path` in `document`."""
    current = [schemas["current"]]
    node = document
    for key in path:
        current = [c for s in current for c in child_schemas(s, node, key)]
        node = node[key]
    return current, node


def is_secret(schema):
    return isinstance(schema, dict) and schema.get("$ref", "").endswith("/secret")


def closed_keys(subschemas, node, typed_section):
    """The keys the schema allows in `node`, or None if it takes other names too. In a
    typed section (a sink, a source), a setting written as a nested mapping (tls: {ca_file:
    ...}) counts as tls.ca_file, as ackd names it."""
    keys, closed = set(), False
    for s in (r for sub in subschemas for r in resolve(sub, node)):
        if s.get("additionalProperties") is False or s.get("unevaluatedProperties") is False:
            closed = True
        for name, sub in s.get("properties", {}).items():
            nested = [r for r in resolve(sub, None) if r.get("properties")] \
                if typed_section and not is_secret(sub) else []
            if nested and all(r.get("additionalProperties") is False for r in nested):
                keys |= {f"{name}.{k}" for r in nested for k in r["properties"]}
            else:
                keys.add(name)
    return keys if closed else None


def mappings(node, path=()):
    if isinstance(node, dict):
        yield path
        for k, v in node.items():
            yield from mappings(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from mappings(v, path + (i,))


def check_with_ackd(kind, document, work):
    if kind == "policy":
        (work / "policy.yaml").write_text(yaml.safe_dump(document, allow_unicode=True))
        args = [ackd, "check", "--format", "json", str(work / "policy.yaml")]
    else:
        (work / "ackd.yaml").write_text(yaml.safe_dump(document, allow_unicode=True))
        args = [ackd, "check", "--format", "json", "--config", str(work / "ackd.yaml")]
    env = dict(os.environ, ACKD_TEST_SECRET="s3cret", ACKD_TEST_URL="https://hooks.example.com/x")
    run = subprocess.run(args, capture_output=True, text=True, timeout=60, env=env)
    return json.loads(run.stdout)["diagnostics"]


EXPECTED = re.compile(r"expected one of: ([^)]*)\)")


def agree(kind, document, skip_under=()):
    """Puts the bogus key into each mapping of `document` in turn."""
    schemas["current"] = schemas[kind]
    with tempfile.TemporaryDirectory() as tmp:
        work = pathlib.Path(tmp)
        (work / "rules").mkdir()
        (work / "rules/policy.yaml").write_text(yaml.safe_dump(MAXIMAL_POLICY, allow_unicode=True))
        if kind == "ackd":
            document = dict(document, policy=str(work / "rules"), state=str(work / "state"))
        if errors := [d["message"] for d in check_with_ackd(kind, document, work)
                      if d["severity"] == "error"]:
            failures.append(f"{kind}: ackd check refuses the complete document: {errors}")
            return
        for path in mappings(document):
            if any(path[:len(p)] == p and len(path) > len(p) for p in skip_under):
                continue  # a typed section's nested setting: checked with the section
            probed = copy.deepcopy(document)
            target = probed
            for key in path:
                target = target[key]
            target[BOGUS] = BOGUS
            place = "/".join(map(str, path)) or "(top)"
            said = [d["message"] for d in check_with_ackd(kind, probed, work)
                    if f"'{BOGUS}'" in d["message"] or f".{BOGUS}'" in d["message"]]
            subschemas, node = schema_at(path, probed)
            schema_keys = closed_keys(subschemas, node, path in skip_under)
            listed = [EXPECTED.search(m) for m in said if m.startswith("unknown ")]
            listed = [m for m in listed if m]
            if listed:
                loader_keys = {k.strip() for k in listed[0].group(1).split(",")} - {"type"}
                if schema_keys is None:
                    failures.append(f"{kind} schema: {place} takes any key; ackd takes only "
                                    f"{sorted(loader_keys)}")
                elif (schema_keys - {"type"}) != loader_keys:
                    failures.append(
                        f"{kind} schema: {place}: ackd takes {sorted(loader_keys)}, the schema "
                        f"{sorted(schema_keys - {'type'})}")
            elif said and said[0].startswith("unknown ") and "did you mean" in said[0]:
                failures.append(f"{kind}: {place}: choose a bogus key farther from the real "
                                f"ones: {said[0]}")
            elif schema_keys is not None:
                failures.append(f"{kind} schema: {place} is closed to other keys, but ackd "
                                f"takes one there ({said[0] if said else 'no error'})")


MAXIMAL_POLICY = load_yaml((root / "tests/schema/policy.yaml").read_text())
MAXIMAL_CONFIG = load_yaml((root / "tests/schema/config.yaml").read_text())
if schema_errors("policy", MAXIMAL_POLICY):
    failures.append("tests/schema/policy.yaml does not validate: " + "; ".join(
        f"{where(e)}: {e.message}" for e in schema_errors("policy", MAXIMAL_POLICY)))
if schema_errors("ackd", MAXIMAL_CONFIG):
    failures.append("tests/schema/config.yaml does not validate: " + "; ".join(
        f"{where(e)}: {e.message}" for e in schema_errors("ackd", MAXIMAL_CONFIG)))
agree("policy", MAXIMAL_POLICY)
sections = [(kind, name) for kind in ("sinks", "sources") for name in MAXIMAL_CONFIG.get(kind, {})]
agree("ackd", MAXIMAL_CONFIG, skip_under=sections)

for f in failures:
    print("FAIL:", f)
if failures:
    sys.exit(1)
print(f"ok: 2 schemas, {len(shipped)} shipped files, {len(mistakes)} mistakes refused, "
      "every key agreed with ackd check")
