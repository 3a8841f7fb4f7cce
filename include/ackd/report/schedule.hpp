#pragma once

#include <optional>
#include <string_view>

#include "ackd/report/period.hpp"
#include "ackd/time/instant.hpp"
#include "ackd/time/zone.hpp"

namespace ackd::report {

// When the weekly report goes out (ackd.yaml `report.mail`): a weekday and a time of day
// on the policy's clock.
struct Weekly {
  int weekday = 0;  // 0 Monday ... 6 Sunday
  int minute_of_day = 9 * 60;
};

// "monday" ... "sunday" (or "mon" ... "sun", in any case), as 0 ... 6.
std::optional<int> weekday_from_string(std::string_view name);
// "09:00", "9:00", "23:59" as minutes after midnight.
std::optional<int> minute_of_day_from_string(std::string_view hh_mm);

// The last time the mail was due, at or before `now`, and the first after it. A time the
// clocks skip (a change to summer time) is taken as the moment they jump.
time::Instant last_due(const Weekly& when, const time::Zone& zone, time::Instant now);
time::Instant next_due(const Weekly& when, const time::Zone& zone, time::Instant now);

// What the mail due at `due` reports: the seven days before its day, midnight to midnight
// on the zone's clock (167 or 169 hours across a change of the clocks).
Period week_before(time::Instant due, const time::Zone& zone);

}  // namespace ackd::report
