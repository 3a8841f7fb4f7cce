#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace ackd::time {

using Instant = std::chrono::sys_seconds;
using Seconds = std::chrono::seconds;

// "90s", "15m", "2h", "3d", "1h30m", "1w". Units: s m h d w. Zero and negative are
// refused (nullopt), as are empty strings, bare numbers and unknown units.
std::optional<Seconds> parse_duration(std::string_view text);

// The shortest form parse_duration reads back: 5400s -> "1h30m".
std::string format_duration(Seconds d);

// RFC 3339 with a mandatory offset ("Z", "+09:00"); fractional seconds are accepted and
// truncated. A 'T' or a space may separate date and time.
std::optional<Instant> parse_rfc3339(std::string_view text);

// "2026-11-24T09:30:00Z".
std::string format_rfc3339_utc(Instant t);

// A time as RFC 3339, or how long before `now` as a duration ("2h"): what a "since" option
// takes.
std::optional<Instant> parse_time_or_ago(std::string_view text, Instant now);

}  // namespace ackd::time
