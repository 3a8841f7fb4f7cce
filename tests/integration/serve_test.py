"""Integration tests of `ackd serve`: the real daemon, a real receiver, 127.0.0.1 only.

usage: serve_test.py ACKD_BINARY [unittest arguments]
"""
import base64
import hashlib
import hmac
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import unittest

import harness
from harness import (TLS_DATA, Daemon, Receiver, case_reference, complaint, rfc3339_ago, unix_time,
                     wait_for, wait_until)

ACKD = None


class ServeTest(unittest.TestCase):
    def setUp(self):
        self.receiver = Receiver()
        self.daemon = Daemon(ACKD, self.receiver).start()

    def tearDown(self):
        self.daemon.cleanup()
        self.receiver.close()

    def test_reply_and_handoff_arrive(self):
        status, body, _ = self.daemon.post_complaint(complaint(1, received_at=rfc3339_ago(60)))
        self.assertEqual(status, 202, body)
        self.assertFalse(body["duplicate"])
        self.assertEqual(body["rule"], "default")
        self.assertEqual(body["reply"], "queued")
        self.assertEqual(body["handoff"]["team"], "support")
        cid = body["id"]
        replies = wait_until(lambda: self.receiver.messages("/x/reply", complaint_id=cid))
        self.assertEqual(len(replies), 1)
        reply = replies[0]["body"]
        self.assertEqual(reply["kind"], "reply")
        self.assertEqual(reply["visibility"], "public")
        self.assertTrue(reply["text"].startswith("山田太郎様、ご連絡ありがとうございます。"), reply["text"])
        self.assertNotIn("届きません", reply["text"])
        self.assertEqual(reply["external_id"], "1")
        self.assertEqual(replies[0]["headers"]["idempotency-key"], reply["idempotency_key"])
        handoffs = wait_until(lambda: self.receiver.messages("/team", kind="handoff", complaint_id=cid))
        self.assertEqual(len(handoffs), 1)
        notice = handoffs[0]["body"]
        self.assertEqual(notice["team"], "support")
        self.assertEqual(notice["text"], "注文した商品がまだ届きません。")
        self.assertEqual(notice["author"], {"id": "42", "name": "山田太郎"})
        self.assertEqual(notice["reference"], case_reference("x", "1"))
        # The timeline shows what happened.
        status, timeline, _ = self.daemon.request("GET", f"/v1/complaints/{cid}")
        self.assertEqual(status, 200)
        self.assertEqual(timeline["decision"]["rule"], "default")
        # The reference the customer was given finds the case too.
        self.assertEqual(timeline["reference"], case_reference("x", "1"))
        status, by_reference, _ = self.daemon.request("GET", f"/v1/complaints/{timeline['reference']}")
        self.assertEqual((status, by_reference["id"]), (200, cid))
        other = "AK-000000" if timeline["reference"] != "AK-000000" else "AK-000001"
        self.assertEqual(self.daemon.request("GET", f"/v1/complaints/{other}")[0], 404)
        events = [e["event"] for e in timeline["timeline"]]
        self.assertIn("received", events)
        self.assertTrue(wait_until(lambda: "delivered" in [
            e["event"] for e in self.daemon.request("GET", f"/v1/complaints/{cid}")[1]["timeline"]]))

    def test_duplicate_sends_nothing_new(self):
        first = self.daemon.post_complaint(complaint(7))
        self.assertEqual(first[0], 202)
        wait_until(lambda: self.receiver.messages("/x/reply", complaint_id=first[1]["id"]))
        again = self.daemon.post_complaint(complaint(7, text="別の文"))
        self.assertEqual(again[0], 200, again[1])
        self.assertTrue(again[1]["duplicate"])
        self.assertEqual(again[1]["id"], first[1]["id"])
        # The duplicate added nothing to what is owed: one reply and one handoff notice, both
        # delivered, and no other complaint.
        cid = first[1]["id"]
        self.assertEqual(sorted(o["kind"] for o in self.daemon.outbox(cid)),
                         ["breach", "escalation", "handoff", "reply"])
        self.daemon.wait_outbox(cid, "reply", "delivered")
        self.daemon.wait_outbox(cid, "handoff", "delivered")
        self.assertEqual(len(self.daemon.request("GET", "/v1/handoffs?state=open")[1]["handoffs"]), 1)
        self.assertEqual(len(self.receiver.messages("/x/reply")), 1)
        self.assertEqual(len(self.receiver.messages("/team", kind="handoff")), 1)

    def test_escalation_and_breach_fire_when_unclaimed(self):
        status, body, _ = self.daemon.post_complaint(complaint(2, text="至急対応してください", author="9"))
        self.assertEqual(status, 202, body)
        self.assertEqual(body["rule"], "urgent")
        cid = body["id"]
        reply = wait_until(lambda: self.receiver.messages("/x/reply", complaint_id=cid))
        self.assertEqual(reply[0]["body"]["visibility"], "dm")
        escalation = wait_until(lambda: self.receiver.messages("/lead", kind="escalation", complaint_id=cid), 5)
        self.assertEqual(len(escalation), 1)
        self.assertEqual(escalation[0]["body"]["level"], 1)
        breach = wait_until(lambda: self.receiver.messages("/lead", kind="breach", complaint_id=cid), 6)
        self.assertEqual(len(breach), 1)
        self.assertGreater(breach[0]["at"], escalation[0]["at"])
        status, listed, _ = self.daemon.request("GET", "/v1/handoffs?state=breached")
        self.assertEqual(status, 200)
        self.assertIn(cid, [h["id"] for h in listed["handoffs"]])

    def test_a_claimed_case_unresolved_at_its_deadline_breaches_its_promise(self):
        """The deadline is a promise to the customer: a claim stops the escalations, but a
        case still unresolved when the deadline passes pages the lead all the same."""
        status, body, _ = self.daemon.post_complaint(complaint(4, text="至急です", author="11"))
        self.assertEqual(status, 202, body)
        cid = body["id"]
        status, claimed, _ = self.daemon.request("POST", f"/v1/complaints/{cid}/claim", {"agent": "sato"})
        self.assertEqual(status, 200, claimed)
        breach = wait_until(lambda: self.receiver.messages("/lead", kind="breach", complaint_id=cid), 6)
        self.assertEqual(len(breach), 1)
        self.assertEqual(breach[0]["headers"]["idempotency-key"], f"{cid}:breach")
        _, listed, _ = self.daemon.request("GET", "/v1/handoffs?state=breached")
        self.assertIn(cid, [h["id"] for h in listed["handoffs"]])
        # Released, the case is back in the queue; resolving it then needs nobody's leave.
        status, released, _ = self.daemon.request("POST", f"/v1/complaints/{cid}/unclaim", {"agent": "sato"})
        self.assertEqual(status, 200, released)
        self.assertEqual(released["state"], "open")
        status, resolved, _ = self.daemon.request("POST", f"/v1/complaints/{cid}/resolve", {"agent": "kato"})
        self.assertEqual(status, 200, resolved)
        events = [e["event"] for e in self.daemon.timeline(cid)["timeline"]]
        self.assertEqual([e for e in events if e in ("claimed", "unclaimed", "resolved")],
                         ["claimed", "unclaimed", "resolved"])

    def test_claim_stops_escalation_and_resolve_schedules_followup(self):
        # Times are whole seconds: "after 1s" can come due 10 ms after the 202. Escalation
        # after 3 s and the deadline after 4 s leave the claim time to come first on a
        # loaded machine.
        path = os.path.join(self.daemon.policy, "policy.yaml")
        with open(path) as f:
            text = f.read()
        with open(path, "w") as f:
            f.write(text.replace("{after: 1s, notify: lead-chat}", "{after: 3s, notify: lead-chat}")
                    .replace("handoff: {team: fast, within: 2s}", "handoff: {team: fast, within: 4s}"))
        self.daemon.signal(signal.SIGHUP)
        wait_for(lambda: self.daemon.metric("ackd_policy_reloads_total", 'result="success"') == 1,
                 "the policy with slower timers")
        status, body, _ = self.daemon.post_complaint(complaint(3, text="至急です", author="10"))
        cid = body["id"]
        status, claimed, _ = self.daemon.request("POST", f"/v1/complaints/{cid}/claim", {"agent": "sato"})
        self.assertEqual(status, 200, claimed)
        status, other, _ = self.daemon.request("POST", f"/v1/complaints/{cid}/claim", {"agent": "suzuki"})
        self.assertEqual(status, 409, other)
        self.assertIn("sato", other["error"]["message"])
        # The claim cancelled the escalation (due after 3 s); the breach notice (4 s) stays
        # owed until the case is resolved, which cancels it. Their due times pass with nothing
        # sent.
        self.assertEqual([t["state"] for t in self.daemon.outbox(cid, "escalation")], ["cancelled"])
        self.assertEqual([t["state"] for t in self.daemon.outbox(cid, "breach")], ["pending"])
        status, other, _ = self.daemon.request(
            "POST", f"/v1/complaints/{cid}/resolve", {"agent": "suzuki"})
        self.assertEqual(status, 409, other)
        status, resolved, _ = self.daemon.request(
            "POST", f"/v1/complaints/{cid}/resolve", {"agent": "sato", "note": "交換済み"})
        self.assertEqual(status, 200, resolved)
        timers = self.daemon.outbox(cid, "escalation") + self.daemon.outbox(cid, "breach")
        self.assertEqual([t["state"] for t in timers], ["cancelled", "cancelled"])
        last_due = max(unix_time(t["due_at"]) for t in timers)
        wait_for(lambda: time.time() > last_due + 1, "the escalation and breach due times to pass")
        self.assertEqual(self.receiver.messages("/lead", complaint_id=cid, delivered_only=False), [])
        followup = wait_until(lambda: self.receiver.messages("/team", kind="followup", complaint_id=cid), 5)
        self.assertEqual(len(followup), 1)
        self.assertEqual(self.daemon.request("POST", "/v1/complaints/nope/claim", {"agent": "a"})[0], 404)

    def test_timers_beyond_the_lookahead_are_read_from_the_store_in_time(self):
        # With a lookahead of 1 s, the escalation (4 s) and the breach (6 s) are not held in
        # memory at intake: they stay in the store until a read ahead finds them, across a
        # restart too.
        daemon = Daemon(ACKD, self.receiver, extra_config="delivery: {lookahead: 1s}\n")
        self.addCleanup(daemon.cleanup)
        path = os.path.join(daemon.policy, "policy.yaml")
        with open(path) as f:
            text = f.read()
        with open(path, "w") as f:
            f.write(text.replace("{after: 1s, notify: lead-chat}", "{after: 4s, notify: lead-chat}")
                    .replace("handoff: {team: fast, within: 2s}", "handoff: {team: fast, within: 6s}"))
        daemon.start()
        first = daemon.post_complaint(complaint(40, text="至急です", author="40"))[1]["id"]
        daemon.stop()
        daemon.start()
        second = daemon.post_complaint(complaint(41, text="至急です", author="41"))[1]["id"]
        for cid in (first, second):
            due = {t["kind"]: unix_time(t["due_at"]) for t in
                   daemon.outbox(cid, "escalation") + daemon.outbox(cid, "breach")}
            for kind in ("escalation", "breach"):
                notices = wait_until(
                    lambda: self.receiver.messages("/lead", kind=kind, complaint_id=cid), 15)
                self.assertEqual(len(notices), 1, f"{cid} {kind}")
                self.assertGreaterEqual(notices[0]["wall"], due[kind] - 0.01, f"{cid} {kind} early")
                self.assertLess(notices[0]["wall"], due[kind] + 3, f"{cid} {kind} late")

    def test_over_https_with_a_private_ca_replies_and_handoffs_arrive(self):
        receiver = Receiver(tls=True)
        self.addCleanup(receiver.close)
        daemon = Daemon(ACKD, receiver).start()
        self.addCleanup(daemon.cleanup)
        ids = [daemon.post_complaint(complaint(70 + i, author=f"t{i}"))[1]["id"] for i in range(3)]
        for cid in ids:
            replies = wait_until(lambda: receiver.messages("/x/reply", complaint_id=cid))
            self.assertEqual(len(replies), 1)
            self.assertEqual(replies[0]["headers"]["idempotency-key"], f"{cid}:reply")
            self.assertEqual(daemon.wait_outbox(cid, "handoff", "delivered")[0]["attempts"], 1)
        self.assertEqual(daemon.metric("ackd_delivery_failures_total") or 0, 0)

    def test_a_signed_line_webhook_is_answered_on_line_and_handed_off(self):
        """No glue: LINE's signed webhook in, LINE's reply API out (a local fake of it, over
        HTTPS), the team's notice to its chat."""
        secret = "8c570fa6dd201bb328f1c1eac23a96d8"
        line_api = Receiver(tls=True)
        self.addCleanup(line_api.close)
        ca_file = os.path.abspath(os.path.join(TLS_DATA, "ca.pem"))
        daemon = Daemon(ACKD, self.receiver, extra_sinks=(
            f"  line-out: {{type: line, base_url: \"https://127.0.0.1:{line_api.port}\","
            f" token: {{env: ACKD_TEST_LINE_TOKEN}}, tls: {{ca_file: {ca_file}}}}}\n"), extra_config=(
            "  line: {reply_sink: line-out}\n"
            "sources:\n"
            "  line-dm: {type: line, channel_secret: {env: ACKD_TEST_LINE_SECRET}}\n"))
        self.addCleanup(daemon.cleanup)
        daemon.start(env={"ACKD_TEST_LINE_SECRET": secret, "ACKD_TEST_LINE_TOKEN": "line-tok"})
        event = {"type": "message", "mode": "active", "timestamp": int(time.time() * 1000),
                 "webhookEventId": "01H810YECXQQZ37VAXPF6H9E6T",
                 "deliveryContext": {"isRedelivery": False},
                 "source": {"type": "user", "userId": "U4af4980629"},
                 "replyToken": "38ef843bde154d9b91c21320ffd17a0f",
                 "message": {"type": "text", "id": "468789577898262530",
                             "text": "注文した商品がまだ届きません。"}}
        raw = json.dumps({"destination": "Uxxx", "events": [event]}).encode()
        signature = base64.b64encode(hmac.new(secret.encode(), raw, hashlib.sha256).digest()).decode()

        def post(body, sig):
            return daemon.request("POST", "/v1/sources/line-dm", raw=body, token=None,
                                  headers={"X-Line-Signature": sig})[0]

        self.assertEqual(post(raw, "bm90IHRoZSBzaWduYXR1cmU="), 401)
        self.assertEqual(post(raw, signature), 200)
        self.assertEqual(post(raw, signature), 200)  # LINE's redelivery: a duplicate
        replies = wait_until(lambda: line_api.messages("/v2/bot/message/reply"))
        self.assertEqual(len(replies), 1)
        self.assertEqual(replies[0]["headers"]["authorization"], "Bearer line-tok")
        body = replies[0]["body"]
        self.assertEqual(body["replyToken"], event["replyToken"])
        self.assertEqual([m["type"] for m in body["messages"]], ["text"])
        self.assertTrue(body["messages"][0]["text"])
        handoffs = wait_until(lambda: [m for m in self.receiver.messages("/team", kind="handoff")
                                       if m["body"]["channel"] == "line"])
        self.assertEqual(handoffs[0]["body"]["text"], "注文した商品がまだ届きません。")
        self.assertEqual(handoffs[0]["body"]["author"]["id"], "U4af4980629")
        # The redelivery was stored as a duplicate: it owes nothing more.
        self.assertEqual(daemon.metric("ackd_complaints_duplicate_total"), 1)
        self.assertEqual(line_api.messages(), replies)
        # A follow is acknowledged and counted, not taken; each answer is counted by source.
        follow = json.dumps({"destination": "Uxxx", "events": [
            {"type": "follow", "webhookEventId": "01F", "timestamp": event["timestamp"],
             "source": {"type": "user", "userId": "U1"}, "replyToken": "r"}]}).encode()
        follow_signature = base64.b64encode(
            hmac.new(secret.encode(), follow, hashlib.sha256).digest()).decode()
        self.assertEqual(post(follow, follow_signature), 200)
        self.assertEqual(daemon.metric("ackd_source_events_skipped_total", 'source="line-dm"'), 1)
        self.assertEqual(
            daemon.metric("ackd_source_requests_total", 'source="line-dm",status="401"'), 1)
        self.assertEqual(
            daemon.metric("ackd_source_requests_total", 'source="line-dm",status="200"'), 3)

    def test_x_and_meta_webhooks_are_answered_through_their_apis(self):
        """No glue for X and Meta either: each platform's signed webhook in, its own API out
        (local HTTPS fakes of X's v2 and Meta's Graph API), a DM answered by DM."""
        consumer_secret, app_secret, account = "x-consumer-secret", "meta-app-secret", "1190"
        x_api, graph = Receiver(tls=True), Receiver(tls=True)
        self.addCleanup(x_api.close)
        self.addCleanup(graph.close)
        ca_file = os.path.abspath(os.path.join(TLS_DATA, "ca.pem"))
        tls = f"tls: {{ca_file: {ca_file}}}"
        daemon = Daemon(ACKD, self.receiver, x_reply_sink="x-out", extra_sinks=(
            f"  x-out: {{type: x, base_url: \"https://127.0.0.1:{x_api.port}\","
            f" token: {{env: ACKD_TEST_X_TOKEN}}, {tls}}}\n"
            f"  meta-out: {{type: meta, base_url: \"https://127.0.0.1:{graph.port}/v21.0\","
            f" token: {{env: ACKD_TEST_META_TOKEN}}, {tls}}}\n"), extra_config=(
            "  instagram: {reply_sink: meta-out}\n"
            "  facebook: {reply_sink: meta-out}\n"
            "sources:\n"
            f"  x: {{type: x, consumer_secret: {{env: ACKD_TEST_X_SECRET}}, user_id: \"{account}\"}}\n"
            "  meta: {type: meta, app_secret: {env: ACKD_TEST_META_SECRET},"
            " verify_token: {env: ACKD_TEST_META_VERIFY}}\n"))
        self.addCleanup(daemon.cleanup)
        daemon.start(env={"ACKD_TEST_X_SECRET": consumer_secret, "ACKD_TEST_X_TOKEN": "x-tok",
                          "ACKD_TEST_META_SECRET": app_secret, "ACKD_TEST_META_TOKEN": "page-tok",
                          "ACKD_TEST_META_VERIFY": "verify-me"})

        def signed_post(source, header, signature, body):
            raw = json.dumps(body).encode()
            return daemon.request("POST", f"/v1/sources/{source}", raw=raw, token=None,
                                  headers={header: signature(raw)})[0]

        def x_signature(raw):
            mac = hmac.new(consumer_secret.encode(), raw, hashlib.sha256).digest()
            return "sha256=" + base64.b64encode(mac).decode()

        def meta_signature(raw):
            return "sha256=" + hmac.new(app_secret.encode(), raw, hashlib.sha256).hexdigest()

        now_ms = str(int(time.time() * 1000))
        x_events = {"for_user_id": account, "tweet_create_events": [{
            "id_str": "1700000000000000001", "text": "@acme 注文した商品が届きません",
            "timestamp_ms": now_ms, "in_reply_to_status_id_str": None,
            "user": {"id_str": "42", "screen_name": "yamada_t", "name": "山田太郎",
                     "followers_count": 10, "verified": False}}],
            "direct_message_events": [{
                "type": "message_create", "id": "1800000000000000001", "created_timestamp": now_ms,
                "message_create": {"target": {"recipient_id": account}, "sender_id": "77",
                                   "message_data": {"text": "返金してください"}}}]}
        self.assertEqual(signed_post("x", "x-twitter-webhooks-signature", x_signature, x_events), 200)
        meta_events = [
            {"object": "instagram", "entry": [{"id": "17841400000000000", "time": 1, "changes": [{
                "field": "comments", "value": {
                    "id": "17865799348089039", "text": "届いた商品が壊れていました",
                    "from": {"id": "5561234", "username": "sato_h"},
                    "media": {"id": "17900000000000001"}}}]}]},
            {"object": "page", "entry": [{"id": "PAGE-1", "time": 1, "messaging": [{
                "sender": {"id": "PSID-9"}, "recipient": {"id": "PAGE-1"},
                "timestamp": int(now_ms), "message": {"mid": "m_1", "text": "まだ届きません"}}]}]}]
        for body in meta_events:
            self.assertEqual(signed_post("meta", "X-Hub-Signature-256", meta_signature, body), 200)

        tweets = wait_until(lambda: x_api.messages("/2/tweets"))
        self.assertEqual(tweets[0]["headers"]["authorization"], "Bearer x-tok")
        self.assertEqual(tweets[0]["body"]["reply"], {"in_reply_to_tweet_id": "1700000000000000001"})
        self.assertTrue(tweets[0]["body"]["text"])
        dms = wait_until(lambda: x_api.messages("/2/dm_conversations/with/77/messages"))
        self.assertEqual(list(dms[0]["body"]), ["text"])
        comments = wait_until(lambda: [m for m in graph.messages()
                                       if m["path"].startswith("/v21.0/17865799348089039/replies?")])
        self.assertIn("message=", comments[0]["path"])
        self.assertEqual(comments[0]["headers"]["authorization"], "Bearer page-tok")
        messages = wait_until(lambda: graph.messages("/v21.0/PAGE-1/messages"))
        self.assertEqual(messages[0]["body"]["recipient"], {"id": "PSID-9"})
        self.assertEqual(messages[0]["body"]["messaging_type"], "RESPONSE")
        self.assertTrue(messages[0]["body"]["message"]["text"])
        # One reply each, and each case handed to the team.
        self.assertEqual(len(x_api.messages()), 2)
        self.assertEqual(len(graph.messages()), 2)
        handoffs = wait_until(lambda: len(self.receiver.messages("/team", kind="handoff")) >= 4 and
                              self.receiver.messages("/team", kind="handoff"))
        self.assertEqual(sorted({m["body"]["channel"] for m in handoffs}),
                         ["facebook", "instagram", "x"])

    def test_reply_limit_per_author_still_hands_off(self):
        first = self.daemon.post_complaint(complaint(20, author="77"))
        second = self.daemon.post_complaint(complaint(21, author="77"))
        self.assertEqual(first[1]["reply"], "queued")
        self.assertEqual(second[0], 202)
        self.assertEqual(second[1]["reply"], "suppressed")
        self.assertIn("replies_per_author", second[1]["reason"])
        cid = second[1]["id"]
        self.assertTrue(wait_until(lambda: self.receiver.messages("/team", kind="handoff", complaint_id=cid)))
        # No reply is owed for it, so none can go out.
        self.assertEqual(self.daemon.outbox(cid, "reply"), [])
        self.assertEqual(self.receiver.messages("/x/reply", complaint_id=cid, delivered_only=False), [])

    def test_bad_requests_are_refused_and_store_nothing(self):
        status, body, _ = self.daemon.post_complaint(None, raw=b"{not json")
        self.assertEqual(status, 400)
        self.assertIn("malformed JSON", body["error"]["message"])
        status, body, _ = self.daemon.post_complaint({"external_id": "x", "channel": "x", "text": "t"})
        self.assertEqual(status, 400)
        self.assertEqual(body["error"]["message"], "author: is required")
        status, body, _ = self.daemon.post_complaint(None, raw=b'{"text": "\xff"}')
        self.assertEqual(status, 400)
        self.assertIn("UTF-8", body["error"]["message"])
        status, body, _ = self.daemon.post_complaint(complaint(30), token=None)
        self.assertEqual(status, 401)
        status, body, _ = self.daemon.post_complaint(complaint(31), token="wrong")
        self.assertEqual(status, 401)
        status, _, _ = self.daemon.post_complaint(None, raw=b'{"text": "' + b"a" * (2 << 20) + b'"}')
        self.assertEqual(status, 413)
        for state in ("open", "claimed", "breached", "resolved"):
            status, listed, _ = self.daemon.request("GET", f"/v1/handoffs?state={state}")
            self.assertEqual(listed["handoffs"], [], state)
        self.assertEqual(self.receiver.messages(), [])
        self.assertEqual(self.daemon.request("GET", "/healthz", token=None)[0], 200)
        self.assertEqual(self.daemon.request("GET", "/readyz", token=None)[0], 200)

    def test_slow_and_garbage_clients_hold_nothing(self):
        # Headers that never finish: the connection is closed after read_timeout (1s here),
        # and other clients are served meanwhile.
        slow = socket.create_connection(("127.0.0.1", self.daemon.port))
        slow.sendall(b"POST /v1/complaints HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n")
        slow.settimeout(10)  # a deadline for the close, not a speed limit
        self.assertEqual(self.daemon.request("GET", "/healthz")[0], 200)
        self.assertEqual(slow.recv(1024), b"")
        slow.close()
        garbage = socket.create_connection(("127.0.0.1", self.daemon.port))
        garbage.settimeout(5)
        garbage.sendall(b"\x00\xffNOT HTTP AT ALL\r\n\r\n")
        answer = garbage.recv(4096)
        self.assertTrue(answer.startswith(b"HTTP/1.1 400"), answer)
        garbage.close()
        huge = socket.create_connection(("127.0.0.1", self.daemon.port))
        huge.settimeout(5)
        huge.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 65536 + b"\r\n\r\n")
        answer = huge.recv(4096)
        self.assertTrue(answer.startswith(b"HTTP/1.1 431"), answer)
        huge.close()

    def test_failed_attempts_are_retried_with_the_same_key_and_shown(self):
        failures = {"left": 1}

        def status(path):
            if path == "/x/reply" and failures["left"] > 0:
                failures["left"] -= 1
                return 500
            return 200

        self.receiver.status = status
        status_code, body, _ = self.daemon.post_complaint(complaint(70, author="70"))
        self.assertEqual(status_code, 202)
        cid = body["id"]
        delivered = wait_until(lambda: self.receiver.messages("/x/reply", complaint_id=cid), 10)
        self.assertEqual(len(delivered), 1)
        attempts = self.receiver.messages("/x/reply", complaint_id=cid, delivered_only=False)
        self.assertEqual([a["status"] for a in attempts], [500, 200])
        self.assertEqual(len({a["headers"]["idempotency-key"] for a in attempts}), 1)
        metrics = self.daemon.request("GET", "/metrics")[1]
        self.assertIn('ackd_delivery_attempts_total{sink="x-replies",result="failed"} 1', metrics)
        events = [e["event"] for e in self.daemon.request("GET", f"/v1/complaints/{cid}")[1]["timeline"]]
        self.assertIn("attempt_failed", events)
        self.assertIn("delivered", events)

    def test_reload_with_broken_policy_keeps_old_one(self):
        with open(os.path.join(self.daemon.policy, "policy.yaml"), "a") as f:
            f.write("  - id: broken\n    when: {text: {any: $nope}}\n")
        self.daemon.signal(signal.SIGHUP)
        metrics = lambda: self.daemon.request("GET", "/metrics")[1]
        self.assertTrue(wait_until(lambda: 'ackd_policy_reloads_total{result="failure"} 1' in metrics()))
        status, body, _ = self.daemon.post_complaint(complaint(40, text="至急"))
        self.assertEqual(status, 202)
        self.assertEqual(body["rule"], "urgent")
        self.assertIn("policy reload refused", self.daemon.read_log())

    def test_reload_refuses_a_team_sink_that_ackd_yaml_lacks(self):
        """A raw kill -HUP checks what `ackd check --config` checks: a policy whose team
        notifies a sink ackd.yaml does not define would have every handoff given up."""
        path = os.path.join(self.daemon.policy, "policy.yaml")
        with open(path) as f:
            text = f.read()
        with open(path, "w") as f:
            f.write(text.replace("notify: team-chat", "notify: team-chta", 1))
        self.daemon.signal(signal.SIGHUP)
        metrics = lambda: self.daemon.request("GET", "/metrics")[1]
        self.assertTrue(wait_until(lambda: 'ackd_policy_reloads_total{result="failure"} 1' in metrics()))
        log = self.daemon.read_log()
        self.assertIn("policy reload refused", log)
        self.assertIn("names sink 'team-chta', which ackd.yaml does not define "
                      "(did you mean 'team-chat'?)", log)
        status, body, _ = self.daemon.post_complaint(complaint(43, text="至急"))
        self.assertEqual(status, 202)
        self.assertEqual(body["handoff"]["team"], "fast")
        wait_until(lambda: self.receiver.messages("/team", complaint_id=body["id"]))
        self.assertTrue(self.receiver.messages("/team", complaint_id=body["id"]),
                        "the handoff did not reach the old policy's sink")

    def test_reload_with_valid_policy_takes_effect(self):
        path = os.path.join(self.daemon.policy, "policy.yaml")
        with open(path) as f:
            text = f.read()
        with open(path, "w") as f:
            f.write(text.replace("hurry: [至急, 大至急]", "hurry: [緊急]"))
        self.daemon.signal(signal.SIGHUP)
        metrics = lambda: self.daemon.request("GET", "/metrics")[1]
        self.assertTrue(wait_until(lambda: 'ackd_policy_reloads_total{result="success"} 1' in metrics()))
        self.assertEqual(self.daemon.post_complaint(complaint(41, text="緊急です"))[1]["rule"], "urgent")
        self.assertEqual(self.daemon.post_complaint(complaint(42, text="至急です"))[1]["rule"], "default")

    def test_metrics_and_clean_stop(self):
        self.daemon.post_complaint(complaint(50))
        wait_until(lambda: self.receiver.messages("/x/reply"))
        _, text, headers = self.daemon.request("GET", "/metrics")
        for family in ("ackd_complaints_total", "ackd_replies_total", "ackd_reply_latency_seconds_bucket",
                       "ackd_delivery_attempts_total", "ackd_outbox_depth", "ackd_policy_reloads_total"):
            self.assertIn(family, text)
        self.assertIn('ackd_complaints_total{channel="x",rule="default"} 1', text)
        self.assertEqual(self.daemon.request("GET", "/metrics", token=None)[0], 401)
        self.assertEqual(self.daemon.stop(), 0)


    # GET /v1/events: what happens to cases, as Server-Sent Events, for the console.
    def stream(self, token=harness.TOKEN):
        sock = socket.create_connection(("127.0.0.1", self.daemon.port), timeout=10)
        self.addCleanup(sock.close)
        auth = f"Authorization: Bearer {token}\r\n" if token else ""
        sock.sendall(f"GET /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}\r\n".encode())
        return sock

    def test_each_case_event_arrives_without_customer_text(self):
        sock = self.stream()
        received = b""
        while b"\r\n\r\n" not in received:
            received += sock.recv(4096)
        head = received.split(b"\r\n\r\n")[0].decode()
        self.assertTrue(head.startswith("HTTP/1.1 200"), head)
        self.assertIn("Content-Type: text/event-stream", head)
        status, body, _ = self.daemon.post_complaint(complaint(70, text="秘密の住所は東京都1-2-3です"))
        cid = body["id"]
        self.assertEqual(self.daemon.request("POST", f"/v1/complaints/{cid}/claim",
                                             {"agent": "sato"})[0], 200)

        def events():
            return [json.loads(line[6:]) for line in received.decode().split("\n")
                    if line.startswith("data: ")]

        while not any(e.get("type") == "claimed" for e in events()):
            received += sock.recv(4096)
        kinds = [e["type"] for e in events() if e.get("id") == cid]
        self.assertEqual(kinds[0], "accepted")
        self.assertIn("claimed", kinds)
        self.assertNotIn("東京都", received.decode())
        # A stopping daemon closes the stream and exits at once.
        started = time.monotonic()
        self.assertEqual(self.daemon.stop(), 0)
        while sock.recv(4096):
            pass
        self.assertLess(time.monotonic() - started, 10)

    def test_a_stream_needs_a_token_that_may_read(self):
        sock = self.stream(token=None)
        self.assertTrue(sock.recv(4096).startswith(b"HTTP/1.1 401"))

