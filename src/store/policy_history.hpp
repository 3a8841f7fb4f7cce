#pragma once

// The policy history's rows (policy_versions, policy_served), read and written on a
// connection the caller holds: the writer's, inside its transaction, or a reader's.

#include <optional>
#include <string_view>
#include <vector>

#include "ackd/store/policy_history.hpp"
#include "store/sqlite.hpp"

namespace ackd::store::policy_history {

void save_served(sqlite::Connection& db, const StoredPolicy& policy, Served how, time::Instant at);
std::optional<StoredPolicy> last_served(sqlite::Connection& db);
std::vector<PolicyServed> served(sqlite::Connection& db);
// The versions whose hash starts with `prefix` (two at most: enough to call it ambiguous).
std::vector<StoredPolicy> versions_starting(sqlite::Connection& db, std::string_view prefix);

}  // namespace ackd::store::policy_history
