#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "ackd/time/instant.hpp"

namespace ackd::time {

// An IANA time zone from the system's tz database.
class Zone {
 public:
  static Zone utc();
  static std::optional<Zone> load(std::string_view iana_name);

  const std::string& name() const { return name_; }
  const absl::TimeZone& absl_zone() const { return zone_; }

  // "2026-11-23T22:15:00+09:00": the instant written with this zone's offset at that time.
  std::string format_rfc3339(Instant t) const;

  // The instant written for a reader of `lang` ("ja", "en"; others get an ISO-like form),
  // e.g. ja "11月24日(火) 13:30", en "Tue, Nov 24, 1:30 PM JST". The year is written when
  // `t` is more than a week from `now`; a Japanese reader gets the zone whenever it is not
  // Japan's time (en and ISO always carry it). Years past 9999 are not written.
  std::string format_for_reader(Instant t, std::string_view lang, Instant now) const;

  // A text at least as long as anything format_for_reader writes for `lang`, character by
  // character as wide (ASCII where it writes ASCII), so a reply that fits the platform's
  // limit with it fits with any deadline.
  static std::string widest_reader_text(std::string_view lang);
  // Its length in code points.
  static std::size_t max_reader_length(std::string_view lang);

 private:
  Zone(std::string name, absl::TimeZone zone) : name_(std::move(name)), zone_(zone) {}
  std::string name_;
  absl::TimeZone zone_;
};

Instant to_instant(absl::Time t);
absl::Time to_absl(Instant t);

}  // namespace ackd::time
