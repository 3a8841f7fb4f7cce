#include "ackd/time/calendar.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <utility>

#include "ackd/text/ascii.hpp"
#include "digits.hpp"

namespace ackd::time {

namespace {

using text::trim;

// ~10 years of local days; past that the calendar is treated as never opening enough.
constexpr int kMaxDaysWalked = 3660;

constexpr int kMinutesPerDay = 24 * 60;

constexpr std::array<std::string_view, 7> kDayNames{"mon", "tue", "wed", "thu",
                                                    "fri", "sat", "sun"};

std::vector<std::string_view> split_commas(std::string_view text) {
  std::vector<std::string_view> parts;
  std::size_t begin = 0;
  while (true) {
    const std::size_t comma = text.find(',', begin);
    parts.push_back(
        trim(text.substr(begin, comma == std::string_view::npos ? comma : comma - begin)));
    if (comma == std::string_view::npos) return parts;
    begin = comma + 1;
  }
}

std::string quoted(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}

enum class ClockError { none, format, minutes, hours };

// "9:00" or "09:00" to minutes after midnight; "24:00" is allowed here and refused as a
// beginning by the caller's begin < end check.
ClockError parse_clock(std::string_view s, int& minutes) {
  const std::size_t colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 2 || s.size() != colon + 3) {
    return ClockError::format;
  }
  if (!std::all_of(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(colon), detail::is_digit) ||
      !detail::is_digit(s[colon + 1]) || !detail::is_digit(s[colon + 2])) {
    return ClockError::format;
  }
  int hour = 0;
  for (std::size_t i = 0; i < colon; ++i) hour = hour * 10 + (s[i] - '0');
  const int minute = (s[colon + 1] - '0') * 10 + (s[colon + 2] - '0');
  if (minute > 59) return ClockError::minutes;
  if (hour > 24 || (hour == 24 && minute > 0)) return ClockError::hours;
  minutes = hour * 60 + minute;
  return ClockError::none;
}

std::string clock_error_text(ClockError error, std::string_view clock, std::string_view span) {
  switch (error) {
    case ClockError::minutes:
      return quoted(clock) + " has minutes above 59";
    case ClockError::hours:
      return quoted(clock) + " is past 24:00";
    case ClockError::format:
    case ClockError::none:
      break;
  }
  return quoted(span) + " is not HH:MM-HH:MM";
}

std::optional<int> day_index(std::string_view name) {
  std::string lower(name);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  for (std::size_t i = 0; i < kDayNames.size(); ++i) {
    if (lower == kDayNames[i]) return static_cast<int>(i);
  }
  return std::nullopt;
}

bool equals_lower(std::string_view s, std::string_view lower) {
  return s.size() == lower.size() &&
         std::equal(s.begin(), s.end(), lower.begin(), [](char a, char b) {
           return (a >= 'A' && a <= 'Z' ? static_cast<char>(a - 'A' + 'a') : a) == b;
         });
}

// Sorted, valid, non-overlapping spans, touching ones merged, whatever the caller handed in.
std::vector<OpenSpan> normalized(std::vector<OpenSpan> spans) {
  std::erase_if(spans, [](const OpenSpan& s) {
    return s.begin_minute < 0 || s.end_minute > kMinutesPerDay || s.begin_minute >= s.end_minute;
  });
  std::sort(spans.begin(), spans.end(),
            [](const OpenSpan& a, const OpenSpan& b) { return a.begin_minute < b.begin_minute; });
  std::vector<OpenSpan> out;
  for (const OpenSpan& s : spans) {
    if (!out.empty() && s.begin_minute <= out.back().end_minute) {
      out.back().end_minute = std::max(out.back().end_minute, s.end_minute);
    } else {
      out.push_back(s);
    }
  }
  return out;
}

// absl::FromCivil maps a skipped local time to the transition and a repeated one to its
// earlier occurrence, and is monotonic, so consecutive spans never overlap in real time.
absl::Time local_minute(const absl::TimeZone& zone, absl::CivilDay day, int minute) {
  return absl::FromCivil(absl::CivilMinute(day) + minute, zone);
}

int weekday_index(absl::CivilDay day) {
  return static_cast<int>(absl::GetWeekday(day));
}

}  // namespace

