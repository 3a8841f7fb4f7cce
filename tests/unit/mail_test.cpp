#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>

#include "ackd/mail/message.hpp"
#include "ackd/text/utf8.hpp"

namespace mail_test {

// Reading mail: the corpus in tests/data/mail (made by make_corpus.py there) holds messages
// shaped like real ones, each with the text and the verdict ackd must reach.

namespace {

using namespace ackd;

std::string corpus(const std::string& name) {
  std::ifstream in(ACKD_TEST_DATA "/mail/" + name, std::ios::binary);
  REQUIRE_MESSAGE(in, name);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

mail::Message read(const std::string& raw, mail::ReadOptions options = {}) {
  auto m = mail::read_message(raw, options);
  if (auto* error = std::get_if<std::string>(&m)) FAIL(*error);
  return std::get<mail::Message>(m);
}

}  // namespace

TEST_CASE("mail: ISO-2022-JP body and encoded words in From and Subject") {
  const auto m = read(corpus("iso2022jp.eml"));
  CHECK(m.message_id == "jis-1@example.jp");
  CHECK(m.from_address == "taro@example.jp");
  CHECK(m.from_name == "山田太郎");
  CHECK(m.subject == "注文した商品が届きません");
  CHECK(m.text == "先週注文した商品がまだ届きません。\n至急確認してください。");
  CHECK(m.automated.empty());
  CHECK(m.attachments == 0);
}

TEST_CASE("mail: Shift_JIS is read as CP932, so ① and ～ survive in the body and the subject") {
  const auto m = read(corpus("cp932.eml"));
  CHECK(m.from_name == "佐藤花子");
  CHECK(m.subject == "返品について①");
  CHECK(m.text == "①箱が潰れていました\uFF5E\n返金をお願いします。");
}

TEST_CASE("mail: EUC-JP in base64") {
  CHECK(read(corpus("eucjp.eml")).text == "配送が遅れています。");
}

TEST_CASE("mail: a reply keeps only its new text, and its thread is the first message's") {
  const auto raw = corpus("reply_qp.eml");
  const auto m = read(raw);
  CHECK(m.text == "まだ返事がありません。");
  CHECK(m.in_reply_to == "ackd-reply-1@support.example.com");
  CHECK(m.references ==
        std::vector<std::string>{"jis-1@example.jp", "ackd-reply-1@support.example.com"});
  const auto c = mail::complaint_of(m, raw);
  CHECK(c.thread_id == "jis-1@example.jp");
  CHECK(c.text == "注文の件\n\nまだ返事がありません。");  // no "Re: Re:"
  CHECK(c.author.name == "Taro");
  CHECK(c.metadata["email"]["subject"] == "Re: Re: 注文の件");
}

TEST_CASE("mail: an HTML-only mail is read as text: no script, no style, entities decoded") {
  const auto m = read(corpus("html_only.eml"));
  CHECK(m.text == "My blender & its lid arrived broken.\nI want a refund \u2014 \U0001F620");
}

TEST_CASE("mail: HTML scripts and styles are cut whatever their case, however many") {
  CHECK(mail::html_to_text("<p>a</p><SCRIPT>x()</Script><p>b</p><style>p{}</STYLE>c") == "a\nb\nc");
  std::string many;
  for (int i = 0; i < 20000; ++i) many += "<style>s</style>w ";
  const auto text = mail::html_to_text(many);
  CHECK(text.size() == 20000 * 2 - 1);
  CHECK(text.find('s') == std::string::npos);
  CHECK(mail::html_to_text("<p>unclosed <script>forever") == "unclosed");
}

TEST_CASE("mail: text/plain wins in an alternative, and an attachment is counted, not read") {
  const auto m = read(corpus("alternative.eml"));
  CHECK(m.text == "The invoice is wrong.");
  CHECK(m.attachments == 1);
}

TEST_CASE("mail: lists, auto-replies, no-reply senders and ourselves get no automatic answer") {
  CHECK(read(corpus("list.eml")).automated.find("mailing list") != std::string::npos);
  CHECK(read(corpus("out_of_office.eml")).automated == "Auto-Submitted: auto-replied");
  CHECK(read(corpus("noreply.eml")).automated ==
        "the sender no-reply@shop.example never reads answers");
  mail::ReadOptions ours;
  ours.own_addresses = {"Taro@Example.jp"};
  CHECK(read(corpus("iso2022jp.eml"), ours).automated ==
        "the sender taro@example.jp is one of our own addresses");
  // Each such mail is still a complaint, its author marked so the policy holds the reply.
  const auto raw = corpus("out_of_office.eml");
  const auto c = mail::complaint_of(read(raw), raw);
  CHECK(c.author.bot);
  CHECK(c.author.bot_reason == "an automated mail (RFC 3834: Auto-Submitted: auto-replied)");
  CHECK(c.metadata["email"]["automated"] == "Auto-Submitted: auto-replied");
  CHECK(c.visibility == Visibility::private_message);
  CHECK(c.channel == "email");
}

TEST_CASE("mail: RFC 3834 headers, one by one") {
  using H = std::vector<std::pair<std::string, std::string>>;
  const std::vector<std::string> none;
  CHECK(mail::automated_reason(H{{"Auto-Submitted", "no"}}, "a@b.c", none).empty());
  CHECK(mail::automated_reason(H{{"auto-submitted", "Auto-Generated; owner-email=x@y"}}, "a@b.c",
                               none) == "Auto-Submitted: auto-generated");
  CHECK(mail::automated_reason(H{{"Return-Path", "<>"}}, "a@b.c", none).find("Return-Path") !=
        std::string::npos);
  CHECK(mail::automated_reason(H{{"Precedence", "bulk"}}, "a@b.c", none) == "Precedence: bulk");
  CHECK(mail::automated_reason(H{{"Precedence", "first-class"}}, "a@b.c", none).empty());
  CHECK(!mail::automated_reason(H{{"List-Post", "<mailto:l@b.c>"}}, "a@b.c", none).empty());
  CHECK(!mail::automated_reason({}, "owner-list@b.c", none).empty());
  CHECK(!mail::automated_reason({}, "list-request@b.c", none).empty());
  CHECK(!mail::automated_reason({}, "postmaster@b.c", none).empty());
  CHECK(mail::automated_reason({}, "", none) == "no sender address");
}

TEST_CASE("mail: a bounce names the mail of ours that bounced") {
  const auto m = read(corpus("bounce.eml"));
  REQUIRE(m.bounce_of);
  CHECK(*m.bounce_of == "ackd-reply-9@support.example.com");
  CHECK_FALSE(m.automated.empty());
}

TEST_CASE("mail: no Message-ID gets a stable one made from the bytes") {
  const auto raw = corpus("no_message_id.eml");
  const auto a = mail::complaint_of(read(raw), raw);
  const auto b = mail::complaint_of(read(raw), raw);
  CHECK(a.external_id.starts_with("no-message-id:"));
  CHECK(a.external_id == b.external_id);
  CHECK(a.external_id != mail::complaint_of(read(raw + "x"), raw + "x").external_id);
  CHECK(a.text == "no id\n\nWhere is my parcel?");
}

TEST_CASE("mail: a 20 MB attachment is skipped, the text read") {
  std::string raw =
      "From: erin@example.com\r\nSubject: photos\r\nMessage-ID: <big-1@example.com>\r\n"
      "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"z\"\r\n\r\n"
      "--z\r\nContent-Type: text/plain\r\n\r\nThe photos of the damage.\r\n--z\r\n"
      "Content-Type: image/jpeg\r\nContent-Disposition: attachment; filename=\"a.jpg\"\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\n";
  const std::string line(76, 'A');
  for (std::size_t size = 0; size < 20 * 1024 * 1024; size += 78) raw += line + "\r\n";
  raw += "--z--\r\n";
  const auto m = read(raw);
  CHECK(m.text == "The photos of the damage.");
  CHECK(m.attachments == 1);
}

TEST_CASE("mail: malformed MIME and unknown charsets still give valid UTF-8") {
  const auto m = read(corpus("malformed.eml"));
  CHECK(m.from_address == "frank@example.com");
  CHECK(m.text.find("bad bytes") != std::string::npos);
  CHECK(m.text.find("here") != std::string::npos);
  CHECK(text::find_invalid_utf8(m.text) == std::nullopt);
  CHECK(text::find_invalid_utf8(m.subject) == std::nullopt);
  CHECK(text::find_invalid_utf8(m.from_name) == std::nullopt);
  // Not a mail at all.
  CHECK(std::holds_alternative<std::string>(mail::read_message("", {})));
}

TEST_CASE("mail: quoted history in the usual styles is cut") {
  CHECK(mail::cut_quoted("New.\n\nOn Tue, Nov 24, 2026 at 5:35 PM ACME <s@e.com> wrote:\n> old") ==
        "New.");
  CHECK(mail::cut_quoted("新しい\n-----Original Message-----\nFrom: x") == "新しい");
  CHECK(mail::cut_quoted("a\n> b\nc") == "a\nc");
  // Gmail's and Apple Mail's Japanese attributions: a line ending in a colon before quotes.
  CHECK(
      mail::cut_quoted("届きません\n\n2026年11月24日(火) 17:35 ACME <s@example.com>:\n\n> 先日") ==
      "届きません");
  CHECK(mail::cut_quoted("再送します\n2026/11/24 17:35、ACME <s@example.com>のメール：\n＞ 先日") ==
        "再送します");
  // A colon that introduces no quote is the customer's own text.
  CHECK(mail::cut_quoted("山田さんのメッセージ: 返金してください\n注文番号: 12345") ==
        "山田さんのメッセージ: 返金してください\n注文番号: 12345");
  CHECK(mail::cut_quoted("理由は次のとおり:\n箱が潰れていた") ==
        "理由は次のとおり:\n箱が潰れていた");
}

TEST_CASE("mail: an answer composed reads back whole, threaded and marked auto-replied") {
  mail::Outgoing out;
  out.from = "ACME サポート <support@example.com>";
  out.to_address = "taro@example.jp";
  out.to_name = "山田太郎";
  out.subject = mail::reply_subject("Re: 注文の件");
  out.message_id = "c1.reply@ackd.support.example.com";
  out.in_reply_to = "jis-1@example.jp";
  out.references = {"root@example.jp", "jis-1@example.jp"};
  out.text = "山田太郎様\nご連絡ありがとうございます。本日18:00までにご連絡します。";
  out.date = *time::parse_rfc3339("2026-11-24T08:35:00Z");
  for (const bool jis : {false, true}) {
    out.iso_2022_jp = jis;
    const std::string raw = mail::compose(out);
    CHECK(raw.find("\r\n\r\n") != std::string::npos);
    CHECK(raw.find("\nAuto-Submitted: auto-replied\r\n") != std::string::npos);
    CHECK(raw.find("\nIn-Reply-To: <jis-1@example.jp>\r\n") != std::string::npos);
    CHECK(raw.find(jis ? "charset=ISO-2022-JP" : "charset=utf-8") != std::string::npos);
    // Nothing but ASCII on the wire: the headers encoded, the body in base64 or JIS.
    CHECK(std::all_of(raw.begin(), raw.end(), [](char c) { return (c & 0x80) == 0; }));
    const auto m = read(raw);
    CHECK(m.subject == "Re: 注文の件");
    CHECK(m.message_id == out.message_id);
    CHECK(m.from_name == "ACME サポート");
    CHECK(m.from_address == "support@example.com");
    CHECK(m.references == out.references);
    CHECK(m.text == out.text);
    CHECK(m.automated == "Auto-Submitted: auto-replied");  // our answer is never answered
  }
  // A line break in what the customer wrote cannot start a header of theirs.
  out.subject = "Re: help\r\nBcc: everyone@example.com";
  out.in_reply_to = "x@y>\r\nBcc: <everyone@example.com";
  const std::string injected = mail::compose(out);
  CHECK(injected.find("\nBcc:") == std::string::npos);
  CHECK(read(injected).subject == "Re: help  Bcc: everyone@example.com");
  CHECK(mail::reply_subject("注文の件") == "Re: 注文の件");
  CHECK(mail::reply_subject("RE: 注文の件") == "RE: 注文の件");
}

TEST_CASE("mail: a report goes to several people with its page attached") {
  mail::Outgoing out;
  out.from = "ACME <support@example.com>";
  out.to_address = "lead@example.com";
  out.also_to = {"ops@example.com"};
  out.subject = "ackd 週次レポート 2026-11-16〜2026-11-22";
  out.message_id = "report.2026-11-23.ackd@example.com";
  out.text = "数字です。\n(total)  2";
  out.auto_submitted = "auto-generated";
  out.attachments.push_back(
      {"ackd-report-2026-11-16.html", "text/html", "<!DOCTYPE html><html lang=\"ja\">週</html>"});
  out.date = *time::parse_rfc3339("2026-11-23T00:00:00Z");
  const std::string raw = mail::compose(out);
  CHECK(raw.find("\nTo: lead@example.com, ops@example.com\r\n") != std::string::npos);
  CHECK(raw.find("Content-Type: multipart/mixed") != std::string::npos);
  CHECK(raw.find("Content-Type: text/html; charset=utf-8") != std::string::npos);
  CHECK(raw.find("Content-Disposition: attachment; filename=ackd-report-2026-11-16.html") !=
        std::string::npos);
  CHECK(std::all_of(raw.begin(), raw.end(), [](char c) { return (c & 0x80) == 0; }));
  // Read back: the text is the mail's body, the page one attachment.
  const auto m = read(raw);
  CHECK(m.subject == out.subject);
  CHECK(m.text == out.text);
  CHECK(m.attachments == 1);
}

}  // namespace mail_test
