#!/usr/bin/env python3
"""ackd beside Prometheus Alertmanager, the peer it is modelled on, in one run.

One paced client posts the same number of items to each (a complaint to ackd, an alert to
Alertmanager) and one receiver on 127.0.0.1 takes what both deliver; the latency measured
is from just before the POST leaves the client to the delivery's arrival at the receiver.
Then a burst: N items posted as fast as 16 connections go, and the time until the last one
is delivered.

Alertmanager is configured as close to ackd's job as it goes: one group per alert
(`group_by: ['...']`), `group_wait: 0s`, one webhook receiver. It keeps alerts in memory
and writes nothing to disk before answering; ackd answers 202 only once the complaint, its
reply and its notices are committed with fsync.

usage: peer_bench.py ACKD_BINARY RULES_DIR WORK_DIR [--rate 200] [--count 2000] [--burst 2000]
                     [--burst-connections 16]
"""
import argparse
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ALERTMANAGER = "/usr/bin/prometheus-alertmanager"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Arrivals:
    """What the receiver has seen: arrival time by item key, per system."""

    def __init__(self):
        self.lock = threading.Lock()
        self.seen = {"ackd": {}, "alertmanager": {}}
        self.changed = threading.Condition(self.lock)

    def record(self, system, key, at):
        with self.lock:
            self.seen[system].setdefault(key, at)
            self.changed.notify_all()

    def wait_for(self, system, keys, deadline):
        """Arrival times of `keys`; raises if any is still missing at `deadline`."""
        with self.lock:
            while True:
                missing = [k for k in keys if k not in self.seen[system]]
                if not missing:
                    return [self.seen[system][k] for k in keys]
                left = deadline - time.monotonic()
                if left <= 0:
                    raise SystemExit(f"{system}: {len(missing)} of {len(keys)} never delivered")
                self.changed.wait(min(left, 0.5))


def start_receiver(arrivals):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            at = time.monotonic()
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
            if self.path.startswith("/am"):
                for alert in body.get("alerts", []):
                    arrivals.record("alertmanager", alert["labels"]["item"], at)
            elif body.get("kind") == "reply":
                arrivals.record("ackd", body["external_id"], at)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def wait_ready(port, path, deadline):
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise SystemExit(f"nothing ready on 127.0.0.1:{port}{path}")


def start_ackd(binary, rules, work, receiver_port):
    port = free_port()
    base = f"http://127.0.0.1:{receiver_port}"
    sinks = ["x-replies", "meta-replies", "chat-replies", "mail-replies", "safety-pager",
             "safety-lead", "legal-inbox", "legal-lead", "billing-chat", "support-chat",
             "support-lead"]
    lines = [f"listen: 127.0.0.1:{port}", f"policy: {rules}", f"state: {work}/ackd-state",
             "mode: live", "log_level: warn", "sinks:"]
    lines += [f'  {s}: {{type: webhook, url: "{base}/{s}", timeout: 5s}}' for s in sinks]
    lines += ["channels:", "  x: {reply_sink: x-replies}", "  instagram: {reply_sink: meta-replies}",
              "  facebook: {reply_sink: meta-replies}", "  chat: {reply_sink: chat-replies}",
              "  line: {reply_sink: chat-replies}", "  email: {reply_sink: mail-replies}"]
    config = os.path.join(work, "ackd.yaml")
    with open(config, "w") as f:
        f.write("\n".join(lines) + "\n")
    log = open(os.path.join(work, "ackd.log"), "w")
    proc = subprocess.Popen([binary, "serve", "--config", config], stdout=log, stderr=log)
    wait_ready(port, "/readyz", time.monotonic() + 30)
    return proc, port


def start_alertmanager(work, receiver_port):
    port, cluster = free_port(), free_port()
    config = os.path.join(work, "alertmanager.yml")
    with open(config, "w") as f:
        f.write(f"""route:
  receiver: bench
  group_by: ['...']
  group_wait: 0s
  group_interval: 1h
  repeat_interval: 24h
receivers:
  - name: bench
    webhook_configs:
      - url: http://127.0.0.1:{receiver_port}/am
        send_resolved: false
""")
    log = open(os.path.join(work, "alertmanager.log"), "w")
    proc = subprocess.Popen(
        [ALERTMANAGER, f"--config.file={config}", f"--storage.path={work}/am-data",
         f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address=",
         "--log.level=warn"], stdout=log, stderr=log)
    wait_ready(port, "/-/ready", time.monotonic() + 30)
    return proc, port


