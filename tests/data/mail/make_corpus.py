#!/usr/bin/env python3
"""Writes the mail corpus tests/unit/mail_test.cpp reads: messages shaped like real ones
(Japanese charsets, transfer encodings, HTML only, lists, auto-replies, bounces, malformed
MIME). Run it from this folder after changing a message; the .eml files are checked in."""
import base64
import quopri

CRLF = b"\r\n"


def mail(headers, body):
    lines = [f"{k}: {v}".encode() if isinstance(v, str) else k.encode() + b": " + v
             for k, v in headers]
    return CRLF.join(lines) + CRLF + CRLF + body


def write(name, data):
    with open(name, "wb") as f:
        f.write(data)


def encoded_word(text, charset, codec):
    return f"=?{charset}?B?{base64.b64encode(text.encode(codec)).decode()}?="


common = [("Date", "Tue, 24 Nov 2026 17:35:00 +0900"), ("To", "support@example.com")]

# ISO-2022-JP, 7bit, the way Japanese mailers have sent mail for decades.
write("iso2022jp.eml", mail(
    [("From", f"{encoded_word('山田太郎', 'ISO-2022-JP', 'iso2022_jp')} <taro@example.jp>"),
     ("Subject", encoded_word("注文した商品が届きません", "ISO-2022-JP", "iso2022_jp")),
     ("Message-ID", "<jis-1@example.jp>"), *common, ("MIME-Version", "1.0"),
     ("Content-Type", "text/plain; charset=ISO-2022-JP"), ("Content-Transfer-Encoding", "7bit")],
    "先週注文した商品がまだ届きません。\r\n至急確認してください。\r\n".encode("iso2022_jp")))

# Shift_JIS that only CP932 can read: ① and ～ (glibc's SHIFT_JIS loses both).
write("cp932.eml", mail(
    [("From", f"{encoded_word('佐藤花子', 'Shift_JIS', 'cp932')} <hanako@example.jp>"),
     ("Subject", encoded_word("返品について①", "Shift_JIS", "cp932")),
     ("Message-ID", "<sjis-1@example.jp>"), *common, ("MIME-Version", "1.0"),
     ("Content-Type", "text/plain; charset=Shift_JIS"), ("Content-Transfer-Encoding", "8bit")],
    "①箱が潰れていました～\r\n返金をお願いします。\r\n".encode("cp932")))

# EUC-JP in base64.
write("eucjp.eml", mail(
    [("From", "Kenji <kenji@example.jp>"), ("Subject", "EUC-JP"),
     ("Message-ID", "<euc-1@example.jp>"), *common, ("MIME-Version", "1.0"),
     ("Content-Type", "text/plain; charset=EUC-JP"), ("Content-Transfer-Encoding", "base64")],
    base64.encodebytes("配送が遅れています。\n".encode("euc_jp")).replace(b"\n", CRLF)))

# UTF-8, quoted-printable, a reply with quoted history in both languages' styles.
reply_text = ("まだ返事がありません。\n\n2026年11月24日(火) 17:35 ACME サポート さんは書きました:\n"
              "> お問い合わせありがとうございます。\n> 担当者より連絡します。\n")
write("reply_qp.eml", mail(
    [("From", "\"Taro\" <taro@example.jp>"), ("Subject", "Re: Re: 注文の件"),
     ("Message-ID", "<reply-2@example.jp>"), ("In-Reply-To", "<ackd-reply-1@support.example.com>"),
     ("References", "<jis-1@example.jp> <ackd-reply-1@support.example.com>"), *common,
     ("MIME-Version", "1.0"), ("Content-Type", "text/plain; charset=UTF-8"),
     ("Content-Transfer-Encoding", "quoted-printable")],
    quopri.encodestring(reply_text.encode("utf-8")).replace(b"\n", CRLF)))

