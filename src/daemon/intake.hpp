#pragma once

#include <string>

#include "ackd/complaint/complaint.hpp"
#include "ackd/policy/policy.hpp"
#include "ackd/store/store.hpp"
#include "ackd/time/instant.hpp"

namespace ackd::daemon {

// Everything to store for a newly accepted complaint: the decision, the handoff, and what it
// owes (the outbox), or in shadow mode only what it would have sent. Runs on the store's
// writer thread, inside the transaction, with the author's history as stored.
store::CaseRecord plan_case(const policy::Policy& policy, const Complaint& complaint,
                            const AuthorHistory& history, const std::string& reply_sink,
                            bool shadow, time::Instant now);

}  // namespace ackd::daemon