class Client:
    """One keep-alive connection that posts one item at a time."""

    def __init__(self, system, port, run):
        self.system, self.port, self.run = system, port, run
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

    def post(self, n):
        key = f"{self.run}-{n}"
        if self.system == "ackd":
            path = "/v1/complaints"
            body = {"external_id": key, "channel": "chat",
                    "author": {"id": f"a-{key}", "name": "Taro"},
                    "text": "注文した商品がまだ届きません。"}
        else:
            path = "/api/v2/alerts"
            body = [{"labels": {"alertname": "complaint", "item": key},
                     "annotations": {"text": "注文した商品がまだ届きません。"}}]
        data = json.dumps(body).encode()
        sent = time.monotonic()
        self.conn.request("POST", path, data, {"Content-Type": "application/json"})
        res = self.conn.getresponse()
        res.read()
        if res.status not in (200, 202):
            raise SystemExit(f"{self.system}: POST answered {res.status}")
        return key, sent


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100 * len(values)))]


def paced(system, port, arrivals, rate, count):
    client = Client(system, port, f"paced-{system}")
    sent = {}
    start = time.monotonic()
    for n in range(count):
        pause = start + n / rate - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        key, at = client.post(n)
        sent[key] = at
    keys = list(sent)
    arrived = arrivals.wait_for(system, keys, time.monotonic() + 60)
    latencies = [(a - sent[k]) * 1000 for k, a in zip(keys, arrived)]
    return {"p50_ms": percentile(latencies, 50), "p99_ms": percentile(latencies, 99),
            "max_ms": max(latencies)}


def burst(system, port, arrivals, count, connections):
    """`count` items posted as fast as `connections` keep-alive clients can."""
    keys, lock = [], threading.Lock()

    def worker(w):
        client = Client(system, port, f"burst-{system}-{w}")
        for n in range(w, count, connections):
            key, _ = client.post(n)
            with lock:
                keys.append(key)

    start = time.monotonic()
    threads = [threading.Thread(target=worker, args=(w,)) for w in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    posted = time.monotonic() - start
    if len(keys) != count:
        raise SystemExit(f"{system}: only {len(keys)} of {count} burst items accepted")
    last = max(arrivals.wait_for(system, keys, time.monotonic() + 120))
    return {"posted_s": posted, "delivered_s": last - start}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("ackd")
    parser.add_argument("rules")
    parser.add_argument("work")
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--burst", type=int, default=2000)
    parser.add_argument("--burst-connections", type=int, default=16)
    args = parser.parse_args()

    arrivals = Arrivals()
    receiver = start_receiver(arrivals)
    receiver_port = receiver.server_address[1]
    procs = []
    try:
        ackd, ackd_port = start_ackd(args.ackd, args.rules, args.work, receiver_port)
        procs.append(ackd)
        am, am_port = start_alertmanager(args.work, receiver_port)
        procs.append(am)
        results = {}
        # Interleaved so that both see the same machine: paced ackd, paced Alertmanager, then
        # the bursts.
        for system, port in (("ackd", ackd_port), ("alertmanager", am_port)):
            results[system] = paced(system, port, arrivals, args.rate, args.count)
        for system, port in (("ackd", ackd_port), ("alertmanager", am_port)):
            results[system].update(
                burst(system, port, arrivals, args.burst, args.burst_connections))
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
        receiver.shutdown()

    print(f"{args.count} items at {args.rate:g}/s on one connection, then a burst of "
          f"{args.burst} on {args.burst_connections}")
    print(f"{'':14}{'p50':>9}{'p99':>9}{'max':>9}{'burst posted':>14}{'burst delivered':>17}")
    for system, r in results.items():
        print(f"{system:14}{r['p50_ms']:8.2f}ms{r['p99_ms']:7.2f}ms{r['max_ms']:7.2f}ms"
              f"{r['posted_s']:13.2f}s{r['delivered_s']:16.2f}s")
    with open(os.path.join(args.work, "peer-bench.json"), "w") as f:
        json.dump(results, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
