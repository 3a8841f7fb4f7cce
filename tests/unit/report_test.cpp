#include "ackd/report/report.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "ackd/report/schedule.hpp"
#include "ackd/time/instant.hpp"

namespace report_test {

using ackd::report::Builder;
using ackd::report::By;
using ackd::report::CaseRow;
using ackd::report::Drill;
using ackd::report::Figure;
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
  r.id = id;
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
// `batched`: the rows given at once, as the store gives them, rather than one by one.
Report known_week(By by, std::optional<ackd::report::Drill> drill = std::nullopt,
                  bool batched = false) {
  std::vector<CaseRow> rows;
  Builder b(
      at("2026-11-20T00:00:00+09:00"), at("2026-11-27T12:00:00+09:00"), by,
      [](const std::string& name) { return name == "office" ? &office() : nullptr; },
      *Zone::load("Asia/Tokyo"), at("2026-11-27T12:00:00+09:00"));
  if (drill) b.drill(*drill);
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
  a.lists = "billing";
  a.keywords = "refund\ncharged twice";
  rows.push_back(a);
  // Tuesday 10:00, claimed Wednesday 10:00 (9h of office time): deadline 14:00 missed.
  auto c = row("c", "default", "support", "2026-11-24T10:00:00+09:00");
  c.author_id = "a-a";  // the same author as case a
  c.reply_status = "suppressed";
  c.reason = "replies_per_author: 1 automatic reply to this author within 1d";
  c.deadline = at("2026-11-24T14:00:00+09:00");
  c.claimed_at = at("2026-11-25T10:00:00+09:00");
  c.agent = "sato";
  c.escalations = {1};
  c.lists = "billing";
  c.keywords = "refund";
  rows.push_back(c);
  // Thursday 11:00, a safety case on a team the policy no longer has: never claimed, its
  // deadline passed: a breach; business time unknown.
  auto d = row("d", "safety-incident", "safety", "2026-11-26T11:00:00+09:00");
  d.reply_delivered_at = d.received_at + Seconds(1);
  d.deadline = at("2026-11-26T11:15:00+09:00");
  d.escalations = {1, 2};
  d.failed_deliveries = 1;
  d.lists = "safety\nbilling";
  d.keywords = "発火\nrefund";
  rows.push_back(d);
  // Friday 11:00, not claimed yet, deadline still ahead: neither met nor breached.
  auto e = row("e", "default", "support", "2026-11-27T11:00:00+09:00");
  e.deadline = at("2026-11-27T15:00:00+09:00");
  e.reply_failed = true;
  rows.push_back(e);
  // No handoff and no reply (the rule sends none).
  auto f = row("f", "spam", "", "2026-11-27T11:30:00+09:00");
  f.reply_status = "none";
  rows.push_back(f);
  if (batched) {
    b.add(rows);
  } else {
    for (const auto& r : rows) b.add(r);
  }
  b.add_previous({"default", "", ""}, 4);
  b.add_previous({"default", "billing", "refund"}, 1);
  b.add_previous({"billing", "billing\nshipping", "late\nrefund"}, 2);
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
  CHECK(r.topics[0].name == "default");
  CHECK(r.topics[0].complaints == 3);
  CHECK(r.topics[0].previous == 5);
  CHECK(r.topics.back().name == "billing");  // fired before, not now
  CHECK(r.topics.back().complaints == 0);
  // The policy lists and keywords the texts held, against the period before.
  REQUIRE(r.lists.size() == 3);
  CHECK(r.lists[0].name == "billing");
  CHECK(r.lists[0].complaints == 3);
  CHECK(r.lists[0].previous == 3);
  CHECK(r.lists[1].name == "safety");
  CHECK(r.lists[1].complaints == 1);
  CHECK(r.lists[1].previous == 0);
  CHECK(r.lists[2].name == "shipping");
  CHECK(r.lists[2].complaints == 0);
  CHECK(r.lists[2].previous == 2);
  REQUIRE(r.keywords.size() == 4);
  CHECK(r.keywords[0].name == "refund");
  CHECK(r.keywords[0].complaints == 3);
  CHECK(r.keywords[0].previous == 3);
  CHECK(r.keywords[1].name == "charged twice");
  CHECK(r.keywords[2].name == "発火");
  CHECK(r.keywords[3].name == "late");
  CHECK(r.keywords[3].previous == 2);

  REQUIRE(r.repeat_complainants.size() == 1);
  CHECK(r.repeat_complainants[0].author_id == "a-a");
  CHECK(r.repeat_complainants[0].complaints == 2);
  CHECK(r.repeat_complainants[0].open == 1);  // c is not resolved
  CHECK(r.repeat_complainants[0].last_rule == "default");
}

TEST_CASE("report: rows given a batch at a time count as given one by one") {
  for (auto by : {By::team, By::day}) {
    CHECK(ackd::report::to_json(known_week(by, std::nullopt, true)) ==
          ackd::report::to_json(known_week(by)));
  }
  const Drill breaches{Figure::breaches, std::nullopt};
  CHECK(known_week(By::team, breaches, true).cases->count == 2);
}

TEST_CASE("report: the cases on a topic: a list their text was on, a keyword found in it") {
  Drill billing{Figure::complaints, std::nullopt};
  billing.list = "billing";
  const auto on_list = known_week(By::team, billing);
  REQUIRE(on_list.cases);
  CHECK(on_list.cases->count == 3);  // a, c and d, as the lists' figure says
  CHECK(on_list.cases->count == on_list.lists[0].complaints);
  Drill breaches{Figure::breaches, "safety"};
  breaches.keyword = "発火";
  const auto mentioned = known_week(By::team, breaches);
  REQUIRE(mentioned.cases->listed.size() == 1);
  CHECK(mentioned.cases->listed[0].id == "d");
  Drill folded{Figure::complaints, std::nullopt};
  folded.keyword = "REFUND";  // as written in a policy: normalized like the stored ones
  CHECK(known_week(By::team, folded).cases->count == 3);
  Drill none{Figure::complaints, std::nullopt};
  none.list = "shipping";  // only in the period before
  CHECK(known_week(By::team, none).cases->count == 0);
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

TEST_CASE("report: the period's shape for the charts, whatever it is grouped by") {
  const Report r = known_week(By::rule);
  // Every local day from Friday 20 to Friday 27, also the empty weekend.
  REQUIRE(r.days.size() == 8);
  CHECK(r.days.front().date == "2026-11-20");
  CHECK(r.days.front().by_rule == std::map<std::string, std::size_t>{{"default", 1}});
  CHECK(r.days[1].by_rule.empty());
  CHECK(r.days[6].by_rule == std::map<std::string, std::size_t>{{"safety-incident", 1}});
  CHECK(r.days.back().date == "2026-11-27");
  CHECK(r.days.back().by_rule == std::map<std::string, std::size_t>{{"default", 1}, {"spam", 1}});
  // Monday is row 0: Friday 17:00 (a), Tuesday 10:00 (c), Thursday 11:00 (d), Friday 11:00
  // (e, f), in Tokyo.
  std::size_t counted = 0;
  for (const auto& day : r.by_weekday_hour) {
    for (const auto n : day) counted += n;
  }
  CHECK(counted == 5);
  CHECK(r.by_weekday_hour[4][17] == 1);
  CHECK(r.by_weekday_hour[1][10] == 1);
  CHECK(r.by_weekday_hour[3][11] == 1);
  CHECK(r.by_weekday_hour[4][11] == 2);
  // Deadlines per team, though grouped by rule: support met a and missed c, safety missed d;
  // e's deadline is still ahead.
  REQUIRE(r.deadlines_by_team.size() == 2);
  CHECK(r.deadlines_by_team.at("support").met == 1);
  CHECK(r.deadlines_by_team.at("support").breaches == 1);
  CHECK(r.deadlines_by_team.at("safety").met == 0);
  CHECK(r.deadlines_by_team.at("safety").breaches == 1);
  // First replies after 2s and 1s fall in the first bucket (10s or less); a's resolution
  // after 3 days and 21.5 hours in the last (over 3 days).
  CHECK(r.total.first_response.histogram[0] == 2);
  CHECK(r.total.to_resolve.histogram.back() == 1);
  std::size_t in_buckets = 0;
  for (const auto n : r.total.to_claim.histogram) in_buckets += n;
  CHECK(in_buckets == r.total.to_claim.count);
}

TEST_CASE("report: HTML is one page that runs and fetches nothing, customers' names as text") {
  Report r = known_week(By::team);
  REQUIRE(r.repeat_complainants.size() == 1);
  r.repeat_complainants[0].name = "<img src=x onerror=alert(1)>";
  const auto en = ackd::report::to_html(r, "en");
  CHECK(en.rfind("<!doctype html>", 0) == 0);
  CHECK(en.find("<html lang=\"en\">") != std::string::npos);
  CHECK(en.find("Content-Security-Policy\" content=\"default-src 'none'") != std::string::npos);
  CHECK(en.find("&lt;img src=x onerror=alert(1)&gt;") != std::string::npos);
  CHECK(en.find("<img") == std::string::npos);
  CHECK(en.find("<script") == std::string::npos);
  CHECK(en.find("://") == std::string::npos);  // no address to fetch anything from
  // The daily chart (a bar a rule a day with complaints), two distributions, the teams'
  // deadlines, the heatmap (7 x 24 cells).
  std::size_t charts = 0, rects = 0;
  for (auto at = en.find("<svg"); at != std::string::npos; at = en.find("<svg", at + 1)) ++charts;
  for (auto at = en.find("<rect"); at != std::string::npos; at = en.find("<rect", at + 1)) ++rects;
  CHECK(charts >= 5);
  CHECK(rects >= 7 * 24 + 5);
  CHECK(en.find("First reply (p50 / p90)</div><div class=\"value\">1s / 2s") != std::string::npos);
  CHECK(en.find("2026-11-20T00:00:00+09:00 – 2026-11-27T12:00:00+09:00 (times in Asia/Tokyo)") !=
        std::string::npos);
  const auto ja = ackd::report::to_html(r, "ja");
  CHECK(ja.find("<html lang=\"ja\">") != std::string::npos);
  CHECK(ja.find("初回返信 (p50 / p90)</div><div class=\"value\">1秒 / 2秒") != std::string::npos);
  CHECK(ja.find("チーム別の期限内対応") != std::string::npos);
  // The topics: a table each for the rules, the lists and the keywords.
  CHECK(en.find("<th>List</th>") != std::string::npos);
  CHECK(en.find("<tr><td>safety</td><td class=\"n\">1</td><td class=\"n\">0</td><td "
                "class=\"n up\">new</td>") != std::string::npos);
  CHECK(ja.find("<th>キーワード</th>") != std::string::npos);
  CHECK(ja.find("<tr><td>発火</td>") != std::string::npos);
}

TEST_CASE("report: the cases behind each figure are the cases it counts") {
  const Report r = known_week(By::team);
  const auto& t = r.total;
  std::size_t suppressed = 0;
  for (const auto& [_, n] : t.replies_suppressed) suppressed += n;
  const std::vector<std::pair<Figure, std::size_t>> expected{
      {Figure::complaints, t.complaints},
      {Figure::replied, t.replies_sent},
      {Figure::pending, t.replies_pending},
      {Figure::reply_failed, t.replies_failed},
      {Figure::no_reply, t.replies_none},
      {Figure::suppressed, suppressed},
      {Figure::handoffs, t.handoffs},
      {Figure::claimed, t.claimed},
      {Figure::resolved, t.resolved},
      {Figure::open, t.handoffs - t.resolved},
      {Figure::deadline_met, t.deadline_met},
      {Figure::breaches, t.breaches},
      {Figure::escalated, 2},  // c and d; three notices
      {Figure::followups, t.followups},
      {Figure::failed_deliveries, t.failed_deliveries},
  };
  std::set<std::string> named;
  for (const auto& [figure, count] : expected) {
    const auto name = std::string(ackd::report::to_string(figure));
    CAPTURE(name);
    named.insert(name);
    CHECK(ackd::report::figure_from_string(name) == figure);
    const Report drilled = known_week(By::team, Drill{figure, std::nullopt});
    REQUIRE(drilled.cases);
    CHECK(drilled.cases->count == count);
    CHECK(drilled.cases->listed.size() == count);
    // Each group's cases are the group's share.
    for (const auto& g : drilled.groups) {
      const Report one = known_week(By::team, Drill{figure, g.key});
      for (const auto& listed : one.cases->listed) CHECK(listed.group == g.key);
    }
  }
  const auto names = ackd::report::figure_names();
  CHECK(names.find(", failed_deliveries") != std::string::npos);
  CHECK(std::count(names.begin(), names.end(), ',') + 1 == static_cast<long>(named.size()));
  CHECK_FALSE(ackd::report::figure_from_string("breach"));

  const Report support = known_week(By::team, Drill{Figure::breaches, "support"});
  REQUIRE(support.cases->listed.size() == 1);
  CHECK(support.cases->listed[0].id == "c");
  CHECK(support.cases->listed[0].agent == "sato");
  CHECK(support.cases->listed[0].received_at == at("2026-11-24T10:00:00+09:00"));
  // A limit lists the oldest and counts them all.
  const Report first_two = known_week(By::team, Drill{Figure::complaints, std::nullopt, 2});
  CHECK(first_two.cases->count == 5);
  REQUIRE(first_two.cases->listed.size() == 2);
  CHECK(first_two.cases->listed[0].id == "a");
  CHECK(first_two.cases->listed[1].id == "c");
  const auto j = ackd::report::cases_to_json(*support.cases, *Zone::load("Asia/Tokyo"));
  CHECK(j["figure"] == "breaches");
  CHECK(j["group"] == "support");
  CHECK(j["cases"][0]["received_at"] == "2026-11-24T10:00:00+09:00");
  const auto csv = ackd::report::cases_to_csv(*support.cases, *Zone::load("Asia/Tokyo"));
  CHECK(csv ==
        "id,reference,received_at,group,rule,team,agent\n"
        "c,,2026-11-24T10:00:00+09:00,support,default,support,sato\n");
}

TEST_CASE("report schedule: weekdays and times of day as ackd.yaml writes them") {
  using ackd::report::minute_of_day_from_string;
  using ackd::report::weekday_from_string;
  CHECK(weekday_from_string("monday") == 0);
  CHECK(weekday_from_string("Sunday") == 6);
  CHECK(weekday_from_string("fri") == 4);
  CHECK_FALSE(weekday_from_string("mondays"));
  CHECK_FALSE(weekday_from_string(""));
  CHECK(minute_of_day_from_string("09:00") == 540);
  CHECK(minute_of_day_from_string("9:05") == 545);
  CHECK(minute_of_day_from_string("23:59") == 23 * 60 + 59);
  CHECK(minute_of_day_from_string("00:00") == 0);
  for (const char* bad : {"24:00", "9:5", "0900", "09:60", "-1:00", "09:00:00", ":00", "9am"}) {
    CAPTURE(std::string(bad));
    CHECK_FALSE(minute_of_day_from_string(bad));
  }
}

TEST_CASE("report schedule: the last and next time due, on the zone's clock") {
  const auto tokyo = *Zone::load("Asia/Tokyo");
  const ackd::report::Weekly monday_nine{0, 9 * 60};
  // Wednesday 2026-11-25, noon in Tokyo.
  const auto wednesday = at("2026-11-25T12:00:00+09:00");
  CHECK(last_due(monday_nine, tokyo, wednesday) == at("2026-11-23T09:00:00+09:00"));
  CHECK(next_due(monday_nine, tokyo, wednesday) == at("2026-11-30T09:00:00+09:00"));
  // At the minute it is due, it is due; a second before, last week's was the last.
  const auto due = at("2026-11-30T09:00:00+09:00");
  CHECK(last_due(monday_nine, tokyo, due) == due);
  CHECK(next_due(monday_nine, tokyo, due) == at("2026-12-07T09:00:00+09:00"));
  CHECK(last_due(monday_nine, tokyo, due - ackd::time::Seconds(1)) ==
        at("2026-11-23T09:00:00+09:00"));
  // Monday 02:00 in Tokyo is still Sunday in UTC: the day is Tokyo's.
  CHECK(last_due(ackd::report::Weekly{0, 8 * 60}, tokyo, at("2026-11-23T00:00:00Z")) ==
        at("2026-11-23T08:00:00+09:00"));
}

TEST_CASE("report schedule: the week before, midnight to midnight across a change of the clocks") {
  const auto tokyo = *Zone::load("Asia/Tokyo");
  const auto week = ackd::report::week_before(at("2026-11-23T09:00:00+09:00"), tokyo);
  CHECK(week.from == at("2026-11-16T00:00:00+09:00"));
  CHECK(week.to == at("2026-11-23T00:00:00+09:00"));

  // New York moves to summer time on Sunday 2026-03-08 at 02:00: that week has 167 hours,
  // and a mail due at 02:30 that Sunday goes when the clocks jump from 02:00 to 03:00.
  const auto new_york = *Zone::load("America/New_York");
  const auto spring = ackd::report::week_before(at("2026-03-09T09:00:00-04:00"), new_york);
  CHECK(spring.from == at("2026-03-02T00:00:00-05:00"));
  CHECK(spring.to == at("2026-03-09T00:00:00-04:00"));
  CHECK(spring.to - spring.from == ackd::time::Seconds(167 * 3600));
  CHECK(last_due(ackd::report::Weekly{6, 2 * 60 + 30}, new_york, at("2026-03-08T12:00:00-04:00")) ==
        at("2026-03-08T03:00:00-04:00"));
}

}  // namespace report_test
