"""Handoffs where the team works: the real daemon posts a notice to a local fake of Slack's
incoming webhook, and opens a ticket in a local fake of Zendesk's or Zammad's API, whose
signed webhook about that ticket claims and resolves the case in ackd. 127.0.0.1 only.

usage: team_tools_test.py ACKD_BINARY [unittest arguments]
"""
import base64
import hashlib
import hmac
import json
import os
import shutil
import sys
import tempfile
import threading
import unittest
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import harness
from harness import HERE, Daemon, Receiver, complaint, wait_for, wait_until

ACKD = None


class FakeHelpdesk:
    """The parts of Zendesk's and Zammad's REST APIs ackd calls, as their documentation gives
    them: tickets found by external id (Zendesk) or tag (Zammad), opened, commented on, and
    Zendesk's users; and a Slack incoming webhook (/services/...), which answers "ok". Every request is recorded; `fail_next_open` answers the next ticket
    creation with a 502 after making the ticket, as when an answer is lost on the way."""

    def __init__(self):
        self.lock = threading.Lock()
        self.requests = []
        self.tickets = {}  # id -> the ticket as created
        self.comments = {}  # id -> [comment or article bodies]
        self.fail_next_open = False
        desk = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def answer(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def handle_any(self):
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length)
                url = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(url.query))
                body = json.loads(raw) if raw else None
                with desk.lock:
                    desk.requests.append({"method": self.command, "path": url.path,
                                          "query": query, "body": body,
                                          "headers": {k.lower(): v for k, v in self.headers.items()}})
                    status, out = desk.route(self.command, url.path, query, body)
                self.answer(status, out)

            do_GET = do_POST = do_PUT = handle_any

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def route(self, method, path, query, body):
        if method == "POST" and path.startswith("/services/"):
            return 200, "ok"
        if method == "GET" and path == "/api/v2/tickets.json":
            found = [{"id": i, "external_id": t["external_id"]} for i, t in self.tickets.items()
                     if t.get("external_id") == query.get("external_id")]
            return 200, {"tickets": found, "count": len(found)}
        if method == "POST" and path == "/api/v2/tickets.json":
            return self.open(body["ticket"], 201, lambda i: {"ticket": {"id": i, "status": "new"}})
        if method == "PUT" and path.startswith("/api/v2/tickets/"):
            ticket = int(path.split("/")[4].split(".")[0])
            self.comments.setdefault(ticket, []).append(body["ticket"]["comment"])
            return 200, {"ticket": {"id": ticket}}
        if method == "GET" and path == "/api/v2/users/7350047052159.json":
            return 200, {"user": {"id": 7350047052159, "name": "Emma Taylor", "role": "agent"}}
        if method == "GET" and path == "/api/v1/tickets/search":
            tag = query.get("query", "").removeprefix("tags:")
            found = [i for i, t in self.tickets.items() if tag in t.get("tags", "").split(",")]
            return 200, {"tickets": found[:1], "tickets_count": len(found), "assets": {}}
        if method == "POST" and path == "/api/v1/tickets":
            return self.open(body, 201, lambda i: {"id": i, "number": str(10000 + i)})
        if method == "POST" and path == "/api/v1/ticket_articles":
            self.comments.setdefault(body["ticket_id"], []).append(body)
            return 201, {"id": 900, "ticket_id": body["ticket_id"]}
        return 404, {"error": "RecordNotFound"}

    def open(self, ticket, status, answer):
        ticket_id = 35436 + len(self.tickets)
        self.tickets[ticket_id] = ticket
        if self.fail_next_open:
            self.fail_next_open = False
            return 502, {"error": "bad gateway"}
        return status, answer(ticket_id)

    def calls(self, method, path):
        with self.lock:
            return [r for r in self.requests if r["method"] == method and r["path"] == path]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def policy_handing_off_to(sink):
    """The integration policy with the support team's notices going to `sink`."""
    directory = tempfile.mkdtemp(prefix="ackd-it-policy-")
    shutil.copy(os.path.join(HERE, "policy", "policy.yaml"), directory)
    path = os.path.join(directory, "policy.yaml")
    with open(path) as f:
        text = f.read()
    changed = text.replace("  support:\n    notify: team-chat", f"  support:\n    notify: {sink}")
    assert changed != text
    with open(path, "w") as f:
        f.write(changed)
    return directory