# HTML only, with a script, entities and blocks.
write("html_only.eml", mail(
    [("From", "Anna <anna@example.com>"), ("Subject", "Broken blender"),
     ("Message-ID", "<html-1@example.com>"), *common, ("MIME-Version", "1.0"),
     ("Content-Type", "text/html; charset=UTF-8")],
    b"<html><head><style>p{color:red}</style></head><body><p>My blender &amp; its lid "
    b"arrived <b>broken</b>.</p><script>alert(1)</script><div>I want a refund&nbsp;&#8212; "
    b"&#x1F620;</div></body></html>\r\n"))

# multipart/alternative with an attachment: text/plain wins, the PDF is counted.
write("alternative.eml", mail(
    [("From", "Bob <bob@example.com>"), ("Subject", "Invoice wrong"),
     ("Message-ID", "<alt-1@example.com>"), *common, ("MIME-Version", "1.0"),
     ("Content-Type", "multipart/mixed; boundary=\"outer\"")],
    b"--outer\r\nContent-Type: multipart/alternative; boundary=\"inner\"\r\n\r\n"
    b"--inner\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nThe invoice is wrong.\r\n"
    b"--inner\r\nContent-Type: text/html; charset=UTF-8\r\n\r\n<p>The <b>HTML</b> one.</p>\r\n"
    b"--inner--\r\n--outer\r\nContent-Type: application/pdf\r\n"
    b"Content-Disposition: attachment; filename=\"invoice.pdf\"\r\n"
    b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--outer--\r\n"))

# A mailing list's mail, an out-of-office reply, a no-reply sender.
write("list.eml", mail(
    [("From", "news@example.org"), ("Subject", "Weekly news"), ("Message-ID", "<list-1@example.org>"),
     ("List-Id", "<news.example.org>"), ("List-Unsubscribe", "<mailto:leave@example.org>"),
     ("Precedence", "list"), *common], b"Hello list.\r\n"))
write("out_of_office.eml", mail(
    [("From", "Carol <carol@example.com>"), ("Subject", "Automatic reply: Your request"),
     ("Message-ID", "<ooo-1@example.com>"), ("Auto-Submitted", "auto-replied"),
     ("X-Auto-Response-Suppress", "All"), *common], b"I am out of the office until Monday.\r\n"))
write("noreply.eml", mail(
    [("From", "ACME Shop <no-reply@shop.example>"), ("Subject", "Your order shipped"),
     ("Message-ID", "<shipped-1@shop.example>"), *common], b"Your order shipped.\r\n"))

# A bounce of one of our replies: multipart/report with the original's headers.
write("bounce.eml", mail(
    [("From", "Mail Delivery System <MAILER-DAEMON@mx.example.com>"),
     ("Subject", "Undelivered Mail Returned to Sender"), ("Message-ID", "<bounce-1@mx.example.com>"),
     ("Return-Path", "<>"), *common, ("MIME-Version", "1.0"),
     ("Content-Type", "multipart/report; report-type=delivery-status; boundary=\"b\"")],
    b"--b\r\nContent-Type: text/plain\r\n\r\nThis is the mail system. Your message could not "
    b"be delivered.\r\n--b\r\nContent-Type: message/delivery-status\r\n\r\n"
    b"Final-Recipient: rfc822; gone@example.jp\r\nAction: failed\r\nStatus: 5.1.1\r\n"
    b"--b\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: support@example.com\r\n"
    b"To: gone@example.jp\r\nMessage-ID: <ackd-reply-9@support.example.com>\r\n"
    b"Subject: Re: help\r\n--b--\r\n"))

# No Message-ID; MIME that breaks its own rules. (The 20 MB attachment is made by the test.)
write("no_message_id.eml", mail(
    [("From", "dave@example.com"), ("Subject", "no id"), *common], b"Where is my parcel?\r\n"))
write("malformed.eml", mail(
    [("From", "=?bogus-charset?B?!!!?= <frank@example.com>"), ("Subject", "=?UTF-8?Q?broken=ZZ?="),
     ("Message-ID", "<bad-1@example.com>"), *common, ("MIME-Version", "1.0"),
     ("Content-Type", "multipart/mixed; boundary=\"never-closed\"")],
    b"--never-closed\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nbad bytes \xff\xfe here\r\n"))
