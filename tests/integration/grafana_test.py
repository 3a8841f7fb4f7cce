"""contrib/grafana/ackd.json: a dashboard Grafana can import (one Prometheus data source
variable, panels on a 24-column grid without overlaps), whose every query names metrics a
real ackd exposes, grouped by labels those metrics carry. The real daemon and a real
receiver on 127.0.0.1.

usage: grafana_test.py ACKD_BINARY [unittest arguments]
"""
import json
import os
import re
import sys
import unittest

import harness
from harness import Daemon, Receiver, complaint, wait_for

ACKD = None
DASHBOARD = os.path.join(harness.HERE, "..", "..", "contrib", "grafana", "ackd.json")
# Labels Prometheus adds, or that histograms carry.
NOT_ACKDS = {"instance", "job", "le"}


def metric_names(expr):
    return set(re.findall(r"\b(ackd_[a-z_]+)", expr))


def grouped_by(expr):
    """The labels of every `by (...)` clause."""
    labels = set()
    for group in re.findall(r"\bby \(([^)]*)\)", expr):
        labels.update(label.strip() for label in group.split(",") if label.strip())
    return labels - NOT_ACKDS


class GrafanaTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(DASHBOARD, encoding="utf-8") as f:
            cls.dashboard = json.load(f)
        cls.targets = [t for p in cls.dashboard["panels"] for t in p["targets"]]
        # A daemon that has taken a complaint, answered it, handed it off (claimed and
        # resolved) and refused one, so that its labelled families have series.
        receiver = Receiver()
        daemon = Daemon(ACKD, receiver).start()
        try:
            status, accepted, _ = daemon.post_complaint(complaint(1))
            assert status == 202, accepted
            assert daemon.request("POST", "/v1/complaints", raw=b"{")[0] == 400
            wait_for(lambda: receiver.messages("/x/reply") and receiver.messages("/team"),
                     "the reply and the handoff notice")
            wait_for(lambda: 'ackd_notices_sent_total{kind=' in
                     daemon.request("GET", "/metrics")[1], "the notice counted")
            for action in ("claim", "resolve"):
                path = f"/v1/complaints/{accepted['id']}/{action}"
                assert daemon.request("POST", path, {"agent": "sato"})[0] == 200, action
            cls.metrics = daemon.request("GET", "/metrics")[1]
        finally:
            daemon.stop()
            daemon.cleanup()
            receiver.close()
        cls.types = dict(re.findall(r"^# TYPE (\S+) (\S+)$", cls.metrics, re.M))
        cls.labels = {}
        for name, labels in re.findall(r"^(ackd_[a-z_]+)\{([^}]*)\}", cls.metrics, re.M):
            cls.labels.setdefault(name, set()).update(
                re.findall(r'([a-z_]+)="', labels))

    def known(self, name):
        if name in self.types:
            return name
        for suffix in ("_bucket", "_sum", "_count"):
            base = name[: -len(suffix)]
            if name.endswith(suffix) and self.types.get(base) == "histogram":
                return base
        return None

    def test_the_dashboard_is_one_grafana_can_import(self):
        d = self.dashboard
        self.assertEqual(d["uid"], "ackd-overview")
        variables = {v["name"]: v for v in d["templating"]["list"]}
        self.assertEqual(variables["datasource"]["type"], "datasource")
        self.assertEqual(variables["datasource"]["query"], "prometheus")
        ids = [p["id"] for p in d["panels"]]
        self.assertEqual(len(ids), len(set(ids)))
        cells = set()
        for p in d["panels"]:
            g = p["gridPos"]
            self.assertLessEqual(g["x"] + g["w"], 24, p["title"])
            mine = {(x, y) for x in range(g["x"], g["x"] + g["w"])
                    for y in range(g["y"], g["y"] + g["h"])}
            self.assertFalse(cells & mine, f"{p['title']} overlaps another panel")
            cells |= mine
            self.assertTrue(p["targets"], p["title"])
            for t in p["targets"]:
                self.assertEqual(t["datasource"]["uid"], "${datasource}", p["title"])
                self.assertIn('instance=~"$instance"', t["expr"], p["title"])

    def test_every_query_names_metrics_ackd_exposes(self):
        names = set()
        for t in self.targets:
            for name in metric_names(t["expr"]):
                self.assertIsNotNone(self.known(name), f"{name} in {t['expr']}")
                names.add(self.known(name))
        # Every family ackd exposes is on the dashboard but these (in the alerts, or detail
        # for the journal): a new metric is put on it or named here.
        left_out = set(self.types) - names
        self.assertEqual(left_out, {"ackd_complaints_duplicate_total", "ackd_policy_rules",
                                    "ackd_http_connections_refused_total",
                                    "ackd_source_events_skipped_total",
                                    "ackd_source_mails_total", "ackd_storms_total",
                                    "ackd_report_mails_total"})

    def test_the_handoff_metrics_count_this_case_by_team_and_priority(self):
        # The default rule's case (support, P3) was claimed, then resolved.
        for name in ("ackd_handoff_claim_seconds_count", "ackd_handoff_resolve_seconds_count"):
            self.assertRegex(self.metrics, rf'(?m)^{name}{{team="support",priority="P3"}} 1$')
        self.assertRegex(self.metrics,
                         r'(?m)^ackd_handoff_claim_seconds_bucket\{team="support",priority="P3",'
                         r'le="60"\} 1$')
        self.assertRegex(self.metrics, r'(?m)^ackd_handoffs_open\{team="support"\} 0$')

    def test_every_grouping_label_is_one_the_metric_carries(self):
        checked = 0
        for t in self.targets:
            for name in metric_names(t["expr"]):
                base = self.known(name)
                if base not in self.labels:
                    continue  # no series yet in this daemon (a source, a failure, retention)
                missing = grouped_by(t["expr"]) - self.labels[base]
                self.assertFalse(missing, f"{t['expr']}: {base} has no label {missing}")
                checked += 1
        self.assertGreaterEqual(checked, 8)


if __name__ == "__main__":
    ACKD = os.path.abspath(sys.argv.pop(1))
    harness.main()
