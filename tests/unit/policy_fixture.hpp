#pragma once

#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "ackd/policy/load.hpp"

namespace ackd::testing {

// The policy compiled from one YAML text, or the test stops with every problem found.
inline std::shared_ptr<const policy::Policy> compile_policy(const char* yaml) {
  auto result = policy::load_policy({{"p.yaml", yaml}});
  std::string problems;
  for (const auto& d : result.diagnostics.items()) problems += d.to_string() + "\n";
  REQUIRE_MESSAGE(result.policy, problems);
  return result.policy;
}

}  // namespace ackd::testing
