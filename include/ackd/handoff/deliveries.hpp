#pragma once

#include <string>
#include <vector>

#include "ackd/complaint/complaint.hpp"
#include "ackd/policy/evaluate.hpp"
#include "ackd/time/instant.hpp"
#include "nlohmann/json.hpp"

namespace ackd::handoff {

// One message a decision owes: the reply to the customer, or a notice to a team.
struct Delivery {
  std::string kind;  // reply | handoff | escalation | breach | followup
  int level = 0;
  std::string sink;
  std::string idempotency_key;  // stable: "<complaint id>:<kind>[:<level>]"
  nlohmann::json payload;       // CONTRACT.md, "What ackd sends"
  time::Instant due_at;
};

// Everything a decision owes, in the order it falls due: the reply (when queued and the
// channel has a reply sink), the handoff notice, each escalation, the breach. `now` is
// when the complaint was accepted; the reply and the handoff notice are due then.
std::vector<Delivery> plan_deliveries(const Complaint& complaint, const std::string& complaint_id,
                                      const policy::Decision& decision,
                                      const std::string& reply_sink, time::Instant now);

// The follow-up notice a resolved case owes its team, if the rule asks for one; due
// `followup` after resolution (the caller sets due_at).
std::optional<Delivery> plan_followup(const Complaint& complaint, const std::string& complaint_id,
                                      const policy::Decision& decision);

}  // namespace ackd::handoff
