#include <algorithm>
#include <cmath>

#include "ackd/deliver/dispatcher.hpp"

namespace ackd::deliver {

std::chrono::milliseconds backoff(const RetryPolicy& retry, int attempt, double unit) {
  // Computed in double so a large attempt number saturates at `max` instead of overflowing.
  double initial = static_cast<double>(retry.initial.count());
  double cap = static_cast<double>(retry.max.count());
  double base = std::min(cap, initial * std::exp2(std::max(0, attempt - 2)));
  double spread = 1.0 + retry.jitter * (2.0 * std::clamp(unit, 0.0, 1.0) - 1.0);
  // Capped after the jitter: no delay exceeds `max` (README: "doubling up to max_backoff").
  return std::chrono::milliseconds(std::max(0LL, std::llround(std::min(cap, base * spread))));
}

}  // namespace ackd::deliver
