"""Two ackd-like bots answering each other: each company's replies are posted to the other
company's ackd as complaints (as a platform connector would), in the same thread. The loop
guards stop it after one reply each. The real daemons, 127.0.0.1 only.

usage: loop_test.py ACKD_BINARY [unittest arguments]
"""
import os
import sys
import threading
import unittest

import harness
from harness import Daemon, Receiver, complaint, wait_for, wait_until

ACKD = None


class Relay:
    """A receiver whose replies are posted to another daemon as complaints by `account`."""

    def __init__(self, account):
        self.account = account
        self.target = None
        self.receiver = Receiver()
        self.receiver.on_message = self.forward

    def forward(self, message):
        if message["path"] == "/x/reply" and self.target is not None:
            # From another thread, so that this delivery is answered (and recorded) first.
            threading.Thread(target=self._post, args=(message["body"],), daemon=True).start()

    def _post(self, reply):
        self.target.post_complaint(complaint(
            f"from-{self.account}-{reply['complaint_id']}", author=self.account,
            text=reply["text"], thread_id=reply["thread_id"]) | {"author": {
                "id": self.account, "handle": self.account, "name": self.account}})


class LoopTest(unittest.TestCase):
    def test_two_bots_stop_after_one_reply_each(self):
        relay_a, relay_b = Relay("acme_a"), Relay("acme_b")
        a = Daemon(ACKD, relay_a.receiver).start()
        b = Daemon(ACKD, relay_b.receiver).start()
        relay_a.target, relay_b.target = b, a
        try:
            status, first, _ = a.post_complaint(complaint(1, author="customer", thread_id="T1"))
            self.assertEqual(status, 202)
            # A answers the customer; B gets that as a complaint and answers once; A gets
            # B's answer in a thread it already answered and stays quiet.
            def answer_reached_a():
                listed = a.request("GET", "/v1/handoffs?state=open")[1]["handoffs"]
                return [h["id"] for h in listed if h["id"] != first["id"]]
            second = wait_for(answer_reached_a, "B's answer to reach A as a complaint")
            self.assertEqual(len(second), 1)
            timeline = a.timeline(second[0])
            self.assertEqual(timeline["decision"]["reply"], "suppressed")
            self.assertEqual(timeline["decision"]["reason"],
                             "loop guard: this thread already had its automatic reply")
            # That was the end of it: A owes no reply to B's answer, so nothing more goes
            # round; each side sent exactly one reply.
            self.assertEqual(a.outbox(second[0], "reply"), [])
            a.wait_outbox(first["id"], "reply", "delivered")
            b_cases = b.request("GET", "/v1/handoffs?state=open")[1]["handoffs"]
            self.assertEqual(len(b_cases), 1)
            b.wait_outbox(b_cases[0]["id"], "reply", "delivered")
            self.assertEqual(len(relay_a.receiver.messages("/x/reply")), 1)
            self.assertEqual(len(relay_b.receiver.messages("/x/reply")), 1)
        finally:
            for d in (a, b):
                d.cleanup()
            relay_a.receiver.close()
            relay_b.receiver.close()


class EchoTest(unittest.TestCase):
    def test_a_text_repeating_our_reply_gets_none(self):
        receiver = Receiver()
        daemon = Daemon(ACKD, receiver).start()
        try:
            status, first, _ = daemon.post_complaint(complaint(1, author="customer"))
            self.assertEqual(status, 202)
            self.assertTrue(wait_until(lambda: receiver.messages("/x/reply")))
            ours = receiver.messages("/x/reply")[0]["body"]["text"]
            # A bot quotes our reply back, in its own thread, in full-width and with spaces.
            quoted = ours.replace("、", "、 ").replace("。", "。\n")
            status, echo, _ = daemon.post_complaint(complaint(2, author="quoting_bot", text=quoted))
            self.assertEqual(status, 202)
            self.assertEqual(echo["reply"], "suppressed")
            self.assertEqual(echo["reason"],
                             "loop guard: the text repeats a reply we sent within 24 hours")
            # Anything else from that author is answered as usual.
            status, other, _ = daemon.post_complaint(complaint(3, author="someone_else"))
            self.assertEqual(other["reply"], "queued")
        finally:
            daemon.cleanup()
            receiver.close()


if __name__ == "__main__":
    ACKD = os.path.abspath(sys.argv.pop(1))
    harness.main()
