"""Retention and the right to deletion: with `retention: {personal_data: 1d}` the daemon
erases the personal data of an old resolved case (and of nothing else), and `ackd forget`
erases one author's data while the daemon runs; the reports still count both.
(Batches, deletion and every table touched are checked in tests/unit/store_test.cpp.)
The real daemon and a real receiver on 127.0.0.1.

usage: retention_test.py ACKD_BINARY [unittest arguments]
"""
import json
import os
import subprocess
import sys
import unittest

import harness
from harness import Daemon, Receiver, complaint, rfc3339_ago, wait_for

ACKD = None
NAME = "山田太郎"


class RetentionTest(unittest.TestCase):
    def setUp(self):
        self.receiver = Receiver()
        self.daemon = Daemon(ACKD, self.receiver,
                             extra_config="retention: {personal_data: 1d}\n").start()
        self.config = os.path.join(self.daemon.dir, "ackd.yaml")

    def tearDown(self):
        self.daemon.stop()
        self.daemon.cleanup()
        self.receiver.close()

    def post(self, c):
        status, body, _ = self.daemon.post_complaint(c)
        self.assertEqual(status, 202, body)
        return body["id"]

    def case(self, case_id):
        status, body, _ = self.daemon.request("GET", f"/v1/complaints/{case_id}")
        self.assertEqual(status, 200, body)
        return body

    def events(self, case_id):
        return [e["event"] for e in self.case(case_id)["timeline"]]

    @staticmethod
    def erasure(case):
        erased = [e for e in case["timeline"] if e["event"] == "personal_data_erased"]
        assert len(erased) == 1, case["timeline"]
        return erased[0]

    def tool(self, *args):
        run = subprocess.run([ACKD, *args, "--config", self.config], capture_output=True,
                             text=True, timeout=30)
        self.assertEqual(run.returncode, 0, run.stderr)
        return run.stdout

    def resolve(self, case_id):
        status, body, _ = self.daemon.request("POST", f"/v1/complaints/{case_id}/resolve",
                                              {"agent": "sato", "note": f"called {NAME} back"})
        self.assertEqual(status, 200, body)

    def test_an_old_resolved_case_loses_its_personal_data_and_still_counts(self):
        text = f"{NAME}です。注文した商品がまだ届きません。"
        old = self.post(complaint(1, author="old-author", name=NAME, text=text,
                                  received_at=rfc3339_ago(3 * 86400)))
        unresolved = self.post(complaint(2, author="open-author", name=NAME, text=text,
                                         received_at=rfc3339_ago(3 * 86400)))
        recent = self.post(complaint(3, author="new-author", name=NAME, text=text))
        self.resolve(old)
        self.resolve(recent)
        # (The old ones get no reply: too late to promise a time.)
        wait_for(lambda: self.receiver.messages("/x/reply"), "the recent one's reply")
        # Retention looks at start, then every minute.
        self.daemon.stop()
        self.daemon.start()
        wait_for(lambda: "personal_data_erased" in self.events(old), "the erasure")
        erased = self.case(old)
        self.assertNotIn(NAME, json.dumps(erased, ensure_ascii=False))
        self.assertNotIn("old-author", json.dumps(erased, ensure_ascii=False))
        self.assertEqual(self.erasure(erased)["why"], "retention")
        self.assertIn("resolved", self.events(old))
        for kept in (unresolved, recent):
            self.assertIn(NAME, json.dumps(self.case(kept), ensure_ascii=False))
            self.assertNotIn("personal_data_erased", self.events(kept))
        status, metrics, _ = self.daemon.request("GET", "/metrics")
        self.assertIn('ackd_retention_cases_total{action="erased"} 1', metrics)
        with open(self.daemon.log_path, encoding="utf-8") as f:
            self.assertIn("retention: erased the personal data of 1 cases", f.read())
        # The figures stay; an export has nothing of the erased case to give.
        report = json.loads(self.tool("report", "--since", "7d", "--format", "json"))
        self.assertEqual(report["total"]["complaints"], 3)
        self.assertEqual(report["total"]["resolved"], 2)
        exported = [json.loads(line)["external_id"]
                    for line in self.tool("export", "--since", "7d").splitlines()]
        self.assertEqual(exported, ["2", "3"])

    def test_forget_erases_one_author_on_every_channel_while_the_daemon_runs(self):
        mine = [self.post(complaint(4, author="forget-me", name=NAME)),
                self.post(complaint(5, author="forget-me", name=NAME, channel="chat"))]
        other = self.post(complaint(6, author="someone-else", name=NAME))
        out = self.tool("forget", "--author", "forget-me")
        self.assertIn("erased the personal data of 2 cases of author forget-me", out)
        for case_id in mine:
            case = self.case(case_id)
            self.assertNotIn(NAME, json.dumps(case, ensure_ascii=False))
            self.assertEqual(self.erasure(case)["why"], "forget")
        self.assertIn(NAME, json.dumps(self.case(other), ensure_ascii=False))
        self.assertIn("erased the personal data of 0 cases",
                      self.tool("forget", "--author", "forget-me", "--channel", "x"))
        # The daemon goes on taking complaints, from that author too.
        self.post(complaint(7, author="forget-me", name=NAME))
        run = subprocess.run([ACKD, "forget", "--config", self.config], capture_output=True,
                             text=True, timeout=30)
        self.assertEqual(run.returncode, 2, run.stderr)


if __name__ == "__main__":
    ACKD = os.path.abspath(sys.argv.pop(1))
    harness.main()
