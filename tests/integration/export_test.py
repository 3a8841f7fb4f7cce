"""`ackd export`: the stored complaints as NDJSON that POST /v1/complaints and `ackd replay`
take, over a period, and with --anonymise without who wrote them.
The real daemon and a real receiver on 127.0.0.1.

usage: export_test.py ACKD_BINARY [unittest arguments]
"""
import json
import os
import subprocess
import sys
import unittest

import harness
from harness import Daemon, Receiver, complaint, rfc3339_ago

ACKD = None


class ExportTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.receiver = Receiver()
        cls.daemon = Daemon(ACKD, cls.receiver).start()
        cls.config = os.path.join(cls.daemon.dir, "ackd.yaml")
        cls.sent = [
            complaint(1, author="a1", name="山田太郎", lang="ja",
                      metadata={"order": "A-1"}),
            complaint(2, text="至急！壊れています", author="a2", name="Ann", visibility="private"),
            complaint(3, author="a1", name="山田太郎"),
            complaint(4, author="a3", name="古い", received_at=rfc3339_ago(3 * 3600)),
        ]
        cls.rules = {}
        for c in cls.sent:
            status, body, _ = cls.daemon.post_complaint(c)
            assert status == 202, body
            cls.rules[c["external_id"]] = body["rule"]
        cls.daemon.stop()

    @classmethod
    def tearDownClass(cls):
        cls.daemon.cleanup()
        cls.receiver.close()

    def export(self, *args):
        run = subprocess.run([ACKD, "export", "--config", self.config, *args],
                             capture_output=True, text=True, timeout=30)
        self.assertEqual(run.returncode, 0, run.stderr)
        return [json.loads(line) for line in run.stdout.splitlines()]

    def test_the_period_is_by_the_time_each_complaint_was_received(self):
        recent = self.export("--since", "1h")
        self.assertEqual([c["external_id"] for c in recent], ["1", "2", "3"])
        everything = self.export("--from", "2000-01-01")
        self.assertEqual([c["external_id"] for c in everything], ["4", "1", "2", "3"])
        self.assertEqual(everything[0]["received_at"], self.sent[3]["received_at"].replace("+00:00", "Z"))

    def test_each_line_is_the_complaint_as_it_was_posted_with_when_it_was_received(self):
        first, second = self.export("--since", "1h")[:2]
        for key in ("external_id", "channel", "author", "text", "lang", "metadata"):
            self.assertEqual(first[key], self.sent[0][key], key)
        self.assertEqual(second["visibility"], "private")
        self.assertRegex(first["received_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")

    def test_replay_decides_the_export_as_the_daemon_did(self):
        path = os.path.join(self.daemon.dir, "export.ndjson")
        with open(path, "w", encoding="utf-8") as f:
            for c in self.export("--from", "2000-01-01"):
                f.write(json.dumps(c, ensure_ascii=False) + "\n")
        run = subprocess.run([ACKD, "replay", self.daemon.policy, path], capture_output=True,
                             text=True, timeout=30)
        self.assertEqual(run.returncode, 0, run.stderr)
        decided = {d["external_id"]: d["decision"]["rule"]
                   for d in map(json.loads, run.stdout.splitlines())}
        self.assertEqual(decided, self.rules)

    def test_anonymised_authors_keep_apart_and_together_but_not_their_names(self):
        out = self.export("--since", "1h", "--anonymise")
        text = json.dumps(out, ensure_ascii=False)
        for who in ("a1", "a2", "山田太郎", "Ann", "taro_y"):
            self.assertNotIn(f'"{who}"', text)
        authors = [c["author"] for c in out]
        self.assertEqual(authors[0], authors[2])  # the same person twice
        self.assertNotEqual(authors[0]["id"], authors[1]["id"])
        self.assertEqual(out[1]["text"], self.sent[1]["text"])

    def test_a_period_is_required(self):
        run = subprocess.run([ACKD, "export", "--config", self.config], capture_output=True,
                             text=True, timeout=30)
        self.assertEqual(run.returncode, 2)
        self.assertIn("give the period", run.stderr)


if __name__ == "__main__":
    ACKD = os.path.abspath(sys.argv.pop(1))
    harness.main()
