#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "ackd/http/query.hpp"
#include "platform_api_fake.hpp"

namespace platform_sink_test {

// The x, meta and line sinks against local fakes of each platform's API, over HTTPS: the
// paths, headers and bodies are the ones the platforms document, and so are the answers
// the sinks read (rate-limit headers, error bodies, LINE's 409 for a retry key it took).

namespace {

using namespace std::chrono_literals;
using ackd::testing::MadeSink;
using ackd::testing::PlatformApi;
using nlohmann::json;

const ackd::time::Instant kNow = std::chrono::sys_days{std::chrono::year{2026} / 3 / 1} + 9h;

ackd::deliver::Delivery reply(json payload, int attempts = 0) {
  ackd::deliver::Delivery d;
  d.id = 7;
  d.complaint_id = "c-7";
  d.kind = ackd::plan::Kind::reply;
  d.sink = "out";
  d.idempotency_key = "c-7:reply:0";
  payload["kind"] = "reply";
  d.payload = payload.dump();
  d.attempts = attempts;
  return d;
}

std::int64_t epoch_seconds(ackd::time::WallTime t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

TEST_CASE("x sink: a public reply is a post in reply to the tweet, with the user's token") {
  MadeSink x("x", "", kNow);
  x.api.answers.push_back({201, {}, R"({"data":{"id":"1800","text":"..."}})"});
  auto attempt = x.send(reply({{"channel", "x"},
                               {"external_id", "1790"},
                               {"author_id", "42"},
                               {"visibility", "public"},
                               {"text", "山田様、ご連絡ありがとうございます。"}}));
  CHECK(attempt.delivered);
  REQUIRE(x.api.calls.size() == 1);
  const auto& call = x.api.calls[0];
  CHECK(call.method == "POST");
  CHECK(call.target == "/2/tweets");
  CHECK(call.header("authorization") == "Bearer tok");
  CHECK(call.header("content-type") == "application/json");
  CHECK(json::parse(call.body) == json{{"text", "山田様、ご連絡ありがとうございます。"},
                                       {"reply", {{"in_reply_to_tweet_id", "1790"}}}});
}

TEST_CASE("x sink: a direct reply is a message in the conversation with the author") {
  MadeSink x("x", "", kNow);
  auto attempt = x.send(reply({{"channel", "x"},
                               {"external_id", "dm-1"},
                               {"author_id", "42"},
                               {"visibility", "dm"},
                               {"text", "Thank you"}}));
  CHECK(attempt.delivered);
  REQUIRE(x.api.calls.size() == 1);
  CHECK(x.api.calls[0].target == "/2/dm_conversations/with/42/messages");
  CHECK(json::parse(x.api.calls[0].body) == json{{"text", "Thank you"}});
}

TEST_CASE("x sink: at zero calls left the sink waits for the window's reset without calling") {
  MadeSink x("x", "", kNow);
  const auto reset = epoch_seconds(x.clock.wall()) + 120;
  x.api.answers.push_back(
      {201,
       {{"x-rate-limit-remaining", "0"}, {"x-rate-limit-reset", std::to_string(reset)}},
       "{}"});
  const auto tweet = reply({{"channel", "x"}, {"external_id", "1"}, {"text", "hi"}});
  CHECK(x.send(tweet).delivered);
  auto waiting = x.send(tweet);
  CHECK_FALSE(waiting.delivered);
  CHECK(waiting.retryable);
  REQUIRE(waiting.wait);
  CHECK(*waiting.wait == 120s);
  CHECK(x.api.calls.size() == 1);  // the platform was not called
  x.clock.advance(120s);
  CHECK(x.send(tweet).delivered);
  CHECK(x.api.calls.size() == 2);
}

TEST_CASE("x sink: a 429 waits for the reset, a refusal fails at once with X's words") {
  MadeSink x("x", "", kNow);
  const auto reset = epoch_seconds(x.clock.wall()) + 900;
  x.api.answers.push_back(
      {429,
       {{"x-rate-limit-remaining", "0"}, {"x-rate-limit-reset", std::to_string(reset)}},
       R"({"title":"Too Many Requests","detail":"Too Many Requests","status":429})"});
  x.api.answers.push_back(
      {403, {}, R"({"detail":"You are not allowed to reply to this Tweet.","status":403})"});
  const auto tweet = reply({{"channel", "x"}, {"external_id", "1"}, {"text", "hi"}});
  auto limited = x.send(tweet);
  CHECK(limited.retryable);
  REQUIRE(limited.wait);
  CHECK(*limited.wait == 900s);
  x.clock.advance(900s);
  auto refused = x.send(tweet);
  CHECK_FALSE(refused.delivered);
  CHECK_FALSE(refused.retryable);
  CHECK(refused.error == "HTTP 403: You are not allowed to reply to this Tweet.");
}

TEST_CASE("x sink: a notice is never sent to X, and X is not called for it") {
  MadeSink x("x", "", kNow);
  auto notice = reply({{"channel", "x"}, {"text", "t"}});
  notice.kind = ackd::plan::Kind::handoff;
  auto attempt = x.send(notice);
  CHECK_FALSE(attempt.retryable);
  CHECK(attempt.error.find("an x sink sends replies only, not a handoff") == 0);
  CHECK(x.api.calls.empty());
}

TEST_CASE("meta sink: an Instagram comment is answered under it, the text in the query") {
  MadeSink meta("meta", "/v21.0", kNow);
  auto attempt = meta.send(reply({{"channel", "instagram"},
                                  {"external_id", "17870913679156914"},
                                  {"author_id", "9001"},
                                  {"text", "ご連絡ありがとうございます & more"}}));
  CHECK(attempt.delivered);
  REQUIRE(meta.api.calls.size() == 1);
  const auto& call = meta.api.calls[0];
  const auto target = call.target;
  const auto query = target.substr(target.find('?') + 1);
  CHECK(target.substr(0, target.find('?')) == "/v21.0/17870913679156914/replies");
  CHECK(ackd::http::query_value(query, "message") == "ご連絡ありがとうございます & more");
  CHECK(call.header("authorization") == "Bearer tok");
  CHECK(call.body.empty());
}

TEST_CASE("meta sink: a Facebook comment is answered with a comment on it") {
  MadeSink meta("meta", "/v21.0", kNow);
  CHECK(meta.send(reply({{"channel", "facebook"}, {"external_id", "123_456"}, {"text", "Thanks"}}))
            .delivered);
  REQUIRE(meta.api.calls.size() == 1);
  CHECK(meta.api.calls[0].target == "/v21.0/123_456/comments");
  CHECK(json::parse(meta.api.calls[0].body) == json{{"message", "Thanks"}});
}

TEST_CASE("meta sink: a message is answered from the Page the event came to, or page_id") {
  const auto message = reply({{"channel", "facebook"},
                              {"external_id", "m_1"},
                              {"author_id", "PSID-1"},
                              {"visibility", "dm"},
                              {"text", "Thanks"},
                              {"metadata", {{"meta", {{"account_id", "PAGE-9"}}}}}});
  MadeSink meta("meta", "/v21.0", kNow);
  CHECK(meta.send(message).delivered);
  REQUIRE(meta.api.calls.size() == 1);
  CHECK(meta.api.calls[0].target == "/v21.0/PAGE-9/messages");
  CHECK(json::parse(meta.api.calls[0].body) == json{{"recipient", {{"id", "PSID-1"}}},
                                                    {"messaging_type", "RESPONSE"},
                                                    {"message", {{"text", "Thanks"}}}});

  MadeSink fixed("meta", "/v21.0", kNow, {{"page_id", "PAGE-1"}});
  CHECK(fixed.send(message).delivered);
  REQUIRE(fixed.api.calls.size() == 1);
  CHECK(fixed.api.calls[0].target == "/v21.0/PAGE-1/messages");
}

TEST_CASE("meta sink: throttling waits, high usage holds the next call, a refusal is final") {
  MadeSink meta("meta", "", kNow, {{"usage_limit", "90"}});
  const auto comment = reply({{"channel", "facebook"}, {"external_id", "1_2"}, {"text", "Thanks"}});
  meta.api.answers.push_back(
      {400, {}, R"({"error":{"message":"(#32) Page request limit reached","code":32}})"});
  auto throttled = meta.send(comment);
  CHECK(throttled.retryable);
  REQUIRE(throttled.wait);
  CHECK(*throttled.wait == 60s);
  CHECK(meta.send(comment).wait);  // still waiting: not called
  CHECK(meta.api.calls.size() == 1);

  meta.clock.advance(60s);
  meta.api.answers.push_back(
      {200,
       {{"X-Business-Use-Case-Usage",
         R"({"112233":[{"type":"pages","call_count":95,"total_cputime":10,"total_time":12,"estimated_time_to_regain_access":3}]})"}},
       R"({"id":"1_3"})"});
  CHECK(meta.send(comment).delivered);
  auto held = meta.send(comment);
  REQUIRE(held.wait);
  CHECK(*held.wait == 3min);
  CHECK(meta.api.calls.size() == 2);

  meta.clock.advance(3min);
  meta.api.answers.push_back(
      {400, {}, R"({"error":{"message":"(#100) The comment was deleted","code":100}})"});
  auto refused = meta.send(comment);
  CHECK_FALSE(refused.retryable);
  CHECK(refused.error == "HTTP 400: (#100) The comment was deleted");
}

TEST_CASE("meta sink: a reply on another channel is not Meta's to send") {
  MadeSink meta("meta", "", kNow);
  auto attempt = meta.send(reply({{"channel", "x"}, {"external_id", "1"}, {"text", "t"}}));
  CHECK_FALSE(attempt.retryable);
  CHECK(attempt.error == "a meta sink answers on instagram and facebook, not on 'x'");
  CHECK(meta.api.calls.empty());
}

namespace {

ackd::deliver::Delivery line_reply(ackd::time::WallTime event_at, int attempts = 0) {
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(event_at.time_since_epoch()).count();
  return reply(
      {{"channel", "line"},
       {"external_id", "01HEVENT"},
       {"author_id", "U4af4980629"},
       {"visibility", "dm"},
       {"text", "お問い合わせありがとうございます。"},
       {"metadata",
        {{"line", {{"reply_token", "nHuyWiB7yP5Zw52FIkcQobQuGDXCTA"}, {"timestamp", millis}}}}}},
      attempts);
}

// 8-4-4-4-12 lower-case hex digits, version 8, RFC 9562's variant.
bool is_uuid_v8(const std::string& key) {
  if (key.size() != 36) return false;
  for (std::size_t i = 0; i < key.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    const char c = key[i];
    if (dash != (c == '-')) return false;
    if (!dash && !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return key[14] == '8' && std::string("89ab").find(key[19]) != std::string::npos;
}

const json kLineMessages =
    json::array({{{"type", "text"}, {"text", "お問い合わせありがとうございます。"}}});

}  // namespace

TEST_CASE("line sink: a fresh reply token answers with a reply, which costs no quota") {
  MadeSink line("line", "", kNow);
  CHECK(line.send(line_reply(line.clock.wall() - 5s)).delivered);
  REQUIRE(line.api.calls.size() == 1);
  const auto& call = line.api.calls[0];
  CHECK(call.target == "/v2/bot/message/reply");
  CHECK(call.header("authorization") == "Bearer tok");
  CHECK(json::parse(call.body) ==
        json{{"replyToken", "nHuyWiB7yP5Zw52FIkcQobQuGDXCTA"}, {"messages", kLineMessages}});
  CHECK(call.header("x-line-retry-key").empty());
}

TEST_CASE("line sink: an old token or a retry pushes, with one retry key for every attempt") {
  MadeSink line("line", "", kNow);
  CHECK(line.send(line_reply(line.clock.wall() - 2min)).delivered);
  line.api.answers.push_back({409,
                              {{"x-line-accepted-request-id", "req-1"}},
                              R"({"message":"The retry key is already accepted"})"});
  CHECK(line.send(line_reply(line.clock.wall() - 1s, /*attempts=*/1)).delivered);  // 409: taken
  REQUIRE(line.api.calls.size() == 2);
  for (const auto& call : line.api.calls) {
    CHECK(call.target == "/v2/bot/message/push");
    CHECK(json::parse(call.body) == json{{"to", "U4af4980629"}, {"messages", kLineMessages}});
  }
  const auto key = line.api.calls[0].header("x-line-retry-key");
  CHECK_MESSAGE(is_uuid_v8(key), key);
  CHECK(line.api.calls[1].header("x-line-retry-key") == key);
}

TEST_CASE("line sink: a token LINE refuses falls back to a push in the same attempt") {
  MadeSink line("line", "", kNow);
  line.api.answers.push_back({400, {}, R"({"message":"Invalid reply token"})"});
  CHECK(line.send(line_reply(line.clock.wall() - 5s)).delivered);
  REQUIRE(line.api.calls.size() == 2);
  CHECK(line.api.calls[0].target == "/v2/bot/message/reply");
  CHECK(line.api.calls[1].target == "/v2/bot/message/push");
}

TEST_CASE("line sink: a 429 with Retry-After waits, another 4xx fails with LINE's words") {
  MadeSink line("line", "", kNow);
  line.api.answers.push_back({429, {{"Retry-After", "30"}}, R"({"message":"Too many requests"})"});
  line.api.answers.push_back({400, {}, R"j({"message":"The request body has 1 error(s)"})j"});
  auto limited = line.send(line_reply(line.clock.wall() - 2min));
  REQUIRE(limited.wait);
  CHECK(*limited.wait == 30s);
  auto refused = line.send(line_reply(line.clock.wall() - 2min, 1));
  CHECK_FALSE(refused.retryable);
  CHECK(refused.error == "HTTP 400: The request body has 1 error(s)");
}

TEST_CASE("platform sinks: ackd check refuses a sink without a token or with a literal one") {
  ackd::yaml::Diagnostics problems;
  ackd::config::Section no_token{"x-out", "x", {}, {}};
  ackd::deliver::builtin_sinks().check(no_token, problems);
  ackd::config::Section literal{"line-out", "line", {}, {}};
  literal.settings["token"] = {"abc", {}, {}, std::nullopt};
  literal.settings["reply_window"] = {"2m", {}, {}, std::nullopt};
  ackd::deliver::builtin_sinks().check(literal, problems);
  std::string all;
  for (const auto& d : problems.sorted()) all += d.message + "\n";
  CHECK(all.find("sink 'x-out' (x) needs a token: {credential: NAME}") != std::string::npos);
  CHECK(all.find("sink 'line-out': token is a secret") != std::string::npos);
  CHECK(all.find("reply_window is at most 1m") != std::string::npos);
}

}  // namespace platform_sink_test
