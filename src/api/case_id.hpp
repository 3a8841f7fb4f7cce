#pragma once

#include <string>

namespace ackd::api {

// A new case id: time-ordered (milliseconds first, then 80 random bits), so that the store's
// primary keys and the indexes on them grow at one end instead of dirtying a random page per
// insert.
std::string new_case_id();

}  // namespace ackd::api
