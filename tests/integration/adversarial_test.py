"""The adversarial corpus (tests/data/adversarial/complaints.jsonl) through the real daemon:
every hostile complaint is answered 202 (or 400 when it is not a valid complaint), the
daemon neither crashes nor stalls, and no reply that reaches the receiver carries a
mention, a link, template syntax, or an invisible or bidi character.

usage: adversarial_test.py ACKD_BINARY [unittest arguments]
"""
import json
import os
import re
import sys
import time
import unittest

from harness import HERE, Daemon, Receiver

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
        # The integration policy answers on x and chat; the corpus spans every channel.
        daemon = Daemon(ACKD, receiver).start()
        try:
            accepted, slowest = 0, 0.0
            for n, body in enumerate(corpus, 1):
                started = time.monotonic()
                status, answer, _ = daemon.post_complaint(body, timeout=5)
                slowest = max(slowest, time.monotonic() - started)
                self.assertIn(status, (202, 400), f"line {n}: {answer}")
                accepted += status == 202
            self.assertLess(slowest, 2.0, "a hostile complaint stalled the daemon")
            self.assertEqual(daemon.request("GET", "/healthz")[0], 200)
            self.assertIsNone(daemon.process.poll(), "the daemon died")
            self.assertGreater(accepted, len(corpus) * 3 // 4)
            # Wait until the replies stop coming, then read every one.
            time.sleep(1.5)
            replies = receiver.messages("/x/reply") + receiver.messages("/chat/reply")
            self.assertGreater(len(replies), 30)
            for m in replies:
                text = m["body"]["text"]
                self.assertIsNone(UNSAFE.search(text), f"unsafe reply: {text!r}")
            print(f"\nadversarial: {len(corpus)} hostile complaints, {accepted} accepted, "
                  f"{len(replies)} replies checked, slowest answer {slowest * 1000:.0f} ms",
                  file=sys.stderr)
        finally:
            daemon.cleanup()
            receiver.close()


if __name__ == "__main__":
    ACKD = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
