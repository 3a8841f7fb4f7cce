#include <doctest/doctest.h>

#include <array>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/civil_time.h"
#include "ackd/time/calendar.hpp"
#include "ackd/time/instant.hpp"
#include "ackd/time/zone.hpp"

namespace time_calendar_test {

using ackd::time::Calendar;
using ackd::time::Instant;
using ackd::time::OpenSpan;
using ackd::time::parse_civil_day;
using ackd::time::parse_open_spans;
using ackd::time::parse_rfc3339;
using ackd::time::parse_weekdays;
using ackd::time::Seconds;
using ackd::time::Zone;

namespace {

using Week = std::array<std::vector<OpenSpan>, 7>;

constexpr int kMon = 0, kSun = 6;

Instant at(std::string_view rfc3339) {
  const auto t = parse_rfc3339(rfc3339);
  REQUIRE_MESSAGE(t.has_value(), rfc3339);
  return *t;
}

Zone zone(std::string_view name) {
  const auto z = Zone::load(name);
  REQUIRE_MESSAGE(z.has_value(), name);
  return *z;
}

std::vector<OpenSpan> spans(std::string_view text) {
  std::string error;
  const auto parsed = parse_open_spans(text, error);
  REQUIRE_MESSAGE(parsed.has_value(), error);
  return *parsed;
}

Week week_of(std::string_view days, std::string_view hours) {
  std::string error;
  const auto selected = parse_weekdays(days, error);
  REQUIRE_MESSAGE(selected.has_value(), error);
  Week week;
  for (int d = 0; d < 7; ++d) {
    if ((*selected)[d]) week[d] = spans(hours);
  }
  return week;
}

// The result written in the calendar's zone, so expectations read as local times.
std::string add(const Calendar& calendar, std::string_view start, std::string_view duration) {
  const auto d = ackd::time::parse_duration(duration);
  REQUIRE(d.has_value());
  const auto end = calendar.add_open_time(at(start), *d);
  if (!end) return "never";
  return calendar.zone().format_rfc3339(*end);
}

Calendar tokyo_office(std::set<absl::CivilDay> holidays = {}) {
  return Calendar(zone("Asia/Tokyo"), week_of("mon-fri", "09:00-18:00"), std::move(holidays));
}

}  // namespace

TEST_CASE("time: parse_open_spans reads one or more spans") {
  CHECK(spans("09:00-18:00") == std::vector<OpenSpan>{{540, 1080}});
  CHECK(spans("09:00-12:00, 13:00-18:00") == std::vector<OpenSpan>{{540, 720}, {780, 1080}});
  CHECK(spans("13:00-18:00,09:00-12:00") == std::vector<OpenSpan>{{540, 720}, {780, 1080}});
  CHECK(spans("00:00-24:00") == std::vector<OpenSpan>{{0, 1440}});
  CHECK(spans("9:30-17:45") == std::vector<OpenSpan>{{570, 1065}});
  CHECK(spans(" 09:00 - 12:00 ,12:00-13:00") == std::vector<OpenSpan>{{540, 720}, {720, 780}});
}

TEST_CASE("time: parse_open_spans explains what is wrong") {
  auto error_for = [](std::string_view text) {
    std::string error;
    CHECK_FALSE(parse_open_spans(text, error).has_value());
    return error;
  };
  CHECK(error_for("9-18") == R"("9-18" is not HH:MM-HH:MM)");
  CHECK(error_for("09:00") == R"("09:00" is not HH:MM-HH:MM)");
  CHECK(error_for("09:00-18") == R"("09:00-18" is not HH:MM-HH:MM)");
  CHECK(error_for("09:00-18:00:00") == R"("09:00-18:00:00" is not HH:MM-HH:MM)");
  CHECK(error_for("009:00-18:00") == R"("009:00-18:00" is not HH:MM-HH:MM)");
  CHECK(error_for("09:00-1a:00") == R"("09:00-1a:00" is not HH:MM-HH:MM)");
  CHECK(error_for("09:60-18:00") == R"("09:60" has minutes above 59)");
  CHECK(error_for("09:00-25:00") == R"("25:00" is past 24:00)");
  CHECK(error_for("09:00-24:30") == R"("24:30" is past 24:00)");
  CHECK(error_for("18:00-09:00") == R"("18:00-09:00" does not end after it begins)");
  CHECK(error_for("09:00-09:00") == R"("09:00-09:00" does not end after it begins)");
  CHECK(error_for("24:00-24:00") == R"("24:00-24:00" does not end after it begins)");
  CHECK(error_for("09:00-13:00, 12:00-18:00") == R"("09:00-13:00" overlaps "12:00-18:00")");
  CHECK(error_for("12:00-18:00, 09:00-13:00") == R"("09:00-13:00" overlaps "12:00-18:00")");
  CHECK(error_for("09:00-12:00,") == R"("09:00-12:00," has an empty span)");
  CHECK(error_for("") == "no opening hours given");
  CHECK(error_for("   ") == "no opening hours given");
}

TEST_CASE("time: parse_weekdays reads days, ranges, lists and daily") {
  using Days = std::array<bool, 7>;
  auto days = [](std::string_view text) {
    std::string error;
    const auto parsed = parse_weekdays(text, error);
    REQUIRE_MESSAGE(parsed.has_value(), error);
    return *parsed;
  };
  CHECK(days("mon") == Days{true, false, false, false, false, false, false});
  CHECK(days("mon-fri") == Days{true, true, true, true, true, false, false});
  CHECK(days("sat,sun") == Days{false, false, false, false, false, true, true});
  CHECK(days("mon-wed, fri") == Days{true, true, true, false, true, false, false});
  CHECK(days("daily") == Days{true, true, true, true, true, true, true});
  CHECK(days("fri-mon") == Days{true, false, false, false, true, true, true});
  CHECK(days("sun-sun") == Days{false, false, false, false, false, false, true});
  CHECK(days("Mon - Fri") == Days{true, true, true, true, true, false, false});

  auto error_for = [](std::string_view text) {
    std::string error;
    CHECK_FALSE(parse_weekdays(text, error).has_value());
    return error;
  };
  CHECK(error_for("monday") ==
        R"("monday" is not a day (use mon, tue, wed, thu, fri, sat, sun or daily))");
  CHECK(error_for("mon-fry") ==
        R"("fry" is not a day (use mon, tue, wed, thu, fri, sat, sun or daily))");
  CHECK(error_for("mon-") == R"("" is not a day (use mon, tue, wed, thu, fri, sat, sun or daily))");
  CHECK(error_for("mon,,fri") == R"("mon,,fri" has an empty day)");
  CHECK(error_for("") == "no days given");
}

TEST_CASE("time: parse_civil_day reads real dates only") {
  CHECK(parse_civil_day("2026-12-31") == absl::CivilDay(2026, 12, 31));
  CHECK(parse_civil_day("2028-02-29") == absl::CivilDay(2028, 2, 29));
  CHECK(parse_civil_day("2000-02-29") == absl::CivilDay(2000, 2, 29));
  for (const std::string bad :
       {"2026-02-30", "2026-02-29", "1900-02-29", "2026-04-31", "2026-13-01", "2026-00-01",
        "2026-01-00", "2026-1-01", "2026/01/01", "2026-01-01 ", "20260101", "", "2026-01-0a"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_civil_day(bad).has_value());
  }
}

TEST_CASE("time: add_open_time runs over the weekend as the contract says") {
  // 2026-11-27 is a Friday.
  const Calendar office = tokyo_office();
  CHECK(add(office, "2026-11-27T17:30:00+09:00", "4h") == "2026-11-30T12:30:00+09:00");
}

TEST_CASE("time: add_open_time from before opening, on a weekend and at closing") {
  const Calendar office = tokyo_office();
  CHECK(add(office, "2026-11-24T07:00:00+09:00", "1h") == "2026-11-24T10:00:00+09:00");
  CHECK(add(office, "2026-11-28T10:00:00+09:00", "2h") == "2026-11-30T11:00:00+09:00");
  CHECK(add(office, "2026-11-29T23:59:59+09:00", "30m") == "2026-11-30T09:30:00+09:00");
  // Using the last open second ends at closing, not at the next opening.
  CHECK(add(office, "2026-11-30T09:00:00+09:00", "9h") == "2026-11-30T18:00:00+09:00");
  CHECK(add(office, "2026-11-30T09:00:00+09:00", "9h1s") == "2026-12-01T09:00:01+09:00");
  CHECK(add(office, "2026-11-30T18:00:00+09:00", "1h") == "2026-12-01T10:00:00+09:00");
  // A week of office hours is five days.
  CHECK(add(office, "2026-11-30T09:00:00+09:00", "45h") == "2026-12-04T18:00:00+09:00");
  // The start may be given in any offset.
  CHECK(add(office, "2026-11-27T08:30:00Z", "4h") == "2026-11-30T12:30:00+09:00");
}

TEST_CASE("time: add_open_time with zero or negative durations") {
  const Calendar office = tokyo_office();
  const Instant saturday = at("2026-11-28T10:00:00+09:00");
  CHECK(office.add_open_time(saturday, Seconds{0}) == saturday);
  CHECK_FALSE(office.add_open_time(saturday, Seconds{-1}).has_value());
  CHECK(Calendar::always().add_open_time(saturday, Seconds{0}) == saturday);
}

TEST_CASE("time: add_open_time skips holidays around New Year") {
  const Calendar office = tokyo_office({absl::CivilDay(2026, 12, 31), absl::CivilDay(2027, 1, 1)});
  // Wednesday 30th, then Thursday and Friday are holidays, then the weekend.
  CHECK(add(office, "2026-12-30T17:00:00+09:00", "2h") == "2027-01-04T10:00:00+09:00");
  CHECK(add(office, "2026-12-31T10:00:00+09:00", "1h") == "2027-01-04T10:00:00+09:00");
  // Without the holidays the same request ends on the 31st.
  CHECK(add(tokyo_office(), "2026-12-30T17:00:00+09:00", "2h") == "2026-12-31T10:00:00+09:00");
}

TEST_CASE("time: add_open_time across a lunch break") {
  const Calendar office(zone("Asia/Tokyo"), week_of("mon-fri", "09:00-12:00, 13:00-18:00"), {});
  CHECK(add(office, "2026-11-30T11:00:00+09:00", "2h") == "2026-11-30T14:00:00+09:00");
  CHECK(add(office, "2026-11-30T12:15:00+09:00", "1h") == "2026-11-30T14:00:00+09:00");
  CHECK(add(office, "2026-11-30T09:00:00+09:00", "3h") == "2026-11-30T12:00:00+09:00");
  CHECK(add(office, "2026-11-30T09:00:00+09:00", "8h") == "2026-11-30T18:00:00+09:00");
  CHECK(add(office, "2026-11-30T09:00:00+09:00", "8h1m") == "2026-12-01T09:01:00+09:00");
}

TEST_CASE("time: add_open_time counts real hours on New York DST days") {
  // Open all of each Sunday only: 2026-03-08 springs forward, 2026-11-01 falls back.
  Week sundays;
  sundays[kSun] = spans("00:00-24:00");
  const Calendar calendar(zone("America/New_York"), sundays, {});

  // The spring-forward Sunday has 23 real hours.
  CHECK(add(calendar, "2026-03-08T00:00:00-05:00", "23h") == "2026-03-09T00:00:00-04:00");
  CHECK(add(calendar, "2026-03-08T00:00:00-05:00", "23h1s") == "2026-03-15T00:00:01-04:00");
  CHECK(add(calendar, "2026-03-08T01:30:00-05:00", "1h") == "2026-03-08T03:30:00-04:00");

  // The fall-back Sunday has 25.
  CHECK(add(calendar, "2026-11-01T00:00:00-04:00", "25h") == "2026-11-02T00:00:00-05:00");
  CHECK(add(calendar, "2026-11-01T00:00:00-04:00", "25h1s") == "2026-11-08T00:00:01-05:00");
  CHECK(add(calendar, "2026-11-01T01:30:00-04:00", "1h") == "2026-11-01T01:30:00-05:00");

  // Hours every day: the spring-forward week has 167 hours.
  const Calendar daily(zone("America/New_York"), week_of("daily", "00:00-24:00"), {});
  CHECK(add(daily, "2026-03-02T00:00:00-05:00", "167h") == "2026-03-09T00:00:00-04:00");
  CHECK(add(daily, "2026-03-07T23:00:00-05:00", "2h") == "2026-03-08T01:00:00-05:00");
}

TEST_CASE("time: an opening time inside the DST gap opens at the transition") {
  // 02:30 does not exist on 2026-03-08 in New York: clocks go from 02:00 EST to 03:00 EDT.
  Week sundays;
  sundays[kSun] = spans("02:30-05:00");
  const Calendar calendar(zone("America/New_York"), sundays, {});
  CHECK(add(calendar, "2026-03-07T12:00:00-05:00", "1h") == "2026-03-08T04:00:00-04:00");
  // Only two real hours that day (03:00 to 05:00 EDT).
  CHECK(add(calendar, "2026-03-07T12:00:00-05:00", "2h") == "2026-03-08T05:00:00-04:00");
  CHECK(add(calendar, "2026-03-07T12:00:00-05:00", "2h1s") == "2026-03-15T02:30:01-04:00");
  CHECK_FALSE(calendar.is_open(at("2026-03-08T06:59:59Z")));
  CHECK(calendar.is_open(at("2026-03-08T07:00:00Z")));
  CHECK(calendar.is_open(at("2026-03-08T08:59:59Z")));
  CHECK_FALSE(calendar.is_open(at("2026-03-08T09:00:00Z")));

  // A span entirely inside the gap has no open time that day.
  Week gap_only;
  gap_only[kSun] = spans("02:10-02:50");
  const Calendar empty_day(zone("America/New_York"), gap_only, {});
  CHECK(add(empty_day, "2026-03-07T12:00:00-05:00", "10m") == "2026-03-15T02:20:00-04:00");

  // On the fall-back day 01:00-02:00 spans the repeated hour: two real hours.
  Week repeated;
  repeated[kSun] = spans("01:00-02:00");
  const Calendar fall(zone("America/New_York"), repeated, {});
  CHECK(add(fall, "2026-10-31T12:00:00-04:00", "2h") == "2026-11-01T02:00:00-05:00");
  CHECK(fall.is_open(at("2026-11-01T01:30:00-05:00")));
}

TEST_CASE("time: add_open_time in Europe/London across the clock change") {
  const Calendar office(zone("Europe/London"), week_of("mon-fri", "09:00-17:30"), {});
  // British Summer Time starts on Sunday 2026-03-29.
  CHECK(add(office, "2026-03-27T16:30:00Z", "2h") == "2026-03-30T10:00:00+01:00");
  CHECK(add(office, "2026-03-30T08:00:00Z", "1h") == "2026-03-30T10:00:00+01:00");
  // And ends on Sunday 2026-10-25.
  CHECK(add(office, "2026-10-23T16:00:00+01:00", "2h") == "2026-10-26T09:30:00+00:00");

  const Calendar daily(zone("Europe/London"), week_of("daily", "00:00-24:00"), {});
  CHECK(add(daily, "2026-03-29T00:00:00Z", "23h") == "2026-03-30T00:00:00+01:00");
  CHECK(add(daily, "2026-10-25T00:00:00+01:00", "25h") == "2026-10-26T00:00:00+00:00");
}

TEST_CASE("time: is_open at the edges of spans, weekends and holidays") {
  const Calendar office = tokyo_office({absl::CivilDay(2026, 12, 31)});
  CHECK_FALSE(office.is_open(at("2026-11-30T08:59:59+09:00")));
  CHECK(office.is_open(at("2026-11-30T09:00:00+09:00")));
  CHECK(office.is_open(at("2026-11-30T17:59:59+09:00")));
  CHECK_FALSE(office.is_open(at("2026-11-30T18:00:00+09:00")));
  CHECK_FALSE(office.is_open(at("2026-11-28T12:00:00+09:00")));  // Saturday
  CHECK_FALSE(office.is_open(at("2026-12-31T12:00:00+09:00")));  // holiday
  CHECK(office.is_open(at("2026-12-30T12:00:00+09:00")));
  // The zone decides, not UTC: 00:30Z is 09:30 in Tokyo.
  CHECK(office.is_open(at("2026-11-30T00:30:00Z")));

  const Calendar lunch(zone("Asia/Tokyo"), week_of("mon", "09:00-12:00, 13:00-18:00"), {});
  CHECK(lunch.is_open(at("2026-11-30T11:59:59+09:00")));
  CHECK_FALSE(lunch.is_open(at("2026-11-30T12:00:00+09:00")));
  CHECK_FALSE(lunch.is_open(at("2026-11-30T12:59:59+09:00")));
  CHECK(lunch.is_open(at("2026-11-30T13:00:00+09:00")));

  const Calendar night(zone("Asia/Tokyo"), week_of("daily", "22:00-24:00, 00:00-06:00"), {});
  CHECK(night.is_open(at("2026-11-30T23:59:59+09:00")));
  CHECK(night.is_open(at("2026-12-01T00:00:00+09:00")));
  CHECK_FALSE(night.is_open(at("2026-12-01T06:00:00+09:00")));
  CHECK(add(night, "2026-11-30T23:00:00+09:00", "2h") == "2026-12-01T01:00:00+09:00");

  CHECK(Calendar::always().is_open(at("2026-11-28T12:00:00Z")));
}

TEST_CASE("time: a calendar that never opens enough gives up quickly") {
  const Calendar closed(zone("Asia/Tokyo"), Week{}, {});
  CHECK_FALSE(closed.has_open_hours());
  // Gives up after ~10 years of days (how fast: bench/'s BM_CalendarNeverOpen).
  CHECK_FALSE(closed.add_open_time(at("2026-11-30T09:00:00+09:00"), Seconds{60}).has_value());
  CHECK_FALSE(closed.is_open(at("2026-11-30T09:00:00+09:00")));

  // One minute a week is about 523 minutes in ten years.
  Week sparse;
  sparse[kMon] = spans("09:00-09:01");
  const Calendar rare(zone("Asia/Tokyo"), sparse, {});
  CHECK(rare.has_open_hours());
  CHECK(add(rare, "2026-11-30T09:00:00+09:00", "500m") != "never");
  CHECK(add(rare, "2026-11-30T09:00:00+09:00", "600m") == "never");
  CHECK_FALSE(rare.add_open_time(at("2026-11-30T09:00:00+09:00"), Seconds::max()).has_value());
}

TEST_CASE("time: the always calendar adds plain elapsed time") {
  const Calendar always = Calendar::always();
  CHECK(always.is_always());
  CHECK(always.has_open_hours());
  CHECK(always.zone().name() == "UTC");
  CHECK(always.add_open_time(at("2026-11-28T10:00:00Z"), Seconds{5400}) ==
        at("2026-11-28T11:30:00Z"));
  CHECK_FALSE(always.add_open_time(Instant::max(), Seconds{1}).has_value());
}

TEST_CASE("time: Calendar tidies spans it is handed directly") {
  // Overlapping and unsorted spans are merged, so no hour is counted twice.
  Week week;
  week[kMon] = {{13 * 60, 18 * 60}, {9 * 60, 14 * 60}, {20 * 60, 19 * 60}, {0, 2000}};
  const Calendar calendar(zone("Asia/Tokyo"), week, {});
  CHECK(add(calendar, "2026-11-30T09:00:00+09:00", "9h") == "2026-11-30T18:00:00+09:00");
  CHECK(add(calendar, "2026-11-30T09:00:00+09:00", "10h") == "2026-12-07T10:00:00+09:00");
}

TEST_CASE("time: the calendar answers at the ends of the Instant range") {
  const Instant lowest = Instant::min();   // -292277022657-01-27T08:29:52Z
  const Instant highest = Instant::max();  // 292277026596-12-04T15:30:07Z
  const Seconds hour{3600};

  // Open all day every day: open time is elapsed time, up to the last representable second.
  const Calendar all_day(zone("Asia/Tokyo"), week_of("daily", "00:00-24:00"), {});
  CHECK(all_day.is_open(lowest));
  CHECK(all_day.is_open(highest));
  CHECK(all_day.add_open_time(lowest, hour) == lowest + hour);
  CHECK(all_day.add_open_time(highest - hour, hour) == highest);
  CHECK_FALSE(all_day.add_open_time(highest - hour, hour + Seconds{1}).has_value());
  CHECK_FALSE(all_day.add_open_time(highest, Seconds{1}).has_value());

  // Instant::max() is a Monday, 00:30 in Tokyo (UTC+9 since 1951): the office is closed,
  // and from the Sunday before, the next opening (Monday 09:00) is past the end of time.
  const Calendar office = tokyo_office();
  CHECK_FALSE(office.is_open(highest));
  CHECK_FALSE(office.add_open_time(highest, hour).has_value());
  CHECK_FALSE(office.add_open_time(highest - Seconds{86400}, hour).has_value());

  const Calendar closed(zone("Asia/Tokyo"), Week{}, {});
  CHECK_FALSE(closed.is_open(lowest));
  CHECK_FALSE(closed.is_open(highest));
  CHECK_FALSE(closed.add_open_time(lowest, hour).has_value());
}

TEST_CASE("time: open time between two instants counts only the calendar's open hours") {
  const auto cal = tokyo_office({*parse_civil_day("2026-11-23")});  // a Monday holiday
  auto between = [&](std::string_view a, std::string_view b) {
    return ackd::time::format_duration(cal.open_time_between(at(a), at(b)));
  };
  CHECK(between("2026-11-24T10:00:00+09:00", "2026-11-24T12:30:00+09:00") == "2h30m");
  // Friday 17:30 to Monday 12:30 across a weekend: 30 minutes on Friday, 3h30m on Monday.
  CHECK(between("2026-11-27T17:30:00+09:00", "2026-11-30T12:30:00+09:00") == "4h");
  // Friday evening to Tuesday morning across the weekend and the Monday holiday.
  CHECK(between("2026-11-20T19:00:00+09:00", "2026-11-24T10:00:00+09:00") == "1h");
  // Closed the whole time, backwards and empty.
  CHECK(between("2026-11-28T10:00:00+09:00", "2026-11-29T20:00:00+09:00") == "0s");
  CHECK(between("2026-11-24T12:00:00+09:00", "2026-11-24T10:00:00+09:00") == "0s");
  CHECK(Calendar::always().open_time_between(at("2026-11-28T10:00:00Z"),
                                             at("2026-11-29T10:00:30Z")) == Seconds(86430));
  // The inverse of add_open_time.
  const auto start = at("2026-11-27T17:30:00+09:00");
  for (auto d : {"30m", "4h", "9h", "3d"}) {
    const auto span = *ackd::time::parse_duration(d);
    CHECK(cal.open_time_between(start, *cal.add_open_time(start, span)) == span);
  }
}

TEST_CASE("time: the cached open time agrees with the calendar's, across DST and holidays") {
  // New York's office, open across the night of the DST changes too, with a holiday.
  const Calendar nights(zone("America/New_York"), week_of("daily", "00:30-03:30, 09:00-18:00"),
                        {*parse_civil_day("2026-11-26")});
  const auto tokyo = tokyo_office({*parse_civil_day("2026-11-23")});
  std::mt19937_64 rng(7);
  const auto first = at("2026-03-01T00:00:00Z");
  std::uniform_int_distribution<long> within_a_year(0, 365L * 86400), up_to_ten_days(0, 864000);
  for (const Calendar* calendar : {&nights, &tokyo}) {
    ackd::time::OpenTimeCache cache(*calendar);
    for (int i = 0; i < 2000; ++i) {
      const auto from = first + Seconds(within_a_year(rng));
      const auto to = from + Seconds(up_to_ten_days(rng)) - Seconds(i % 7 == 0 ? 864000 : 0);
      REQUIRE(cache.between(from, to) == calendar->open_time_between(from, to));
    }
  }
  // The day the clocks go back is 25 hours long: the night span holds an extra hour.
  ackd::time::OpenTimeCache cache(nights);
  CHECK(cache.between(at("2026-11-01T00:00:00-04:00"), at("2026-11-01T08:00:00-05:00")) ==
        Seconds(4 * 3600));
}

}  // namespace time_calendar_test
