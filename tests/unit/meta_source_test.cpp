#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "ackd/http/query.hpp"
#include "crypto/hmac.hpp"
#include "source_fixture.hpp"

namespace meta_source_test {

// Meta's webhooks (Instagram and Facebook Pages) as their documentation gives them: a GET
// to verify the endpoint (hub.mode, hub.verify_token, hub.challenge), then POSTs signed
// with the app secret (X-Hub-Signature-256: sha256=hex(HMAC-SHA256(app secret, body))).

namespace {

using namespace ackd;
using nlohmann::json;

constexpr const char* kAppSecret = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";

struct Meta : ackd::testing::MadeSource {
  Meta() : MadeSource("meta", {{"app_secret", kAppSecret}, {"verify_token", "let me in"}}) {}

  source::Response post(const json& body, std::optional<std::string> signature = {}) {
    const auto raw = body.dump();
    return MadeSource::post(
        raw, "X-Hub-Signature-256",
        signature.value_or("sha256=" + crypto::hex(crypto::hmac_sha256(kAppSecret, raw))));
  }
};

}  // namespace

TEST_CASE("meta: the endpoint check answers the challenge for our verify token only") {
  Meta meta;
  auto ok = meta.call(
      {"GET",
       "/v1/sources/meta?hub.mode=subscribe&hub.verify_token=let+me%20in&hub.challenge=1158201444",
       {},
       ""});
  CHECK(ok.status == 200);
  CHECK(ok.body == "1158201444");
  CHECK(meta.call({"GET",
                   "/v1/sources/meta?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1",
                   {},
                   ""})
            .status == 403);
  CHECK(meta.call({"GET", "/v1/sources/meta", {}, ""}).status == 403);
  CHECK(http::query_value("a=1&b=%E7%82%8E%E4%B8%8A&c", "b") == "炎上");
  CHECK(http::query_value("a=1&c", "c") == "");
  CHECK_FALSE(http::query_value("a=1", "b"));
}

TEST_CASE("meta: Instagram comments and messages become complaints, our own and echoes do not") {
  Meta meta;
  json body = {
      {"object", "instagram"},
      {"entry",
       {{{"id", "17841400000000000"},
         {"time", 1700000000},
         {"changes",
          {{{"field", "comments"},
            {"value",
             {{"id", "17865799348089039"},
              {"text", "届いた商品が壊れていました"},
              {"from", {{"id", "5561234"}, {"username", "yamada_t"}}},
              {"media", {{"id", "17900000000000001"}}}}}},
           {{"field", "comments"},
            {"value",
             {{"id", "17865799348089040"},
              {"text", "ご連絡ありがとうございます"},
              {"from", {{"id", "17841400000000000"}, {"username", "acme_jp"}}},
              {"media", {{"id", "17900000000000001"}}}}}},
           {{"field", "mentions"}, {"value", {{"media_id", "1"}}}}}},
         {"messaging",
          {{{"sender", {{"id", "9988"}}},
            {"recipient", {{"id", "17841400000000000"}}},
            {"timestamp", 1700000000123},
            {"message",
             {{"mid", "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlE"}, {"text", "返金はまだですか"}}}},
           {{"sender", {{"id", "17841400000000000"}}},
            {"recipient", {{"id", "9988"}}},
            {"timestamp", 1700000000999},
            {"message", {{"mid", "echo-1"}, {"text", "確認します"}, {"is_echo", true}}}}}}}}}};
  auto answer = meta.post(body);
  CHECK(answer.status == 200);
  CHECK(answer.skipped == 3);  // our own comment, the mention, the echo
  REQUIRE(meta.taken.size() == 2);
  const auto& comment = meta.taken[0];
  CHECK(comment.channel == "instagram");
  CHECK(comment.visibility == Visibility::public_post);
  CHECK(comment.external_id == "17865799348089039");
  CHECK(comment.author.id == "5561234");
  CHECK(comment.author.handle == "yamada_t");
  CHECK(comment.thread_id == "17900000000000001");
  CHECK(comment.metadata["meta"]["comment_id"] == "17865799348089039");
  const auto& dm = meta.taken[1];
  CHECK(dm.visibility == Visibility::private_message);
  CHECK(dm.external_id == "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlE");
  CHECK(dm.text == "返金はまだですか");
  CHECK(dm.received_at == time::Instant(time::Seconds(1700000000)));
}

TEST_CASE("meta: a Page's new comments are Facebook complaints, edits and the Page's own are not") {
  Meta meta;
  auto feed = [](const std::string& id, const std::string& verb, const std::string& from) {
    return json{{"field", "feed"},
                {"value",
                 {{"item", "comment"},
                  {"verb", verb},
                  {"comment_id", id},
                  {"post_id", "1234_5678"},
                  {"from", {{"id", from}, {"name", "山田太郎"}}},
                  {"message", "対応が遅すぎます"}}}};
  };
  json body = {{"object", "page"},
               {"entry",
                {{{"id", "1234"},
                  {"changes",
                   {feed("5678_1", "add", "4321"), feed("5678_2", "edited", "4321"),
                    feed("5678_3", "add", "1234")}}}}}};
  CHECK(meta.post(body).status == 200);
  REQUIRE(meta.taken.size() == 1);
  CHECK(meta.taken[0].channel == "facebook");
  CHECK(meta.taken[0].external_id == "5678_1");
  CHECK(meta.taken[0].author.name == "山田太郎");
  CHECK(meta.taken[0].thread_id == "1234_5678");
  CHECK(meta.taken[0].metadata["meta"]["post_id"] == "1234_5678");
}

TEST_CASE("meta: members of unexpected types in a signed body are skipped, never thrown on") {
  Meta meta;
  json body = {{"object", "instagram"},
               {"entry",
                {{{"id", 17},
                  {"changes", "comments"},
                  {"messaging",
                   {{{"sender", {{"id", "9"}}},
                     {"message", {{"mid", "m1"}, {"text", "遅い"}, {"is_echo", "no"}}}},
                    {{"sender", "9"}, {"message", {{"mid", "m2"}, {"text", "遅い"}}}}}}},
                 "entry"}}};
  CHECK(meta.post(body).status == 200);
  REQUIRE(meta.taken.size() == 1);  // is_echo that is not true is not an echo
  CHECK(meta.taken[0].external_id == "m1");
}

TEST_CASE("meta: an unsigned or re-serialised body is 401, an unknown object 200 and skipped") {
  Meta meta;
  json body = {{"object", "page"}, {"entry", json::array()}};
  CHECK(meta.post(body, "").status == 401);
  CHECK(meta.post(body, "sha256=" + crypto::hex(crypto::hmac_sha256(kAppSecret, body.dump(2))))
            .status == 401);
  CHECK(meta.post(body, crypto::hex(crypto::hmac_sha256(kAppSecret, body.dump()))).status ==
        401);  // without its "sha256=" prefix
  auto other = meta.post({{"object", "whatsapp_business_account"},
                          {"entry", {{{"id", "1"}, {"changes", json::array()}}}}});
  CHECK(other.status == 200);
  CHECK(other.skipped == 1);
  CHECK(meta.post({{"object", "page"}}).status == 400);
  CHECK(meta.taken.empty());
}

}  // namespace meta_source_test
