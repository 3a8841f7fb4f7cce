#include "ackd/report/schedule.hpp"

#include <array>
#include <string>

#include "absl/time/civil_time.h"
#include "ackd/text/ascii.hpp"

namespace ackd::report {
namespace {

int weekday_index(absl::CivilDay day) {
  // absl::Weekday counts from Monday, as ISO 8601 does.
  return static_cast<int>(absl::GetWeekday(day));
}

time::Instant at_minute(absl::CivilDay day, int minute_of_day, const time::Zone& zone) {
  const absl::CivilMinute minute(day.year(), day.month(), day.day(), minute_of_day / 60,
                                 minute_of_day % 60);
  return time::to_instant(absl::FromCivil(minute, zone.absl_zone()));
}

absl::CivilDay last_due_day(const Weekly& when, const time::Zone& zone, time::Instant now) {
  const auto today = absl::ToCivilDay(time::to_absl(now), zone.absl_zone());
  auto day = today - (weekday_index(today) - when.weekday + 7) % 7;
  if (at_minute(day, when.minute_of_day, zone) > now) day -= 7;
  return day;
}

}  // namespace

std::optional<int> weekday_from_string(std::string_view name) {
  static constexpr std::array<std::string_view, 7> kNames = {
      "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"};
  const auto lower = text::ascii_lower(name);
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (lower == kNames[i] || lower == kNames[i].substr(0, 3)) return static_cast<int>(i);
  }
  return std::nullopt;
}

std::optional<int> minute_of_day_from_string(std::string_view hh_mm) {
  const auto colon = hh_mm.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 2 || hh_mm.size() != colon + 3) {
    return std::nullopt;
  }
  // Digits only: "-1:00" is no time.
  auto number = [](std::string_view digits) -> std::optional<int> {
    if (digits.empty() || digits.front() < '0' || digits.front() > '9') return std::nullopt;
    return text::whole_number<int>(digits);
  };
  const auto hours = number(hh_mm.substr(0, colon));
  const auto minutes = number(hh_mm.substr(colon + 1));
  if (!hours || !minutes || *hours > 23 || *minutes > 59) return std::nullopt;
  return *hours * 60 + *minutes;
}

time::Instant last_due(const Weekly& when, const time::Zone& zone, time::Instant now) {
  return at_minute(last_due_day(when, zone, now), when.minute_of_day, zone);
}

time::Instant next_due(const Weekly& when, const time::Zone& zone, time::Instant now) {
  return at_minute(last_due_day(when, zone, now) + 7, when.minute_of_day, zone);
}

Period week_before(time::Instant due, const time::Zone& zone) {
  const auto day = absl::ToCivilDay(time::to_absl(due), zone.absl_zone());
  const auto& tz = zone.absl_zone();
  return {time::to_instant(absl::FromCivil(day - 7, tz)),
          time::to_instant(absl::FromCivil(day, tz))};
}

}  // namespace ackd::report
