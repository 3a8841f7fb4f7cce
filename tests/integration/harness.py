"""Runs the real ackd daemon against a real HTTP receiver on 127.0.0.1."""
import datetime
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
TOKEN = "test-token-0123456789"
# Retries within seconds; a sink's next attempt comes at most MAX_RETRY_WAIT after its last.
FAST_RETRY = "delivery: {max_attempts: 1000, initial_backoff: 1s, max_backoff: 2s}\n"
MAX_RETRY_WAIT = 2.0  # max_backoff, which the jittered backoff never exceeds


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout=10.0, interval=0.02):
    """Polls `predicate` until it is true or `timeout` seconds pass; returns its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


def wait_for(predicate, what, timeout=10.0):
    """Polls `predicate` until it is true and returns its value; fails the test, naming `what`
    was awaited (a string, or a callable giving one then), if `timeout` seconds pass first.
    The way a test waits for a state."""
    value = wait_until(predicate, timeout)
    if not value:
        raise AssertionError(f"gave up after {timeout:g} s waiting for "
                             f"{what() if callable(what) else what}")
    return value


def wait_past(moment, what):
    """Waits until time.monotonic() passes `moment`: for "nothing happened by the time it
    was due", once the state that makes it due is established."""
    wait_for(lambda: time.monotonic() > moment, what, timeout=max(0.0, moment - time.monotonic()) + 5)


def unix_time(rfc3339_utc):
    """Seconds since the epoch of a "2026-11-24T01:00:00Z" timestamp as ackd writes them."""
    return datetime.datetime.strptime(rfc3339_utc, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()


TLS_DATA = os.path.join(HERE, "..", "data", "tls")


class Receiver:
    """Records every POST it gets; answers with `status` (a callable may decide per request).
    `on_message`, if set, is called with each message once it is recorded. With `tls`, it
    serves HTTPS with the test certificate for 127.0.0.1 (tests/data/tls)."""

    def __init__(self, port=0, tls=False):
        self.tls = tls
        self.lock = threading.Lock()
        self.received = []
        self.status = 200
        self.on_message = None
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                status = receiver.status(self.path) if callable(receiver.status) else receiver.status
                message = {
                    "path": self.path,
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "body": json.loads(body) if body else None,
                    "status": status,
                    "at": time.monotonic(),
                    "wall": time.time(),
                }
                with receiver.lock:
                    receiver.received.append(message)
                if receiver.on_message:
                    receiver.on_message(message)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(os.path.join(TLS_DATA, "server.pem"),
                                    os.path.join(TLS_DATA, "server-key.pem"))
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.server.daemon_threads = True
        # ackd killed mid-delivery resets connections; that is expected, not worth a trace.
        self.server.handle_error = lambda request, address: None
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def messages(self, path=None, kind=None, complaint_id=None, delivered_only=True):
        with self.lock:
            out = list(self.received)
        return [m for m in out
                if (path is None or m["path"] == path)
                and (kind is None or (m["body"] or {}).get("kind") == kind)
                and (complaint_id is None or (m["body"] or {}).get("complaint_id") == complaint_id)
                and (not delivered_only or 200 <= m["status"] < 300)]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class Daemon:
    """One ackd serve process with its own config, policy copy and state directory."""

    def __init__(self, ackd, receiver, policy_dir=None, mode="live", tokens=True, extra_config="",
                 http="{read_timeout: 1s, body_limit: 1048576}", state=None, reply_sink_options="",
                 extra_sinks="", x_reply_sink="x-replies"):
        self.ackd = ackd
        self.dir = tempfile.mkdtemp(prefix="ackd-it-")
        self.policy = os.path.join(self.dir, "policy")
        shutil.copytree(policy_dir or os.path.join(HERE, "policy"), self.policy)
        self.port = free_port()
        self.log_path = os.path.join(self.dir, "ackd.log")
        scheme = "https" if receiver.tls else "http"
        base = f"{scheme}://127.0.0.1:{receiver.port}"
        # Over HTTPS, every sink trusts the test CA.
        tls = (f", tls: {{ca_file: {os.path.abspath(os.path.join(TLS_DATA, 'ca.pem'))}}}"
               if receiver.tls else "")
        tokens_line = ""
        if tokens:
            with open(os.path.join(self.dir, "tokens"), "w") as f:
                f.write(TOKEN + "\n")
            tokens_line = "auth: {tokens_file: tokens}\n"
        with open(os.path.join(self.dir, "ackd.yaml"), "w") as f:
            f.write(
                f"listen: 127.0.0.1:{self.port}\n"
                f"policy: policy\n"
                f"state: {state or 'state'}\n"
                f"mode: {mode}\n"
                f"http: {http}\n"
                + tokens_line +
                "sinks:\n"
                f"  x-replies: {{type: webhook, url: \"{base}/x/reply\", timeout: 2s"
                f"{reply_sink_options}{tls}}}\n"
                f"  chat-replies: {{type: webhook, url: \"{base}/chat/reply\", timeout: 2s{tls}}}\n"
                f"  team-chat: {{type: webhook, url: \"{base}/team\", timeout: 2s{tls}}}\n"
                f"  lead-chat: {{type: webhook, url: \"{base}/lead\", timeout: 2s{tls}}}\n"
                + extra_sinks +
                "channels:\n"
                f"  x: {{reply_sink: {x_reply_sink}}}\n"
                "  chat: {reply_sink: chat-replies}\n"
                + extra_config)
        self.process = None
        self.token = TOKEN if tokens else None

    def start(self, env=None, wrapper=(), pass_fds=()):
        """`env` is added to the environment; `wrapper` is a command line to run ackd under
        (it ends with "$@"-style arguments), with `pass_fds` kept open for it."""
        if getattr(self, "log", None):
            self.log.close()  # a restart
        self.log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [*wrapper, self.ackd, "serve", "--config", os.path.join(self.dir, "ackd.yaml")],
            stdout=self.log, stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})}, pass_fds=pass_fds)
        ok = wait_until(lambda: self._healthy() or self.process.poll() is not None, timeout=15)
        if self.process.poll() is not None or not ok:
            raise RuntimeError("ackd did not start:\n" + self.read_log())
        return self

    def _healthy(self):
        try:
            return self.request("GET", "/healthz")[0] == 200
        except OSError:
            return False

    def read_log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def request(self, method, path, body=None, token="default", raw=None, timeout=10,
                headers=None):
        """Returns (status, parsed JSON or text, headers)."""
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data, method=method)
        req.add_header("Content-Type", "application/json")
        for name, value in (headers or {}).items():
            req.add_header(name, value)
        token = self.token if token == "default" else token
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as res:
                status, payload, headers = res.status, res.read(), dict(res.headers)
        except urllib.error.HTTPError as e:
            status, payload, headers = e.code, e.read(), dict(e.headers)
        text = payload.decode("utf-8", "replace")
        try:
            return status, json.loads(text), headers
        except ValueError:
            return status, text, headers

    def timeline(self, cid):
        """GET /v1/complaints/{cid}: the decision, the handoff, the outbox and the events."""
        status, body, _ = self.request("GET", f"/v1/complaints/{cid}")
        if status != 200:
            raise AssertionError(f"GET /v1/complaints/{cid} answered {status}: {body}")
        return body

    def outbox(self, cid, kind=None):
        """The complaint's deliveries as stored (state pending, delivered, failed or cancelled)."""
        return [o for o in self.timeline(cid)["outbox"] if kind is None or o["kind"] == kind]

    def wait_outbox(self, cid, kind, state, timeout=10.0):
        """Waits until every `kind` delivery of the complaint is in `state`; returns them."""
        def reached():
            items = self.outbox(cid, kind)
            return items if items and all(o["state"] == state for o in items) else None
        return wait_for(reached, lambda: f"the {kind} of {cid} to be {state} (outbox: "
                        f"{[(o['kind'], o['state']) for o in self.outbox(cid)]})", timeout)

    def metric(self, name, labels=""):
        """The value of one sample on /metrics, or None."""
        _, text, _ = self.request("GET", "/metrics")
        pattern = re.escape(name + ("{" + labels + "}" if labels else "")) + r" (\S+)"
        found = re.search(r"^" + pattern + r"$", text, re.M)
        return float(found.group(1)) if found else None

    def post_complaint(self, complaint, **kw):
        return self.request("POST", "/v1/complaints", complaint, **kw)

    def signal(self, sig):
        self.process.send_signal(sig)

    def stop(self, timeout=15):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                return self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                return None
        return self.process.returncode if self.process else None

    def kill9(self):
        self.process.kill()
        self.process.wait()

    def cleanup(self):
        self.stop()
        if getattr(self, "log", None):
            self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def rfc3339_ago(seconds):
    """The time `seconds` ago, as a complaint's received_at (UTC)."""
    at = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=seconds)
    return at.isoformat(timespec="seconds")


