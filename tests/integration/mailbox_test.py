"""Mail in: the real daemon watches a real Dovecot mailbox (IMAPS, or IMAP with STARTTLS;
a password, or an XOAUTH2 token checked by a local identity provider) and answers through
its `smtp` sink to a real SMTP server (aiosmtpd), all on 127.0.0.1: each mail answered once,
flagged \\Seen or moved; the loop corpus handed off and never answered; a bounce recorded on
its case; a kill -9 during a burst of 100 mails, and a folder whose UIDVALIDITY changed,
neither lose nor repeat an answer.

usage: mailbox_test.py ACKD_BINARY [unittest arguments]
"""
import email
import email.policy
import json
import os
import sqlite3
import sys
import threading
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dovecot
import harness
from harness import HERE, Daemon, Receiver, wait_for, wait_until

try:
    from aiosmtpd.controller import Controller
except ImportError:  # counted as a skip, which fails in CI
    Controller = None
from mail_test import Captured, changed_policy

ACKD = None
CORPUS = os.path.join(HERE, "..", "data", "mail")


def corpus(name):
    with open(os.path.join(CORPUS, name), "rb") as f:
        return f.read()


def plain_mail(message_id, sender, text="注文した商品がまだ届きません。", subject="注文の件"):
    return (f"From: {sender}\r\nTo: support@example.com\r\nSubject: {subject}\r\n"
            f"Message-ID: <{message_id}>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
            f"{text}\r\n").encode()


def bounce_of(our_message_id):
    """A delivery status report (RFC 3464) about the mail with that Message-ID."""
    return ("From: MAILER-DAEMON@mx.example.jp\r\nTo: support@example.com\r\n"
            "Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn-1@mx.example.jp>\r\n"
            "Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n"
            'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
            "--b\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n"
            "--b\r\nContent-Type: message/delivery-status\r\n\r\n"
            "Reporting-MTA: dns; mx.example.jp\r\n\r\nFinal-Recipient: rfc822; taro@example.jp\r\n"
            "Action: failed\r\nStatus: 5.1.1\r\n\r\n"
            "--b\r\nContent-Type: text/rfc822-headers\r\n\r\n"
            f"From: support@example.com\r\nMessage-ID: <{our_message_id}>\r\nSubject: Re: x\r\n"
            "\r\n--b--\r\n").encode()


