"""Flame (炎上) mode: a burst past safety.storm's threshold switches the rule's public replies
to the storm template and sends one incident notice; direct messages are unchanged; the
mode ends by itself when the rate falls. The real daemon and receiver on 127.0.0.1.

usage: storm_test.py ACKD_BINARY [unittest arguments]
"""
import os
import signal
import sys
import unittest

import harness
from harness import HERE, Daemon, Receiver, complaint, wait_until

ACKD = None
STORM_TEXT = "ご迷惑をおかけしております。状況を確認中です。"


def storm_edges(daemon, edge):
    return daemon.metric("ackd_storms_total", f'rule="default",edge="{edge}"') or 0


class StormTest(unittest.TestCase):
    def setUp(self):
        self.receiver = Receiver()
        self.daemon = Daemon(ACKD, self.receiver,
                             policy_dir=os.path.join(HERE, "storm_policy")).start()

    def tearDown(self):
        self.daemon.cleanup()
        self.receiver.close()

    def reply_text(self, cid):
        self.assertTrue(wait_until(lambda: self.receiver.messages("/x/reply", complaint_id=cid)))
        return self.receiver.messages("/x/reply", complaint_id=cid)[0]["body"]

    def test_burst_switches_mode_and_it_ends_by_itself(self):
        ids = []
        for i in range(1, 7):
            status, body, _ = self.daemon.post_complaint(complaint(i, author=f"a{i}"))
            self.assertEqual(status, 202, body)
            ids.append(body["id"])
        # Three are calm; the fourth tips the rule over; the rest stay in the storm.
        for cid in ids[:3]:
            self.assertNotEqual(self.reply_text(cid)["text"], STORM_TEXT)
        for cid in ids[3:]:
            reply = self.reply_text(cid)
            self.assertEqual(reply["text"], STORM_TEXT)
            self.assertEqual(reply["visibility"], "public")
        # A direct message in the storm keeps its own template.
        status, dm, _ = self.daemon.post_complaint(complaint(50, author="dm", visibility="private"))
        self.assertEqual(status, 202)
        self.assertNotEqual(self.reply_text(dm["id"])["text"], STORM_TEXT)
        # One incident notice, carried by the complaint that started the storm.
        # Only that complaint owes one, and it was delivered: no other can come.
        self.assertEqual([len(self.daemon.outbox(cid, "incident")) for cid in ids], [0, 0, 0, 1, 0, 0])
        self.daemon.wait_outbox(ids[3], "incident", "delivered")
        incidents = self.receiver.messages("/lead", kind="incident")
        self.assertEqual(len(incidents), 1)
        self.assertEqual(incidents[0]["body"]["complaint_id"], ids[3])
        self.assertEqual(incidents[0]["body"]["rule"], "default")
        self.assertEqual(incidents[0]["headers"]["idempotency-key"], f"{ids[3]}:incident")
        self.assertTrue(wait_until(lambda: storm_edges(self.daemon, "started") == 1))
        self.assertEqual(self.daemon.request("GET", "/readyz")[1]["storming"], ["default"])
        _, timeline, _ = self.daemon.request("GET", f"/v1/complaints/{ids[4]}")
        self.assertTrue(any("storm mode" in n for n in timeline["decision"]["notes"]))

        # Quiet for the window: the storm ends by itself, and replies are normal again.
        self.assertTrue(wait_until(lambda: storm_edges(self.daemon, "ended") == 1, timeout=10))
        self.assertEqual(self.daemon.request("GET", "/readyz")[1]["storming"], [])
        self.assertIn("storm mode off for rule default", self.daemon.read_log())
        status, after, _ = self.daemon.post_complaint(complaint(99, author="later"))
        self.assertNotEqual(self.reply_text(after["id"])["text"], STORM_TEXT)

    def test_in_a_storm_the_lead_gets_one_page_per_kind_listing_the_cases(self):
        # Before grouping, six unclaimed urgent cases in a storm paged the lead six times for
        # the escalation and six for the breach. With the storm's group_wait, notices of one
        # team, kind and level that come due within 2 s go as one. The escalation (2 s) and
        # the breach (3 s) come due well inside the storm (30 s).
        path = os.path.join(self.daemon.policy, "policy.yaml")
        with open(path) as f:
            text = f.read()
        with open(path, "w") as f:
            f.write(text.replace("within: 3s, template: storm, notify: lead-chat}",
                                 "within: 30s, template: storm, notify: lead-chat, group_wait: 2s}")
                    .replace("{after: 1s, notify: lead-chat}", "{after: 2s, notify: lead-chat}")
                    .replace("handoff: {team: fast, within: 2s}", "handoff: {team: fast, within: 3s}"))
        self.daemon.signal(signal.SIGHUP)
        self.assertTrue(wait_until(
            lambda: self.daemon.metric("ackd_policy_reloads_total", 'result="success"') == 1))
        ids = [self.daemon.post_complaint(complaint(60 + i, text="至急です", author=f"u{i}"))[1]["id"]
               for i in range(6)]
        for kind in ("escalation", "breach"):
            for cid in ids:
                self.daemon.wait_outbox(cid, kind, "delivered", timeout=15)
            pages = self.receiver.messages("/lead", kind=kind)
            counted = sum(p["body"].get("count", 1) for p in pages)
            self.assertEqual(counted, 6, pages)
            self.assertLessEqual(len(pages), 2, [p["body"] for p in pages])
            group = max(pages, key=lambda p: p["body"].get("count", 1))["body"]
            self.assertEqual(group["team"], "fast")
            self.assertEqual(group["priority"], "P1")
            self.assertTrue(set(group["complaint_ids"]) <= set(ids))
            self.assertEqual(group["cases"][0]["complaint_id"], group["complaint_ids"][0])
            self.assertEqual(group["cases"][0]["text"], "至急です")
        # Each case's timeline shows its notices delivered, with the group's one attempt.
        for cid in ids:
            self.assertEqual([o["attempts"] for o in self.daemon.outbox(cid, "breach")], [1])


if __name__ == "__main__":
    ACKD = os.path.abspath(sys.argv.pop(1))
    harness.main()
