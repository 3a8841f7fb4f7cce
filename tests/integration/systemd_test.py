"""What `ackd serve` tells systemd and takes from it: sd_notify messages (READY, RELOADING,
WATCHDOG, STOPPING) to a socket the test listens on, and a listening socket passed the
socket-activation way (LISTEN_FDS). The real daemon, 127.0.0.1 only.

usage: systemd_test.py ACKD_BINARY [unittest arguments]
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import harness
from harness import Daemon, Receiver, complaint, wait_for, wait_until

ACKD = None


class NotifySocket:
    """An AF_UNIX datagram socket, as systemd's NOTIFY_SOCKET; records each message with
    the time it came."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="ackd-notify-")
        self.path = os.path.join(self.dir, "notify")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.settimeout(0.1)
        self.lock = threading.Lock()
        self.messages = []  # (monotonic time, {field: value})
        self.running = True
        self.thread = threading.Thread(target=self._receive, daemon=True)
        self.thread.start()

    def _receive(self):
        while self.running:
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            fields = dict(line.split("=", 1) for line in data.decode().splitlines() if "=" in line)
            with self.lock:
                self.messages.append((time.monotonic(), fields))

    def all(self):
        with self.lock:
            return list(self.messages)

    def with_field(self, name, after=0.0):
        return [(t, m) for t, m in self.all() if name in m and t > after]

    def mark(self):
        """Sends a marker through the socket and waits until it is read: every message sent
        before it has been read too. Returns the time the marker was read."""
        marker = f"TEST_MARKER={time.monotonic()}"
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
            s.sendto(marker.encode(), self.path)
        key, value = marker.split("=")
        found = wait_for(lambda: [t for t, m in self.all() if m.get(key) == value],
                         "the notify socket's marker")
        return found[0]

    def close(self):
        self.running = False
        self.thread.join(timeout=2)
        self.sock.close()
        shutil.rmtree(self.dir, ignore_errors=True)


WATCHDOG_SEC = 1.5


def process_state(pid):
    """The state letter of /proc/PID/stat: R, S, T (stopped)..."""
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()[0]


class NotifyTest(unittest.TestCase):
    def setUp(self):
        self.receiver = Receiver()
        self.notify = NotifySocket()
        self.daemon = Daemon(ACKD, self.receiver)

    def tearDown(self):
        self.daemon.cleanup()
        self.notify.close()
        self.receiver.close()

    def start(self):
        # ackd pings every WatchdogSec / 3 from its event loop.
        self.daemon.start(env={"NOTIFY_SOCKET": self.notify.path,
                               "WATCHDOG_USEC": str(int(WATCHDOG_SEC * 1e6))})

    def test_ready_reload_watchdog_stopping(self):
        self.start()
        self.assertTrue(wait_until(lambda: self.notify.with_field("READY"), timeout=5))
        ready_at, ready = self.notify.with_field("READY")[0]
        self.assertEqual(ready["READY"], "1")
        self.assertIn("serving on 127.0.0.1:%d" % self.daemon.port, ready["STATUS"])
        # READY is the first message: nothing claims readiness before it.
        self.assertIn("READY", self.notify.all()[0][1])
        # Ready means ready: the socket answers and complaints are taken.
        status, _, _ = self.daemon.post_complaint(complaint(1))
        self.assertEqual(status, 202)

        # Pings keep coming while the loop runs (their interval, a third of WatchdogSec, is
        # service_systemd_test.cpp's; how late they come on a loaded machine is no test's).
        wait_for(lambda: len(self.notify.with_field("WATCHDOG", ready_at)) >= 4,
                 "four watchdog pings after READY", timeout=10)

        # A reload is bracketed by RELOADING=1 and READY=1.
        before = time.monotonic()
        self.daemon.signal(signal.SIGHUP)
        self.assertTrue(wait_until(lambda: self.notify.with_field("READY", before), timeout=5))
        reloading = self.notify.with_field("RELOADING", before)
        self.assertEqual(len(reloading), 1)
        self.assertIn("MONOTONIC_USEC", reloading[0][1])
        self.assertLess(reloading[0][0], self.notify.with_field("READY", before)[0][0])

        # A broken policy: still RELOADING then READY, the status says it was refused.
        with open(os.path.join(self.daemon.policy, "90-broken.yaml"), "w") as f:
            f.write("rules: [\n")
        before = time.monotonic()
        self.daemon.signal(signal.SIGHUP)
        self.assertTrue(wait_until(lambda: self.notify.with_field("READY", before), timeout=5))
        self.assertEqual(len(self.notify.with_field("RELOADING", before)), 1)
        self.assertIn("refused", self.notify.with_field("READY", before)[0][1]["STATUS"])
        status, _, _ = self.daemon.post_complaint(complaint(2))
        self.assertEqual(status, 202)

        # SIGTERM: STOPPING=1 comes before the process exits 0.
        before = time.monotonic()
        self.assertEqual(self.daemon.stop(), 0)
        stopping = self.notify.with_field("STOPPING", before)
        self.assertEqual(len(stopping), 1)
        self.assertEqual(stopping[0][1]["STOPPING"], "1")

    def test_a_stuck_event_loop_stops_the_pings(self):
        self.start()
        self.assertTrue(wait_until(lambda: len(self.notify.with_field("WATCHDOG")) >= 2, timeout=5))
        # SIGSTOP freezes the whole process, event loop included: no ping may arrive.
        self.daemon.signal(signal.SIGSTOP)
        wait_for(lambda: process_state(self.daemon.process.pid) == "T", "ackd to be stopped")
        # Datagrams arrive in order: once our own marker is read, so is every ping sent
        # before the freeze.
        frozen_at = self.notify.mark()
        # Frozen for a whole WatchdogSec, the time after which systemd would act.
        deadline = frozen_at + WATCHDOG_SEC
        wait_for(lambda: time.monotonic() > deadline, "a WatchdogSec to pass")
        self.assertEqual(process_state(self.daemon.process.pid), "T")
        self.assertEqual(self.notify.with_field("WATCHDOG", frozen_at), [])
        self.daemon.signal(signal.SIGCONT)
        wait_for(lambda: self.notify.with_field("WATCHDOG", frozen_at), "a ping after SIGCONT")

    def test_no_watchdog_pings_unless_asked(self):
        self.daemon.start(env={"NOTIFY_SOCKET": self.notify.path})
        wait_for(lambda: self.notify.with_field("READY"), "READY", timeout=5)
        # A ping would come at start; STOPPING is the last message of the process's life.
        self.assertEqual(self.daemon.stop(), 0)
        wait_for(lambda: self.notify.with_field("STOPPING"), "STOPPING", timeout=5)
        self.assertEqual(self.notify.with_field("WATCHDOG"), [])


