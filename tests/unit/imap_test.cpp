// The IMAP client's protocol pieces without a server: responses cut out of the bytes a
// server sends (literals included, in pieces), and the responses read for their content.
#include "ackd/mail/imap.hpp"

#include <doctest/doctest.h>

namespace imap_test {

using namespace ackd::mail::imap;

Response next_response(Reader& reader) {
  auto next = reader.next();
  REQUIRE(std::holds_alternative<Response>(next));
  return std::get<Response>(next);
}

TEST_CASE("imap: a reader cuts tagged, untagged and continuation responses") {
  Reader reader(1024);
  reader.feed("* OK [CAPABILITY IMAP4rev1 IDLE] ready\r\n+ idling\r\na1 OK [READ-WRITE] done\r\n");
  auto greeting = next_response(reader);
  CHECK(greeting.tag == "*");
  CHECK(greeting.kind() == "OK");
  CHECK(capabilities(greeting.text) == std::vector<std::string>{"IMAP4REV1", "IDLE"});
  auto more = next_response(reader);
  CHECK(more.tag == "+");
  auto done = next_response(reader);
  CHECK(done.tag == "a1");
  CHECK(done.kind() == "OK");
  CHECK(std::holds_alternative<Reader::NeedMore>(reader.next()));
}

TEST_CASE("imap: a literal that arrives in pieces is whole once all of it has come") {
  Reader reader(1024);
  const std::string body = "Subject: hi\r\n\r\nline one\r\n";
  const std::string wire =
      "* 3 FETCH (UID 17 INTERNALDATE \"27-Nov-2026 06:11:15 +0900\" "
      "RFC822.SIZE " +
      std::to_string(body.size()) + " BODY[]<0> {" + std::to_string(body.size()) + "}\r\n" + body +
      " FLAGS (\\Seen))\r\n";
  for (std::size_t i = 0; i + 1 < wire.size(); ++i) {
    reader.feed(wire.substr(i, 1));
    REQUIRE(std::holds_alternative<Reader::NeedMore>(reader.next()));
  }
  reader.feed(wire.substr(wire.size() - 1));
  auto response = next_response(reader);
  CHECK(response.kind() == "FETCH");
  REQUIRE(response.literals.size() == 1);
  auto message = fetched(response);
  REQUIRE(message);
  CHECK(message->uid == 17);
  CHECK(message->size == body.size());
  CHECK(message->body == body);
  REQUIRE(message->internal_date);
  CHECK(ackd::time::format_rfc3339_utc(*message->internal_date) == "2026-11-26T21:11:15Z");
}

TEST_CASE("imap: a literal larger than allowed or an endless line is an error, not a buffer") {
  Reader small(10);
  small.feed("* 1 FETCH (UID 1 BODY[] {11}\r\n");
  auto next = small.next();
  REQUIRE(std::holds_alternative<std::string>(next));
  CHECK(std::get<std::string>(next).find("literal of 11 octets") != std::string::npos);

  Reader endless(10);
  endless.feed(std::string(70 * 1024, 'x'));
  CHECK(std::holds_alternative<std::string>(endless.next()));
}

TEST_CASE("imap: SELECT's codes and SEARCH's UIDs are read") {
  CHECK(code_number("OK [UIDVALIDITY 3857529045] UIDs valid", "UIDVALIDITY") == 3857529045u);
  CHECK(code_number("OK [uidnext 42] Predicted", "UIDNEXT") == 42u);
  CHECK_FALSE(code_number("OK [UIDNEXT x] Predicted", "UIDNEXT"));
  CHECK_FALSE(code_number("OK no code", "UIDNEXT"));
  CHECK(search_uids("SEARCH 9 3 5 3") == std::vector<std::uint32_t>{3, 5, 9});
  CHECK(search_uids("SEARCH").empty());
  CHECK(search_uids("FLAGS (\\Seen)").empty());
}

TEST_CASE("imap: a FETCH without a body or UID, and quoted strings with escapes") {
  Response r{"*", "4 FETCH (FLAGS (\\Seen \\Answered) UID 8 BODY[] NIL)", {}};
  auto message = fetched(r);
  REQUIRE(message);
  CHECK(message->uid == 8);
  CHECK_FALSE(message->body);
  CHECK_FALSE(fetched(Response{"*", "4 FETCH (FLAGS (\\Seen))", {}}));
  CHECK_FALSE(fetched(Response{"*", "4 EXISTS", {}}));
  Response quoted{"*", "5 FETCH (UID 9 BODY[] \"a \\\"quoted\\\" body\")", {}};
  CHECK(fetched(quoted)->body == "a \"quoted\" body");
}

TEST_CASE("imap: INTERNALDATE in any zone, and what is not one") {
  CHECK(ackd::time::format_rfc3339_utc(*parse_internal_date(" 7-Feb-2026 23:30:00 -0130")) ==
        "2026-02-08T01:00:00Z");
  CHECK_FALSE(parse_internal_date("31-Feb-2026 10:00:00 +0000"));
  CHECK_FALSE(parse_internal_date("07-Foo-2026 10:00:00 +0000"));
  CHECK_FALSE(parse_internal_date("07-Feb-2026 10:00:00"));
}

TEST_CASE("imap: mailbox names are quoted, non-ASCII ones in modified UTF-7") {
  CHECK(mailbox_argument("INBOX") == "\"INBOX\"");
  CHECK(mailbox_argument("Support \"VIP\"") == "\"Support \\\"VIP\\\"\"");
  CHECK(mailbox_argument("R&D") == "\"R&-D\"");
  // RFC 3501's own example, and Japanese.
  CHECK(mailbox_argument("~peter/mail/台北/日本語") == "\"~peter/mail/&U,BTFw-/&ZeVnLIqe-\"");
  CHECK(mailbox_argument("処理済み") == "\"&UeZ0Bm4IMH8-\"");
  CHECK_FALSE(mailbox_argument("bad\r\nA1 LOGOUT"));
  CHECK_FALSE(mailbox_argument("\xff"));
}

TEST_CASE("imap: SASL responses and UID sets") {
  CHECK(sasl_plain("u", "p") == std::string("\0u\0p", 4));
  CHECK(sasl_xoauth2("me@example.com", "tok") ==
        "user=me@example.com\x01"
        "auth=Bearer tok\x01\x01");
  CHECK(uid_set({3, 5, 6, 7, 9}) == "3,5:7,9");
  CHECK(uid_set({1}) == "1");
  CHECK(uid_set({}).empty());
}

}  // namespace imap_test
