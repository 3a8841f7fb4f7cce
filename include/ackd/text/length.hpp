#pragma once

#include <cstddef>
#include <string_view>

namespace ackd::text {

enum class Counting {
  code_points,  // one per Unicode code point
  twitter,      // X's weighted count: CJK, full-width and emoji count 2, each URL 23
};

// Length of a reply as the platform counts it. `utf8` must be valid UTF-8.
std::size_t platform_length(std::string_view utf8, Counting counting);

// The most one code point can count for under `counting` (used to bound a name's length).
std::size_t max_code_point_weight(Counting counting);

}  // namespace ackd::text
