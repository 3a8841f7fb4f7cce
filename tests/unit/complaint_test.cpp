#include "ackd/complaint/complaint.hpp"

#include <doctest/doctest.h>

namespace complaint_test {

using ackd::parse_complaint;

namespace {
std::string error_of(std::string_view body) {
  auto c = parse_complaint(body);
  return c.ok() ? "" : std::string(c.status().message());
}
}  // namespace

TEST_CASE("complaint: the contract's example parses") {
  auto c = parse_complaint(R"({"external_id": "1790000000000000001", "channel": "x",
    "author": {"id": "42", "handle": "taro_y", "name": "山田太郎", "followers": 120, "verified": false},
    "text": "注文した商品がまだ届きません。", "received_at": "2026-11-22T10:00:00+09:00",
    "thread_id": "1790000000000000001", "visibility": "public", "lang": "ja",
    "metadata": {"any": "thing"}})");
  REQUIRE(c.ok());
  CHECK(c->external_id == "1790000000000000001");
  CHECK(c->author.name == "山田太郎");
  CHECK(c->author.followers == 120);
  CHECK(c->visibility == ackd::Visibility::public_post);
  REQUIRE(c->received_at);
  CHECK(ackd::time::format_rfc3339_utc(*c->received_at) == "2026-11-22T01:00:00Z");
  CHECK(c->metadata["any"] == "thing");
}

TEST_CASE("complaint: numeric ids are accepted as text") {
  auto c =
      parse_complaint(R"({"external_id": 17, "channel": "x", "author": {"id": 42}, "text": "t"})");
  REQUIRE(c.ok());
  CHECK(c->external_id == "17");
  CHECK(c->author.id == "42");
}

TEST_CASE("complaint: every error names its field") {
  CHECK(error_of(R"({"channel": "x", "author": {"id": "1"}, "text": "t"})") ==
        "external_id: is required");
  CHECK(error_of(R"({"external_id": "1", "channel": 5, "author": {"id": "1"}, "text": "t"})") ==
        "channel: must be a string");
  CHECK(error_of(R"({"external_id": "1", "channel": "x", "text": "t"})") == "author: is required");
  CHECK(error_of(R"({"external_id": "1", "channel": "x", "author": {"id": ""}, "text": "t"})") ==
        "author.id: must not be empty");
  CHECK(error_of(R"({"external_id": "1", "channel": "x", "author": {"id": "1"}})") ==
        "text: is required");
  CHECK(error_of(R"({"external_id": "1", "channel": "x", "author": {"id": "1"}, "text": 3})") ==
        "text: must be a string");
  CHECK(
      error_of(
          R"({"external_id": "1", "channel": "x", "author": {"id": "1", "followers": -1}, "text": "t"})") ==
      "author.followers: must be a whole number, 0 or more");
  CHECK(
      error_of(
          R"({"external_id": "1", "channel": "x", "author": {"id": "1", "verified": "yes"}, "text": "t"})") ==
      "author.verified: must be true or false");
  CHECK(
      error_of(
          R"({"external_id": "1", "channel": "x", "author": {"id": "1"}, "text": "t", "visibility": "friends"})") ==
      "visibility: must be \"public\" or \"private\"");
  CHECK(
      error_of(
          R"({"external_id": "1", "channel": "x", "author": {"id": "1"}, "text": "t", "received_at": "yesterday"})")
          .rfind("received_at:", 0) == 0);
  CHECK(error_of(R"([1, 2])") == "body: must be a JSON object");
}

TEST_CASE("complaint: malformed JSON and invalid UTF-8 are refused with a position") {
  CHECK(error_of(R"({"external_id": )").rfind("body: malformed JSON at byte", 0) == 0);
  CHECK(error_of("{\"text\": \"\xff\"}") == "body: invalid UTF-8 at byte 10");
  CHECK(error_of("").rfind("body: malformed JSON", 0) == 0);
}

TEST_CASE("complaint: numbers out of range are refused, not thrown") {
  CHECK(error_of(R"({"external_id": 1, "channel": "x", "author": {"id": 1e500}, "text": "t"})") ==
        "body: malformed JSON: a number is out of range");
  CHECK(error_of("[-1e400]") == "body: malformed JSON: a number is out of range");
}

TEST_CASE("complaint: deeply nested metadata is refused before it is copied") {
  const std::string head =
      R"({"external_id": "1", "channel": "x", "author": {"id": "1"}, "text": "t", "metadata": {"a": )";
  const std::size_t deep = 200000;  // a 400 KB body, well within the daemon's body limit
  CHECK(error_of(head + std::string(deep, '[') + std::string(deep, ']') + "}}") ==
        "metadata: must not nest deeper than 32 levels");
  auto ok = parse_complaint(head + std::string(30, '[') + std::string(30, ']') + "}}");
  REQUIRE(ok.ok());
  CHECK(ackd::to_json(*ok)["metadata"] == ok->metadata);
}

TEST_CASE("complaint: case references are short, stable and distinct") {
  auto a = ackd::case_reference("x", "1");
  CHECK(a.size() == 9);
  CHECK(a.rfind("AK-", 0) == 0);
  CHECK(a == ackd::case_reference("x", "1"));
  CHECK(a != ackd::case_reference("x", "2"));
  CHECK(a != ackd::case_reference("instagram", "1"));
}

TEST_CASE("complaint: to_json round-trips") {
  auto c = parse_complaint(
      R"({"external_id": "9", "channel": "chat", "author": {"id": "1", "name": "A", "bot": true},
    "text": "t", "visibility": "private", "received_at": "2026-11-22T10:00:00Z"})");
  REQUIRE(c.ok());
  auto again = ackd::complaint_from_json(ackd::to_json(*c));
  REQUIRE(again.ok());
  CHECK(again->visibility == ackd::Visibility::private_message);
  CHECK(again->author.bot);
  CHECK(again->received_at == c->received_at);
}

TEST_CASE("complaint: channels are case-insensitive and normalised") {
  for (const char* written : {"X", "x", " x ", "Ｘ"}) {
    auto c = parse_complaint(std::string(R"({"external_id": "1", "channel": ")") + written +
                             R"(", "author": {"id": "1"}, "text": "t"})");
    REQUIRE(c.ok());
    CHECK_MESSAGE(c->channel == "x", written);
  }
  CHECK(error_of(R"({"external_id": "1", "channel": "  ", "author": {"id": "1"}, "text": "t"})") ==
        "channel: must not be empty");
}

TEST_CASE("complaint: a post without thread_id is its own thread") {
  auto first = parse_complaint(
      R"({"external_id": "100", "channel": "x", "author": {"id": "1"}, "text": "t"})");
  REQUIRE(first.ok());
  CHECK(first->thread_id == "100");
  auto reply = parse_complaint(
      R"({"external_id": "101", "channel": "x", "author": {"id": "1"}, "text": "t", "thread_id": "100"})");
  REQUIRE(reply.ok());
  CHECK(reply->thread_id == first->thread_id);
}

}  // namespace complaint_test
