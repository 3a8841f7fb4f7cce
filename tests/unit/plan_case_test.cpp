#include <doctest/doctest.h>

#include "ackd/plan/case_plan.hpp"
#include "policy_fixture.hpp"

namespace plan_case_test {

using namespace ackd;
using plan::CasePlan;
using plan::Kind;
using policy::ReplyStatus;

namespace {

constexpr const char* kPolicy = R"(version: 1
default_lang: ja
channels:
  x: {max_chars: 280, counting: twitter}
teams:
  support:
    notify: team-chat
    escalate: [{after: 1h, notify: lead-chat}]
templates:
  ack: {ja: "{{name}}様、{{handoff_by}}までにご連絡いたします。"}
  storm: {ja: "状況を確認中です。"}
safety:
  storm: {threshold: 2, within: 10m, template: storm, notify: incident-chat}
rules:
  - id: default
    reply: {template: ack}
    handoff: {team: support, within: 4h, calendar: always}
    followup: 1d
)";

const policy::Policy& the_policy() {
  static const auto policy = ackd::testing::compile_policy(kPolicy);
  return *policy;
}

time::Instant at(const char* text) {
  return *time::parse_rfc3339(text);
}

const time::Instant kNow = at("2026-11-24T10:00:00+09:00");

Complaint complaint(const std::string& external_id = "1") {
  Complaint c;
  c.external_id = external_id;
  c.channel = "x";
  c.author.id = "42";
  c.author.name = "山田";
  c.text = "注文した商品がまだ届きません。";
  return c;
}

plan::Mode live() {
  return {.reply_sink = "x-reply"};
}

CasePlan plan_for(const plan::Mode& mode, const std::optional<plan::Pause>& pause = {},
                  storm::Detector* storm = nullptr, const std::string& external_id = "1",
                  const std::string& id = "case-1") {
  return plan::plan_case(the_policy(), complaint(external_id), {}, kNow, pause, mode, storm, id);
}

std::vector<std::string> kinds(const std::vector<plan::OutboxItem>& items) {
  std::vector<std::string> out;
  for (const auto& item : items) out.emplace_back(plan::to_string(item.kind));
  return out;
}

const plan::Pause kPause{"sato", "wrong template", kNow};

}  // namespace

TEST_CASE("plan: kinds have one name each and keys are made in one place") {
  for (auto k : {Kind::reply, Kind::handoff, Kind::escalation, Kind::breach, Kind::followup,
                 Kind::incident}) {
    CHECK(plan::kind_from_string(plan::to_string(k)) == k);
  }
  CHECK_FALSE(plan::kind_from_string("alert"));
  CHECK(plan::idempotency_key("c1", Kind::reply) == "c1:reply");
  CHECK(plan::idempotency_key("c1", Kind::escalation, 2) == "c1:escalation:2");
  // A breach has a level in its payload but not in its key.
  CHECK(plan::idempotency_key("c1", Kind::breach, 3) == "c1:breach");
}

TEST_CASE("plan: a live case owes the reply, the handoff, each escalation and the breach") {
  const auto p = plan_for(live());
  CHECK(p.id == "case-1");
  CHECK(p.decision.rule_id == "default");
  CHECK(p.decision.reply_status == ReplyStatus::queued);
  CHECK(p.reply_counts_for_author());
  CHECK(p.reply_fingerprint);
  CHECK(p.accepted_at == kNow);
  CHECK(p.policy_version == the_policy().version);
  CHECK(kinds(p.outbox) == std::vector<std::string>{"reply", "handoff", "escalation", "breach"});
  CHECK(p.would_send.empty());
  const auto& reply = p.outbox[0];
  CHECK(reply.sink == "x-reply");
  CHECK(reply.idempotency_key == "case-1:reply");
  CHECK(reply.due_at == kNow);
  CHECK_FALSE(reply.held);
  auto payload = nlohmann::json::parse(reply.payload);
  CHECK(payload["kind"] == "reply");
  CHECK(payload["idempotency_key"] == "case-1:reply");
  CHECK(payload["thread_id"] == "1");
  CHECK(p.outbox[2].idempotency_key == "case-1:escalation:1");
  CHECK(p.outbox[2].due_at == kNow + std::chrono::hours(1));
  CHECK(p.outbox[3].sink == "lead-chat");
  CHECK(p.outbox[3].level == 2);
  CHECK(p.outbox[3].due_at == kNow + std::chrono::hours(4));
  CHECK(nlohmann::json::parse(p.outbox[3].payload)["kind"] == "breach");
  REQUIRE(p.handoff);
  CHECK(p.handoff->team == "support");
  CHECK(p.handoff->followup_after == std::chrono::hours(24));
  REQUIRE(p.handoff->followup);
  CHECK(p.handoff->followup->kind == Kind::followup);
  CHECK(p.handoff->followup->sink == "team-chat");
  CHECK(nlohmann::json::parse(p.handoff->followup->payload)["kind"] == "followup");
  // Every notice carries the reference the customer may quote; the reply has no use for it.
  const auto reference = case_reference("x", "1");
  CHECK(looks_like_case_reference(reference));
  for (std::size_t i = 1; i < p.outbox.size(); ++i) {
    CHECK(nlohmann::json::parse(p.outbox[i].payload)["reference"] == reference);
  }
  CHECK(nlohmann::json::parse(p.handoff->followup->payload)["reference"] == reference);
  CHECK_FALSE(payload.contains("reference"));

  const auto response = plan::response_json(p);
  CHECK(response["id"] == "case-1");
  CHECK(response["duplicate"] == false);
  CHECK(response["reply"] == "queued");
  CHECK(response["handoff"]["team"] == "support");
  CHECK_FALSE(response.contains("reason"));
  const auto decision = plan::decision_json(p);
  CHECK(decision["shadow"] == false);
  CHECK_FALSE(decision.contains("would_send"));
}

