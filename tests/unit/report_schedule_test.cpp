#include <doctest/doctest.h>

#include <string>

#include "ackd/report/schedule.hpp"
#include "ackd/time/instant.hpp"

namespace report_schedule_test {

using ackd::report::Weekly;
using ackd::time::Instant;
using ackd::time::Zone;

namespace {

Instant at(const char* rfc3339) {
  auto t = ackd::time::parse_rfc3339(rfc3339);
  REQUIRE(t);
  return *t;
}

}  // namespace

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
  const Weekly monday_nine{0, 9 * 60};
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
  CHECK(last_due(Weekly{0, 8 * 60}, tokyo, at("2026-11-23T00:00:00Z")) ==
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
  CHECK(last_due(Weekly{6, 2 * 60 + 30}, new_york, at("2026-03-08T12:00:00-04:00")) ==
        at("2026-03-08T03:00:00-04:00"));
}

}  // namespace report_schedule_test
