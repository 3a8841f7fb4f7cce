"""The delivery queue: `ackd queue list|show|retry|hold|release|drop` and /v1/admin/queue.
A delivery given up shows its case as failed (/v1/handoffs?state=failed, ackd_cases_failed)
until ops retry or drop it; a sink on hold keeps its deliveries across a restart; the tool
asks the running daemon, and writes the store itself when none runs. The real daemon, the
real ackd binary as ops run it, and a real receiver on 127.0.0.1.

usage: queue_test.py ACKD_BINARY [unittest arguments]
"""
import json
import time
import os
import subprocess
import sys
import unittest

import harness
from harness import Daemon, Receiver, complaint, wait_for, wait_past

ACKD = None


class QueueTest(unittest.TestCase):
    def setUp(self):
        self.receiver = Receiver()
        self.addCleanup(self.receiver.close)
        self.daemon = Daemon(ACKD, self.receiver)
        self.addCleanup(self.daemon.cleanup)

    def queue(self, *args, ok=True):
        """Runs `ackd queue` on the daemon's config, as ops would."""
        result = subprocess.run(
            [ACKD, "queue", "--config", os.path.join(self.daemon.dir, "ackd.yaml"), *args],
            capture_output=True, text=True, timeout=30, env={**os.environ, "USER": "ops-sato"})
        if ok:
            self.assertEqual(result.returncode, 0, result.stderr + result.stdout)
        return result

    def listed(self, *args):
        return json.loads(self.queue("list", "--format", "json", *args).stdout)

    def test_a_given_up_delivery_marks_its_case_until_retried(self):
        # The team's chat refuses for good (a 400 is final): the handoff notice is given up.
        self.receiver.status = lambda path: 400 if path == "/team" else 200
        self.daemon.start()
        status, body, _ = self.daemon.post_complaint(complaint(1, author="a1"))
        self.assertEqual(status, 202, body)
        cid = body["id"]
        failed = self.daemon.wait_outbox(cid, "handoff", "failed")[0]
        self.assertEqual(self.daemon.metric("ackd_cases_failed"), 1)
        handoffs = self.daemon.request("GET", "/v1/handoffs?state=failed")[1]["handoffs"]
        self.assertEqual([(h["id"], h["failed_deliveries"]) for h in handoffs], [(cid, 1)])

        # The tool reads the store beside the running daemon.
        rows = self.listed("--state", "failed")["deliveries"]
        self.assertEqual([(r["id"], r["complaint_id"], r["kind"], r["sink"]) for r in rows],
                         [(failed["id"], cid, "handoff", "team-chat")])
        self.assertIn("400", rows[0]["last_error"])
        table = self.queue("list").stdout
        self.assertRegex(table, rf"(?m)^{failed['id']}\s+failed\s+team-chat\s+handoff")
        shown = json.loads(self.queue("show", str(failed["id"])).stdout)
        self.assertEqual(shown["payload"]["kind"], "handoff")
        self.assertEqual(shown["payload"]["complaint_id"], cid)

        # Fixed at the team's end, retried through the daemon: the same key arrives.
        self.receiver.status = 200
        out = self.queue("retry", str(failed["id"])).stdout
        self.assertIn("retried 1", out)
        arrived = wait_for(lambda: self.receiver.messages("/team", kind="handoff"),
                           "the retried handoff notice")
        self.assertEqual(arrived[0]["headers"]["idempotency-key"], failed["idempotency_key"])
        self.daemon.wait_outbox(cid, "handoff", "delivered")
        self.assertEqual(self.daemon.metric("ackd_cases_failed"), 0)
        self.assertEqual(self.daemon.request("GET", "/v1/handoffs?state=failed")[1]["handoffs"], [])
        events = [e for e in self.daemon.timeline(cid)["timeline"] if e["event"] == "delivery_retried"]
        self.assertEqual([(e["by"], e["outbox_id"]) for e in events], [("ops-sato", failed["id"])])
        # Nothing left to retry: the tool says why and fails.
        again = self.queue("retry", str(failed["id"]), ok=False)
        self.assertEqual(again.returncode, 1)
        self.assertIn("delivered", again.stderr)

    def test_a_sink_on_hold_keeps_its_deliveries_across_a_restart(self):
        self.daemon.start()
        self.assertIn("held", self.queue("hold", "--sink", "team-chat", "--reason",
                                         "chat migration").stdout)
        status, body, _ = self.daemon.post_complaint(complaint(2, author="a2"))
        self.assertEqual(status, 202, body)
        cid = body["id"]
        # The reply goes; the team's notice waits.
        wait_for(lambda: self.receiver.messages("/x/reply", complaint_id=cid), "the reply")
        rows = wait_for(lambda: self.listed("--state", "held")["deliveries"], "a held delivery")
        self.assertEqual([(r["complaint_id"], r["kind"]) for r in rows], [(cid, "handoff")])
        holds = self.listed()["holds"]
        self.assertEqual((holds["team-chat"]["by"], holds["team-chat"]["reason"]),
                         ("ops-sato", "chat migration"))
        self.assertTrue(self.daemon.request("GET", "/readyz")[1]["sinks"]["team-chat"]["on_hold"])

        self.daemon.stop()
        self.daemon.start()
        self.assertTrue(self.daemon.request("GET", "/readyz")[1]["sinks"]["team-chat"]["on_hold"])
        wait_past(time.monotonic() + 1, "a second of the restarted daemon")
        self.assertEqual(self.receiver.messages("/team"), [])

        self.queue("release", "--sink", "team-chat")
        wait_for(lambda: self.receiver.messages("/team", kind="handoff", complaint_id=cid),
                 "the handoff notice after release")
        self.assertFalse(self.daemon.request("GET", "/readyz")[1]["sinks"]["team-chat"]["on_hold"])

    def test_a_dropped_delivery_is_never_sent_and_says_why(self):
        self.daemon.start()
        self.queue("hold", "--sink", "team-chat")
        status, body, _ = self.daemon.post_complaint(complaint(3, author="a3"))
        cid = body["id"]
        handoff = self.daemon.outbox(cid, "handoff")[0]
        out = self.queue("drop", str(handoff["id"]), "--reason", "the customer called the shop")
        self.assertIn("dropped", out.stdout)
        self.queue("release", "--sink", "team-chat")
        self.daemon.wait_outbox(cid, "handoff", "cancelled")
        dropped = [e for e in self.daemon.timeline(cid)["timeline"] if e["event"] == "delivery_dropped"]
        self.assertEqual([(e["by"], e["reason"], e["was"]) for e in dropped],
                         [("ops-sato", "the customer called the shop", "held")])
        # The breach notice is still owed and stays; only the handoff notice is gone.
        wait_past(time.monotonic() + 1, "a second after release")
        self.assertEqual(self.receiver.messages("/team", complaint_id=cid), [])

    def test_with_the_daemon_stopped_the_tool_works_on_the_store(self):
        self.receiver.status = lambda path: 400 if path == "/team" else 200
        self.daemon.start()
        status, body, _ = self.daemon.post_complaint(complaint(4, author="a4"))
        cid = body["id"]
        failed = self.daemon.wait_outbox(cid, "handoff", "failed")[0]
        escalation = self.daemon.outbox(cid, "escalation")[0]
        self.daemon.stop()
        self.assertEqual([r["id"] for r in self.listed("--state", "failed")["deliveries"]],
                         [failed["id"]])
        self.assertIn("retried 1", self.queue("retry", "--failed-since", "1h").stdout)
        # And a delivery dropped on the store stays dropped at start.
        out = self.queue("drop", str(escalation["id"]), "--reason", "the lead knows")
        self.assertIn("dropped", out.stdout)
        self.receiver.status = 200
        self.daemon.start()
        wait_for(lambda: self.receiver.messages("/team", kind="handoff", complaint_id=cid),
                 "the handoff notice owed again at start")
        self.assertEqual(self.daemon.outbox(cid, "escalation")[0]["state"], "cancelled")

    def test_scopes_and_bad_requests(self):
        with open(os.path.join(self.daemon.dir, "tokens"), "a") as f:
            f.write("read lead-1\n")
        self.daemon.start()
        status, body, _ = self.daemon.request("GET", "/v1/admin/queue?state=due", token="lead-1")
        self.assertEqual(status, 200, body)
        status, body, _ = self.daemon.request("POST", "/v1/admin/queue/retry",
                                              {"by": "x", "sink": "team-chat"}, token="lead-1")
        self.assertEqual((status, body["error"]["code"]), (403, "forbidden"))
        status, body, _ = self.daemon.request("POST", "/v1/admin/queue/hold",
                                              {"by": "x", "sink": "team-chta"})
        self.assertEqual(status, 400)
        self.assertIn("did you mean 'team-chat'", body["error"]["message"])
        status, body, _ = self.daemon.request("POST", "/v1/admin/queue/retry", {"by": "x"})
        self.assertEqual(status, 400)
        self.assertIn("which deliveries", body["error"]["message"])
        status, body, _ = self.daemon.request("GET", "/v1/admin/queue?state=stuck")
        self.assertEqual(status, 400)
        self.assertEqual(self.daemon.request("POST", "/v1/admin/queue/99999/drop",
                                             {"by": "x", "reason": "y"})[0], 404)
        usage = self.queue("retry", ok=False)
        self.assertEqual(usage.returncode, 2)

    def test_a_second_daemon_on_the_same_store_refuses_to_start(self):
        self.daemon.start()
        second = Daemon(ACKD, self.receiver, state=os.path.join(self.daemon.dir, "state"))
        self.addCleanup(second.cleanup)
        with self.assertRaises(RuntimeError) as refused:
            second.start()
        self.assertIn("an ackd serves", str(refused.exception))


if __name__ == "__main__":
    ACKD = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