TEST_CASE("plan: a channel without a reply sink gets no reply") {
  const auto p = plan_for(plan::Mode{});
  CHECK(p.decision.reply_status == ReplyStatus::suppressed);
  CHECK(p.decision.reason == "channel 'x' has no reply_sink in ackd.yaml");
  CHECK_FALSE(p.reply_counts_for_author());
  CHECK(kinds(p.outbox) == std::vector<std::string>{"handoff", "escalation", "breach"});
}

TEST_CASE("plan: a pause holds the reply, or suppresses it: notices go on") {
  SUBCASE("hold") {
    const auto p = plan_for(live(), kPause);
    CHECK(p.decision.reply_status == ReplyStatus::queued);
    CHECK(p.decision.reason == "held until replies are resumed (paused by sato: wrong template)");
    CHECK(p.reply_counts_for_author());
    REQUIRE(kinds(p.outbox) ==
            std::vector<std::string>{"reply", "handoff", "escalation", "breach"});
    CHECK(p.outbox[0].held);
    for (std::size_t i = 1; i < p.outbox.size(); ++i) CHECK_FALSE(p.outbox[i].held);
  }
  SUBCASE("suppress") {
    auto mode = live();
    mode.drop_while_paused = true;
    const auto p = plan_for(mode, kPause);
    CHECK(p.decision.reply_status == ReplyStatus::suppressed);
    CHECK(p.decision.reason == "replies are paused by sato: wrong template");
    CHECK_FALSE(p.reply_counts_for_author());
    CHECK_FALSE(p.reply_fingerprint);
    CHECK(kinds(p.outbox) == std::vector<std::string>{"handoff", "escalation", "breach"});
    CHECK(plan::response_json(p)["reason"] == "replies are paused by sato: wrong template");
  }
  SUBCASE("a pause without a reason") {
    const auto p = plan_for(live(), plan::Pause{"sato", "", kNow});
    CHECK(p.decision.reason == "held until replies are resumed (paused by sato)");
  }
}

TEST_CASE("plan: shadow mode decides and records but owes nothing, not even a follow-up") {
  auto mode = live();
  mode.shadow = true;
  storm::Detector storm(0, std::chrono::minutes(10));  // the first complaint starts a storm
  const auto p = plan_for(mode, {}, &storm);
  CHECK(p.shadow);
  CHECK(p.outbox.empty());
  // The follow-up after resolution is recorded with the rest, never scheduled.
  CHECK(kinds(p.would_send) ==
        std::vector<std::string>{"reply", "handoff", "escalation", "breach", "followup"});
  REQUIRE(p.handoff);
  CHECK_FALSE(p.handoff->followup_after);
  CHECK_FALSE(p.handoff->followup);
  REQUIRE(p.storm_count);
  CHECK(p.storm_count->started);  // counted, but the incident notice is not owed either
  const auto decision = plan::decision_json(p);
  CHECK(decision["shadow"] == true);
  CHECK(decision["reply"] == "would_send");
  CHECK(plan::response_json(p)["reply"] == "would_send");
  CHECK(plan::response_json(plan_for(live(), {}, nullptr))["reply"] == "queued");
  REQUIRE(decision["would_send"].size() == 5);
  CHECK(decision["would_send"][0] == nlohmann::json{{"kind", "reply"}, {"sink", "x-reply"}});
}

