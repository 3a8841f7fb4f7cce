#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "ackd/time/instant.hpp"

namespace time_instant_test {

using ackd::time::format_duration;
using ackd::time::format_rfc3339_utc;
using ackd::time::Instant;
using ackd::time::parse_duration;
using ackd::time::parse_rfc3339;
using ackd::time::Seconds;

namespace {

Instant unix_seconds(std::int64_t s) {
  return Instant{Seconds{s}};
}

}  // namespace

TEST_CASE("time: parse_duration reads each unit and combinations") {
  CHECK(parse_duration("90s") == Seconds{90});
  CHECK(parse_duration("15m") == Seconds{15 * 60});
  CHECK(parse_duration("2h") == Seconds{2 * 3600});
  CHECK(parse_duration("3d") == Seconds{3 * 86400});
  CHECK(parse_duration("1w") == Seconds{7 * 86400});
  CHECK(parse_duration("1h30m") == Seconds{5400});
  CHECK(parse_duration("1w2d3h4m5s") == Seconds{7 * 86400 + 2 * 86400 + 3 * 3600 + 4 * 60 + 5});
  CHECK(parse_duration("90m") == Seconds{5400});
  CHECK(parse_duration("1h0m") == Seconds{3600});
}

TEST_CASE("time: parse_duration refuses malformed, zero, negative and overflowing text") {
  for (const std::string bad : {"",
                                "10",
                                "5x",
                                "0m",
                                "0s",
                                "0h0m",
                                "-5m",
                                "+5m",
                                "m",
                                "h30m",
                                "1h30",
                                "1.5h",
                                " 5m",
                                "5m ",
                                "5 m",
                                "5M",
                                "30m1h",
                                "1h1h",
                                "1s1m",
                                "9223372036854775807s1s",
                                "9223372036854775807w",
                                "99999999999999999999s",
                                "15250284452472w"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_duration(bad).has_value());
  }
  // The largest count of seconds still fits.
  CHECK(parse_duration("9223372036854775807s") ==
        Seconds{std::numeric_limits<std::int64_t>::max()});
}

TEST_CASE("time: format_duration writes the canonical form parse_duration reads back") {
  CHECK(format_duration(Seconds{5400}) == "1h30m");
  CHECK(format_duration(Seconds{86400}) == "1d");
  CHECK(format_duration(Seconds{604800}) == "1w");
  CHECK(format_duration(Seconds{90}) == "1m30s");
  CHECK(format_duration(Seconds{1}) == "1s");
  CHECK(format_duration(Seconds{8 * 86400 + 1}) == "1w1d1s");
  CHECK(format_duration(Seconds{0}) == "0s");
  CHECK(format_duration(Seconds{-90}) == "-1m30s");

  for (std::int64_t s :
       {std::int64_t{1}, std::int64_t{59}, std::int64_t{60}, std::int64_t{61}, std::int64_t{3599},
        std::int64_t{3600}, std::int64_t{86399}, std::int64_t{90061}, std::int64_t{1209600},
        std::int64_t{1234567890}, std::numeric_limits<std::int64_t>::max()}) {
    CAPTURE(s);
    const std::string text = format_duration(Seconds{s});
    CHECK(parse_duration(text) == Seconds{s});
  }
  for (const std::string text : {"1m30s", "15m", "2h", "3d", "1w", "1h30m", "2w6d23h59m59s"}) {
    CAPTURE(text);
    const auto d = parse_duration(text);
    REQUIRE(d.has_value());
    CHECK(format_duration(*d) == text);
  }
}

TEST_CASE("time: parse_rfc3339 reads offsets, separators and fractions") {
  const Instant t = unix_seconds(1795512600);  // 2026-11-24T09:30:00Z
  CHECK(parse_rfc3339("2026-11-24T09:30:00Z") == t);
  CHECK(parse_rfc3339("2026-11-24t09:30:00z") == t);
  CHECK(parse_rfc3339("2026-11-24 09:30:00Z") == t);
  CHECK(parse_rfc3339("2026-11-24T18:30:00+09:00") == t);
  CHECK(parse_rfc3339("2026-11-24T04:30:00-05:00") == t);
  CHECK(parse_rfc3339("2026-11-24T15:15:00+05:45") == t);
  CHECK(parse_rfc3339("2026-11-24T09:30:00+00:00") == t);
  CHECK(parse_rfc3339("2026-11-24T09:30:00-00:00") == t);
  CHECK(parse_rfc3339("2026-11-24T09:30:00.999999999Z") == t);
  CHECK(parse_rfc3339("2026-11-24T09:30:00.5+00:00") == t);
  CHECK(parse_rfc3339("2026-11-25T00:00:00+14:00") == unix_seconds(1795514400));
  CHECK(parse_rfc3339("1970-01-01T00:00:00Z") == unix_seconds(0));
  CHECK(parse_rfc3339("1969-12-31T23:59:59.75Z") == unix_seconds(-1));
  CHECK(parse_rfc3339("2028-02-29T12:00:00Z") == unix_seconds(1835438400));
  CHECK(parse_rfc3339("2000-02-29T00:00:00Z").has_value());
  CHECK(parse_rfc3339("2026-12-31T23:59:59Z") == unix_seconds(1798761599));
}

TEST_CASE("time: parse_rfc3339 refuses text without offset or out of range") {
  for (const std::string bad : {
           "",
           "2026-11-24",
           "2026-11-24T09:30:00",           // no offset
           "2026-11-24T09:30Z",             // no seconds
           "2026-11-24X09:30:00Z",          // bad separator
           "2026-11-24T09:30:00.Z",         // fraction without digits
           "2026-11-24T09:30:00Z ",         // trailing text
           "2026-11-24T09:30:00+0900",      // offset without colon
           "2026-11-24T09:30:00+09",        // short offset
           "2026-11-24T09:30:00+24:00",     // offset hours
           "2026-11-24T09:30:00+09:60",     // offset minutes
           "2026-11-24T24:00:00Z",          // hour
           "2026-11-24T09:60:00Z",          // minute
           "2026-12-31T23:59:60Z",          // leap second
           "2026-02-29T00:00:00Z",          // not a leap year
           "1900-02-29T00:00:00Z",          // century, not a leap year
           "2026-02-30T00:00:00Z",          // no such day
           "2026-04-31T00:00:00Z",          // no such day
           "2026-13-01T00:00:00Z",          // month
           "2026-00-10T00:00:00Z",          // month
           "2026-11-00T00:00:00Z",          // day
           "26-11-24T09:30:00Z",            // short year
           "2026-1-24T09:30:00Z",           // short month
           "+2026-11-24T09:30:00Z",         // sign
           "2026-11-24T09:30:00+09:00:00",  // seconds in offset
           "0000-01-01T00:00:00+00:01",     // before year 0 in UTC
           "9999-12-31T23:59:59-00:01",     // after year 9999 in UTC
       }) {
    CAPTURE(bad);
    CHECK_FALSE(parse_rfc3339(bad).has_value());
  }
}

TEST_CASE("time: parse_rfc3339 reads the first and last instants it can write back") {
  for (const std::string edge : {"0000-01-01T00:00:00Z", "0000-01-01T23:59:59+23:59",
                                 "9999-12-31T23:59:59Z", "9999-12-31T00:00:00-23:59"}) {
    CAPTURE(edge);
    auto t = parse_rfc3339(edge);
    REQUIRE(t.has_value());
    CHECK(parse_rfc3339(format_rfc3339_utc(*t)) == t);
  }
}

TEST_CASE("time: format_rfc3339_utc writes UTC with Z and round-trips") {
  CHECK(format_rfc3339_utc(unix_seconds(1795512600)) == "2026-11-24T09:30:00Z");
  CHECK(format_rfc3339_utc(unix_seconds(0)) == "1970-01-01T00:00:00Z");
  CHECK(format_rfc3339_utc(unix_seconds(-1)) == "1969-12-31T23:59:59Z");
  CHECK(format_rfc3339_utc(unix_seconds(1835438400)) == "2028-02-29T12:00:00Z");
  CHECK(format_rfc3339_utc(unix_seconds(253402300799)) == "9999-12-31T23:59:59Z");
  CHECK(format_rfc3339_utc(unix_seconds(-62167219200)) == "0000-01-01T00:00:00Z");

  for (std::int64_t s = -62167219200; s <= 253402300799; s += 7777777) {
    CAPTURE(s);
    CHECK(parse_rfc3339(format_rfc3339_utc(unix_seconds(s))) == unix_seconds(s));
  }
  // Extreme instants are written without crashing.
  CHECK_FALSE(format_rfc3339_utc(Instant::max()).empty());
  CHECK_FALSE(format_rfc3339_utc(Instant::min()).empty());
}

}  // namespace time_instant_test
