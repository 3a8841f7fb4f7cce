"""The policy history and a safe boot: every version that served is kept in the store;
a policy on disk that does not load at start is replaced by the last version that served
(loudly: the log, /readyz "degraded", ackd_policy_fallback) rather than leaving complaints
unanswered; `ackd policy history`, `diff` and `rollback` read it.
The real daemon and a real receiver on 127.0.0.1.

usage: policy_history_test.py ACKD_BINARY [unittest arguments]
"""
import os
import re
import signal
import subprocess
import sys
import unittest

import harness
from harness import Daemon, Receiver, complaint, wait_for

ACKD = None


class PolicyHistoryTest(unittest.TestCase):
    def setUp(self):
        self.receiver = Receiver()
        self.daemon = Daemon(ACKD, self.receiver)
        self.rules = os.path.join(self.daemon.policy, "policy.yaml")
        self.config = os.path.join(self.daemon.dir, "ackd.yaml")

    def tearDown(self):
        self.daemon.cleanup()
        self.receiver.close()

    def ackd(self, *args):
        return subprocess.run([ACKD, *args, "--config", self.config], capture_output=True,
                              text=True, timeout=30)

    def edit(self, old, new):
        with open(self.rules, encoding="utf-8") as f:
            text = f.read()
        self.assertIn(old, text)
        with open(self.rules, "w", encoding="utf-8") as f:
            f.write(text.replace(old, new))

    def ready(self):
        status, body, _ = self.daemon.request("GET", "/readyz")
        self.assertEqual(status, 200, body)
        return body

    def history(self):
        run = self.ackd("policy", "history")
        self.assertEqual(run.returncode, 0, run.stderr)
        return [line.split() for line in run.stdout.splitlines()]

    def test_a_policy_that_no_longer_loads_is_replaced_by_the_last_that_served(self):
        self.daemon.start()
        first = self.ready()["policy"]
        self.assertIsNone(self.ready()["policy_fallback"])
        self.assertEqual(self.daemon.metric("ackd_policy_fallback"), 0)
        version = subprocess.run([ACKD, "--version"], capture_output=True, text=True).stdout.split()[1]
        self.assertEqual(self.daemon.metric("ackd_build_info", f'version="{version}"'), 1)
        self.daemon.stop()

        # An edit that breaks the policy, never reloaded, then a reboot.
        self.edit("within: 4h", "within: 4 hours")
        self.daemon.start()
        body = self.ready()
        self.assertEqual(body["status"], "degraded")
        self.assertEqual(body["policy"], first)
        self.assertIn("within must be a duration", body["policy_fallback"])
        self.assertEqual(self.daemon.metric("ackd_policy_fallback"), 1)
        self.assertIn("the policy on disk does not load: serving the last version that served, "
                      + first, self.daemon.read_log())
        # Complaints are answered by the version that served.
        status, accepted, _ = self.daemon.post_complaint(complaint(1))
        self.assertEqual((status, accepted["rule"], accepted["reply"]), (202, "default", "queued"))
        wait_for(lambda: self.receiver.messages("/x/reply"), "the reply")

        # Fixed on disk and reloaded: the fallback ends.
        self.edit("within: 4 hours", "within: 3h")
        self.daemon.signal(signal.SIGHUP)
        wait_for(lambda: self.ready()["policy"] != first, "the reload")
        self.assertEqual(self.ready()["status"], "ready")
        self.assertIsNone(self.ready()["policy_fallback"])
        self.assertEqual(self.daemon.metric("ackd_policy_fallback"), 0)
        second = self.ready()["policy"]

        lines = self.history()
        self.assertEqual([(l[1], l[2]) for l in lines],
                         [(first, "start"), (first, "fallback"), (second, "reload")])
        self.assertTrue(all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", l[0]) for l in lines))

        # What changed between the two, and from the second to what is on disk (nothing).
        run = self.ackd("policy", "diff", first[:6], second)
        self.assertEqual(run.returncode, 1, run.stderr)
        self.assertIn("-    handoff: {team: support, within: 4h}", run.stdout)
        self.assertIn("+    handoff: {team: support, within: 3h}", run.stdout)
        self.assertEqual(self.ackd("policy", "diff", second).returncode, 0)

        # Back to the first: its files are written back, what was there is kept, nothing
        # serves it until a reload.
        run = self.ackd("policy", "rollback", first)
        self.assertEqual(run.returncode, 0, run.stderr)
        with open(self.rules, encoding="utf-8") as f:
            self.assertIn("within: 4h", f.read())
        backups = [d for d in os.listdir(self.daemon.dir) if d.startswith("policy.before-rollback-")]
        self.assertEqual(len(backups), 1, os.listdir(self.daemon.dir))
        with open(os.path.join(self.daemon.dir, backups[0], "policy.yaml"), encoding="utf-8") as f:
            self.assertIn("within: 3h", f.read())
        self.assertEqual(self.ready()["policy"], second)
        self.daemon.signal(signal.SIGHUP)
        wait_for(lambda: self.ready()["policy"] == first, "the reload of the rolled-back policy")

    def test_without_an_earlier_version_a_policy_that_does_not_load_stops_the_start(self):
        self.edit("within: 4h", "within: 4 hours")
        with self.assertRaises(RuntimeError) as started:
            self.daemon.start()
        self.assertIn("within must be a duration like 15m, 4h or 3d, got '4 hours'; no earlier "
                      "version to serve", str(started.exception))

    def test_unknown_and_ambiguous_versions_are_named(self):
        self.daemon.start()
        self.daemon.stop()
        run = self.ackd("policy", "diff", "ffffffff")
        self.assertEqual(run.returncode, 1)
        self.assertIn("no policy version ffffffff has served", run.stderr)
        run = self.ackd("policy", "rollback")
        self.assertEqual(run.returncode, 2)


if __name__ == "__main__":
    ACKD = os.path.abspath(sys.argv.pop(1))
    harness.main()
