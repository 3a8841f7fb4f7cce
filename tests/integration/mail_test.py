"""Mail out: the real daemon answers a complaint that came by mail through its `smtp` sink,
submitting to a real SMTP server (python3-aiosmtpd, Debian's) on 127.0.0.1, plain and with
STARTTLS and AUTH; a permanent refusal fails at once with the server's words.

usage: mail_test.py ACKD_BINARY [unittest arguments]
"""
import datetime
import email
import email.policy
import os
import shutil
import ssl
import sys
import tempfile
import time
import unittest
import zoneinfo

import harness
from harness import HERE, TLS_DATA, Daemon, Receiver, complaint, free_port, wait_for, wait_until

try:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword
except ImportError:  # counted as a skip, which fails in CI
    Controller = None

ACKD = None
TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")


class Captured:
    """An aiosmtpd handler that keeps each message and refuses mail to gone@..."""

    def __init__(self):
        self.messages = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("gone@"):
            return "550 5.1.1 <" + address + ">: no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append({"from": envelope.mail_from, "to": list(envelope.rcpt_tos),
                              "data": envelope.original_content or envelope.content,
                              "tls": session.ssl is not None})
        return "250 2.0.0 queued"


def smtp_server(test, **options):
    """A real SMTP server on 127.0.0.1 for the test's length: (its Captured, its port)."""
    captured = Captured()
    port = free_port()
    controller = Controller(captured, hostname="127.0.0.1", port=port, **options)
    controller.start()
    test.addCleanup(controller.stop)
    return captured, port


def changed_policy(test, old, new):
    """A copy of the test policy with `old` replaced by `new`, removed after the test."""
    directory = tempfile.mkdtemp(prefix="ackd-it-policy-")
    test.addCleanup(shutil.rmtree, directory, True)
    with open(os.path.join(HERE, "policy", "policy.yaml")) as f:
        text = f.read()
    changed = text.replace(old, new)
    assert changed != text
    with open(os.path.join(directory, "policy.yaml"), "w") as f:
        f.write(changed)
    return directory