# Where libsystemd sends journal entries: /run/systemd/journal/socket, one per machine. The
# test stands in for journald there inside a mount namespace of ackd's own (a private /run
# with the test's folder at /run/systemd/journal), so it runs where journald runs too.
PRIVATE_JOURNAL = ('mount -t tmpfs -o size=1m tmpfs /run && mkdir -p /run/systemd/journal && '
                   'mount --bind "$0" /run/systemd/journal && exec "$@"')


def private_journal_wrapper(folder):
    """The command line that runs its arguments with `folder` as /run/systemd/journal."""
    user = [] if os.geteuid() == 0 else ["--map-root-user"]
    return ["unshare", "--mount", "--propagation", "private", *user,
            "sh", "-c", PRIVATE_JOURNAL, folder]


def parse_journal_entry(data):
    """journald's native protocol: FIELD=value lines, or FIELD, newline, a 64-bit
    little-endian length and that many bytes for values with newlines."""
    fields, i = {}, 0
    while i < len(data):
        end = data.index(b"\n", i)
        line = data[i:end]
        if b"=" in line:
            name, value = line.split(b"=", 1)
            i = end + 1
        else:
            name = line
            size = int.from_bytes(data[end + 1:end + 9], "little")
            value = data[end + 9:end + 9 + size]
            i = end + 9 + size + 1
        fields[name.decode()] = value.decode("utf-8", "replace")
    return fields