class TeamToolsTest(unittest.TestCase):
    def setUp(self):
        self.receiver = Receiver()
        self.addCleanup(self.receiver.close)
        self.desk = FakeHelpdesk()
        self.addCleanup(self.desk.close)

    def daemon(self, sink, source, token="desk-token"):
        """ackd with the support team's notices going to the sink `desk`, and `source` (if
        any) at /v1/sources/desk-events; secrets from the environment."""
        policy = policy_handing_off_to("desk")
        self.addCleanup(shutil.rmtree, policy, True)
        daemon = Daemon(ACKD, self.receiver, policy_dir=policy,
                        extra_sinks=f"  desk: {sink}\n",
                        extra_config=f"sources:\n  desk-events: {source}\n" if source else "")
        self.addCleanup(daemon.cleanup)
        return daemon.start(env={"ACKD_TEST_DESK_TOKEN": token,
                                 "ACKD_TEST_DESK_SECRET": "desk-secret"})

    def test_a_slack_notice_arrives_in_block_kit_with_the_customers_markup_inert(self):
        daemon = self.daemon(
            "{type: slack, url: {env: ACKD_TEST_DESK_TOKEN}}", source=None,
            token=f"http://127.0.0.1:{self.desk.port}/services/T0/B0/XYZ")
        status, accepted, _ = daemon.post_complaint(
            complaint(3, text="<!channel> 返金して & <https://evil.example|ここ>"))
        self.assertEqual(status, 202, accepted)
        posted = wait_until(lambda: self.desk.calls("POST", "/services/T0/B0/XYZ"))
        self.assertEqual(len(posted), 1)
        message = posted[0]["body"]
        self.assertEqual(posted[0]["headers"]["content-type"], "application/json")
        self.assertIn("New case for support", message["text"])
        shown = json.dumps(message["blocks"], ensure_ascii=False)
        self.assertIn("&lt;!channel&gt; 返金して &amp; &lt;https://evil.example|ここ&gt;", shown)
        self.assertNotIn("<!channel>", shown)
        daemon.wait_outbox(accepted["id"], "handoff", "delivered")

    def test_zendesk_ticket_assigned_claims_and_solved_resolves(self):
        base = f"http://127.0.0.1:{self.desk.port}"
        daemon = self.daemon(
            f'{{type: zendesk, base_url: "{base}", user: bot@example.com,'
            f' token: {{env: ACKD_TEST_DESK_TOKEN}}}}',
            f'{{type: zendesk, secret: {{env: ACKD_TEST_DESK_SECRET}}, base_url: "{base}",'
            f' user: bot@example.com, token: {{env: ACKD_TEST_DESK_TOKEN}}}}')
        status, accepted, _ = daemon.post_complaint(
            complaint(1, text="<script>alert(1)</script> & *bold* <!channel>"))
        self.assertEqual(status, 202, accepted)
        cid = accepted["id"]
        opened = wait_until(lambda: self.desk.calls("POST", "/api/v2/tickets.json"))
        self.assertEqual(len(opened), 1)
        auth = "Basic " + base64.b64encode(b"bot@example.com/token:desk-token").decode()
        self.assertEqual(opened[0]["headers"]["authorization"], auth)
        self.assertEqual(opened[0]["headers"]["idempotency-key"], f"{cid}:handoff")
        ticket = opened[0]["body"]["ticket"]
        self.assertEqual(ticket["external_id"], cid)
        self.assertEqual(ticket["comment"]["public"], False)
        self.assertIn("<script>alert(1)</script> & *bold* <!channel>", ticket["comment"]["body"])
        self.assertEqual(ticket["tags"], ["ackd", "default", "x", "support"])
        # The ticket is kept with the case.
        wait_for(lambda: daemon.timeline(cid)["handoff"]["tickets"] ==
                 [{"sink": "desk", "ticket": "zendesk:35436"}], "the ticket in the timeline")

        def webhook(event, secret="desk-secret"):
            raw = json.dumps(event).encode()
            stamp = "2026-11-24T08:40:00Z"
            signature = base64.b64encode(hmac.new(secret.encode(), stamp.encode() + raw,
                                                  hashlib.sha256).digest()).decode()
            return daemon.request("POST", "/v1/sources/desk-events", raw=raw, token=None, headers={
                "X-Zendesk-Webhook-Signature": signature,
                "X-Zendesk-Webhook-Signature-Timestamp": stamp})[0]

        def event(kind, status, assignee):
            return {"type": f"zen:event-type:ticket.{kind}", "account_id": 1, "id": "01HN",
                    "time": "2026-11-24T08:40:00Z", "subject": "zen:ticket:35436",
                    "detail": {"id": "35436", "external_id": cid, "assignee_id": assignee,
                               "status": status}, "event": {}}

        assigned = event("agent_assignment_changed", "OPEN", "7350047052159")
        self.assertEqual(webhook(assigned, secret="not the secret"), 401)
        self.assertEqual(daemon.timeline(cid)["handoff"]["state"], "open")
        self.assertEqual(webhook(assigned), 200)
        handoff = daemon.timeline(cid)["handoff"]
        self.assertEqual((handoff["state"], handoff["agent"]), ("claimed", "Emma Taylor"))
        # Escalations stop once the ticket is assigned.
        self.assertEqual([o["state"] for o in daemon.outbox(cid, "escalation")], ["cancelled"])
        # A ticket ackd did not open is ignored, and counted.
        stranger = event("status_changed", "SOLVED", "7350047052159")
        stranger["detail"]["id"] = "1"
        self.assertEqual(webhook(stranger), 200)
        self.assertEqual(daemon.metric("ackd_source_events_skipped_total",
                                       'source="desk-events"'), 1)
        self.assertEqual(webhook(event("status_changed", "SOLVED", "7350047052159")), 200)
        handoff = daemon.timeline(cid)["handoff"]
        self.assertEqual(handoff["state"], "resolved")
        self.assertEqual(handoff["note"], "ticket zendesk:35436 solved")
        # The follow-up (1 s after resolution) is a private comment on the same ticket.
        comments = wait_until(lambda: self.desk.comments.get(35436), 10)
        self.assertEqual(comments[0]["public"], False)
        self.assertIn("Follow-up due · support", comments[0]["body"])
        self.assertEqual(len(self.desk.calls("POST", "/api/v2/tickets.json")), 1)

    def test_zammad_retry_opens_no_second_ticket_and_the_owner_claims(self):
        base = f"http://127.0.0.1:{self.desk.port}"
        self.desk.fail_next_open = True
        daemon = self.daemon(
            f'{{type: zammad, base_url: "{base}", token: {{env: ACKD_TEST_DESK_TOKEN}}}}',
            '{type: zammad, secret: {env: ACKD_TEST_DESK_SECRET}}')
        status, accepted, _ = daemon.post_complaint(complaint(2, author="emily@example.com"))
        self.assertEqual(status, 202, accepted)
        cid = accepted["id"]
        # The first answer is lost; the retry finds the ticket by its tag.
        wait_for(lambda: daemon.timeline(cid)["handoff"]["tickets"] ==
                 [{"sink": "desk", "ticket": "zammad:35436"}], "the ticket in the timeline", 15)
        opened = self.desk.calls("POST", "/api/v1/tickets")
        self.assertEqual(len(opened), 1)
        self.assertEqual(opened[0]["headers"]["authorization"], "Token token=desk-token")
        self.assertEqual(opened[0]["body"]["group"], "support")
        self.assertEqual(opened[0]["body"]["tags"], f"ackd,ackd-{cid}")
        self.assertEqual(opened[0]["body"]["customer_id"], "guess:emily@example.com")
        self.assertEqual(opened[0]["body"]["article"]["internal"], True)
        self.assertEqual(len(self.desk.calls("GET", "/api/v1/tickets/search")), 2)

        def webhook(state, owner_id, secret="desk-secret"):
            raw = json.dumps({"ticket": {
                "id": 35436, "number": "45436", "state": state, "owner_id": owner_id,
                "owner": {"id": owner_id, "firstname": "Emma", "lastname": "Taylor"}},
                "article": {"id": 104}}).encode()
            signature = "sha1=" + hmac.new(secret.encode(), raw, hashlib.sha1).hexdigest()
            return daemon.request("POST", "/v1/sources/desk-events", raw=raw, token=None,
                                  headers={"X-Hub-Signature": signature})[0]

        self.assertEqual(webhook("open", 5, secret="wrong"), 401)
        self.assertEqual(webhook("open", 1), 200)  # owned by nobody yet
        self.assertEqual(daemon.timeline(cid)["handoff"]["state"], "open")
        self.assertEqual(webhook("open", 5), 200)
        handoff = daemon.timeline(cid)["handoff"]
        self.assertEqual((handoff["state"], handoff["agent"]), ("claimed", "Emma Taylor"))
        self.assertEqual(webhook("closed", 5), 200)
        self.assertEqual(daemon.timeline(cid)["handoff"]["state"], "resolved")
        notes = wait_until(lambda: self.desk.comments.get(35436), 10)
        self.assertEqual((notes[0]["type"], notes[0]["internal"]), ("note", True))


if __name__ == "__main__":
    ACKD = os.path.abspath(sys.argv.pop(1))
    harness.main()
