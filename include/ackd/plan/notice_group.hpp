#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ackd/plan/outbox.hpp"
#include "ackd/policy/policy.hpp"
#include "ackd/time/instant.hpp"

namespace ackd::plan {

// Notices that go out as one, as Alertmanager groups alerts: a lead paged about eight cases
// at once gets one page that lists them, not eight.
struct NoticeGroup {
  std::string key;  // "<team>:<kind>:<level>": one group per team, kind and level
  time::Seconds wait{0};
};

// How long an escalation or breach notice waits, once due, for others of its group: the
// team's `group_wait`, or while its rule storms at least the storm's. None for other
// kinds, or when both are 0 (each notice then goes alone, as it did).
std::optional<NoticeGroup> notice_group(const policy::Policy& policy, const OutboxItem& notice,
                                        const std::vector<std::string>& storming_rules);

// The shown cases of a group notice; the rest are counted and listed by id.
inline constexpr std::size_t kGroupShown = 5;

// The one notice for the members of a group (two or more, oldest first): the first's kind,
// level, sink and id, a key of its own, and a payload that counts and lists the cases.
OutboxItem group_notice(const std::vector<OutboxItem>& members);

}  // namespace ackd::plan
