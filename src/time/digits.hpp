#pragma once

// Private to src/time: what the readers of times, durations and calendars share.

namespace ackd::time::detail {

constexpr bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

}  // namespace ackd::time::detail