class StartupTest(unittest.TestCase):
    def test_a_broken_configuration_refuses_to_start_with_one_line(self):
        receiver = Receiver()
        daemon = Daemon(ACKD, receiver)
        try:
            with open(os.path.join(daemon.policy, "policy.yaml"), "a") as f:
                f.write("  - id: broken\n    when: {text: {any: $nope}}\n")
            result = subprocess.run([ACKD, "serve", "--config", os.path.join(daemon.dir, "ackd.yaml")],
                                    capture_output=True, text=True, timeout=30)
            self.assertEqual(result.returncode, 1)
            lines = result.stderr.strip().splitlines()
            self.assertEqual(len(lines), 1, result.stderr)
            self.assertIn("invalid policy", lines[0])
            self.assertIn("policy.yaml:36:5: error: rule 'broken' needs reply", lines[0])
            self.assertIn("and more; run ackd check", lines[0])
        finally:
            daemon.cleanup()
            receiver.close()


class ShadowModeTest(unittest.TestCase):
    """mode: shadow decides and records everything and sends nothing at all: not the reply,
    the handoff, the escalation, the breach notice nor, once the case is resolved, its
    follow-up."""

    def test_shadow_records_every_delivery_and_sends_none(self):
        receiver = Receiver()
        daemon = Daemon(ACKD, receiver, mode="shadow").start()
        try:
            # "urgent": escalation after 1 s, deadline 2 s, follow-up 1 s after resolving.
            status, body, _ = daemon.post_complaint(complaint(60, text="至急対応してください", author="60"))
            self.assertEqual(status, 202, body)
            self.assertEqual(body["rule"], "urgent")
            # Nobody may read the answer as a reply sent.
            self.assertEqual(body["reply"], "would_send")
            cid = body["id"]
            timeline = daemon.timeline(cid)
            self.assertTrue(timeline["decision"]["shadow"])
            self.assertEqual(timeline["decision"]["reply"], "would_send")
            would = {w["kind"] for w in timeline["decision"]["would_send"]}
            self.assertLessEqual({"reply", "handoff", "escalation", "breach"}, would)
            self.assertEqual(timeline["outbox"], [])

            # The escalation's and the deadline's due times pass: the store shows the case
            # breached, and nothing was owed or sent.
            breached = lambda: cid in [h["id"] for h in
                                       daemon.request("GET", "/v1/handoffs?state=breached")[1]["handoffs"]]
            wait_for(breached, "the case to pass its 2 s deadline")
            self.assertEqual(daemon.outbox(cid), [])

            status, claimed, _ = daemon.request("POST", f"/v1/complaints/{cid}/claim", {"agent": "sato"})
            self.assertEqual(status, 200, claimed)
            status, resolved, _ = daemon.request(
                "POST", f"/v1/complaints/{cid}/resolve", {"agent": "sato", "note": "交換済み"})
            self.assertEqual(status, 200, resolved)
            self.assertIsNone(resolved["followup"], "shadow mode scheduled a follow-up")
            timeline = daemon.timeline(cid)
            self.assertEqual(timeline["outbox"], [], "shadow mode queued a delivery")
            self.assertEqual(timeline["handoff"]["state"], "resolved")
            resolved_event = [e for e in timeline["timeline"] if e["event"] == "resolved"]
            self.assertEqual(len(resolved_event), 1)
            self.assertNotIn("followup_due_at", resolved_event[0])

            # The would-be follow-up's due time (1 s after resolving) passes too.
            followup_due = unix_time(timeline["handoff"]["resolved_at"]) + 1
            wait_for(lambda: time.time() > followup_due + 1, "the follow-up's due time to pass")
            self.assertEqual(daemon.outbox(cid), [])
            self.assertEqual(daemon.metric("ackd_outbox_depth"), 0)
            self.assertEqual(receiver.messages(delivered_only=False), [])
            # The follow-up is recorded with the rest of what would have been sent.
            self.assertIn("followup", would)
        finally:
            daemon.cleanup()
            receiver.close()


