#include "ackd/time/instant.hpp"

#include <array>
#include <cstdint>
#include <cstdio>
#include <limits>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "digits.hpp"

namespace ackd::time {

namespace {

struct Unit {
  char letter;
  std::int64_t seconds;
};

// Largest first: format_duration relies on this order, and parse_duration requires it so
// that each duration has a single spelling.
constexpr std::array<Unit, 5> kUnits{{
    {'w', 7 * 86400},
    {'d', 86400},
    {'h', 3600},
    {'m', 60},
    {'s', 1},
}};

// Reads exactly `width` digits at `pos`.
std::optional<int> read_fixed(std::string_view text, std::size_t pos, std::size_t width) {
  if (pos + width > text.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = pos; i < pos + width; ++i) {
    if (!detail::is_digit(text[i])) return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

}  // namespace

std::optional<Seconds> parse_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::int64_t total = 0;
  std::size_t next_unit = 0;  // index into kUnits of the smallest unit already used, plus one
  std::size_t pos = 0;
  while (pos < text.size()) {
    if (!detail::is_digit(text[pos])) return std::nullopt;
    std::int64_t number = 0;
    while (pos < text.size() && detail::is_digit(text[pos])) {
      if (__builtin_mul_overflow(number, 10, &number) ||
          __builtin_add_overflow(number, text[pos] - '0', &number)) {
        return std::nullopt;
      }
      ++pos;
    }
    if (pos == text.size()) return std::nullopt;  // a bare number has no unit
    const char letter = text[pos++];
    std::size_t u = next_unit;
    while (u < kUnits.size() && kUnits[u].letter != letter) ++u;
    if (u == kUnits.size()) return std::nullopt;  // unknown, repeated or out of order
    next_unit = u + 1;
    std::int64_t part = 0;
    if (__builtin_mul_overflow(number, kUnits[u].seconds, &part) ||
        __builtin_add_overflow(total, part, &total)) {
      return std::nullopt;
    }
  }
  if (total <= 0) return std::nullopt;
  return Seconds{total};
}

std::string format_duration(Seconds d) {
  std::int64_t left = d.count();
  if (left == 0) return "0s";
  std::string out;
  if (left < 0) {
    // Not readable by parse_duration, but still worth showing in diagnostics.
    out = "-";
    if (left == std::numeric_limits<std::int64_t>::min()) {
      return out + std::to_string(static_cast<std::uint64_t>(-(left + 1)) + 1U) + "s";
    }
    left = -left;
  }
  for (const Unit& unit : kUnits) {
    const std::int64_t n = left / unit.seconds;
    if (n == 0) continue;
    out += std::to_string(n);
    out += unit.letter;
    left -= n * unit.seconds;
  }
  return out;
}

std::optional<Instant> parse_rfc3339(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.frac](Z|+hh:mm|-hh:mm)
  const auto year = read_fixed(text, 0, 4);
  const auto month = read_fixed(text, 5, 2);
  const auto day = read_fixed(text, 8, 2);
  const auto hour = read_fixed(text, 11, 2);
  const auto minute = read_fixed(text, 14, 2);
  const auto second = read_fixed(text, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second) return std::nullopt;
  if (text[4] != '-' || text[7] != '-' || text[13] != ':' || text[16] != ':') return std::nullopt;
  const char sep = text[10];
  if (sep != 'T' && sep != 't' && sep != ' ') return std::nullopt;
  if (*month < 1 || *month > 12 || *day < 1 || *hour > 23 || *minute > 59 || *second > 59) {
    return std::nullopt;
  }
  const absl::CivilDay civil_day(*year, *month, *day);
  if (civil_day.month() != *month || civil_day.day() != *day) return std::nullopt;  // Feb 30

  std::size_t pos = 19;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    const std::size_t digits_begin = pos;
    while (pos < text.size() && detail::is_digit(text[pos])) ++pos;
    if (pos == digits_begin) return std::nullopt;
  }
  if (pos >= text.size()) return std::nullopt;  // the offset is mandatory

  int offset_seconds = 0;
  const char zone = text[pos];
  if (zone == 'Z' || zone == 'z') {
    if (pos + 1 != text.size()) return std::nullopt;
  } else if (zone == '+' || zone == '-') {
    const auto off_hour = read_fixed(text, pos + 1, 2);
    const auto off_minute = read_fixed(text, pos + 4, 2);
    if (!off_hour || !off_minute || text[pos + 3] != ':' || pos + 6 != text.size()) {
      return std::nullopt;
    }
    if (*off_hour > 23 || *off_minute > 59) return std::nullopt;
    offset_seconds = (*off_hour * 3600 + *off_minute * 60) * (zone == '-' ? -1 : 1);
  } else {
    return std::nullopt;
  }

  const absl::CivilSecond local(civil_day.year(), civil_day.month(), civil_day.day(), *hour,
                                *minute, *second);
  const absl::Time utc =
      absl::FromCivil(local, absl::UTCTimeZone()) - absl::Seconds(offset_seconds);
  // The offset can carry 0000-01-01 or 9999-12-31 out of the years RFC 3339 writes, and
  // what is read must write back (format_rfc3339_utc) and read again.
  const auto utc_year = absl::ToCivilYear(utc, absl::UTCTimeZone()).year();
  if (utc_year < 0 || utc_year > 9999) return std::nullopt;
  return Instant{Seconds{absl::ToUnixSeconds(utc)}};
}

std::string format_rfc3339_utc(Instant t) {
  const absl::CivilSecond cs =
      absl::ToCivilSecond(absl::FromUnixSeconds(t.time_since_epoch().count()), absl::UTCTimeZone());
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02d-%02dT%02d:%02d:%02dZ",
                static_cast<long long>(cs.year()), cs.month(), cs.day(), cs.hour(), cs.minute(),
                cs.second());
  return buf;
}

std::optional<Instant> parse_time_or_ago(std::string_view text, Instant now) {
  if (auto at = parse_rfc3339(text)) return at;
  if (auto ago = parse_duration(text)) return now - *ago;
  return std::nullopt;
}

}  // namespace ackd::time
