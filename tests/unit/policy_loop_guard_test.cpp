#include <doctest/doctest.h>

#include "ackd/policy/evaluate.hpp"
#include "ackd/policy/load.hpp"
#include "ackd/text/normalize.hpp"

namespace policy_loop_guard_test {

using namespace ackd;
using policy::ReplyStatus;

namespace {

constexpr const char* kPolicy = R"(version: 1
default_lang: ja
channels:
  x: {max_chars: 280, counting: twitter}
teams:
  support: {notify: chat}
templates:
  ack: {ja: "{{name}}様、ご連絡ありがとうございます。"}
safety:
  own_accounts: ["@Acme_Support", acme_jp, "900", Ops-Team]
rules:
  - id: default
    reply: {template: ack}
    handoff: {team: support, within: 4h}
)";

const policy::Policy& the_policy() {
  static auto result = policy::load_policy({{"p.yaml", kPolicy}});
  REQUIRE(result.policy);
  return *result.policy;
}

Complaint complaint(std::string handle, std::string id = "42") {
  Complaint c;
  c.external_id = "1";
  c.channel = "x";
  c.author.id = std::move(id);
  c.author.handle = std::move(handle);
  c.author.name = "山田";
  c.text = "届きません";
  return c;
}

policy::Decision decide(const Complaint& c, const AuthorHistory& h = {}) {
  return policy::evaluate(the_policy(), c, h, *time::parse_rfc3339("2026-11-24T10:00:00+09:00"));
}

}  // namespace

TEST_CASE("loop guard: our own accounts are never answered, by handle or id") {
  for (const auto& [handle, id] : {std::pair{"acme_support", "1"}, std::pair{"@ACME_JP", "2"},
                                   std::pair{"someone", "900"}, std::pair{"x", "Ops-Team"}}) {
    auto d = decide(complaint(handle, id));
    CHECK(d.reply_status == ReplyStatus::suppressed);
    CHECK(d.reason.find("loop guard:") == 0);
    CHECK(d.reason.find("safety.own_accounts") != std::string::npos);
    CHECK(d.handoff);  // the case still goes to a person
  }
  CHECK(decide(complaint("acme_support_fan")).reply_status == ReplyStatus::queued);
}

TEST_CASE("loop guard: bots and answered threads get no second reply") {
  auto bot = complaint("helper_bot");
  bot.author.bot = true;
  auto d = decide(bot);
  CHECK(d.reply_status == ReplyStatus::suppressed);
  CHECK(d.reason == "loop guard: the author is marked as a bot");
  // A connector that knows why says so in the reason.
  bot.author.bot_reason = "an automated mail (RFC 3834: Precedence: bulk)";
  CHECK(decide(bot).reason ==
        "loop guard: an automated mail (RFC 3834: Precedence: bulk): no automatic reply");

  AuthorHistory answered;
  answered.thread_answered = true;
  d = decide(complaint("taro"), answered);
  CHECK(d.reply_status == ReplyStatus::suppressed);
  CHECK(d.reason == "loop guard: this thread already had its automatic reply");
  CHECK(decide(complaint("taro")).reply_status == ReplyStatus::queued);
}

TEST_CASE("loop guard: a text repeating one of our replies gets none") {
  AuthorHistory echo;
  echo.echoes_our_reply = true;
  auto d = decide(complaint("quoting_bot"), echo);
  CHECK(d.reply_status == ReplyStatus::suppressed);
  CHECK(d.reason == "loop guard: the text repeats a reply we sent within 24 hours");
}

TEST_CASE("fingerprint: texts that read the same compare equal, and the value never changes") {
  const auto ours = text::fingerprint("山田様、ご連絡ありがとうございます。");
  CHECK(text::fingerprint("山田様、 ご連絡ありがとうございます。\n") == ours);
  CHECK(text::fingerprint("Thank you, ＹＡＭＡＤＡ") == text::fingerprint("thank you,yamada"));
  CHECK(text::fingerprint("山田様、ご連絡ありがとうございました。") != ours);
  // Stored in databases: FNV-1a 64 of the normalised text, fixed for good.
  CHECK(text::fingerprint("") == static_cast<std::int64_t>(14695981039346656037ull));
  CHECK(text::fingerprint("a") == static_cast<std::int64_t>(0xaf63dc4c8601ec8cull));
}

}  // namespace policy_loop_guard_test
