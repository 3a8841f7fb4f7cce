#include "ackd/time/zone.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "absl/time/civil_time.h"

namespace ackd::time {

namespace {

// tzdata keeps abbreviations to at most 6 characters (zic warns beyond that); anything
// longer or odd is replaced by a numeric offset so max_reader_length stays a true bound.
constexpr std::size_t kMaxAbbreviation = 6;

constexpr std::array<const char*, 8> kUtcNames{
    "UTC", "Etc/UTC", "UCT", "Etc/UCT", "Universal", "Etc/Universal", "Zulu", "Etc/Zulu",
};

// absl reads any path it is handed ("/etc/passwd", "../x", "file:..."), and "localtime"
// depends on the host; only plain tz database names are accepted.
bool is_plain_tz_name(std::string_view name) {
  if (name.empty() || name == "localtime") return false;
  std::size_t component_begin = 0;
  for (std::size_t i = 0; i <= name.size(); ++i) {
    if (i == name.size() || name[i] == '/') {
      const std::string_view component = name.substr(component_begin, i - component_begin);
      if (component.empty() || component == "." || component == "..") return false;
      component_begin = i + 1;
      continue;
    }
    const char c = name[i];
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '+';
    if (!ok) return false;
  }
  return true;
}

enum class ReaderStyle { ja, en, iso };

ReaderStyle reader_style(std::string_view lang) {
  // "ja", "ja-JP", "JA_jp" all read as Japanese.
  const std::string_view primary = lang.substr(0, lang.find_first_of("-_"));
  auto is = [&](std::string_view code) {
    return primary.size() == code.size() &&
           std::equal(primary.begin(), primary.end(), code.begin(),
                      [](char a, char b) { return (a | 0x20) == b; });
  };
  if (is("ja")) return ReaderStyle::ja;
  if (is("en")) return ReaderStyle::en;
  return ReaderStyle::iso;
}

// Decimal digits of the widest year an Instant can fall in, sign included (years run from
// about -292277022657 to 292277026596).
constexpr std::size_t kMaxYearChars = 13;

constexpr Seconds kWeek{7 * 24 * 3600};
// Japan has kept +09:00 all year since 1951: a Japanese reader takes a time without a zone
// to be in it.
constexpr int kJapanOffset = 9 * 3600;

std::string offset_text(int offset_seconds, bool colon) {
  const char sign = offset_seconds < 0 ? '-' : '+';
  const int magnitude = std::abs(offset_seconds);
  char buf[16];
  std::snprintf(buf, sizeof buf, colon ? "%c%02d:%02d" : "%c%02d%02d", sign, magnitude / 3600,
                magnitude / 60 % 60);
  return buf;
}

std::string abbreviation(const absl::TimeZone::CivilInfo& info) {
  const std::string_view abbr = info.zone_abbr == nullptr ? "" : info.zone_abbr;
  const bool ok = !abbr.empty() && abbr.size() <= kMaxAbbreviation &&
                  std::all_of(abbr.begin(), abbr.end(), [](char c) {
                    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                           (c >= '0' && c <= '9') || c == '+' || c == '-';
                  });
  if (ok) return std::string(abbr);
  return offset_text(info.offset, /*colon=*/false);
}

constexpr std::array<const char*, 7> kJaWeekdays{"月", "火", "水", "木", "金", "土", "日"};
constexpr std::array<const char*, 7> kEnWeekdays{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
constexpr std::array<const char*, 12> kEnMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

}  // namespace

Zone Zone::utc() {
  return Zone("UTC", absl::UTCTimeZone());
}

std::optional<Zone> Zone::load(std::string_view iana_name) {
  if (!is_plain_tz_name(iana_name)) return std::nullopt;
  std::string name(iana_name);
  absl::TimeZone zone;
  // On failure absl still hands back UTC; only the return value tells.
  if (!absl::LoadTimeZone(name, &zone)) return std::nullopt;
  return Zone(std::move(name), zone);
}

std::string Zone::format_rfc3339(Instant t) const {
  const absl::TimeZone::CivilInfo info = zone_.At(to_absl(t));
  const bool is_utc = std::find(kUtcNames.begin(), kUtcNames.end(), name_) != kUtcNames.end();
  // Local mean time offsets carry seconds, which RFC 3339 cannot write; UTC keeps the
  // instant exact.
  if (is_utc || info.offset % 60 != 0) return format_rfc3339_utc(t);
  const absl::CivilSecond& cs = info.cs;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02d-%02dT%02d:%02d:%02d",
                static_cast<long long>(cs.year()), cs.month(), cs.day(), cs.hour(), cs.minute(),
                cs.second());
  return buf + offset_text(info.offset, /*colon=*/true);
}

std::string Zone::format_for_reader(Instant t, std::string_view lang, Instant now) const {
  const absl::TimeZone::CivilInfo info = zone_.At(to_absl(t));
  const absl::CivilSecond& cs = info.cs;
  const int weekday = static_cast<int>(absl::GetWeekday(absl::CivilDay(cs)));
  const auto year = static_cast<long long>(cs.year());
  // Within a week either way the reader knows which year; beyond it "Jan 1" is ambiguous.
  // (Compared without subtracting `t`, which may be any instant: `now` is a clock's.)
  const bool with_year = (t > now + kWeek || t < now - kWeek) && year >= 1 && year <= 9999;
  char buf[128];
  switch (reader_style(lang)) {
    case ReaderStyle::ja: {
      int n = with_year ? std::snprintf(buf, sizeof buf, "%lld年", year) : 0;
      n += std::snprintf(buf + n, sizeof buf - n, "%d月%d日(%s) %d:%02d", cs.month(), cs.day(),
                         kJaWeekdays[weekday], cs.hour(), cs.minute());
      if (info.offset != kJapanOffset) {
        std::snprintf(buf + n, sizeof buf - n, " %s", abbreviation(info).c_str());
      }
      return buf;
    }
    case ReaderStyle::en: {
      const int hour12 = cs.hour() % 12 == 0 ? 12 : cs.hour() % 12;
      int n = std::snprintf(buf, sizeof buf, "%s, %s %d, ", kEnWeekdays[weekday],
                            kEnMonths[cs.month() - 1], cs.day());
      if (with_year) n += std::snprintf(buf + n, sizeof buf - n, "%lld, ", year);
      std::snprintf(buf + n, sizeof buf - n, "%d:%02d %s %s", hour12, cs.minute(),
                    cs.hour() < 12 ? "AM" : "PM", abbreviation(info).c_str());
      return buf;
    }
    case ReaderStyle::iso:
      break;
  }
  std::snprintf(buf, sizeof buf, "%04lld-%02d-%02d %02d:%02d %s", static_cast<long long>(cs.year()),
                cs.month(), cs.day(), cs.hour(), cs.minute(), abbreviation(info).c_str());
  return buf;
}

std::string Zone::widest_reader_text(std::string_view lang) {
  const std::string zone(kMaxAbbreviation, 'A');
  switch (reader_style(lang)) {
    case ReaderStyle::ja:
      return "9999年12月31日(水) 23:59 " + zone;
    case ReaderStyle::en:
      return "Wed, Sep 30, 9999, 12:59 PM " + zone;
    case ReaderStyle::iso:
      break;
  }
  return std::string(kMaxYearChars, '9') + "-12-31 23:59 " + zone;
}

std::size_t Zone::max_reader_length(std::string_view lang) {
  const std::string text = widest_reader_text(lang);
  // Every byte of it is ASCII but the few kanji, three bytes each.
  const std::size_t kanji = reader_style(lang) == ReaderStyle::ja ? 4 : 0;
  return text.size() - 2 * kanji;
}

Instant to_instant(absl::Time t) {
  return Instant{Seconds{absl::ToUnixSeconds(t)}};
}

absl::Time to_absl(Instant t) {
  return absl::FromUnixSeconds(t.time_since_epoch().count());
}

}  // namespace ackd::time
