#include "ackd/plan/notice_group.hpp"

#include <doctest/doctest.h>

#include "ackd/plan/case_plan.hpp"
#include "policy_fixture.hpp"

namespace notice_group_test {

using namespace ackd;
using plan::Kind;

namespace {

constexpr const char* kPolicy = R"(version: 1
default_lang: ja
channels:
  x: {}
teams:
  support:
    notify: team-chat
    escalate: [{after: 1h, notify: lead-chat}]
    group_wait: 2m
  billing:
    notify: billing-chat
    escalate: [{after: 1h, notify: lead-chat}]
templates:
  ack: {ja: "{{name}}様、{{handoff_by}}までにご連絡いたします。"}
safety:
  storm: {threshold: 3, within: 10m, group_wait: 5m}
rules:
  - id: billing
    priority: P2
    when: {text: {any: [請求]}}
    reply: {template: ack}
    handoff: {team: billing, within: 4h, calendar: always}
  - id: default
    reply: {template: ack}
    handoff: {team: support, within: 4h, calendar: always}
)";

const policy::Policy& the_policy() {
  static const auto policy = ackd::testing::compile_policy(kPolicy);
  return *policy;
}

// The outbox of one case, as the plan makes it.
std::vector<plan::OutboxItem> owed(const std::string& id, const std::string& text) {
  Complaint c;
  c.external_id = id;
  c.channel = "x";
  c.author.id = "42";
  c.author.name = "山田";
  c.text = text;
  auto planned = plan::plan_case(the_policy(), c, {}, *time::parse_rfc3339("2026-11-24T10:00:00Z"),
                                 std::nullopt, {.reply_sink = "x-reply"}, nullptr, "case-" + id);
  for (std::size_t i = 0; i < planned.outbox.size(); ++i) {
    planned.outbox[i].id = static_cast<std::int64_t>(i + 1);
  }
  return planned.outbox;
}

const plan::OutboxItem& of_kind(const std::vector<plan::OutboxItem>& items, Kind kind) {
  for (const auto& item : items) {
    if (item.kind == kind) return item;
  }
  FAIL("no such item");
  return items.front();
}

}  // namespace

TEST_CASE("notice group: a team's escalations and breaches wait group_wait, nothing else does") {
  const auto support = owed("1", "届きません");
  const std::vector<std::string> calm;
  for (auto kind : {Kind::reply, Kind::handoff}) {
    CHECK_FALSE(plan::notice_group(the_policy(), of_kind(support, kind), calm));
  }
  auto escalation = plan::notice_group(the_policy(), of_kind(support, Kind::escalation), calm);
  REQUIRE(escalation);
  CHECK(escalation->key == "support:escalation:1");
  CHECK(escalation->wait == std::chrono::minutes(2));
  auto breach = plan::notice_group(the_policy(), of_kind(support, Kind::breach), calm);
  REQUIRE(breach);
  CHECK(breach->key == "support:breach:2");
  // billing has no group_wait: each notice alone, until its rule storms.
  const auto billing = owed("2", "請求が二重です");
  CHECK_FALSE(plan::notice_group(the_policy(), of_kind(billing, Kind::breach), calm));
  auto storming = plan::notice_group(the_policy(), of_kind(billing, Kind::breach), {"billing"});
  REQUIRE(storming);
  CHECK(storming->key == "billing:breach:2");
  CHECK(storming->wait == std::chrono::minutes(5));
  // A storm of another rule changes nothing; the longer of the two waits applies.
  CHECK_FALSE(plan::notice_group(the_policy(), of_kind(billing, Kind::breach), {"default"}));
  CHECK(plan::notice_group(the_policy(), of_kind(support, Kind::breach), {"default"})->wait ==
        std::chrono::minutes(5));
}

TEST_CASE("notice group: one notice counts and lists the cases, the first few in full") {
  std::vector<plan::OutboxItem> members;
  for (int i = 1; i <= 7; ++i) {
    auto breach =
        of_kind(owed(std::to_string(i), i == 4 ? "請求が二重です" : "届きません"), Kind::breach);
    breach.id = i * 10;
    members.push_back(breach);
  }
  auto one = plan::group_notice(members);
  CHECK(one.id == 10);
  CHECK(one.kind == Kind::breach);
  CHECK(one.sink == members[0].sink);
  CHECK(one.due_at == members[0].due_at);
  CHECK(one.idempotency_key == "case-1:breach:group");
  auto payload = nlohmann::json::parse(one.payload);
  CHECK(payload["kind"] == "breach");
  CHECK(payload["count"] == 7);
  CHECK(payload["complaint_ids"].size() == 7);
  CHECK(payload["complaint_ids"][6] == "case-7");
  REQUIRE(payload["cases"].size() == plan::kGroupShown);
  CHECK(payload["cases"][0]["complaint_id"] == "case-1");
  CHECK(payload["cases"][0]["text"] == "届きません");
  CHECK(payload["priority"] == "P2");  // the most urgent member's
  CHECK(payload["handoffs"] == "/v1/handoffs?state=breached");
  CHECK(payload["idempotency_key"] == one.idempotency_key);
}

}  // namespace notice_group_test
