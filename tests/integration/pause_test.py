"""The kill switch: POST /v1/admin/pause and /resume. While paused no reply reaches a
customer, complaints are still accepted and handed off; the pause survives a restart;
resume sends what was held (pause.replies: hold) or drops it (suppress).
The real daemon and a real receiver on 127.0.0.1.

usage: pause_test.py ACKD_BINARY [unittest arguments]
"""
import json
import os
import sys
import unittest

import harness
from harness import (FAST_RETRY, MAX_RETRY_WAIT, Daemon, Receiver, complaint, wait_for,
                     wait_past)

ACKD = None


def replies(receiver):
    return receiver.messages("/x/reply")


class PauseTest(unittest.TestCase):
    def setUp(self):
        self.receiver = Receiver()

    def tearDown(self):
        self.daemon.cleanup()
        self.receiver.close()

    def pause(self, **body):
        return self.daemon.request("POST", "/v1/admin/pause", body)

    def owe_a_failing_reply(self):
        """A complaint whose reply the sink refuses (500): owed, and retried. Returns its id."""
        self.receiver.status = lambda path: 500 if path == "/x/reply" else 200
        status, body, _ = self.daemon.post_complaint(complaint(1, author="a1"))
        self.assertEqual(status, 202, body)
        self.assertEqual(body["reply"], "queued")
        wait_for(lambda: self.receiver.messages("/x/reply", delivered_only=False),
                 "a failed attempt at the first reply")
        return body["id"]

    def assert_reply_held(self, cid):
        replies = self.daemon.outbox(cid, "reply")
        self.assertEqual([(r["state"], r["held"]) for r in replies], [("pending", True)], cid)

    def test_pause_holds_replies_survives_restart_and_resume_sends_them(self):
        # One connection to the reply sink: arrival order is sending order.
        self.daemon = Daemon(ACKD, self.receiver, extra_config=FAST_RETRY,
                             reply_sink_options=", connections: 1").start()
        # A reply owed before the pause but stuck behind a failing sink is held too.
        before = self.owe_a_failing_reply()
        status, body, _ = self.pause(by="sato", reason="炎上対応")
        self.assertEqual(status, 200, body)
        self.assertEqual(body["paused"]["by"], "sato")
        self.assertEqual(body["held"], 1)
        # Its retry was due within MAX_RETRY_WAIT of the last failure; the sink now accepts.
        retry_due = self.receiver.messages("/x/reply", delivered_only=False)[-1]["at"] + MAX_RETRY_WAIT
        self.receiver.status = 200
        status, ready, _ = self.daemon.request("GET", "/readyz", token=None)
        self.assertEqual(status, 200)
        # Anyone may read /readyz: it says whether, not who or why.
        self.assertIs(ready["paused"], True)
        self.assertNotIn("sato", json.dumps(ready, ensure_ascii=False))
        status, paused, _ = self.daemon.request("GET", "/v1/admin/pause")
        self.assertEqual(status, 200)
        self.assertEqual((paused["paused"]["by"], paused["paused"]["reason"]), ("sato", "炎上対応"))

        accepted = [before]
        for i in range(2, 6):
            status, body, _ = self.daemon.post_complaint(complaint(i, author=f"a{i}"))
            self.assertEqual(status, 202, body)
            self.assertEqual(body["reply"], "queued")
            self.assertIn("held until replies are resumed", body["reason"])
            accepted.append(body["id"])
        # Handoffs go on; every reply is held in the store, and none goes out by the time
        # the failing one's retry was due.
        for cid in accepted:
            self.daemon.wait_outbox(cid, "handoff", "delivered")
            self.assert_reply_held(cid)
        wait_past(retry_due + 0.5, "the held reply's retry time to pass")
        self.assertEqual(replies(self.receiver), [])
        self.assertIn("reply_held", [e["event"] for e in self.daemon.timeline(before)["timeline"]])

        # A restart does not lift the pause: held replies stay held, a new one is held too.
        self.assertEqual(self.daemon.stop(), 0)
        self.daemon.start()
        self.assertTrue(self.daemon.request("GET", "/readyz")[1]["paused"])
        self.assertEqual(self.daemon.metric("ackd_replies_paused"), 1)
        status, body, _ = self.daemon.post_complaint(complaint(6, author="a6"))
        self.assertEqual(status, 202, body)
        accepted.append(body["id"])
        self.daemon.wait_outbox(body["id"], "handoff", "delivered")
        for cid in accepted:
            self.assert_reply_held(cid)
        self.assertEqual(replies(self.receiver), [])

        status, body, _ = self.daemon.request("POST", "/v1/admin/resume", {})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["paused"], False)
        self.assertEqual(body["released"], len(accepted))
        wait_for(lambda: len(replies(self.receiver)) >= len(accepted),
                 lambda: f"{len(accepted)} released replies ({len(replies(self.receiver))} came)",
                 timeout=15)
        # Every one, once, strictly oldest first.
        self.assertEqual([m["body"]["complaint_id"] for m in replies(self.receiver)], accepted)
        for cid in accepted:
            self.daemon.wait_outbox(cid, "reply", "delivered")

    def test_suppress_mode_drops_held_replies_and_sends_nothing_accepted_during_the_pause(self):
        self.daemon = Daemon(ACKD, self.receiver, extra_config=FAST_RETRY + "pause: {replies: suppress}\n",
                             reply_sink_options=", connections: 1").start()
        # Owed before the pause: held by it, dropped when it ends.
        before = self.owe_a_failing_reply()
        status, body, _ = self.pause(by="kato")
        self.assertEqual(status, 200, body)
        self.assertEqual(body["held"], 1)
        retry_due = self.receiver.messages("/x/reply", delivered_only=False)[-1]["at"] + MAX_RETRY_WAIT
        self.receiver.status = 200
        # Accepted during the pause: suppressed at once.
        status, during, _ = self.daemon.post_complaint(complaint(2, author="a2"))
        self.assertEqual(status, 202)
        self.assertEqual(during["reply"], "suppressed")
        self.assertIn("replies are paused by kato", during["reason"])
        self.assertEqual(self.daemon.outbox(during["id"], "reply"), [])

        status, body, _ = self.daemon.request("POST", "/v1/admin/resume", {})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["released"], 0)
        self.assertEqual(body["dropped"], 1)
        self.assertEqual([r["state"] for r in self.daemon.outbox(before, "reply")], ["cancelled"])
        self.assertIn("reply_suppressed", [e["event"] for e in self.daemon.timeline(before)["timeline"]])

        # After the pause replies go out again; the dropped one never does.
        status, after, _ = self.daemon.post_complaint(complaint(3, author="a3"))
        self.assertEqual(after["reply"], "queued")
        self.daemon.wait_outbox(after["id"], "reply", "delivered")
        wait_past(retry_due + 0.5, "the dropped reply's retry time to pass")
        self.assertEqual([m["body"]["complaint_id"] for m in replies(self.receiver)], [after["id"]])

    def test_the_switch_needs_a_token_and_a_name(self):
        self.daemon = Daemon(ACKD, self.receiver).start()
        status, _, _ = self.daemon.request("POST", "/v1/admin/pause", {"by": "x"}, token=None)
        self.assertEqual(status, 401)
        status, body, _ = self.daemon.request("POST", "/v1/admin/pause", {"reason": "no name"})
        self.assertEqual(status, 400)
        self.assertIn("by:", body["error"]["message"])
        self.daemon.cleanup()
        self.daemon = Daemon(ACKD, self.receiver, tokens=False).start()
        status, body, _ = self.daemon.request("POST", "/v1/admin/pause", {"by": "x"})
        self.assertEqual(status, 403)
        self.assertIn("auth.tokens_file", body["error"]["message"])


