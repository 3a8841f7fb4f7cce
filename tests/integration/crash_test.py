"""Crash, over and over: a steady stream of complaints while ackd is killed with SIGKILL at
random moments and restarted each time. Then, from the receiver's side: every complaint
that got a 202 got its reply and every notice its ladder owed (handoff, escalation,
breach), each under one stable idempotency key; and a complaint that got no answer was
either stored whole or not at all.

usage: crash_test.py ACKD_BINARY [--kills N] [--seed S] [unittest arguments]
The suite runs 20 kills; the long form is e.g. --kills 200.
"""
import argparse
import os
import random
import sys
import threading
import time
import unittest

import harness
from harness import Daemon, Receiver, complaint, wait_until

ACKD = None
KILLS = 20
SEED = None
OWED = {"reply", "handoff", "escalation", "breach"}  # the urgent rule's ladder


class CrashTest(unittest.TestCase):
    def test_kill_9_at_random_moments(self):
        rng = random.Random(SEED)
        receiver = Receiver()
        daemon = Daemon(ACKD, receiver).start()
        accepted = {}      # external id -> case id, for every 202
        unanswered = set() # external ids whose request got no answer
        lock = threading.Lock()
        stop = threading.Event()

        def stream(worker):
            n = 0
            while not stop.is_set():
                n += 1
                ext = f"w{worker}-{n}"
                # "至急" picks the rule whose ladder runs in seconds: escalation 1 s, breach 2 s.
                body = complaint(ext, author=ext, text="至急確認してください。")
                try:
                    status, reply, _ = daemon.post_complaint(body, timeout=3)
                except OSError:
                    with lock:
                        unanswered.add(ext)
                    time.sleep(0.02)
                    continue
                with lock:
                    if status == 202:
                        accepted[ext] = reply["id"]
                    elif status != 200:
                        unanswered.add(ext)  # 503 while starting: not stored either

        workers = [threading.Thread(target=stream, args=(w,)) for w in range(4)]
        restarts = 0
        try:
            for w in workers:
                w.start()
            for _ in range(KILLS):
                time.sleep(rng.uniform(0.05, 0.6))
                daemon.kill9()
                restarts += 1
                daemon.start()
            time.sleep(0.5)
            stop.set()
            for w in workers:
                w.join(timeout=15)

            # Unanswered complaints, sent again: a duplicate was stored (so must be whole),
            # a fresh 202 was not stored at all.
            stored_unanswered = {}
            for ext in sorted(unanswered):
                status, body, _ = daemon.post_complaint(
                    complaint(ext, author=ext, text="至急確認してください。"))
                self.assertIn(status, (200, 202), body)
                if status == 200:
                    self.assertTrue(body["duplicate"])
                    stored_unanswered[ext] = body["id"]
                else:
                    accepted[ext] = body["id"]
            cases = set(accepted.values()) | set(stored_unanswered.values())

            def deliveries():
                got = {}
                for m in receiver.messages():
                    b = m["body"] or {}
                    got.setdefault(b.get("complaint_id"), []).append(
                        (b.get("kind"), m["headers"]["idempotency-key"]))
                return got

            def complete():
                got = deliveries()
                return all(OWED <= {kind for kind, _ in got.get(c, [])} for c in cases)

            self.assertTrue(wait_until(complete, timeout=60, interval=0.2),
                            "a stored complaint is missing part of what it was owed")
            got = deliveries()
            redelivered = 0
            for case in cases:
                kinds = {}
                for kind, key in got[case]:
                    kinds.setdefault(kind, set()).add(key)
                # One stable key per thing owed, the key named for the case and the thing.
                for kind, keys in kinds.items():
                    self.assertEqual(len(keys), 1, f"{case} {kind}: keys {keys}")
                    self.assertTrue(next(iter(keys)).startswith(f"{case}:{kind}"))
                redelivered += len(got[case]) - len(kinds)
            unknown = set(got) - cases
            self.assertEqual(unknown, set(), "deliveries for complaints nobody was told about")
            print(f"\ncrash: {restarts} kill -9 and restarts, {len(accepted)} complaints with a "
                  f"202 checked ({len(unanswered)} unanswered, {len(stored_unanswered)} of them "
                  f"stored whole), 0 lost, {redelivered} redelivered under the same key",
                  file=sys.stderr)
        finally:
            stop.set()
            daemon.cleanup()
            receiver.close()


if __name__ == "__main__":
    ACKD = os.path.abspath(sys.argv.pop(1))
    parser = argparse.ArgumentParser()
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=None)
    options, rest = parser.parse_known_args()
    KILLS, SEED = options.kills, options.seed
    harness.main([sys.argv[0], *rest])