TEST_CASE("plan: past the storm threshold replies change and one incident notice is owed") {
  storm::Detector storm(2, std::chrono::minutes(10));
  std::vector<CasePlan> plans;
  for (int i = 1; i <= 4; ++i) {
    const auto n = std::to_string(i);
    plans.push_back(plan_for(live(), {}, &storm, n, "case-" + n));
  }
  for (int i : {0, 1}) {
    CHECK(plans[i].decision.reply->template_name == "ack");
    CHECK(kinds(plans[i].outbox) ==
          std::vector<std::string>{"reply", "handoff", "escalation", "breach"});
    REQUIRE(plans[i].storm_count);
    CHECK_FALSE(plans[i].storm_count->started);
  }
  // The third starts the storm and carries the incident notice.
  const auto& third = plans[2];
  CHECK(third.decision.reply->template_name == "storm");
  CHECK(third.storm_count->started);
  REQUIRE(kinds(third.outbox) ==
          std::vector<std::string>{"reply", "handoff", "escalation", "breach", "incident"});
  const auto& incident = third.outbox.back();
  CHECK(incident.sink == "incident-chat");
  CHECK(incident.idempotency_key == "case-3:incident");
  auto payload = nlohmann::json::parse(incident.payload);
  CHECK(payload["rule"] == "default");
  CHECK(payload["threshold"] == 2);
  CHECK(payload["public_replies"] == "storm template 'storm'");
  CHECK(payload["reference"] == case_reference("x", "3"));
  // The fourth is still in the storm, with no second notice.
  CHECK(plans[3].decision.reply->template_name == "storm");
  CHECK_FALSE(plans[3].storm_count->started);
  CHECK(kinds(plans[3].outbox) ==
        std::vector<std::string>{"reply", "handoff", "escalation", "breach"});
}

TEST_CASE("plan: a storm count taken back (its plan was not stored) is as if never made") {
  storm::Detector storm(2, std::chrono::minutes(10));
  plan_for(live(), {}, &storm, "1", "case-1");
  plan_for(live(), {}, &storm, "2", "case-2");
  const auto third = plan_for(live(), {}, &storm, "3", "case-3");
  REQUIRE(third.storm_count);
  REQUIRE(third.storm_count->started);
  storm.forget(third.storm_count->rule, third.storm_count->at, third.storm_count->started);
  CHECK(storm.storming().empty());
  CHECK(storm.take_events().empty());  // the start was never reported
  // The next one starts the storm again, with its own incident notice.
  const auto again = plan_for(live(), {}, &storm, "4", "case-4");
  CHECK(again.storm_count->started);
  CHECK(kinds(again.outbox).back() == "incident");
}

TEST_CASE("plan: without a detector nothing is counted") {
  const auto p = plan_for(live());
  CHECK_FALSE(p.storm_count);
  CHECK(p.decision.reply->template_name == "ack");
}

TEST_CASE("plan: a held reply whose deadline passed is written again with a fresh one") {
  auto c = complaint();
  c.received_at = kNow;
  // The reply held, promising 14:00 JST (the policy has no time zone: written in UTC).
  const auto p = plan_for(live(), kPause);
  REQUIRE(p.outbox.at(0).kind == Kind::reply);
  const auto& held = p.outbox[0];
  CHECK(nlohmann::json::parse(held.payload)["text"] ==
        "山田様、11月24日(火) 5:00 UTCまでにご連絡いたします。");

  // Released at 15:00: the promise is restarted from the release.
  const auto fresh = plan::refresh_reply(the_policy(), c, held, at("2026-11-24T15:00:00+09:00"));
  REQUIRE(fresh.payload);
  const auto payload = nlohmann::json::parse(*fresh.payload);
  CHECK(payload["text"] == "山田様、11月24日(火) 10:00 UTCまでにご連絡いたします。");
  CHECK(payload["idempotency_key"] == held.idempotency_key);
  CHECK(payload["complaint_id"] == "case-1");

  // Days later the complaint is stale: nothing is sent, and the reason says why.
  const auto stale = plan::refresh_reply(the_policy(), c, held, at("2026-11-27T15:00:00+09:00"));
  CHECK_FALSE(stale.payload);
  CHECK(stale.dropped_because.rfind("decided afresh at release: stale: posted 3d5h", 0) == 0);
}

}  // namespace plan_case_test
