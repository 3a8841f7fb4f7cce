#!/usr/bin/env python3
"""The console's load on the daemon (scripts/bench-console.sh runs it).

With OPEN cases waiting in a fresh store (posted through the API, each its own author),
measures on 127.0.0.1, each request on a kept-alive connection as a browser makes it:
- the first load: every request the console makes to show the queue (the page, its style
  and script, /v1/me, /readyz, /v1/admin/pause, the first page of /v1/handoffs), each one's
  time to first byte (p50, p99 of --repeat loads) and bytes;
- a live update: from POST /v1/complaints to its event on an open /v1/events stream, then
  the page's refetch of /v1/handoffs (time to first byte and bytes);
- GET /v1/handoffs p99 by state and with filters.
With --store DIR (a filled store, bench-report's), only the /v1/handoffs figures, there.

usage: console_bench.py ACKD [--open 10000] [--repeat 200] [--store DIR] [--json FILE]
"""
import argparse
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN = "bench-token-0123456789"
RULES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "rules")


class Sink(BaseHTTPRequestHandler):
    """Every sink: takes each delivery at once."""
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


class Client:
    """One kept-alive connection, as a browser tab holds."""

    def __init__(self, port):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def call(self, method, path, body=None):
        """(status, body bytes, seconds to the first byte of the answer)."""
        headers = {"Authorization": f"Bearer {TOKEN}"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        self.connection.request(method, path, body=data, headers=headers)
        response = self.connection.getresponse()
        response_started = time.perf_counter()
        payload = response.read()
        return response.status, payload, response_started - started


class Events(threading.Thread):
    """An open GET /v1/events: the time each event arrives, by case id."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.sendall(f"GET /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          f"Authorization: Bearer {TOKEN}\r\n\r\n".encode())
        self.arrived = {}
        self.lock = threading.Condition()

    def run(self):
        buffer = b""
        while True:
            chunk = self.sock.recv(65536)
            if not chunk:
                return
            at = time.perf_counter()
            buffer += chunk
            while b"\n\n" in buffer:
                block, buffer = buffer.split(b"\n\n", 1)
                for line in block.split(b"\n"):
                    if line.startswith(b"data: "):
                        event = json.loads(line[6:])
                        if event.get("type") == "accepted":
                            with self.lock:
                                self.arrived[event["id"]] = at
                                self.lock.notify_all()

    def wait_for(self, case_id, timeout=10):
        with self.lock:
            self.lock.wait_for(lambda: case_id in self.arrived, timeout)
            return self.arrived.get(case_id)


def write_config(directory, port, sink_port, state):
    with open(os.path.join(directory, "tokens"), "w") as f:
        f.write(f"admin {TOKEN}\n")
    sinks = ["x-replies", "meta-replies", "chat-replies", "mail-replies", "safety-pager",
             "safety-lead", "legal-inbox", "legal-lead", "billing-chat", "support-chat",
             "support-lead"]
    with open(os.path.join(directory, "ackd.yaml"), "w") as f:
        f.write(f"listen: 127.0.0.1:{port}\npolicy: {os.path.abspath(RULES)}\nstate: {state}\n"
                "log_level: warn\nauth: {tokens_file: tokens}\nsinks:\n")
        for sink in sinks:
            f.write(f"  {sink}: {{type: webhook, url: \"http://127.0.0.1:{sink_port}/{sink}\"}}\n")
        f.write("channels:\n  x: {reply_sink: x-replies}\n  instagram: {reply_sink: meta-replies}\n"
                "  facebook: {reply_sink: meta-replies}\n  chat: {reply_sink: chat-replies}\n"
                "  line: {reply_sink: chat-replies}\n  email: {reply_sink: mail-replies}\n")


def complaint(n):
    texts = ["注文した商品がまだ届きません。", "アプリにログインできません", "請求が二重になっています",
             "届いた商品が壊れていました", "My order has not arrived yet."]
    return {"external_id": f"bench-{n}", "channel": "x",
            "author": {"id": f"author-{n}", "handle": f"user_{n}", "name": f"お客様{n}"},
            "text": texts[n % len(texts)]}


def summary(seconds):
    return {"p50_ms": round(percentile(seconds, 50) * 1000, 2),
            "p99_ms": round(percentile(seconds, 99) * 1000, 2)}


def handoffs_figures(client, repeat, queries):
    out = {}
    for name, path in queries:
        times, size = [], 0
        for _ in range(repeat):
            status, body, ttfb = client.call("GET", path)
            assert status == 200, (path, status, body[:200])
            times.append(ttfb)
            size = len(body)
        out[name] = {"path": path, "bytes": size, **summary(times)}
        print(f"  {name:32} {out[name]['p50_ms']:8.2f} ms p50 {out[name]['p99_ms']:8.2f} ms p99"
              f"  {size:7} bytes", flush=True)
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("ackd")
    parser.add_argument("--open", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--store")
    parser.add_argument("--json")
    args = parser.parse_args()

    sink = ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    sink.daemon_threads = True
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    directory = tempfile.mkdtemp(prefix="ackd-bench-console-")
    port = free_port()
    state = os.path.abspath(args.store) if args.store else os.path.join(directory, "state")
    write_config(directory, port, sink.server_address[1], state)
    daemon = subprocess.Popen([args.ackd, "serve", "--config", os.path.join(directory, "ackd.yaml")])
    results = {}
    try:
        client = None
        for _ in range(600):  # a filled store may migrate first
            try:
                client = Client(port)
                if client.call("GET", "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        if not args.store:
            started = time.perf_counter()
            for n in range(args.open):
                status, body, _ = client.call("POST", "/v1/complaints", complaint(n))
                assert status == 202, body
            print(f"{args.open} open cases posted in {time.perf_counter() - started:.1f} s", flush=True)
            _, body, _ = client.call("GET", "/readyz")
            results["open_cases"] = args.open

            print("== first load (time to first byte, bytes)", flush=True)
            first = [("page /ui/", "/ui/"), ("style", "/ui/console.css"), ("script", "/ui/console.js"),
                     ("/v1/me", "/v1/me"), ("/readyz", "/readyz"), ("/v1/admin/pause", "/v1/admin/pause"),
                     ("first page of cases", "/v1/handoffs?state=active")]
            results["first_load"] = handoffs_figures(client, args.repeat, first)
            results["first_load_bytes"] = sum(v["bytes"] for v in results["first_load"].values())
            print(f"  first load in all: {results['first_load_bytes']} bytes", flush=True)

            print("== a live update: POST to its event on /v1/events, then the refetch", flush=True)
            events = Events(port)
            events.start()
            poster = Client(port)
            to_event = []
            for n in range(args.repeat):
                sent = time.perf_counter()
                status, body, _ = poster.call("POST", "/v1/complaints", complaint(args.open + n))
                arrived = events.wait_for(json.loads(body)["id"])
                assert arrived is not None, "no event"
                to_event.append(arrived - sent)
            results["post_to_event"] = summary(to_event)
            print(f"  POST to event: {results['post_to_event']['p50_ms']} ms p50, "
                  f"{results['post_to_event']['p99_ms']} ms p99", flush=True)
            results["refetch"] = handoffs_figures(client, args.repeat,
                                                  [("refetch of the first page", "/v1/handoffs?state=active")])

        print("== GET /v1/handoffs", flush=True)
        _, page, _ = client.call("GET", "/v1/handoffs?state=resolved&limit=100")
        cursor = json.loads(page).get("next_cursor", "")
        queries = [("open", "/v1/handoffs?state=open"),
                   ("active", "/v1/handoffs?state=active"),
                   ("breached", "/v1/handoffs?state=breached"),
                   ("resolved", "/v1/handoffs?state=resolved"),
                   ("resolved, second page", f"/v1/handoffs?state=resolved&cursor={cursor}"),
                   ("active, one team", "/v1/handoffs?state=active&team=support"),
                   ("failed", "/v1/handoffs?state=failed"),
                   ("1000 open", "/v1/handoffs?state=open&limit=1000")]
        results["handoffs"] = handoffs_figures(client, args.repeat, queries)
        results["handoffs"].update(handoffs_figures(
            client, max(3, args.repeat // 20), [("all, by author handle", "/v1/handoffs?state=all&author=user_7")]))
    finally:
        daemon.terminate()
        daemon.wait(timeout=60)
        shutil.rmtree(directory, ignore_errors=True)
        sink.shutdown()
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
