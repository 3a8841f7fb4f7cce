#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "crypto/hmac.hpp"
#include "source_fixture.hpp"

namespace line_source_test {

// The LINE Messaging API's webhook as its documentation gives it: the body signed with
// the channel secret (x-line-signature: base64(HMAC-SHA256(channel secret, body))), events
// with a webhookEventId, a replyToken and the user's id.

namespace {

using namespace ackd;
using nlohmann::json;

constexpr const char* kSecret = "8c570fa6dd201bb328f1c1eac23a96d8";

struct Line : ackd::testing::MadeSource {
  Line() : MadeSource("line", {{"channel_secret", kSecret}}) {}

  // The answer to a POST of `body` with `signature` (the right one unless given).
  source::Response post(const std::string& body, std::optional<std::string> signature = {}) {
    return MadeSource::post(body, "X-Line-Signature",
                            signature.value_or(crypto::base64(crypto::hmac_sha256(kSecret, body))));
  }
};

json text_event(const std::string& id, const std::string& user, const std::string& text) {
  return {{"type", "message"},
          {"message", {{"type", "text"}, {"id", "4687895778982625" + id}, {"text", text}}},
          {"webhookEventId", "01H810YECXQQZ37VAXPF6H9E" + id},
          {"deliveryContext", {{"isRedelivery", false}}},
          {"timestamp", 1692251666727},
          {"source", {{"type", "user"}, {"userId", user}}},
          {"replyToken", "38ef843bde154d9b91c21320ffd17a0f" + id},
          {"mode", "active"}};
}

}  // namespace

TEST_CASE("line: the signature is HMAC-SHA256 of the raw body with the channel secret, base64") {
  // RFC 4231, test case 2.
  CHECK(crypto::hex(crypto::hmac_sha256("Jefe", "what do ya want for nothing?")) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  CHECK(crypto::base64("") == "");
  CHECK(crypto::base64("f") == "Zg==");
  CHECK(crypto::base64("foobar") == "Zm9vYmFy");
}

TEST_CASE("line: each text message from a user becomes one complaint with what its reply needs") {
  Line line;
  json body = {{"destination", "Uxxxxxxxx"},
               {"events",
                {text_event("01", "U4af4980629", "注文した商品が届きません"),
                 {{"type", "follow"}, {"webhookEventId", "01F"}, {"source", {{"userId", "U1"}}}},
                 {{"type", "message"},
                  {"message", {{"type", "sticker"}, {"id", "1"}}},
                  {"webhookEventId", "01S"},
                  {"source", {{"type", "user"}, {"userId", "U1"}}}},
                 [] {
                   auto standby = text_event("02", "U1", "他のチャネルが応答中");
                   standby["mode"] = "standby";
                   return standby;
                 }(),
                 text_event("03", "U9", "返金してください")}}};
  auto r = line.post(body.dump());
  CHECK(r.status == 200);
  CHECK(r.skipped == 3);  // the follow, the sticker, the standby message
  REQUIRE(line.taken.size() == 2);
  const auto& c = line.taken[0];
  CHECK(c.channel == "line");
  CHECK(c.external_id == "01H810YECXQQZ37VAXPF6H9E01");
  CHECK(c.author.id == "U4af4980629");
  CHECK(c.text == "注文した商品が届きません");
  CHECK(c.visibility == Visibility::private_message);
  CHECK(c.received_at == time::Instant(time::Seconds(1692251666)));
  CHECK(c.metadata["line"]["reply_token"] == "38ef843bde154d9b91c21320ffd17a0f01");
  CHECK(c.metadata["line"]["timestamp"] == 1692251666727);
  CHECK(line.taken[1].author.id == "U9");
  // LINE's check of the endpoint: a signed body with no events.
  CHECK(line.post(R"({"destination":"U1","events":[]})").status == 200);
  CHECK(line.taken.size() == 2);
}

TEST_CASE("line: a missing or wrong signature is 401 and nothing is taken") {
  Line line;
  const std::string body = json{{"events", {text_event("01", "U1", "届かない")}}}.dump();
  CHECK(line.post(body, "").status == 401);
  CHECK(line.post(body, crypto::base64(crypto::hmac_sha256("another secret", body))).status == 401);
  // Signed over the same events serialised another way, or over a truncated body.
  CHECK(line.post(body, crypto::base64(crypto::hmac_sha256(kSecret, json::parse(body).dump(2))))
            .status == 401);
  CHECK(
      line.post(body.substr(0, body.size() - 5), crypto::base64(crypto::hmac_sha256(kSecret, body)))
          .status == 401);
  CHECK(line.taken.empty());
}

TEST_CASE("line: members of unexpected types in a signed body are skipped, never thrown on") {
  Line line;
  auto odd = text_event("01", "U1", "届かない");
  odd["mode"] = 5;
  odd["timestamp"] = "soon";
  odd["replyToken"] = json::array();
  auto no_user = text_event("02", "U2", "届かない");
  no_user["source"]["userId"] = 42;
  auto odd_text = text_event("03", "U3", "");
  odd_text["message"]["text"] = json::object();
  json body = {{"events", {odd, no_user, odd_text, 7, "text", json::array()}}};
  CHECK(line.post(body.dump()).status == 200);
  REQUIRE(line.taken.size() == 2);  // the first and third; the second has no user id
  CHECK_FALSE(line.taken[0].received_at);
  CHECK(line.taken[0].metadata["line"]["reply_token"] == "");
  CHECK(line.taken[1].text == "");
}

TEST_CASE("line: a signed body that is not an event list is 400, a store failure 503") {
  Line line;
  CHECK(line.post("{\"events\": {}}").status == 400);
  CHECK(line.post("not json").status == 400);
  CHECK(line.taken.empty());
  line.intake_status = 503;
  CHECK(line.post(json{{"events", {text_event("01", "U1", "届かない")}}}.dump()).status == 503);
  line.intake_status = 400;  // refused by the intake (say, an unknown channel): not retried
  CHECK(line.post(json{{"events", {text_event("02", "U1", "届かない")}}}.dump()).status == 200);
}

TEST_CASE("line: a huge signed event array is taken whole, each event once") {
  Line line;
  json events = json::array();
  for (int i = 0; i < 2000; ++i) {
    std::string id = std::to_string(10000 + i);
    events.push_back(text_event(id, "U" + id, "届きません " + id));
  }
  events.push_back({{"type", "unfollow"}, {"webhookEventId", "01U"}});
  auto r = line.post(json{{"destination", "U1"}, {"events", events}}.dump());
  CHECK(r.status == 200);
  CHECK(r.skipped == 1);
  REQUIRE(line.taken.size() == 2000);
  CHECK(line.taken.front().author.id == "U10000");
  CHECK(line.taken.back().author.id == "U11999");
}

}  // namespace line_source_test
