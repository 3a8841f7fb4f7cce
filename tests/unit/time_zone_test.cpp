#include <doctest/doctest.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "ackd/time/instant.hpp"
#include "ackd/time/zone.hpp"

namespace time_zone_test {

using ackd::time::Instant;
using ackd::time::parse_rfc3339;
using ackd::time::Seconds;
using ackd::time::Zone;

namespace {

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

std::size_t code_points(std::string_view utf8) {
  std::size_t n = 0;
  for (const char c : utf8) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

}  // namespace

TEST_CASE("time: Zone::load accepts tz database names") {
  for (const std::string name : {"Asia/Tokyo", "America/New_York", "Europe/London", "UTC",
                                 "Etc/GMT+9", "America/Argentina/Buenos_Aires", "Asia/Kathmandu"}) {
    CAPTURE(name);
    const auto z = Zone::load(name);
    REQUIRE(z.has_value());
    CHECK(z->name() == name);
  }
  CHECK(Zone::utc().name() == "UTC");
}

TEST_CASE("time: Zone::load refuses empty, unknown and path-like names") {
  for (const std::string name :
       {"", "Nope/Zone", "asia/tokyo", "Asia/Tokyo ", "localtime", "../../../etc/localtime",
        "/usr/share/zoneinfo/Asia/Tokyo", "file:/usr/share/zoneinfo/Asia/Tokyo", "Asia//Tokyo",
        "Asia/./Tokyo", "Fixed/UTC+09:00", "Asia/"}) {
    CAPTURE(name);
    CHECK_FALSE(Zone::load(name).has_value());
  }
}

TEST_CASE("time: Zone::format_rfc3339 writes the zone's offset at that instant") {
  const Instant t = at("2026-11-23T13:15:00Z");
  CHECK(zone("Asia/Tokyo").format_rfc3339(t) == "2026-11-23T22:15:00+09:00");
  CHECK(zone("America/New_York").format_rfc3339(t) == "2026-11-23T08:15:00-05:00");
  CHECK(zone("America/New_York").format_rfc3339(at("2026-07-01T12:00:00Z")) ==
        "2026-07-01T08:00:00-04:00");
  CHECK(zone("Asia/Kathmandu").format_rfc3339(t) == "2026-11-23T19:00:00+05:45");
  CHECK(zone("Europe/London").format_rfc3339(t) == "2026-11-23T13:15:00+00:00");
  CHECK(zone("Europe/London").format_rfc3339(at("2026-07-01T12:00:00Z")) ==
        "2026-07-01T13:00:00+01:00");
  CHECK(Zone::utc().format_rfc3339(t) == "2026-11-23T13:15:00Z");
  CHECK(zone("Etc/UTC").format_rfc3339(t) == "2026-11-23T13:15:00Z");

  // Local mean time has an offset in seconds; the instant is still written exactly.
  const Instant old = at("1880-01-01T00:00:00Z");
  CHECK(parse_rfc3339(zone("Asia/Tokyo").format_rfc3339(old)) == old);

  for (const std::string name :
       {"Asia/Tokyo", "America/New_York", "Europe/London", "Asia/Kathmandu", "Australia/Lord_Howe",
        "Pacific/Chatham", "UTC"}) {
    const Zone z = zone(name);
    for (Instant i = at("2026-01-01T00:00:00Z"); i < at("2027-01-01T00:00:00Z");
         i += Seconds{86400 * 3 + 3671}) {
      const std::string text = z.format_rfc3339(i);
      CAPTURE(name);
      CAPTURE(text);
      CHECK(parse_rfc3339(text) == i);
    }
  }
}

TEST_CASE("time: Zone::format_for_reader in Japanese, English and other languages") {
  const Instant t = at("2026-11-24T04:30:00Z");
  const Zone tokyo = zone("Asia/Tokyo");
  CHECK(tokyo.format_for_reader(t, "ja", t) == "11月24日(火) 13:30");
  CHECK(tokyo.format_for_reader(t, "ja-JP", t) == "11月24日(火) 13:30");
  CHECK(tokyo.format_for_reader(t, "en", t) == "Tue, Nov 24, 1:30 PM JST");
  CHECK(tokyo.format_for_reader(t, "en-US", t) == "Tue, Nov 24, 1:30 PM JST");
  CHECK(tokyo.format_for_reader(t, "fr", t) == "2026-11-24 13:30 JST");
  CHECK(tokyo.format_for_reader(t, "", t) == "2026-11-24 13:30 JST");

  const Zone new_york = zone("America/New_York");
  auto same_time = [](const Zone& z, Instant i, const char* lang) {
    return z.format_for_reader(i, lang, i);
  };
  // A Japanese reader is told the zone when it is not Japan's.
  CHECK(new_york.format_for_reader(t, "ja", t) == "11月23日(月) 23:30 EST");
  CHECK(zone("Asia/Seoul").format_for_reader(t, "ja", t) == "11月24日(火) 13:30");
  CHECK(Zone::utc().format_for_reader(t, "ja", t) == "11月24日(火) 4:30 UTC");
  CHECK(new_york.format_for_reader(t, "en", t) == "Mon, Nov 23, 11:30 PM EST");
  CHECK(same_time(new_york, at("2026-07-04T16:05:00Z"), "en") == "Sat, Jul 4, 12:05 PM EDT");
  CHECK(same_time(new_york, at("2026-07-04T04:05:00Z"), "en") == "Sat, Jul 4, 12:05 AM EDT");
  CHECK(same_time(new_york, at("2026-07-04T13:05:00Z"), "ja") == "7月4日(土) 9:05 EDT");
  CHECK(same_time(new_york, at("2026-03-01T05:00:00Z"), "ja") == "3月1日(日) 0:00 EST");

  // Zones without a lettered abbreviation keep the numeric one.
  CHECK(zone("Asia/Kathmandu").format_for_reader(t, "en", t) == "Tue, Nov 24, 10:15 AM +0545");
  CHECK(zone("America/Sao_Paulo").format_for_reader(t, "en", t) == "Tue, Nov 24, 1:30 AM -03");
  CHECK(Zone::utc().format_for_reader(t, "en", t) == "Tue, Nov 24, 4:30 AM UTC");
}

TEST_CASE("time: a deadline more than a week away carries its year") {
  const Zone tokyo = zone("Asia/Tokyo");
  const Instant now = at("2026-11-24T04:30:00Z");
  const Instant week = now + Seconds{7 * 86400};
  CHECK(tokyo.format_for_reader(week, "ja", now) == "12月1日(火) 13:30");
  CHECK(tokyo.format_for_reader(week + Seconds{60}, "ja", now) == "2026年12月1日(火) 13:31");
  CHECK(tokyo.format_for_reader(at("2020-01-01T00:00:00Z"), "ja", now) == "2020年1月1日(水) 9:00");
  CHECK(tokyo.format_for_reader(at("2020-01-01T00:00:00Z"), "en", now) ==
        "Wed, Jan 1, 2020, 9:00 AM JST");
  CHECK(tokyo.format_for_reader(at("2027-01-05T01:00:00Z"), "en", now) ==
        "Tue, Jan 5, 2027, 10:00 AM JST");
  CHECK(tokyo.format_for_reader(at("2027-01-05T01:00:00Z"), "fr", now) == "2027-01-05 10:00 JST");
}

TEST_CASE("time: Zone::max_reader_length bounds format_for_reader") {
  const std::string langs[] = {"ja", "en", "fr", ""};
  CHECK(Zone::max_reader_length("ja") >= code_points("2027年12月31日(水) 23:59 +0545"));
  CHECK(Zone::max_reader_length("en") >= code_points("Wed, Dec 31, 2027, 12:59 PM +0545"));

  for (const std::string name :
       {"Asia/Tokyo", "America/New_York", "Europe/London", "Asia/Kathmandu", "America/Sao_Paulo",
        "Pacific/Chatham", "Australia/Lord_Howe", "America/St_Johns", "Pacific/Kiritimati",
        "UTC"}) {
    const Zone z = zone(name);
    std::size_t longest[4] = {0, 0, 0, 0};
    // Every ~hour of a year, drifting through the minutes, seen from then and a year off.
    for (Instant i = at("2026-01-01T00:00:00Z"); i < at("2027-01-01T00:00:00Z");
         i += Seconds{3600 + 7 * 60}) {
      for (std::size_t l = 0; l < 4; ++l) {
        for (const Instant now : {i, i - Seconds{366 * 86400}}) {
          const std::size_t n = code_points(z.format_for_reader(i, langs[l], now));
          if (n > longest[l]) longest[l] = n;
        }
      }
    }
    for (std::size_t l = 0; l < 4; ++l) {
      CAPTURE(name);
      CAPTURE(langs[l]);
      CHECK(longest[l] <= Zone::max_reader_length(langs[l]));
    }
  }
  // The widest years and the oldest local mean time offsets stay within the bound too.
  const Zone tokyo = zone("Asia/Tokyo");
  const Zone honolulu = zone("Pacific/Honolulu");
  for (const Instant i : {Instant::min(), Instant::max(), at("1800-01-01T00:00:00Z")}) {
    for (const std::string& lang : langs) {
      CAPTURE(lang);
      CHECK(code_points(tokyo.format_for_reader(i, lang, Instant{})) <=
            Zone::max_reader_length(lang));
      CHECK(code_points(honolulu.format_for_reader(i, lang, Instant{})) <=
            Zone::max_reader_length(lang));
    }
  }
  // The bound is tight for the languages replies are written in.
  CHECK(Zone::max_reader_length("ja") == 27);
  CHECK(Zone::max_reader_length("en") == 34);
  CHECK(code_points(Zone::widest_reader_text("ja")) == 27);
}

TEST_CASE("time: to_instant and to_absl convert both ways") {
  const Instant t = at("2026-11-24T09:30:00Z");
  CHECK(absl::ToUnixSeconds(ackd::time::to_absl(t)) == 1795512600);
  CHECK(ackd::time::to_instant(ackd::time::to_absl(t)) == t);
  // Sub-second times round down, also before the epoch.
  CHECK(ackd::time::to_instant(absl::FromUnixMillis(1500)) == Instant{Seconds{1}});
  CHECK(ackd::time::to_instant(absl::FromUnixMillis(-500)) == Instant{Seconds{-1}});
}

}  // namespace time_zone_test
