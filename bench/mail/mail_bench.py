#!/usr/bin/env python3
"""ackd answering a mailbox: a real Dovecot (IMAP, IDLE) in, a real SMTP server (aiosmtpd)
out, both on 127.0.0.1 (tests/integration/dovecot.py starts Dovecot as the tests do).

1. Throughput: N unseen mails (distinct senders, UTF-8 Japanese text) waiting in the
   folder; ackd starts, takes each from IMAP, stores it, and answers it through its `smtp`
   sink. Reported: mails answered per second, from ackd's start to the last answer the SMTP
   server accepted.
2. Latency: ackd idling on the folder (IMAP IDLE); one mail at a time is put into the
   mailbox (IMAP APPEND, as a delivery would), and the time from just before the APPEND to
   the end of the answer's DATA at the SMTP server is measured. Reported: p50, p90, p99.

usage: mail_bench.py ACKD_BINARY WORK_DIR [--count 1000] [--latency-count 200]
"""
import argparse
import json
import os
import shutil
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "integration"))

import dovecot  # noqa: E402
from aiosmtpd.controller import Controller  # noqa: E402
from harness import Daemon, Receiver, free_port, wait_until  # noqa: E402
from mail_test import policy_with_email  # noqa: E402


class Timed:
    """Keeps the arrival time of each answer by the mail it answers."""

    def __init__(self):
        self.lock = threading.Lock()
        self.arrived = {}

    async def handle_DATA(self, server, session, envelope):
        at = time.monotonic()
        for line in envelope.content.split(b"\r\n"):
            if line.lower().startswith(b"in-reply-to:"):
                with self.lock:
                    self.arrived.setdefault(line.split(b":", 1)[1].strip().decode(), at)
                break
        return "250 2.0.0 queued"

    def count(self):
        with self.lock:
            return len(self.arrived)

    def at(self, message_id):
        with self.lock:
            return self.arrived.get(f"<{message_id}>")


def mail(i, prefix):
    return (f"From: {prefix}{i}@example.jp\r\nTo: support@example.com\r\n"
            f"Subject: 注文番号{i}の件\r\nMessage-ID: <{prefix}-{i}@example.jp>\r\n"
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
            "Content-Transfer-Encoding: 8bit\r\n\r\n"
            "先週注文した商品がまだ届きません。配送状況を確認していただけますか。\r\n").encode()


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("ackd")
    parser.add_argument("work")
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--latency-count", type=int, default=200)
    args = parser.parse_args()

    server = dovecot.Dovecot().start()
    timed = Timed()
    smtp_port = free_port()
    controller = Controller(timed, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    receiver = Receiver()
    policy = policy_with_email()
    ca_file = os.path.abspath(os.path.join(HERE, "..", "..", "tests", "data", "tls", "ca.pem"))
    daemon = Daemon(
        os.path.abspath(args.ackd), receiver, policy_dir=policy,
        state=os.path.join(os.path.abspath(args.work), "state"),
        extra_sinks=(f'  mail-out: {{type: smtp, url: "smtp://127.0.0.1:{smtp_port}", '
                     "from: support@example.com, connections: 8}\n"),
        extra_config=("  email: {reply_sink: mail-out}\n"
                      f'sources:\n  mail: {{type: imap, url: "imaps://127.0.0.1:'
                      f'{server.imaps_port}/INBOX", user: {dovecot.USER}, '
                      "password: {env: ACKD_BENCH_IMAP_PASSWORD}, "
                      f"tls: {{ca_file: {ca_file}}}}}\n"))
    results = {}
    try:
        imap = server.client()
        for i in range(args.count):
            imap.append("INBOX", None, None, mail(i, "burst"))
        imap.logout()

        started = time.monotonic()
        daemon.start(env={"ACKD_BENCH_IMAP_PASSWORD": dovecot.PASSWORD})
        if not wait_until(lambda: timed.count() >= args.count, timeout=600, interval=0.01):
            raise RuntimeError(f"only {timed.count()} of {args.count} mails answered")
        seconds = time.monotonic() - started
        results["throughput"] = {"mails": args.count, "seconds": round(seconds, 3),
                                 "mails_per_second": round(args.count / seconds, 1)}
        print(f"taken and answered: {args.count} mails in {seconds:.2f} s = "
              f"{args.count / seconds:.1f} mails/s")

        latencies = []
        imap = server.client()
        for i in range(args.latency_count):
            before = time.monotonic()
            imap.append("INBOX", None, None, mail(i, "one"))
            if not wait_until(lambda: timed.at(f"one-{i}@example.jp"), timeout=30, interval=0.001):
                raise RuntimeError(f"mail one-{i} not answered")
            latencies.append((timed.at(f"one-{i}@example.jp") - before) * 1000)
        imap.logout()
        results["latency_ms"] = {p: round(percentile(latencies, p), 2) for p in (50, 90, 99)}
        results["latency_ms"]["count"] = len(latencies)
        print("mailbox (APPEND, IDLE) to answer accepted by SMTP: "
              + ", ".join(f"p{p} {results['latency_ms'][p]:.1f} ms" for p in (50, 90, 99))
              + f" over {len(latencies)} mails")
    except Exception:
        print(daemon.read_log()[-4000:], file=sys.stderr)
        raise
    finally:
        daemon.cleanup()
        controller.stop()
        receiver.close()
        server.cleanup()
        shutil.rmtree(policy, True)
    with open(os.path.join(args.work, "mail-bench.json"), "w") as f:
        json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