@unittest.skipIf(Controller is None, "python3-aiosmtpd is not installed")
class MailOutTest(unittest.TestCase):
    def setUp(self):
        self.receiver = Receiver()
        self.addCleanup(self.receiver.close)
        self.policy = changed_policy(self, "  chat: {}\n", "  chat: {}\n  email: {}\n")

    def smtp_server(self, **options):
        return smtp_server(self, **options)

    def daemon(self, sink):
        daemon = Daemon(ACKD, self.receiver, policy_dir=self.policy,
                        extra_sinks=f"  mail-out: {sink}\n",
                        extra_config="  email: {reply_sink: mail-out}\n")
        self.addCleanup(daemon.cleanup)
        return daemon.start(env={"ACKD_TEST_SMTP_PASSWORD": "s3cret"})

    def mail_complaint(self, external_id, author="taro@example.jp"):
        return complaint(external_id, channel="email", author=author,
                         metadata={"email": {"subject": "注文の件",
                                             "references": ["root@example.jp"]}})

    def test_an_answer_goes_out_threaded_and_marked_auto_replied(self):
        captured, port = self.smtp_server()
        daemon = self.daemon(
            f'{{type: smtp, url: "smtp://127.0.0.1:{port}", from: "ACME サポート <support@example.com>"}}')
        status, accepted, _ = daemon.post_complaint(self.mail_complaint("jis-1@example.jp"))
        self.assertEqual(status, 202, accepted)
        cid = accepted["id"]
        wait_until(lambda: captured.messages)
        sent = captured.messages[0]
        self.assertEqual(sent["from"], "support@example.com")
        self.assertEqual(sent["to"], ["taro@example.jp"])
        mail = email.message_from_bytes(sent["data"], policy=email.policy.default)
        self.assertEqual(mail["Subject"], "Re: 注文の件")
        self.assertEqual(mail["In-Reply-To"], "<jis-1@example.jp>")
        self.assertEqual(mail["References"], "<root@example.jp> <jis-1@example.jp>")
        self.assertEqual(mail["Auto-Submitted"], "auto-replied")
        self.assertEqual(mail["Message-ID"], f"<{cid}.reply.ackd@example.com>")
        self.assertEqual(mail["From"].addresses[0].display_name, "ACME サポート")
        self.assertIn("山田太郎", mail.get_content())
        daemon.wait_outbox(cid, "reply", "delivered")

    def test_a_team_notice_is_mailed_with_the_case_reference_in_its_subject(self):
        captured, port = self.smtp_server()
        policy = changed_policy(self, "  support:\n    notify: team-chat",
                                "  support:\n    notify: team-mail")
        daemon = Daemon(ACKD, self.receiver, policy_dir=policy, extra_sinks=(
            f'  team-mail: {{type: smtp, url: "smtp://127.0.0.1:{port}", from: support@example.com,'
            f' to: team@example.com}}\n'))
        self.addCleanup(daemon.cleanup)
        daemon.start()
        status, accepted, _ = daemon.post_complaint(complaint("7"))
        self.assertEqual(status, 202, accepted)
        wait_until(lambda: captured.messages)
        sent = captured.messages[0]
        self.assertEqual(sent["to"], ["team@example.com"])
        mail = email.message_from_bytes(sent["data"], policy=email.policy.default)
        reference = harness.case_reference("x", "7")
        self.assertEqual(mail["Subject"], f"P3 · New case for support · {reference}")
        self.assertEqual(mail["Auto-Submitted"], "auto-generated")
        body = mail.get_content()
        self.assertIn(f"Reference: {reference}", body)
        self.assertIn("注文した商品がまだ届きません。", body)
        daemon.wait_outbox(accepted["id"], "handoff", "delivered")

    def test_a_permanent_refusal_fails_at_once_with_the_servers_words(self):
        captured, port = self.smtp_server()
        daemon = self.daemon(
            f'{{type: smtp, url: "smtp://127.0.0.1:{port}", from: support@example.com}}')
        status, accepted, _ = daemon.post_complaint(
            self.mail_complaint("gone-1@example.jp", author="gone@example.jp"))
        self.assertEqual(status, 202, accepted)
        failed = daemon.wait_outbox(accepted["id"], "reply", "failed")
        self.assertEqual(failed[0]["attempts"], 1)
        self.assertIn("SMTP 550 at RCPT TO", failed[0]["last_error"])
        self.assertIn("no such user here", failed[0]["last_error"])
        # Metadata of the wrong types is read as absent, never thrown on.
        odd = self.mail_complaint("odd-1@example.jp")
        odd["metadata"]["email"] = {"subject": 5, "references": "not a list"}
        status, accepted_odd, _ = daemon.post_complaint(odd)
        self.assertEqual(status, 202, accepted_odd)
        wait_until(lambda: captured.messages)
        self.assertIn(b"\r\nSubject: Re:\r\n", captured.messages[0]["data"])
        self.assertIn(b"\r\nReferences: <odd-1@example.jp>\r\n", captured.messages[0]["data"])
        captured.messages.clear()
        # An author id that would end RCPT TO and start another command is refused as such.
        status, sneaky, _ = daemon.post_complaint(
            self.mail_complaint("sneaky-1@example.jp",
                                author="taro@example.jp>\r\nRCPT TO:<everyone@example.com"))
        self.assertEqual(status, 202, sneaky)
        refused = daemon.wait_outbox(sneaky["id"], "reply", "failed")
        self.assertIn("is not a mail address", refused[0]["last_error"])
        self.assertEqual(captured.messages, [])

    def test_starttls_and_auth_with_a_private_ca(self):
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(os.path.join(TLS_DATA, "server.pem"),
                                os.path.join(TLS_DATA, "server-key.pem"))
        logins = []

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = isinstance(auth_data, LoginPassword) and auth_data.password == b"s3cret"
            logins.append((mechanism, auth_data.login if ok else None))
            return AuthResult(success=ok)

        captured, port = self.smtp_server(tls_context=context, require_starttls=True,
                                          authenticator=authenticator, auth_required=True,
                                          auth_require_tls=True)
        ca_file = os.path.abspath(os.path.join(TLS_DATA, "ca.pem"))
        daemon = self.daemon(
            f'{{type: smtp, url: "smtp://127.0.0.1:{port}", from: support@example.com,'
            f' user: ackd, password: {{env: ACKD_TEST_SMTP_PASSWORD}}, tls: {{ca_file: {ca_file}}}}}')
        status, accepted, _ = daemon.post_complaint(self.mail_complaint("tls-1@example.jp"))
        self.assertEqual(status, 202, accepted)
        wait_until(lambda: captured.messages)
        self.assertTrue(captured.messages[0]["tls"])
        self.assertEqual(logins, [("PLAIN", b"ackd")])