class Introspection:
    """An OAuth 2.0 token introspection endpoint (RFC 7662) for Dovecot's XOAUTH2."""

    def __init__(self, good_token):
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length).decode()
                active = f"token={good_token}" in body
                answer = {"active": active}
                if active:
                    answer["username"] = dovecot.USER
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/introspect"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@unittest.skipIf(Controller is None, "python3-aiosmtpd is not installed")
@unittest.skipUnless(dovecot.available(), "dovecot-imapd is not installed")
class MailboxTest(unittest.TestCase):
    def setUp(self):
        self.receiver = Receiver()
        self.addCleanup(self.receiver.close)
        self.policy = changed_policy(self, "  chat: {}\n", "  chat: {}\n  email: {}\n")
        self.captured = Captured()
        self.smtp_port = harness.free_port()
        controller = Controller(self.captured, hostname="127.0.0.1", port=self.smtp_port)
        controller.start()
        self.addCleanup(controller.stop)

    def mailbox(self, **options):
        server = dovecot.Dovecot(**options)
        self.addCleanup(server.cleanup)
        return server.start()

    def daemon(self, source):
        daemon = Daemon(ACKD, self.receiver, policy_dir=self.policy,
                        extra_sinks=(f'  mail-out: {{type: smtp, url: "smtp://127.0.0.1:'
                                     f'{self.smtp_port}", from: support@example.com}}\n'),
                        extra_config=("  email: {reply_sink: mail-out}\n"
                                      f"sources:\n  mail: {source}\n"))
        self.addCleanup(daemon.cleanup)
        return daemon

    def imaps_source(self, server, extra=""):
        """The default `poll` (60 s) is longer than any wait here: new mail is seen by IDLE."""
        ca_file = os.path.abspath(os.path.join(harness.TLS_DATA, "ca.pem"))
        return (f'{{type: imap, url: "imaps://127.0.0.1:{server.imaps_port}/INBOX", '
                f"user: {dovecot.USER}, password: {{env: ACKD_TEST_IMAP_PASSWORD}}, "
                f"tls: {{ca_file: {ca_file}}}{extra}}}")

    def start(self, daemon):
        return daemon.start(env={"ACKD_TEST_IMAP_PASSWORD": dovecot.PASSWORD,
                                 "ACKD_TEST_IMAP_TOKEN": "good-token"})

    def answers(self):
        """The answers the SMTP server took, parsed."""
        return [email.message_from_bytes(m["data"], policy=email.policy.default)
                for m in list(self.captured.messages)]

    def answers_to(self, message_id):
        return [a for a in self.answers() if a["In-Reply-To"] == f"<{message_id}>"]

    def case_of(self, answer):
        return answer["Message-ID"].strip("<>").split(".")[0]

    def test_a_mail_is_answered_once_flagged_seen_and_the_loop_corpus_never(self):
        server = self.mailbox()
        # Unseen mail already in the folder is taken at the first look; seen mail is not.
        server.deliver(plain_mail("read-1@example.jp", "hanako@example.jp"), flags="(\\Seen)")
        server.deliver(corpus("iso2022jp.eml"))
        daemon = self.start(self.daemon(self.imaps_source(server)))
        wait_for(lambda: self.answers_to("jis-1@example.jp"), "the answer to the ISO-2022-JP mail")
        answer = self.answers_to("jis-1@example.jp")[0]
        self.assertEqual(self.captured.messages[0]["to"], ["taro@example.jp"])
        self.assertEqual(answer["Auto-Submitted"], "auto-replied")
        self.assertTrue(answer["Subject"].startswith("Re: "), answer["Subject"])
        case = daemon.timeline(self.case_of(answer))
        self.assertEqual(case["complaint"]["channel"], "email")
        self.assertIn("至急確認してください", case["complaint"]["text"])
        wait_for(lambda: "\\Seen" in server.flags().get(2, ""), "the mail flagged \\Seen")

        # Each mail of the loop corpus is a complaint handed off, never answered.
        loop = ["out_of_office.eml", "list.eml", "noreply.eml", "bounce.eml"]
        for name in loop:
            server.deliver(corpus(name))
        server.deliver(plain_mail("after-loop-1@example.jp", "jiro@example.jp"))
        wait_for(lambda: self.answers_to("after-loop-1@example.jp"), "the answer after the loop corpus")
        wait_for(lambda: all("\\Seen" in f for f in server.flags().values() if f is not None)
                 and len(server.flags()) == 7, "every mail flagged \\Seen")
        self.assertEqual(len(self.answers()), 2, [a["To"] for a in self.answers()])
        self.assertEqual(self.answers_to("read-1@example.jp"), [])
        open_cases = daemon.request("GET", "/v1/handoffs?state=open")[1]["handoffs"]
        reasons = [daemon.timeline(c["id"])["decision"]["reason"] for c in open_cases]
        automated = [r for r in reasons if "an automated mail (RFC 3834" in r]
        self.assertEqual(len(automated), len(loop), reasons)
        self.assertTrue(any("Auto-Submitted: auto-replied" in r for r in automated), automated)
        self.assertTrue(any("List-Id" in r or "mailing list" in r for r in automated), automated)
        self.assertEqual(daemon.metric("ackd_source_watching", 'source="mail"'), 1)
        # It watches a mailbox: its webhook path takes nothing.
        status, body, _ = daemon.request("POST", "/v1/sources/mail", {"x": 1}, token=None)
        self.assertEqual((status, body["error"]["code"]), (404, "not_found"), body)
        self.assertIn("watches a mailbox", body["error"]["message"])
        self.assertEqual(daemon.metric("ackd_source_mails_total", 'source="mail",outcome="stored"'),
                         2 + len(loop))

        # A restart goes on after the last UID taken: nothing is answered again.
        daemon.stop()
        server.deliver(plain_mail("after-restart-1@example.jp", "saburo@example.jp"))
        self.start(daemon)
        wait_for(lambda: self.answers_to("after-restart-1@example.jp"), "the answer after a restart")
        self.assertEqual(len(self.answers()), 3)
        self.assertIn("after UID 7", daemon.read_log())

    def test_mail_after_mail_is_each_seen_at_once(self):
        # Each mail lands while ackd is between commands or idling; one that is announced
        # while a search runs must not wait for the next poll (60 s).
        server = self.mailbox()
        self.start(self.daemon(self.imaps_source(server)))
        imap = server.client()
        self.addCleanup(imap.logout)
        for i in range(8):
            imap.append("INBOX", None, None, plain_mail(f"serial-{i}@example.jp", f"s{i}@example.jp"))
            wait_for(lambda: self.answers_to(f"serial-{i}@example.jp"), f"the answer to mail {i}")

    def test_starttls_and_a_folder_for_the_mail_taken(self):
        server = self.mailbox()
        server.create("処理済み")
        daemon = self.daemon(
            self.imaps_source(server, ', move_to: "処理済み"').replace(
                f"imaps://127.0.0.1:{server.imaps_port}", f"imap://127.0.0.1:{server.imap_port}"))
        self.start(daemon)
        server.deliver(corpus("cp932.eml"))
        wait_for(lambda: len(self.answers()) == 1, "the answer to the CP932 mail")
        wait_for(lambda: server.flags() == {} and len(server.flags(dovecot.utf7("処理済み"))) == 1,
                 "the mail moved to 処理済み")
        self.assertIn("\\Seen", list(server.flags(dovecot.utf7("処理済み")).values())[0])
        self.assertIn(f"imap://127.0.0.1:{server.imap_port}/INBOX): watching", daemon.read_log())
        self.assertIn("; IDLE)", daemon.read_log())
        logins = [line for line in server.read_log().splitlines() if "Login: " in line]
        self.assertTrue(any("method=PLAIN" in line and "TLS" in line for line in logins), logins)

    def test_a_server_without_idle_or_move_is_polled_and_copied_from(self):
        server = self.mailbox(capabilities="IMAP4rev1 UIDPLUS")
        server.create("Done")
        daemon = self.start(self.daemon(
            self.imaps_source(server, ", move_to: Done, poll: 1s")))
        server.deliver(plain_mail("poll-1@example.jp", "taro@example.jp"))
        wait_for(lambda: self.answers_to("poll-1@example.jp"), "the answer found by polling")
        wait_for(lambda: server.flags() == {} and len(server.flags("Done")) == 1,
                 "the mail copied to Done and expunged from INBOX")
        self.assertIn("no IDLE: polling every 1 s", daemon.read_log())

    def test_xoauth2_with_a_token_the_identity_provider_accepts(self):
        provider = Introspection("good-token")
        self.addCleanup(provider.close)
        server = self.mailbox(oauth_introspection_url=provider.url)
        source = self.imaps_source(server).replace("password: {env: ACKD_TEST_IMAP_PASSWORD}",
                                                   "token: {env: ACKD_TEST_IMAP_TOKEN}")
        daemon = self.start(self.daemon(source))
        server.deliver(plain_mail("oauth-1@example.jp", "taro@example.jp"))
        wait_for(lambda: self.answers_to("oauth-1@example.jp"), "the answer with XOAUTH2")
        self.assertIn("method=XOAUTH2", server.read_log())
        daemon.stop()
        # A token the provider refuses: ackd says so and keeps trying, answering nothing.
        bad = self.daemon(source).start(env={"ACKD_TEST_IMAP_TOKEN": "stolen-token"})
        wait_for(lambda: "(XOAUTH2) refused" in bad.read_log(), "the refused login in the log")
        self.assertNotIn("stolen-token", bad.read_log())
        self.assertEqual(bad.metric("ackd_source_watching", 'source="mail"'), 0)

    def test_a_20_mb_mail_is_read_up_to_max_size_and_answered(self):
        server = self.mailbox()
        daemon = self.start(self.daemon(self.imaps_source(server)))
        big = ("From: erin@example.jp\r\nTo: support@example.com\r\nSubject: photos\r\n"
               "Message-ID: <big-1@example.jp>\r\nMIME-Version: 1.0\r\n"
               'Content-Type: multipart/mixed; boundary="z"\r\n\r\n'
               "--z\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
               "破損した商品の写真です。\r\n--z\r\nContent-Type: image/jpeg\r\n"
               'Content-Disposition: attachment; filename="a.jpg"\r\n'
               "Content-Transfer-Encoding: base64\r\n\r\n").encode()
        big += (b"A" * 76 + b"\r\n") * (20 * 1024 * 1024 // 78) + b"--z--\r\n"
        server.deliver(big)
        wait_for(lambda: self.answers_to("big-1@example.jp"), "the answer to the 20 MB mail",
                 timeout=30)
        case = daemon.timeline(self.case_of(self.answers_to("big-1@example.jp")[0]))
        self.assertIn("破損した商品の写真です。", case["complaint"]["text"])
        self.assertEqual(case["complaint"]["metadata"]["email"]["attachments"], 1)

    def test_a_bounce_of_an_answer_is_recorded_on_its_case(self):
        server = self.mailbox()
        daemon = self.start(self.daemon(self.imaps_source(server)))
        server.deliver(plain_mail("to-bounce-1@example.jp", "moved@example.jp"))
        wait_for(lambda: self.answers_to("to-bounce-1@example.jp"), "the answer that will bounce")
        answer = self.answers_to("to-bounce-1@example.jp")[0]
        case_id = self.case_of(answer)
        server.deliver(bounce_of(answer["Message-ID"].strip("<>")))

        def bounced():
            events = [e["event"] for e in daemon.timeline(case_id)["timeline"]]
            return "bounced" in events
        wait_for(bounced, "the bounce on the case's timeline")
        self.assertEqual(daemon.metric("ackd_source_mails_total", 'source="mail",outcome="bounce"'), 1)
        bounce = [e for e in daemon.timeline(case_id)["timeline"] if e["event"] == "bounced"][0]
        self.assertEqual(bounce["from"], "MAILER-DAEMON@mx.example.jp")
        self.assertEqual(bounce["bounce_of"], answer["Message-ID"].strip("<>"))
        # Not a new complaint: the only case is the first.
        open_cases = daemon.request("GET", "/v1/handoffs?state=open")[1]["handoffs"]
        self.assertEqual([c["id"] for c in open_cases], [case_id])

    def test_a_kill_during_a_burst_of_100_mails_answers_each_exactly_once(self):
        server = self.mailbox()
        daemon = self.start(self.daemon(self.imaps_source(server)))
        ids = [f"burst-{i}@example.jp" for i in range(100)]

        def burst():
            imap = server.client()
            try:
                for i, message_id in enumerate(ids):
                    imap.append("INBOX", None, None, plain_mail(message_id, f"user{i}@example.jp"))
            finally:
                imap.logout()
        sender = threading.Thread(target=burst)
        sender.start()
        wait_for(lambda: len(self.captured.messages) >= 20, "20 answers before the kill", timeout=30)
        daemon.kill9()
        sender.join()
        self.start(daemon)

        def all_answered():
            return {a["In-Reply-To"] for a in self.answers()} == {f"<{i}>" for i in ids}
        wait_for(all_answered, "an answer to each of the 100 mails", timeout=60)
        # At least once on the wire: a mail sent again after the kill keeps its Message-ID,
        # so each complaint has exactly one answer.
        by_mail = {}
        for a in self.answers():
            by_mail.setdefault(a["In-Reply-To"], set()).add(a["Message-ID"])
        self.assertTrue(all(len(v) == 1 for v in by_mail.values()), by_mail)
        daemon.stop()
        with sqlite3.connect(os.path.join(daemon.dir, "state", "ackd.db")) as db:
            (count,) = db.execute("SELECT count(*) FROM complaints").fetchone()
        self.assertEqual(count, 100)

    def test_a_changed_uidvalidity_does_not_answer_old_mail_again(self):
        server = self.mailbox()
        server.create("Support")
        source = self.imaps_source(server).replace("/INBOX", "/Support")
        daemon = self.start(self.daemon(source))
        server.deliver(plain_mail("old-1@example.jp", "taro@example.jp"), folder="Support")
        wait_for(lambda: self.answers_to("old-1@example.jp"), "the first answer")
        daemon.stop()
        # The folder made again (new UIDVALIDITY), the old mail back in it unread.
        imap = server.client()
        imap.delete("Support")
        imap.logout()
        wait_until(lambda: False, timeout=1.1)  # UIDVALIDITY is a time in seconds
        server.create("Support")
        server.deliver(plain_mail("old-1@example.jp", "taro@example.jp"), folder="Support")
        server.deliver(plain_mail("new-1@example.jp", "hanako@example.jp"), folder="Support")
        self.start(daemon)
        wait_for(lambda: self.answers_to("new-1@example.jp"), "the answer to the new mail")
        wait_for(lambda: len(server.flags("Support")) == 2
                 and all("\\Seen" in f for f in server.flags("Support").values()),
                 "both mails taken")
        self.assertEqual(len(self.answers_to("old-1@example.jp")), 1)
        self.assertIn("UIDVALIDITY changed", daemon.read_log())


if __name__ == "__main__":
    ACKD = os.path.abspath(sys.argv.pop(1))
    harness.main()
