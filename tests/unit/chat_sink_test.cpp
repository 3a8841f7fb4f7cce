#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "ackd/config/config.hpp"
#include "ackd/http/query.hpp"
#include "platform_api_fake.hpp"

namespace chat_sink_test {

// The slack, teams, google-chat and chatwork sinks against local HTTPS fakes of each tool:
// the path, headers and body each documents, and the answers each gives (Slack's 429 with
// Retry-After, Chatwork's X-RateLimit-* headers).

namespace {

using namespace std::chrono_literals;
using ackd::testing::MadeSink;
using nlohmann::json;

const ackd::time::Instant kNow = *ackd::time::parse_rfc3339("2026-11-24T08:35:00Z");
const std::string kConsole = "https://ackd.example.com/ui/";

ackd::deliver::Delivery handoff(std::string text = "注文した商品がまだ届きません。") {
  ackd::deliver::Delivery d;
  d.id = 3;
  d.complaint_id = "c-3";
  d.kind = ackd::plan::Kind::handoff;
  d.sink = "team";
  d.idempotency_key = "c-3:handoff";
  d.payload = json{{"kind", "handoff"},
                   {"complaint_id", "c-3"},
                   {"team", "support"},
                   {"priority", "P3"},
                   {"level", 0},
                   {"deadline", "2026-11-24T18:00:00+09:00"},
                   {"time_zone", "Asia/Tokyo"},
                   {"rule", "default"},
                   {"channel", "x"},
                   {"author", {{"id", "42"}, {"name", "山田太郎"}}},
                   {"text", std::move(text)},
                   {"reply", {{"status", "queued"}, {"visibility", "public"}, {"text", "ok"}}}}
                  .dump();
  return d;
}

// A chat sink whose webhook URL (a secret) is the fake's `path`.
struct Webhook : MadeSink {
  Webhook(const std::string& type, const std::string& path) : MadeSink(kNow) {
    make(type, {}, {{"url", api.url(path)}}, kConsole);
  }
};

}  // namespace

TEST_CASE("slack sink: Block Kit JSON to the webhook URL, and a 429 waits out Retry-After") {
  Webhook slack("slack", "/services/T1/B2/XYZ");
  slack.api.answers.push_back({429, {{"Retry-After", "3"}}, "rate_limited"});
  slack.api.answers.push_back({200, {}, "ok"});
  auto first = slack.send(handoff());
  CHECK_FALSE(first.delivered);
  REQUIRE(first.wait);
  CHECK(*first.wait == 3s);
  auto second = slack.send(handoff());
  CHECK(second.delivered);
  REQUIRE(slack.api.calls.size() == 2);
  const auto& call = slack.api.calls[1];
  CHECK(call.method == "POST");
  CHECK(call.target == "/services/T1/B2/XYZ");
  CHECK(call.header("content-type") == "application/json");
  const auto body = json::parse(call.body);
  CHECK(body["text"].get<std::string>().find("P3 · New case for support") != std::string::npos);
  CHECK(body["blocks"][0]["type"] == "header");
  CHECK(call.body.find(kConsole + "cases/c-3") != std::string::npos);
  CHECK(call.body.find("due in 25m (Tue, Nov 24, 6:00 PM JST)") != std::string::npos);
}

TEST_CASE("teams sink: one Adaptive Card to the Workflows URL, its 202 is delivered") {
  Webhook teams("teams", "/workflows/abc/triggers/manual/paths/invoke?api-version=1&sig=S");
  teams.api.answers.push_back({202, {}, ""});
  CHECK(teams.send(handoff()).delivered);
  REQUIRE(teams.api.calls.size() == 1);
  const auto& call = teams.api.calls[0];
  CHECK(call.target == "/workflows/abc/triggers/manual/paths/invoke?api-version=1&sig=S");
  const auto body = json::parse(call.body);
  CHECK(body["type"] == "message");
  CHECK(body["attachments"][0]["content"]["type"] == "AdaptiveCard");
}

TEST_CASE("google chat sink: the case's thread and the same requestId on every attempt") {
  Webhook chat("google-chat", "/v1/spaces/AAA/messages?key=K&token=T");
  chat.api.answers.push_back({503, {}, R"({"error":{"message":"backend"}})"});
  auto first = chat.send(handoff());
  CHECK_FALSE(first.delivered);
  CHECK(first.retryable);
  CHECK(chat.send(handoff()).delivered);
  REQUIRE(chat.api.calls.size() == 2);
  const auto& call = chat.api.calls[0];
  const std::string prefix =
      "/v1/spaces/AAA/messages?key=K&token=T&messageReplyOption="
      "REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD&requestId=";
  CHECK(call.target.starts_with(prefix));
  CHECK(call.target.size() == prefix.size() + 36);  // a UUID
  CHECK(chat.api.calls[1].target == call.target);
  CHECK(call.header("content-type") == "application/json; charset=UTF-8");
  CHECK(json::parse(call.body)["thread"]["threadKey"] == "c-3");
}

TEST_CASE("chatwork sink: a form post to the room with the token, and no quota left waits") {
  MadeSink chatwork(kNow);
  chatwork.make("chatwork", {{"room_id", "123456"}, {"base_url", chatwork.api.url()}},
                {{"token", "cw-token"}}, kConsole);
  const auto reset = std::chrono::duration_cast<std::chrono::seconds>(
                         (chatwork.clock.wall() + 90s).time_since_epoch())
                         .count();
  chatwork.api.answers.push_back({200,
                                  {{"X-RateLimit-Limit", "300"},
                                   {"X-RateLimit-Remaining", "0"},
                                   {"X-RateLimit-Reset", std::to_string(reset)}},
                                  R"({"message_id":"1234"})"});
  CHECK(chatwork.send(handoff("[toall] 至急")).delivered);
  REQUIRE(chatwork.api.calls.size() == 1);
  const auto& call = chatwork.api.calls[0];
  CHECK(call.target == "/v2/rooms/123456/messages");
  CHECK(call.header("x-chatworktoken") == "cw-token");
  CHECK(call.header("content-type") == "application/x-www-form-urlencoded");
  const auto body = ackd::http::query_value(call.body, "body");
  REQUIRE(body);
  CHECK(body->starts_with("[info][title]"));
  CHECK(body->find("[toall]") == std::string::npos);
  // The quota is spent: the next notice waits for the reset without calling.
  auto waited = chatwork.send(handoff());
  CHECK_FALSE(waited.delivered);
  REQUIRE(waited.wait);
  CHECK(*waited.wait > 60s);
  CHECK(chatwork.api.calls.size() == 1);
}

TEST_CASE("chat sinks: a reply is refused, and so is a webhook URL written in ackd.yaml") {
  Webhook slack("slack", "/services/x");
  ackd::deliver::Delivery reply = handoff();
  reply.kind = ackd::plan::Kind::reply;
  auto attempt = slack.send(reply);
  CHECK_FALSE(attempt.retryable);
  CHECK(attempt.error.find("a slack sink") != std::string::npos);
  CHECK(slack.api.calls.empty());

  ackd::config::Section section{"support", "slack", {}, {}};
  section.settings["url"] = {"https://hooks.slack.com/services/T/B/SECRET", {}, {}, {}};
  ackd::yaml::Diagnostics problems;
  ackd::deliver::builtin_sinks().check(section, problems);
  REQUIRE_FALSE(problems.empty());
  CHECK(problems.sorted().front().message.find("url is a secret") != std::string::npos);
}

}  // namespace chat_sink_test