class ScopeTest(unittest.TestCase):
    """auth.tokens_file with scopes: each token does what its scope allows and gets 403
    for the rest; a line without a scope is an admin's, as before scopes."""

    def test_each_scope_does_what_it_allows(self):
        receiver = Receiver()
        self.addCleanup(receiver.close)
        daemon = Daemon(ACKD, receiver)
        self.addCleanup(daemon.cleanup)
        with open(os.path.join(daemon.dir, "tokens"), "a") as f:
            f.write("# scoped\nmetrics scrape-1\nread lead-1\nagent desk-1\ningest bridge-1\n")
        daemon.start()
        calls = {
            "metrics": ("GET", "/metrics", None),
            "read": ("GET", "/v1/handoffs?state=open", None),
            "agent": ("POST", "/v1/complaints/{id}/claim", {"agent": "sato"}),
            "ingest": ("POST", "/v1/complaints", None),
            "admin": ("POST", "/v1/admin/pause", {"by": "lead", "reason": "test"}),
        }
        allowed = {
            "scrape-1": {"metrics"},
            "lead-1": {"metrics", "read"},
            "desk-1": {"metrics", "read", "agent"},
            "bridge-1": {"ingest"},
        }
        status, first, _ = daemon.post_complaint(complaint(1, author="a1"))
        self.assertEqual(status, 202, first)
        for n, (token, may) in enumerate(allowed.items()):
            for scope, (method, path, body) in calls.items():
                if scope == "ingest":
                    body = complaint(100 + n, author=f"s{n}")
                status, answer, _ = daemon.request(method, path.format(id=first["id"]), body,
                                                   token=token)
                expected = {"ingest": 202}.get(scope, 200) if scope in may else 403
                self.assertEqual(status, expected, (token, scope, answer))
                if status == 403:
                    self.assertEqual(answer["error"]["code"], "forbidden")
                    self.assertIn(f"(it needs {scope})", answer["error"]["message"])
                if scope == "agent" and status == 200:  # for the next token's claim
                    daemon.request("POST", f"/v1/complaints/{first['id']}/unclaim",
                                   {"agent": "sato"}, token=token)
        self.assertEqual(daemon.metric("ackd_requests_rejected_total", 'reason="forbidden"'),
                         sum(len(calls) - len(may) for may in allowed.values()))
        # The harness's bare token is an admin's: it may pause.
        self.assertEqual(daemon.request("POST", "/v1/admin/pause", calls["admin"][2])[0], 200)


if __name__ == "__main__":
    ACKD = os.path.abspath(sys.argv.pop(1))
    harness.main()
