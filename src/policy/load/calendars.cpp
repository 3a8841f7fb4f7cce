// calendars: business hours and holidays, in a time zone.
#include <algorithm>
#include <array>
#include <set>

#include "loader.hpp"

namespace ackd::policy {

const std::vector<std::string> kCalendarKeys = {"timezone", "hours", "holidays"};
namespace {

// A `timezone` value: an IANA name, else reported.
std::optional<time::Zone> read_zone(const YAML::Node& node, yaml::Reader& r) {
  auto name = r.string(node, "timezone");
  if (!name) return std::nullopt;
  auto zone = time::Zone::load(*name);
  if (!zone) r.error(node, "unknown time zone '" + *name + "' (use an IANA name like Asia/Tokyo)");
  return zone;
}

}  // namespace

void Loader::compile_calendars() {
  static const std::vector<std::string> kDays = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
  for (const auto& e : named_["calendars"]) {
    yaml::Reader& r = *e.reader;
    const std::string what = "calendar '" + e.name + "'";
    if (e.name == "always") {
      r.error(e.key, "'always' is built in (open 24/7) and cannot be redefined");
      continue;
    }
    if (!r.is_map(e.value, what)) continue;
    r.check_keys(e.value, kCalendarKeys, what);
    std::optional<time::Zone> zone;
    if (auto tz = e.value["timezone"]) {
      zone = read_zone(tz, r);
    } else {
      r.error(e.key, what + " needs a timezone", yaml::Code::missing);
    }
    std::array<std::vector<time::OpenSpan>, 7> week;
    bool ok = true;
    if (auto hours = e.value["hours"]; hours && r.is_map(hours, "hours")) {
      for (const auto& item : hours) {
        std::string error;
        auto days = time::parse_weekdays(item.first.Scalar(), error);
        if (!days) {
          r.error(item.first, error);
          ok = false;
          continue;
        }
        auto spec = r.strings(item.second, "hours");
        if (!spec) {
          ok = false;
          continue;
        }
        for (const auto& s : *spec) {
          auto spans = time::parse_open_spans(s, error);
          if (!spans) {
            r.error(item.second, error);
            ok = false;
            continue;
          }
          for (int d = 0; d < 7; ++d) {
            if ((*days)[static_cast<std::size_t>(d)]) {
              auto& day = week[static_cast<std::size_t>(d)];
              day.insert(day.end(), spans->begin(), spans->end());
            }
          }
        }
      }
      for (std::size_t d = 0; d < 7 && ok; ++d) {
        auto& day = week[d];
        std::sort(day.begin(), day.end(),
                  [](const auto& a, const auto& b) { return a.begin_minute < b.begin_minute; });
        for (std::size_t i = 1; i < day.size(); ++i) {
          if (day[i].begin_minute < day[i - 1].end_minute) {
            r.error(hours, what + " has overlapping hours on " + kDays[d]);
            ok = false;
            break;
          }
        }
      }
    } else if (!e.value["hours"]) {
      r.error(e.key, what + " needs hours, e.g. hours: {mon-fri: \"09:00-18:00\"}",
              yaml::Code::missing);
      ok = false;
    }
    std::set<absl::CivilDay> holidays;
    if (auto h = e.value["holidays"]) {
      if (auto days = r.strings(h, "holidays")) {
        std::size_t i = 0;
        for (const auto& d : *days) {
          auto day = time::parse_civil_day(d);
          if (!day) {
            r.error(h.IsSequence() ? h[i] : h, "holiday '" + d + "' is not a date like 2026-12-31");
          } else {
            holidays.insert(*day);
          }
          ++i;
        }
      }
    }
    if (!zone || !ok) continue;
    time::Calendar calendar(*zone, week, holidays);
    if (!calendar.has_open_hours()) r.error(e.key, what + " is never open");
    policy_->calendars.push_back({e.name, calendar, r.at(e.key)});
  }
}

void Loader::compile_timezone() {
  Policy& p = *policy_;
  if (!timezone_) {
    // [0] is the built-in "always" (UTC); [1] the first the policy defines.
    if (p.calendars.size() > 1) p.timezone = p.calendars[1].calendar.zone();
    return;
  }
  if (auto zone = read_zone(timezone_->value, *timezone_->reader)) p.timezone = *zone;
}

}  // namespace ackd::policy
