#pragma once

#include <optional>
#include <string>
#include <variant>

#include "ackd/time/instant.hpp"

namespace ackd::report {

// The period a report or an export covers: [from, to).
struct Period {
  time::Instant from, to;
};

// `since` a duration back from now ("7d"), or `from` and `to` as RFC 3339 times or dates
// (YYYY-MM-DD, midnight UTC); without `to`, up to now (and what a clock a little ahead of
// ours stamped). The error, for a person, when they are missing, mixed or malformed.
std::variant<Period, std::string> period_of(const std::optional<std::string>& since,
                                            const std::optional<std::string>& from,
                                            const std::optional<std::string>& to,
                                            time::Instant now);

}  // namespace ackd::report
