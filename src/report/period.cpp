#include "ackd/report/period.hpp"

#include <tuple>

namespace ackd::report {
namespace {

// A complaint may say it was posted up to 5 minutes from now.
constexpr time::Seconds kClockSkew{300};

std::optional<time::Instant> instant_of(const std::string& text) {
  if (text.size() == 10) return time::parse_rfc3339(text + "T00:00:00Z");
  return time::parse_rfc3339(text);
}

}  // namespace

std::variant<Period, std::string> period_of(const std::optional<std::string>& since,
                                            const std::optional<std::string>& from,
                                            const std::optional<std::string>& to,
                                            time::Instant now) {
  if (since && (from || to)) return std::string("give since, or from and to, not both");
  if (since) {
    auto d = time::parse_duration(*since);
    if (!d) return "since must be a duration like 7d or 24h, got '" + *since + "'";
    return Period{now - *d, now + kClockSkew};
  }
  if (!from) return std::string("give the period: since 7d, or from DATE [to DATE]");
  Period p{time::Instant{}, now + kClockSkew};
  for (auto [value, out, name] : {std::tuple{from, &p.from, "from"}, {to, &p.to, "to"}}) {
    if (!value) continue;
    auto at = instant_of(*value);
    if (!at) {
      return std::string(name) + " must be a date (2026-11-01) or an RFC 3339 time, got '" +
             *value + "'";
    }
    *out = *at;
  }
  if (p.to <= p.from) return std::string("to must be after from");
  return p;
}

}  // namespace ackd::report