class JournalTest(unittest.TestCase):
    """With stderr connected to the journal (JOURNAL_STREAM), log lines go to journald as
    entries with structured fields."""

    def setUp(self):
        self.folder = tempfile.mkdtemp(prefix="ackd-journal-")
        self.wrapper = private_journal_wrapper(self.folder)
        probe = subprocess.run([*self.wrapper, "true"], capture_output=True, text=True)
        if probe.returncode != 0:
            shutil.rmtree(self.folder)
            self.skipTest("needs a mount namespace (root, or user namespaces) to stand in for "
                          "journald: " + probe.stderr.strip())
        self.journal = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.journal.bind(os.path.join(self.folder, "socket"))
        self.journal.settimeout(0.1)
        self.entries = []
        self.running = True
        self.thread = threading.Thread(target=self._receive, daemon=True)
        self.thread.start()
        self.receiver = Receiver()
        self.daemon = Daemon(ACKD, self.receiver)

    def _receive(self):
        while self.running:
            try:
                self.entries.append(parse_journal_entry(self.journal.recv(65536)))
            except socket.timeout:
                continue
            except OSError:
                return

    def tearDown(self):
        self.daemon.cleanup()
        self.receiver.close()
        self.running = False
        self.thread.join(timeout=2)
        self.journal.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def test_decisions_carry_fields_and_no_customer_text(self):
        # systemd sets JOURNAL_STREAM to the device:inode of the stream behind stderr.
        open(self.daemon.log_path, "ab").close()
        st = os.stat(self.daemon.log_path)
        self.daemon.start(env={"JOURNAL_STREAM": f"{st.st_dev}:{st.st_ino}"}, wrapper=self.wrapper)
        status, body, _ = self.daemon.post_complaint(complaint(1, text="注文した商品がまだ届きません。"))
        self.assertEqual(status, 202)
        self.assertTrue(wait_until(
            lambda: any(e.get("COMPLAINT_ID") == body["id"] for e in self.entries), timeout=10))
        decision = next(e for e in self.entries if e.get("COMPLAINT_ID") == body["id"])
        self.assertEqual(decision["SYSLOG_IDENTIFIER"], "ackd")
        self.assertEqual(decision["PRIORITY"], "6")
        self.assertEqual(decision["CHANNEL"], "x")
        self.assertEqual(decision["RULE"], body["rule"])
        self.assertEqual(decision["REPLY"], "queued")
        self.assertEqual(decision["TEAM"], "support")
        self.assertIn(body["id"], decision["MESSAGE"])
        self.assertTrue(any("serving on" in e.get("MESSAGE", "") for e in self.entries))
        # Fields belong to their line only.
        self.assertFalse(any("COMPLAINT_ID" in e for e in self.entries
                             if "serving on" in e.get("MESSAGE", "")))
        everything = repr(self.entries) + self.daemon.read_log()
        self.assertNotIn("注文した商品", everything)
        # Nothing went to stderr as plain lines: the journal has it all.
        self.assertNotIn("serving on", self.daemon.read_log())

        # A multi-line message (a refused reload lists the problems) arrives whole.
        with open(os.path.join(self.daemon.policy, "90-broken.yaml"), "w") as f:
            f.write("rules: [\n")
        self.daemon.signal(signal.SIGHUP)
        self.assertTrue(wait_until(
            lambda: any("reload refused" in e.get("MESSAGE", "") for e in self.entries), timeout=10))
        refused = next(e for e in self.entries if "reload refused" in e.get("MESSAGE", ""))
        self.assertEqual(refused["PRIORITY"], "3")
        self.assertIn("90-broken.yaml:", refused["MESSAGE"])


class SocketActivationTest(unittest.TestCase):
    def setUp(self):
        self.receiver = Receiver()
        self.daemon = Daemon(ACKD, self.receiver)
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)

    def tearDown(self):
        self.daemon.cleanup()
        self.listener.close()
        self.receiver.close()

    def start_activated(self, count=1):
        # As systemd does: the sockets at fd 3.., LISTEN_FDS, and LISTEN_PID naming the
        # process that execs ackd (the shell's $$ is that process).
        fd = self.listener.fileno()
        moves = " ".join(f"{3 + i}<&{fd}" for i in range(count))
        wrapper = ["sh", "-c", f'exec {moves}; LISTEN_PID=$$ LISTEN_FDS={count} exec "$@"', "sh"]
        return self.daemon.start(wrapper=wrapper, pass_fds=(fd,))

    def test_complaint_through_the_passed_socket(self):
        configured_port = self.daemon.port
        self.daemon.port = self.listener.getsockname()[1]
        self.start_activated()
        status, body, _ = self.daemon.post_complaint(complaint(1))
        self.assertEqual(status, 202, body)
        self.assertTrue(wait_until(lambda: self.receiver.messages("/x/reply"), timeout=10))
        # The address in ackd.yaml was not bound: the passed socket replaced it.
        with socket.socket() as probe:
            probe.settimeout(1)
            self.assertNotEqual(probe.connect_ex(("127.0.0.1", configured_port)), 0)

    def test_more_than_one_socket_is_refused(self):
        self.daemon.port = self.listener.getsockname()[1]
        with self.assertRaises(RuntimeError) as raised:
            self.start_activated(count=2)
        self.assertIn("LISTEN_FDS: 2 sockets were passed", str(raised.exception))


if __name__ == "__main__":
    ACKD = os.path.abspath(sys.argv.pop(1))
    harness.main()
