#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "crypto/hmac.hpp"
#include "source_fixture.hpp"

namespace x_source_test {

// X's Account Activity webhooks as their documentation gives them: the CRC check
// (response_token = "sha256=" + base64(HMAC-SHA256(consumer secret, crc_token))), POSTs
// signed the same way over the raw body, v1.1 tweet objects and message_create events.

namespace {

using namespace ackd;
using nlohmann::json;

constexpr const char* kSecret = "XcOnSuMeRsEcReT0123456789";
constexpr const char* kAccount = "1190000000000000000";

struct X : ackd::testing::MadeSource {
  explicit X(std::map<std::string, std::string> settings = {})
      : MadeSource("x", {{"consumer_secret", kSecret}}, settings) {}

  source::Response post(const std::string& raw, std::optional<std::string> signature = {}) {
    return MadeSource::post(
        raw, "x-twitter-webhooks-signature",
        signature.value_or("sha256=" + crypto::base64(crypto::hmac_sha256(kSecret, raw))));
  }
};

json tweet(const std::string& id, const std::string& user_id, const std::string& text) {
  return {{"id_str", id},
          {"text", text},
          {"in_reply_to_status_id_str", "1700000000000000001"},
          {"timestamp_ms", "1692251666727"},
          {"user",
           {{"id_str", user_id},
            {"screen_name", "yamada_t"},
            {"name", "山田太郎"},
            {"followers_count", 120},
            {"verified", false}}}};
}

}  // namespace

TEST_CASE("x: the CRC check answers with the token signed by the consumer secret") {
  X x;
  auto r = x.call({"GET", "/v1/sources/x?crc_token=abc%2B123", {}, ""});
  CHECK(r.status == 200);
  CHECK(json::parse(r.body)["response_token"] ==
        "sha256=" + crypto::base64(crypto::hmac_sha256(kSecret, "abc+123")));
  CHECK(x.call({"GET", "/v1/sources/x", {}, ""}).status == 400);
}

TEST_CASE("x: mentions and direct messages become complaints, the account's own do not") {
  X x;
  auto long_post = tweet("1700000000000000010", "42", "short");
  long_post["extended_tweet"] = {{"full_text", "注文した商品がまだ届きません。いつ届きますか？"}};
  auto retweet = tweet("1700000000000000011", "43", "RT");
  retweet["retweeted_status"] = tweet("1", kAccount, "ours");
  json body = {
      {"for_user_id", kAccount},
      {"tweet_create_events",
       {long_post, retweet,
        tweet("1700000000000000012", kAccount, "お問い合わせありがとうございます")}},
      {"direct_message_events",
       {{{"type", "message_create"},
         {"id", "1800000000000000001"},
         {"created_timestamp", "1692251666999"},
         {"message_create",
          {{"target", {{"recipient_id", kAccount}}},
           {"sender_id", "77"},
           {"message_data", {{"text", "返金してください"}}}}}},
        {{"type", "message_create"},
         {"id", "1800000000000000002"},
         {"message_create",
          {{"target", {{"recipient_id", "77"}}},
           {"sender_id", kAccount},
           {"message_data", {{"text", "確認いたします"}}}}}}}},
      {"favorite_events", {{{"id", "f1"}}}},
      {"users", {{"77", {{"id", "77"}, {"name", "佐藤花子"}, {"screen_name", "sato_h"}}}}}};
  auto answer = x.post(body.dump());
  CHECK(answer.status == 200);
  CHECK(answer.skipped == 4);  // the retweet, our post, our message, the like
  REQUIRE(x.taken.size() == 2);
  const auto& mention = x.taken[0];
  CHECK(mention.channel == "x");
  CHECK(mention.visibility == Visibility::public_post);
  CHECK(mention.external_id == "1700000000000000010");
  CHECK(mention.text == "注文した商品がまだ届きません。いつ届きますか？");
  CHECK(mention.thread_id == "1700000000000000001");
  CHECK(mention.author.handle == "yamada_t");
  CHECK(mention.author.followers == 120);
  CHECK(mention.received_at == time::Instant(time::Seconds(1692251666)));
  CHECK(mention.metadata["x"]["tweet_id"] == "1700000000000000010");
  const auto& dm = x.taken[1];
  CHECK(dm.visibility == Visibility::private_message);
  CHECK(dm.external_id == "1800000000000000001");
  CHECK(dm.author.id == "77");
  CHECK(dm.author.name == "佐藤花子");
  CHECK(dm.text == "返金してください");
  CHECK(dm.metadata["x"]["participant_id"] == "77");
}

TEST_CASE("x: an unsigned or re-signed body is 401, one that is not JSON 400") {
  X x;
  const auto raw = json{{"for_user_id", kAccount},
                        {"tweet_create_events", {tweet("1700000000000000020", "42", "遅い")}}}
                       .dump();
  CHECK(x.post(raw, "").status == 401);
  CHECK(x.post(raw, "sha256=" + crypto::base64(crypto::hmac_sha256("other", raw))).status == 401);
  CHECK(x.post(raw, "sha256=" + crypto::hex(crypto::hmac_sha256(kSecret, raw))).status == 401);
  CHECK(x.post(raw + " ", "sha256=" + crypto::base64(crypto::hmac_sha256(kSecret, raw))).status ==
        401);
  CHECK(x.post("[1, 2").status == 400);
  CHECK(x.taken.empty());
}

TEST_CASE("x: with user_id, events for another subscribed account are counted, not taken") {
  X x(std::map<std::string, std::string>{{"user_id", kAccount}});
  const auto mention = tweet("1700000000000000030", "42", "届かない");
  auto other = x.post(json{{"for_user_id", "555"}, {"tweet_create_events", {mention}}}.dump());
  CHECK(other.status == 200);
  CHECK(other.skipped == 1);
  CHECK(x.taken.empty());
  CHECK(x.post(json{{"for_user_id", kAccount}, {"tweet_create_events", {mention}}}.dump()).status ==
        200);
  CHECK(x.taken.size() == 1);
}

}  // namespace x_source_test
