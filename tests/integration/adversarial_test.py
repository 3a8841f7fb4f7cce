"""The adversarial corpus (tests/data/adversarial/complaints.jsonl) through the real daemon:
every hostile complaint is answered 202 (or 400 when it is not a valid complaint), the
daemon neither crashes nor stalls, and no reply that reaches the receiver carries a
mention, a link, template syntax, or an invisible or bidi character.

usage: adversarial_test.py ACKD_BINARY [unittest arguments]
"""
import datetime
import json
import os
import re
import sys
import unittest

import harness
from harness import HERE, Daemon, Receiver, wait_for

ACKD = None
CORPUS = os.path.join(HERE, "..", "data", "adversarial", "complaints.jsonl")
UNSAFE = re.compile(r"[@＠﹫]|https?:|hxxp|://|www\.|xn--|\{\{|\}\}|"
                    r"[\u0000-\u0008\u000b-\u001f\u007f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]",
                    re.I)


class AdversarialTest(unittest.TestCase):
    def test_the_corpus_through_the_daemon(self):
        with open(CORPUS, encoding="utf-8") as f:
            corpus = [json.loads(line) for line in f if line.strip()]
        self.assertGreaterEqual(len(corpus), 200)
        receiver = Receiver()
        # The integration policy answers on x and chat; the corpus spans every channel, and
        # a channel neither the policy nor ackd.yaml knows is refused.
        daemon = Daemon(ACKD, receiver).start()
        known = {"x", "chat"}
        # The corpus was written on 2026-11-24: posted as arriving now, none is stale.
        now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
        try:
            # Every complaint is answered (how fast is bench/'s: BM_EvaluateAdversarial).
            accepted, queued, on_known = 0, set(), 0
            for n, body in enumerate(corpus, 1):
                if "received_at" in body:
                    body["received_at"] = now
                status, answer, _ = daemon.post_complaint(body, timeout=30)
                self.assertIn(status, (202, 400), f"line {n}: {answer}")
                if body.get("channel") not in known:
                    self.assertEqual(status, 400, f"line {n}: {answer}")
                    self.assertIn("unknown channel", answer["error"]["message"])
                    continue
                on_known += 1
                accepted += status == 202
                if status == 202 and answer["reply"] == "queued":
                    queued.add(answer["id"])
            self.assertEqual(daemon.request("GET", "/healthz")[0], 200)
            self.assertIsNone(daemon.process.poll(), "the daemon died")
            self.assertGreater(accepted, on_known * 3 // 4)
            self.assertGreater(len(queued), 30)

            # One reply for each 202 that queued one, and no other.
            def all_replies():
                return receiver.messages("/x/reply") + receiver.messages("/chat/reply")
            wait_for(lambda: {m["body"]["complaint_id"] for m in all_replies()} >= queued,
                     lambda: f"{len(queued)} queued replies ({len(all_replies())} arrived)",
                     timeout=30)
            replies = all_replies()
            self.assertEqual(sorted(m["body"]["complaint_id"] for m in replies), sorted(queued))
            for m in replies:
                text = m["body"]["text"]
                self.assertIsNone(UNSAFE.search(text), f"unsafe reply: {text!r}")
            print(f"\nadversarial: {len(corpus)} hostile complaints, {accepted} accepted, "
                  f"{len(replies)} replies checked", file=sys.stderr)
        finally:
            daemon.cleanup()
            receiver.close()


if __name__ == "__main__":
    ACKD = os.path.abspath(sys.argv.pop(1))
    harness.main()
