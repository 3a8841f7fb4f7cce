"""The kill switch: POST /v1/admin/pause and /resume. While paused no reply reaches a
customer, complaints are still accepted and handed off; the pause survives a restart;
resume sends what was held (pause.replies: hold) or drops it (suppress).
The real daemon and a real receiver on 127.0.0.1.

usage: pause_test.py ACKD_BINARY [unittest arguments]
"""
import os
import sys
import time
import unittest

from harness import Daemon, Receiver, complaint, wait_until

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

    def test_pause_holds_replies_survives_restart_and_resume_sends_them(self):
        # One connection to the reply sink: arrival order is sending order.
        self.daemon = Daemon(ACKD, self.receiver, reply_sink_options=", connections: 1").start()
        # A reply owed before the pause but stuck behind a failing sink is held too.
        self.receiver.status = lambda path: 500 if path == "/x/reply" else 200
        status, before, _ = self.daemon.post_complaint(complaint(1, author="a1"))
        self.assertEqual(status, 202)
        self.assertTrue(wait_until(lambda: self.receiver.messages("/x/reply", delivered_only=False)))

        status, body, _ = self.pause(by="sato", reason="炎上対応")
        self.assertEqual(status, 200, body)
        self.assertEqual(body["paused"]["by"], "sato")
        self.assertEqual(body["held"], 1)
        self.receiver.status = 200
        status, ready, _ = self.daemon.request("GET", "/readyz")
        self.assertEqual(status, 200)
        self.assertEqual(ready["paused"]["reason"], "炎上対応")

        accepted = [before["id"]]
        for i in range(2, 6):
            status, body, _ = self.daemon.post_complaint(complaint(i, author=f"a{i}"))
            self.assertEqual(status, 202, body)
            self.assertEqual(body["reply"], "queued")
            self.assertIn("held until replies are resumed", body["reason"])
            accepted.append(body["id"])
        # Handoffs go on; no reply goes out.
        self.assertTrue(wait_until(lambda: {m["body"]["complaint_id"] for m in
                                            self.receiver.messages("/team", kind="handoff")}
                                   >= set(accepted)))
        time.sleep(1.5)  # well past the failing reply's first backoff
        self.assertEqual(replies(self.receiver), [])

        # A restart does not lift the pause.
        self.assertEqual(self.daemon.stop(), 0)
        self.daemon.start()
        time.sleep(0.5)
        self.assertEqual(replies(self.receiver), [])
        self.assertTrue(self.daemon.request("GET", "/readyz")[1]["paused"])
        _, metrics, _ = self.daemon.request("GET", "/metrics")
        self.assertIn("ackd_replies_paused 1", metrics)
        _, timeline, _ = self.daemon.request("GET", f"/v1/complaints/{before['id']}")
        self.assertIn("reply_held", [e["event"] for e in timeline["timeline"]])

        status, body, _ = self.daemon.request("POST", "/v1/admin/resume", {})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["paused"], False)
        self.assertEqual(body["released"], len(accepted))
        self.assertTrue(wait_until(lambda: {m["body"]["complaint_id"] for m in replies(self.receiver)}
                                   == set(accepted), timeout=15))
        # Oldest first.
        first = [m["body"]["complaint_id"] for m in replies(self.receiver)]
        self.assertEqual(first[0], before["id"])

    def test_suppress_mode_sends_nothing_accepted_during_the_pause(self):
        self.daemon = Daemon(ACKD, self.receiver, extra_config="pause: {replies: suppress}\n").start()
        self.assertEqual(self.pause(by="kato")[0], 200)
        status, body, _ = self.daemon.post_complaint(complaint(1, author="a1"))
        self.assertEqual(status, 202)
        self.assertEqual(body["reply"], "suppressed")
        self.assertIn("replies are paused by kato", body["reason"])
        status, body, _ = self.daemon.request("POST", "/v1/admin/resume", {})
        self.assertEqual(status, 200)
        status, body, _ = self.daemon.post_complaint(complaint(2, author="a2"))
        self.assertEqual(body["reply"], "queued")
        self.assertTrue(wait_until(lambda: len(replies(self.receiver)) == 1))
        time.sleep(0.5)
        self.assertEqual([m["body"]["complaint_id"] for m in replies(self.receiver)], [body["id"]])

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


if __name__ == "__main__":
    ACKD = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
