#include "case_id.hpp"

#include <chrono>
#include <cstdio>
#include <random>

namespace ackd::api {

std::string new_case_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  char buf[33];
  std::snprintf(buf, sizeof buf, "%012llx%04llx%016llx", static_cast<unsigned long long>(ms),
                static_cast<unsigned long long>(rng() & 0xffff),
                static_cast<unsigned long long>(rng()));
  return buf;
}

}  // namespace ackd::api