class CrashTest(unittest.TestCase):
    def test_kill_9_mid_stream_then_restart_delivers_every_accepted_complaint(self):
        receiver = Receiver()
        daemon = Daemon(ACKD, receiver).start()
        accepted = {}
        stop = threading.Event()

        def stream(worker):
            n = 0
            while not stop.is_set() and n < 400:
                n += 1
                ext = f"{worker}-{n}"
                try:
                    status, body, _ = daemon.post_complaint(complaint(ext, author=ext), timeout=2)
                except OSError:
                    continue  # the daemon is gone: this complaint got no 202
                if status == 202:
                    accepted[ext] = body["id"]

        workers = [threading.Thread(target=stream, args=(w,)) for w in range(4)]
        try:
            for w in workers:
                w.start()
            wait_until(lambda: len(accepted) >= 60, timeout=10)
            daemon.kill9()
            stop.set()
            for w in workers:
                w.join(timeout=10)
            self.assertGreater(len(accepted), 0)
            daemon.start()
            ids = set(accepted.values())

            def replied():
                return {m["body"]["complaint_id"] for m in receiver.messages("/x/reply")} >= ids

            def handed_off():
                got = {m["body"]["complaint_id"] for m in receiver.messages("/team", kind="handoff")}
                return got >= ids

            self.assertTrue(wait_until(replied, timeout=30), "a complaint with a 202 got no reply")
            self.assertTrue(wait_until(handed_off, timeout=30), "a complaint with a 202 got no handoff")
            # Every delivery of one reply carries the same idempotency key, one key per complaint.
            keys = {}
            for m in receiver.messages("/x/reply"):
                keys.setdefault(m["body"]["complaint_id"], set()).add(m["headers"]["idempotency-key"])
            self.assertTrue(all(len(k) == 1 for k in keys.values()))
        finally:
            stop.set()
            daemon.cleanup()
            receiver.close()


if __name__ == "__main__":
    ACKD = os.path.abspath(sys.argv.pop(1))
    harness.main()
