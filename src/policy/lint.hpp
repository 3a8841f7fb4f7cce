#pragma once

#include "ackd/policy/policy.hpp"

namespace ackd::policy {

// Checks that need the whole policy: templates against the safety rules and channel
// limits, and the rule list against complaints falling through.
void lint_policy(const Policy& policy, Diagnostics& diagnostics);

}  // namespace ackd::policy
