#include "ackd/report/report.hpp"

#include <doctest/doctest.h>

#include <map>
#include <set>

#include "ackd/time/instant.hpp"

namespace report_test {

using ackd::report::Builder;
using ackd::report::By;
using ackd::report::CaseRow;
using ackd::report::Report;
using ackd::time::Calendar;
using ackd::time::Instant;
using ackd::time::Seconds;
using ackd::time::Zone;

namespace {

Instant at(const char* rfc3339) {
  auto t = ackd::time::parse_rfc3339(rfc3339);
  REQUIRE_MESSAGE(t, rfc3339);
  return *t;
}

// Mon-Fri 09:00-18:00 in Tokyo; Monday 2026-11-23 is a holiday.
const Calendar& office() {
  static const Calendar calendar = [] {
    std::string error;
    std::array<std::vector<ackd::time::OpenSpan>, 7> week;
    for (int d = 0; d < 5; ++d) week[d] = *ackd::time::parse_open_spans("09:00-18:00", error);
    return Calendar(*Zone::load("Asia/Tokyo"), week, {*ackd::time::parse_civil_day("2026-11-23")});
  }();
  return calendar;
}

CaseRow row(std::string id, std::string rule, std::string team, const char* received) {
  CaseRow r;
  r.channel = "x";
  r.author_id = "a-" + id;
  r.rule = std::move(rule);
  r.team = std::move(team);
  r.calendar = r.team == "support" ? "office" : "night-desk";
  r.received_at = at(received);
  r.reply_status = "queued";
  return r;
}

// The week of 2026-11-20 (Fri) to 2026-11-27 (Fri), seen on Friday 2026-11-27 at 12:00.
Report known_week(By by) {
  Builder b(
      at("2026-11-20T00:00:00+09:00"), at("2026-11-27T12:00:00+09:00"), by,
      [](const std::string& name) { return name == "office" ? &office() : nullptr; },
      *Zone::load("Asia/Tokyo"), at("2026-11-27T12:00:00+09:00"));
  // Friday 17:30, claimed Tuesday 10:00 across the weekend and Monday's holiday: 1h30m of
  // office time, deadline (4h) Tuesday 11:30: met. Resolved Tuesday 15:00 (6h30m).
  auto a = row("a", "default", "support", "2026-11-20T17:30:00+09:00");
  a.reply_delivered_at = a.received_at + Seconds(2);
  a.deadline = at("2026-11-24T11:30:00+09:00");
  a.claimed_at = at("2026-11-24T10:00:00+09:00");
  a.resolved_at = at("2026-11-24T15:00:00+09:00");
  a.agent = "sato";
  a.escalations = {};
  a.followups = 1;
  b.add(a);
  // Tuesday 10:00, claimed Wednesday 10:00 (9h of office time): deadline 14:00 missed.
  auto c = row("c", "default", "support", "2026-11-24T10:00:00+09:00");
  c.author_id = "a-a";  // the same author as case a
  c.reply_status = "suppressed";
  c.reason = "replies_per_author: 1 automatic reply to this author within 1d";
  c.deadline = at("2026-11-24T14:00:00+09:00");
  c.claimed_at = at("2026-11-25T10:00:00+09:00");
  c.agent = "sato";
  c.escalations = {1};
  b.add(c);
  // Thursday 11:00, a safety case on a team the policy no longer has: never claimed, its
  // deadline passed: a breach; business time unknown.
  auto d = row("d", "safety-incident", "safety", "2026-11-26T11:00:00+09:00");
  d.reply_delivered_at = d.received_at + Seconds(1);
  d.deadline = at("2026-11-26T11:15:00+09:00");
  d.escalations = {1, 2};
  d.failed_deliveries = 1;
  b.add(d);
  // Friday 11:00, not claimed yet, deadline still ahead: neither met nor breached.
  auto e = row("e", "default", "support", "2026-11-27T11:00:00+09:00");
  e.deadline = at("2026-11-27T15:00:00+09:00");
  e.reply_failed = true;
  b.add(e);
  // No handoff and no reply (the rule sends none).
  auto f = row("f", "spam", "", "2026-11-27T11:30:00+09:00");
  f.reply_status = "none";
  b.add(f);
  b.add_previous("default", 5);
  b.add_previous("billing", 2);
  return b.finish();
}

}  // namespace

TEST_CASE("report: the figures of a known week, business time across a weekend and a holiday") {
  const Report r = known_week(By::team);
  const auto& t = r.total;
  CHECK(t.complaints == 5);
  CHECK(t.replies_sent == 2);
  CHECK(t.replies_failed == 1);
  CHECK(t.replies_none == 1);
  CHECK(t.replies_suppressed == std::map<std::string, std::size_t>{{"limit", 1}});
  CHECK(t.first_response.count == 2);
  CHECK(t.first_response.p50 == Seconds(1));
  CHECK(t.first_response.p99 == Seconds(2));
  CHECK(t.handoffs == 4);
  CHECK(t.claimed == 2);
  CHECK(t.resolved == 1);
  CHECK(t.to_claim_business.count == 2);
  CHECK(t.to_claim_business.p50 == Seconds(90 * 60));   // a: 30m on Friday, 1h on Tuesday
  CHECK(t.to_claim_business.p90 == Seconds(9 * 3600));  // c: 8h Tuesday, 1h Wednesday
  CHECK(t.to_claim.p50 == Seconds(86400));              // c: a day on the wall clock
  CHECK(t.to_claim.p90 == at("2026-11-24T10:00:00+09:00") - at("2026-11-20T17:30:00+09:00"));
  CHECK(t.to_resolve_business.p50 == Seconds(6 * 3600 + 30 * 60));
  CHECK(t.deadline_met == 1);
  CHECK(t.breaches == 2);  // c (claimed late) and d (never claimed, deadline passed)
  REQUIRE(t.deadline_met_pct());
  CHECK(*t.deadline_met_pct() == doctest::Approx(100.0 / 3));
  CHECK(t.escalations == std::map<int, std::size_t>{{1, 2}, {2, 1}});
  CHECK(t.followups == 1);
  CHECK(t.failed_deliveries == 1);

  REQUIRE(r.groups.size() == 3);
  CHECK(r.groups[0].key == "(no handoff)");
  CHECK(r.groups[1].key == "safety");
  CHECK(r.groups[1].figures.breaches == 1);
  CHECK(r.groups[1].figures.to_claim_business.count == 0);  // no calendar known
  CHECK(r.groups[2].key == "support");
  CHECK(r.groups[2].figures.complaints == 3);

  REQUIRE(r.topics.size() == 4);
  CHECK(r.topics[0].rule == "default");
  CHECK(r.topics[0].complaints == 3);
  CHECK(r.topics[0].previous == 5);
  CHECK(r.topics.back().rule == "billing");  // fired before, not now
  CHECK(r.topics.back().complaints == 0);

  REQUIRE(r.repeat_complainants.size() == 1);
  CHECK(r.repeat_complainants[0].author_id == "a-a");
  CHECK(r.repeat_complainants[0].complaints == 2);
  CHECK(r.repeat_complainants[0].open == 1);  // c is not resolved
  CHECK(r.repeat_complainants[0].last_rule == "default");
}

TEST_CASE("report: by day and by hour, in the customers' time zone") {
  const Report days = known_week(By::day);
  std::set<std::string> keys;
  for (const auto& g : days.groups) keys.insert(g.key);
  CHECK(keys == std::set<std::string>{"2026-11-20", "2026-11-24", "2026-11-26", "2026-11-27"});
  const Report hours = known_week(By::hour);
  REQUIRE(hours.groups.size() == 3);
  CHECK(hours.groups[0].key == "10");
  CHECK(hours.groups[1].key == "11");
  CHECK(hours.groups[1].figures.complaints == 3);
  CHECK(hours.groups[2].key == "17");
}

TEST_CASE("report: by agent, who holds or resolved each case") {
  const Report agents = known_week(By::agent);
  std::map<std::string, std::size_t> complaints;
  for (const auto& g : agents.groups) complaints[g.key] = g.figures.complaints;
  CHECK(complaints ==
        std::map<std::string, std::size_t>{{"sato", 2}, {"(nobody yet)", 2}, {"(no handoff)", 1}});
  CHECK(agents.groups.back().key == "sato");
  CHECK(agents.groups.back().figures.deadline_met_pct() == 50.0);
  CHECK(ackd::report::by_from_string("agent") == By::agent);
  CHECK(ackd::report::to_string(By::agent) == "agent");
}

TEST_CASE("report: JSON as the contract has it, CSV with a header row and the total") {
  const Report r = known_week(By::team);
  const auto j = ackd::report::to_json(r);
  CHECK(j["by"] == "team");
  CHECK(j["from"] == "2026-11-19T15:00:00Z");
  CHECK(j["groups"][2]["key"] == "support");
  CHECK(j["groups"][2]["complaints"] == 3);
  CHECK(j["groups"][2]["deadline_met_pct"] == 50.0);
  CHECK(j["total"]["replies"]["suppressed"]["limit"] == 1);
  CHECK(j["total"]["to_claim"]["business"]["p50_s"] == 5400);
  CHECK(j["total"]["escalations"]["2"] == 1);
  CHECK(j["repeat_complainants"][0]["complaints"] == 2);
  CHECK(j["groups"][0]["first_response"]["p50_s"].is_null());

  const auto csv = ackd::report::to_csv(r);
  const auto first_line = csv.substr(0, csv.find('\n'));
  CHECK(first_line.rfind("team,complaints,replies_sent,", 0) == 0);
  CHECK(csv.find("\nsupport,3,1,0,1,0,1,2,2,2,3,2,1,") != std::string::npos);
  CHECK(csv.find("\n(total),5,2,0,1,1,1,") != std::string::npos);
  const auto table = ackd::report::to_table(r);
  CHECK(table.find("repeat complainants") != std::string::npos);
}

}  // namespace report_test
