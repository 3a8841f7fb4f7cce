#pragma once

#include <string>
#include <vector>

#include "ackd/policy/load.hpp"
#include "ackd/policy/policy.hpp"

namespace ackd::policy {

struct TestCaseResult {
  SourceLocation where;
  std::string name;
  std::vector<std::string> failures;  // "rule: expected 'x', got 'y'"; empty: passed
};

// Runs the cases of one policy test file (CONTRACT.md, "Policy tests"). Problems with the
// test file itself (syntax, unknown keys) go to `diagnostics`.
std::vector<TestCaseResult> run_policy_tests(const Policy& policy, const SourceFile& tests,
                                             Diagnostics& diagnostics);

}  // namespace ackd::policy
