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

  // The instant written for a reader of `lang` ("ja", "en"; others get an ISO-like
  // form), e.g. ja "11月24日(火) 13:30", en "Tue, Nov 24, 1:30 PM JST".
  std::string format_for_reader(Instant t, std::string_view lang) const;

  // The longest text format_for_reader can produce for `lang`, in code points.
  static std::size_t max_reader_length(std::string_view lang);

 private:
  Zone(std::string name, absl::TimeZone zone) : name_(std::move(name)), zone_(zone) {}
  std::string name_;
  absl::TimeZone zone_;
};

Instant to_instant(absl::Time t);
absl::Time to_absl(Instant t);

}  // namespace ackd::time