def case_reference(channel, external_id):
    """The case reference customers are given: FNV-1a of channel NUL id, in Crockford base32."""
    h = 1469598103934665603
    for byte in channel.encode() + b"\0" + external_id.encode():
        h = ((h ^ byte) * 1099511628211) % 2**64
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    return "AK-" + "".join(alphabet[(h >> (5 * i)) & 31] for i in range(6))


def complaint(external_id, text="注文した商品がまだ届きません。", author="42", name="山田太郎",
              channel="x", **extra):
    body = {"external_id": str(external_id), "channel": channel,
            "author": {"id": author, "name": name, "handle": "taro_y"}, "text": text}
    body.update(extra)
    return body


def in_ci():
    """True where the CI variable is set (CI=true in .ci/run): there a skipped test fails."""
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


SKIP_EXIT = 77  # tests/CMakeLists.txt counts it as skipped outside CI, as failed in CI


def main(argv=None):
    """unittest.main for the test files: `file.py ACKD_BINARY [unittest arguments]`. A run
    with a skipped test ends with a line saying so and exits 77; in CI it fails."""
    program = unittest.main(module="__main__", argv=argv, verbosity=2, exit=False)
    result = program.result
    if not result.wasSuccessful():
        sys.exit(1)
    if result.skipped:
        reasons = "; ".join(f"{test.id().split('.', 1)[-1]}: {why}" for test, why in result.skipped)
        verdict = "FAILED: CI runs every test" if in_ci() else "the run is incomplete"
        print(f"SKIPPED {len(result.skipped)} test(s), {verdict}: {reasons}", file=sys.stderr)
        sys.exit(1 if in_ci() else SKIP_EXIT)