@unittest.skipIf(Controller is None, "python3-aiosmtpd is not installed")
class ReportMailTest(unittest.TestCase):
    """`report.mail`: the weekly report, due a minute before the daemon starts, goes at the
    start, once, with the figures of the seven days before its day and the page attached."""

    def setUp(self):
        self.receiver = Receiver()
        self.addCleanup(self.receiver.close)
        self.captured, self.smtp_port = smtp_server(self)
        policy = changed_policy(self, "default_lang: ja\n", "default_lang: ja\ntimezone: Asia/Tokyo\n")
        self.daemon = Daemon(ACKD, self.receiver, policy_dir=policy)
        self.addCleanup(self.daemon.cleanup)
        # Due a minute or two ago, on the policy's clock.
        self.due = (datetime.datetime.now(TOKYO) - datetime.timedelta(minutes=2)).replace(
            second=0, microsecond=0)

    def mail_the_report(self, to):
        """Adds report.mail to ackd.yaml, due self.due."""
        with open(os.path.join(self.daemon.dir, "ackd.yaml"), "a") as f:
            f.write(f"report:\n  mail: {{sink: leads-mail, to: {to},"
                    f" weekday: {self.due.strftime('%A').lower()},"
                    f" at: \"{self.due.strftime('%H:%M')}\", lang: ja}}\n")
        self.daemon.stop()
        config = os.path.join(self.daemon.dir, "ackd.yaml")
        with open(config) as f:
            text = f.read()
        with open(config, "w") as f:
            f.write(text.replace("channels:\n",
                                 f"  leads-mail: {{type: smtp, url: \"smtp://127.0.0.1:{self.smtp_port}\","
                                 f" from: \"ACME <support@example.com>\"}}\nchannels:\n", 1))

    def test_mailed_once_with_the_weeks_figures_and_the_page(self):
        d = self.daemon.start()
        # Two complaints in the week reported, one of them today (not in it).
        day = self.due.date()
        for n, received in ((1, self.due - datetime.timedelta(days=3)),
                            (2, self.due - datetime.timedelta(days=5)),
                            (3, self.due)):
            c = complaint(f"week-{n}", author=f"w{n}")
            c["received_at"] = received.isoformat()
            self.assertEqual(d.post_complaint(c)[0], 202)
        # Deadlines are written as the team reads them: on the policy's clock (Tokyo).
        listed = [h for state in ("open", "breached")
                  for h in d.request("GET", f"/v1/handoffs?state={state}&team=support")[1]["handoffs"]]
        self.assertEqual(len(listed), 3)
        for h in listed:
            self.assertTrue(h["deadline"].endswith("+09:00"), h)
            case = d.timeline(h["id"])["handoff"]
            self.assertEqual(case["deadline"], h["deadline"])
        self.mail_the_report("[lead@example.com, ops@example.com]")
        d.start()
        wait_until(lambda: self.captured.messages)
        sent = self.captured.messages[0]
        self.assertEqual(sent["from"], "support@example.com")
        self.assertEqual(sent["to"], ["lead@example.com", "ops@example.com"])
        mail = email.message_from_bytes(sent["data"], policy=email.policy.default)
        first, last = day - datetime.timedelta(days=7), day - datetime.timedelta(days=1)
        self.assertEqual(mail["Subject"], f"ackd 週次レポート {first}〜{last}")
        self.assertEqual(mail["Message-ID"], f"<report.{day}.ackd@example.com>")
        self.assertEqual(mail["Auto-Submitted"], "auto-generated")
        self.assertEqual([a.addr_spec for a in mail["To"].addresses],
                         ["lead@example.com", "ops@example.com"])
        self.assertEqual(mail.get_content_type(), "multipart/mixed")
        text, page = list(mail.iter_parts())
        self.assertIn("Asia/Tokyo", text.get_content())
        total = [line for line in text.get_content().splitlines() if line.startswith("(total)")]
        self.assertEqual(total[0].split()[1], "2")  # the complaints of the week, not today's
        self.assertEqual(page.get_content_type(), "text/html")
        self.assertEqual(page.get_filename(), f"ackd-report-{first}.html")
        html = page.get_content()
        self.assertIn('<html lang="ja"', html)
        self.assertIn(str(first), html)
        self.assertEqual(d.metric("ackd_report_mails_total", 'outcome="sent"'), 1)
        # Restarted: the same due time is not mailed again.
        d.stop()
        d.start()
        time.sleep(1.5)  # it reads what went before deciding: milliseconds
        self.assertEqual(len(self.captured.messages), 1)
        self.assertIsNone(d.metric("ackd_report_mails_total", 'outcome="sent"'))

    def test_a_refusal_is_logged_counted_and_not_tried_again(self):
        self.daemon.start()
        self.mail_the_report("gone@example.com")
        d = self.daemon.start()
        wait_until(lambda: d.metric("ackd_report_mails_total", 'outcome="failed"') == 1)
        self.assertIn("SMTP 550 at RCPT TO", d.read_log())
        self.assertEqual(self.captured.messages, [])
        d.stop()
        d.start()
        time.sleep(1.5)
        self.assertIsNone(d.metric("ackd_report_mails_total", 'outcome="failed"'))


if __name__ == "__main__":
    ACKD = os.path.abspath(sys.argv.pop(1))
    harness.main()
