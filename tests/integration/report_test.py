"""`ackd report` on a store the real daemon filled: what was replied, suppressed, claimed,
resolved, escalated and breached, by team and by rule, as JSON, CSV and a table.
(The exact business-time arithmetic is checked on a known week in tests/unit/report_test.cpp.)
The real daemon and a real receiver on 127.0.0.1.

usage: report_test.py ACKD_BINARY [unittest arguments]
"""
import csv
import io
import json
import os
import subprocess
import sys
import time
import unittest

import harness
from harness import Daemon, Receiver, complaint, wait_for

ACKD = None


class ReportTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.receiver = Receiver()
        cls.daemon = Daemon(ACKD, cls.receiver).start()
        cls.config = os.path.join(cls.daemon.dir, "ackd.yaml")
        post = lambda c: cls.daemon.post_complaint(c)[1]
        # support: answered, claimed and resolved; the same author again (reply limit).
        cls.first = post(complaint(1, author="a1"))
        post(complaint(2, author="a1"))
        # fast: 2s to claim, escalated after 1s; nobody claims it: a breach.
        cls.urgent = post(complaint(3, text="至急お願いします", author="a2"))
        d = cls.daemon
        wait_for(lambda: len(cls.receiver.messages("/x/reply")) == 2, "both replies")
        assert d.request("POST", f"/v1/complaints/{cls.first['id']}/claim", {"agent": "sato"})[0] == 200
        assert d.request("POST", f"/v1/complaints/{cls.first['id']}/resolve", {"agent": "sato"})[0] == 200
        wait_for(lambda: cls.receiver.messages("/lead"), "the escalation of the urgent case")
        time.sleep(2.5)  # past the urgent case's deadline
        d.stop()

    @classmethod
    def tearDownClass(cls):
        cls.daemon.cleanup()
        cls.receiver.close()

    def report(self, *args):
        run = subprocess.run([ACKD, "report", "--config", self.config, "--since", "1h", *args],
                             capture_output=True, text=True, timeout=30)
        self.assertEqual(run.returncode, 0, run.stderr)
        return run.stdout

    def test_by_team_as_json(self):
        r = json.loads(self.report("--format", "json"))
        self.assertEqual(r["by"], "team")
        total = r["total"]
        self.assertEqual(total["complaints"], 3)
        self.assertEqual(total["replies"]["sent"], 2)  # the first, and the urgent one's DM
        self.assertEqual(total["replies"]["suppressed"], {"limit": 1})
        self.assertEqual(total["first_response"]["count"], 2)
        self.assertEqual((total["handoffs"], total["claimed"], total["resolved"]), (3, 1, 1))
        self.assertEqual((total["deadline_met"], total["breaches"]), (1, 1))
        self.assertEqual(total["escalations"], {"1": 1})
        groups = {g["key"]: g for g in r["groups"]}
        self.assertEqual(set(groups), {"fast", "support"})
        self.assertEqual(groups["fast"]["breaches"], 1)
        self.assertEqual(groups["fast"]["deadline_met_pct"], 0.0)
        self.assertEqual(groups["support"]["deadline_met_pct"], 100.0)
        # The teams have no calendar of their own: business time is wall time.
        self.assertEqual(groups["support"]["to_claim"]["business"],
                         groups["support"]["to_claim"]["wall"])
        self.assertEqual(r["repeat_complainants"][0]["author_id"], "a1")
        self.assertEqual(r["repeat_complainants"][0]["name"], "山田太郎")
        self.assertEqual(r["repeat_complainants"][0]["complaints"], 2)
        self.assertEqual(r["repeat_complainants"][0]["open"], 1)

    def test_by_rule_as_csv_and_as_a_table(self):
        rows = list(csv.DictReader(io.StringIO(self.report("--by", "rule", "--format", "csv"))))
        self.assertEqual([r["rule"] for r in rows], ["default", "urgent", "(total)"])
        self.assertEqual(rows[0]["complaints"], "2")
        self.assertEqual(rows[1]["escalations"], "1")
        self.assertEqual(rows[2]["replies_sent"], "2")
        table = self.report("--by", "rule")
        self.assertIn("rules that fired", table)
        self.assertRegex(table, r"\n  default  2  0\n")

    def test_the_api_answers_the_same_figures_while_the_daemon_runs(self):
        cli = json.loads(self.report("--format", "json", "--by", "rule"))
        self.daemon.start()
        try:
            status, api, _ = self.daemon.request("GET", "/v1/reports?since=1h&by=rule")
            self.assertEqual(status, 200, api)
            # What a delivery made since (a follow-up) cannot change.
            settled = ("complaints", "replies", "handoffs", "claimed", "resolved",
                       "deadline_met", "breaches", "to_claim", "to_resolve")
            for mine, theirs in zip([api["total"]] + api["groups"], [cli["total"]] + cli["groups"]):
                self.assertEqual({k: mine[k] for k in settled}, {k: theirs[k] for k in settled})
            status, text, headers = self.daemon.request("GET", "/v1/reports?since=1h&format=csv")
            self.assertEqual(status, 200)
            self.assertTrue(headers["Content-Type"].startswith("text/csv"), headers)
            self.assertTrue(text.startswith("team,complaints,"), text)
            status, by_agent, _ = self.daemon.request("GET", "/v1/reports?since=1h&by=agent")
            self.assertEqual(status, 200, by_agent)
            agents = {g["key"]: g["complaints"] for g in by_agent["groups"]}
            self.assertEqual(agents, {"sato": 1, "(nobody yet)": 2})
            for query in ("by=someone", "since=soon", "format=pdf", "from=2026-13-01"):
                status, body, _ = self.daemon.request("GET", "/v1/reports?" + query)
                self.assertEqual((status, body["error"]["code"]), (400, "invalid_query"), query)
            self.assertEqual(self.daemon.request("GET", "/v1/reports", token=None)[0], 401)
        finally:
            self.daemon.stop()

    def test_bad_arguments_are_usage_errors(self):
        for args in (["--by", "someone"], ["--format", "pdf"]):
            run = subprocess.run([ACKD, "report", "--config", self.config, "--since", "1h", *args],
                                 capture_output=True, text=True, timeout=30)
            self.assertEqual(run.returncode, 2, args)


if __name__ == "__main__":
    ACKD = os.path.abspath(sys.argv.pop(1))
    harness.main()
