#pragma once

#include "ackd/policy/policy.hpp"

namespace ackd::policy {

// Checks that need the whole policy: templates against the safety rules and channel
// limits, and the rule list against complaints falling through. When the last rule as
// written did not compile (its own error is reported), what falls through is not known.
void lint_policy(const Policy& policy, Diagnostics& diagnostics, bool last_rule_compiled = true);

// Warns of a rule placed above a more urgent one that it takes complaints from, with an
// example complaint; matches as at `now` (rules with a time condition depend on it). Needs
// the compiled policy, rules indexed.
void lint_rule_order(const Policy& policy, time::Instant now, Diagnostics& diagnostics);

}  // namespace ackd::policy