std::optional<std::vector<OpenSpan>> parse_open_spans(std::string_view text, std::string& error) {
  if (trim(text).empty()) {
    error = "no opening hours given";
    return std::nullopt;
  }
  std::vector<std::pair<OpenSpan, std::string_view>> spans;
  for (const std::string_view piece : split_commas(text)) {
    if (piece.empty()) {
      error = quoted(text) + " has an empty span";
      return std::nullopt;
    }
    const std::size_t dash = piece.find('-');
    if (dash == std::string_view::npos) {
      error = quoted(piece) + " is not HH:MM-HH:MM";
      return std::nullopt;
    }
    const std::string_view begin_text = trim(piece.substr(0, dash));
    const std::string_view end_text = trim(piece.substr(dash + 1));
    OpenSpan span;
    if (const ClockError e = parse_clock(begin_text, span.begin_minute); e != ClockError::none) {
      error = clock_error_text(e, begin_text, piece);
      return std::nullopt;
    }
    if (const ClockError e = parse_clock(end_text, span.end_minute); e != ClockError::none) {
      error = clock_error_text(e, end_text, piece);
      return std::nullopt;
    }
    if (span.begin_minute >= span.end_minute) {
      error = quoted(piece) + " does not end after it begins";
      return std::nullopt;
    }
    spans.emplace_back(span, piece);
  }
  std::sort(spans.begin(), spans.end(), [](const auto& a, const auto& b) {
    return a.first.begin_minute < b.first.begin_minute;
  });
  std::vector<OpenSpan> out;
  for (std::size_t i = 0; i < spans.size(); ++i) {
    if (i > 0 && spans[i].first.begin_minute < spans[i - 1].first.end_minute) {
      error = quoted(spans[i - 1].second) + " overlaps " + quoted(spans[i].second);
      return std::nullopt;
    }
    out.push_back(spans[i].first);
  }
  return out;
}

std::optional<std::array<bool, 7>> parse_weekdays(std::string_view text, std::string& error) {
  if (trim(text).empty()) {
    error = "no days given";
    return std::nullopt;
  }
  std::array<bool, 7> days{};
  auto unknown = [&](std::string_view name) {
    error = quoted(name) + " is not a day (use mon, tue, wed, thu, fri, sat, sun or daily)";
  };
  for (const std::string_view piece : split_commas(text)) {
    if (piece.empty()) {
      error = quoted(text) + " has an empty day";
      return std::nullopt;
    }
    if (equals_lower(piece, "daily")) {
      days.fill(true);
      continue;
    }
    const std::size_t dash = piece.find('-');
    const std::string_view first_name = trim(piece.substr(0, dash));
    const auto first = day_index(first_name);
    if (!first) {
      unknown(first_name);
      return std::nullopt;
    }
    int last = *first;
    if (dash != std::string_view::npos) {
      const std::string_view last_name = trim(piece.substr(dash + 1));
      const auto parsed = day_index(last_name);
      if (!parsed) {
        unknown(last_name);
        return std::nullopt;
      }
      last = *parsed;
    }
    // Ranges may wrap past Sunday: "fri-mon" is Friday to Monday.
    for (int d = *first;; d = (d + 1) % 7) {
      days[d] = true;
      if (d == last) break;
    }
  }
  return days;
}

std::optional<absl::CivilDay> parse_civil_day(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  int fields[3] = {0, 0, 0};
  const std::size_t begins[3] = {0, 5, 8};
  const std::size_t widths[3] = {4, 2, 2};
  for (int f = 0; f < 3; ++f) {
    for (std::size_t i = begins[f]; i < begins[f] + widths[f]; ++i) {
      if (!detail::is_digit(text[i])) return std::nullopt;
      fields[f] = fields[f] * 10 + (text[i] - '0');
    }
  }
  const absl::CivilDay day(fields[0], fields[1], fields[2]);
  // absl normalises out-of-range fields (Feb 30 -> Mar 2); a changed field means invalid.
  if (day.year() != fields[0] || day.month() != fields[1] || day.day() != fields[2]) {
    return std::nullopt;
  }
  return day;
}

Calendar Calendar::always() {
  Calendar calendar;
  calendar.always_ = true;
  return calendar;
}

Calendar::Calendar(Zone zone, std::array<std::vector<OpenSpan>, 7> week,
                   std::set<absl::CivilDay> holidays)
    : zone_(std::move(zone)), holidays_(std::move(holidays)) {
  for (std::size_t i = 0; i < week.size(); ++i) week_[i] = normalized(std::move(week[i]));
}

bool Calendar::has_open_hours() const {
  return always_ ||
         std::any_of(week_.begin(), week_.end(), [](const auto& spans) { return !spans.empty(); });
}

bool Calendar::is_open(Instant t) const {
  if (always_) return true;
  const absl::TimeZone& zone = zone_.absl_zone();
  const absl::Time at = to_absl(t);
  const absl::CivilDay local_day = absl::ToCivilDay(at, zone);
  // A day's spans can reach past its own date in real time when the offset jumps, so the
  // neighbours are checked as well.
  for (absl::CivilDay day = local_day - 2; day <= local_day + 2; ++day) {
    if (holidays_.count(day) != 0) continue;
    for (const OpenSpan& span : week_[weekday_index(day)]) {
      if (local_minute(zone, day, span.begin_minute) <= at &&
          at < local_minute(zone, day, span.end_minute)) {
        return true;
      }
    }
  }
  return false;
}

