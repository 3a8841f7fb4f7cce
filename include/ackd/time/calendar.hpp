#pragma once

#include <array>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/civil_time.h"
#include "ackd/time/instant.hpp"
#include "ackd/time/zone.hpp"

namespace ackd::time {

// Opening hours within one local day, in minutes after midnight: [begin, end), end <= 1440.
struct OpenSpan {
  int begin_minute = 0;
  int end_minute = 0;
  friend bool operator==(const OpenSpan&, const OpenSpan&) = default;
};

// Parses "09:00-18:00" or "09:00-12:00, 13:00-18:00" ("24:00" allowed as an end).
// On failure returns nullopt and sets `error` to a sentence naming the problem.
std::optional<std::vector<OpenSpan>> parse_open_spans(std::string_view text, std::string& error);

// Parses a day selector: "mon", "mon-fri", "sat,sun", "mon-wed, fri", "daily".
// Index 0 is Monday. On failure returns nullopt and sets `error`.
std::optional<std::array<bool, 7>> parse_weekdays(std::string_view text, std::string& error);

// Parses "2026-12-31".
std::optional<absl::CivilDay> parse_civil_day(std::string_view text);

// Business hours in a time zone. Open time is counted in real elapsed seconds between
// the absolute instants of each day's opening and closing, so DST days are as long as
// they really are; an opening time that falls in a DST gap opens at the transition.
class Calendar {
 public:
  // Open every second of every day.
  static Calendar always();
  Calendar(Zone zone, std::array<std::vector<OpenSpan>, 7> week, std::set<absl::CivilDay> holidays);

  const Zone& zone() const { return zone_; }
  bool is_always() const { return always_; }
  // True when at least one weekday has opening hours.
  bool has_open_hours() const;

  bool is_open(Instant t) const;

  // The instant at which `open_time` of open hours have passed since `start`: 4h of
  // Mon-Fri 09:00-18:00 from Friday 17:30 ends Monday 12:30. Nullopt when the calendar
  // does not open enough within the next ~10 years (e.g. no hours at all).
  std::optional<Instant> add_open_time(Instant start, Seconds open_time) const;

  // The open time between `from` and `to` (zero when `to` is not after `from`): the
  // inverse of add_open_time, for how long a team took in its own hours.
  Seconds open_time_between(Instant from, Instant to) const;

  // The open intervals of one local date, in time order (none on a holiday): what the
  // sums above add up, day by day.
  struct Interval {
    Instant open, close;
  };
  std::vector<Interval> open_intervals(absl::CivilDay day) const;

 private:
  Calendar() = default;
  bool always_ = false;
  Zone zone_ = Zone::utc();
  std::array<std::vector<OpenSpan>, 7> week_{};
  std::set<absl::CivilDay> holidays_;
};

// open_time_between for many pairs on one calendar (the cases of a report): each local
// date's intervals are worked out once. Not thread-safe; the calendar must outlive it.
class OpenTimeCache {
 public:
  explicit OpenTimeCache(const Calendar& calendar) : calendar_(calendar) {}
  Seconds between(Instant from, Instant to);

 private:
  // The local dates of the last few instants looked up, and where each begins and ends:
  // cases come in time order, so most lookups fall on a date looked up just before.
  struct RecentDay {
    Instant begin = Instant::max(), end = Instant::min();
    absl::CivilDay day;
  };
  absl::CivilDay day_of(Instant t);

  const Calendar& calendar_;
  std::map<absl::CivilDay, std::vector<Calendar::Interval>> days_;
  std::array<RecentDay, 4> recent_{};
  std::size_t next_recent_ = 0;
};

}  // namespace ackd::time