namespace {

// The open time between `from` and `to`, which fall on the local dates `first` and `last`,
// from each local date's intervals.
template <class IntervalsOf>
Seconds open_time_of_days(absl::CivilDay first, absl::CivilDay last, Instant from, Instant to,
                          IntervalsOf&& intervals_of) {
  Seconds open_time{};
  // One day back: a span of the previous local date may still be running at `from`.
  for (absl::CivilDay day = first - 1; day <= last; ++day) {
    for (const Calendar::Interval& interval : intervals_of(day)) {
      const Instant open = std::max(interval.open, from);
      const Instant close = std::min(interval.close, to);
      if (open < close) open_time += close - open;
    }
  }
  return open_time;
}

}  // namespace

Seconds Calendar::open_time_between(Instant from, Instant to) const {
  if (to <= from) return Seconds::zero();
  if (always_) return to - from;
  const absl::TimeZone& zone = zone_.absl_zone();
  return open_time_of_days(absl::ToCivilDay(to_absl(from), zone),
                           absl::ToCivilDay(to_absl(to), zone), from, to,
                           [this](absl::CivilDay day) { return open_intervals(day); });
}

std::vector<Calendar::Interval> Calendar::open_intervals(absl::CivilDay day) const {
  std::vector<Interval> intervals;
  if (holidays_.count(day) != 0) return intervals;
  const absl::TimeZone& zone = zone_.absl_zone();
  for (const OpenSpan& span : week_[weekday_index(day)]) {
    intervals.push_back({to_instant(local_minute(zone, day, span.begin_minute)),
                         to_instant(local_minute(zone, day, span.end_minute))});
  }
  return intervals;
}

Seconds OpenTimeCache::between(Instant from, Instant to) {
  if (to <= from) return Seconds::zero();
  if (calendar_.is_always()) return to - from;
  return open_time_of_days(day_of(from), day_of(to), from, to,
                           [this](absl::CivilDay day) -> const std::vector<Calendar::Interval>& {
                             auto it = days_.find(day);
                             if (it == days_.end()) {
                               it = days_.emplace(day, calendar_.open_intervals(day)).first;
                             }
                             return it->second;
                           });
}

absl::CivilDay OpenTimeCache::day_of(Instant t) {
  for (const RecentDay& recent : recent_) {
    if (recent.begin <= t && t < recent.end) return recent.day;
  }
  const absl::TimeZone& zone = calendar_.zone().absl_zone();
  const absl::CivilDay day = absl::ToCivilDay(to_absl(t), zone);
  recent_[next_recent_] = {to_instant(absl::FromCivil(day, zone)),
                           to_instant(absl::FromCivil(day + 1, zone)), day};
  next_recent_ = (next_recent_ + 1) % recent_.size();
  return day;
}

std::optional<Instant> Calendar::add_open_time(Instant start, Seconds open_time) const {
  if (open_time < Seconds::zero()) return std::nullopt;
  if (open_time == Seconds::zero()) return start;
  if (always_) {
    std::int64_t end = 0;
    if (__builtin_add_overflow(start.time_since_epoch().count(), open_time.count(), &end)) {
      return std::nullopt;
    }
    return Instant{Seconds{end}};
  }
  if (!has_open_hours()) return std::nullopt;

  const absl::TimeZone& zone = zone_.absl_zone();
  const absl::Time from = to_absl(start);
  absl::Duration remaining = absl::Seconds(open_time.count());
  // One day back: a span of the previous local date may still be running at `start`.
  const absl::CivilDay first = absl::ToCivilDay(from, zone) - 1;
  for (int i = 0; i <= kMaxDaysWalked; ++i) {
    const absl::CivilDay day = first + i;
    if (holidays_.count(day) != 0) continue;
    for (const OpenSpan& span : week_[weekday_index(day)]) {
      const absl::Time close = local_minute(zone, day, span.end_minute);
      const absl::Time open = std::max(local_minute(zone, day, span.begin_minute), from);
      if (open >= close) continue;
      const absl::Duration available = close - open;
      if (remaining <= available) {
        // Past Instant::max() is no instant: to_instant would saturate to it.
        const absl::Time end = open + remaining;
        if (end > to_absl(Instant::max())) return std::nullopt;
        return to_instant(end);
      }
      remaining -= available;
    }
  }
  return std::nullopt;
}

}  // namespace ackd::time
