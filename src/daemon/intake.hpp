#pragma once

#include <memory>
#include <optional>
#include <string>

#include "ackd/complaint/complaint.hpp"
#include "ackd/policy/policy.hpp"
#include "ackd/store/store.hpp"
#include "ackd/storm/detector.hpp"
#include "ackd/time/instant.hpp"

namespace ackd::daemon {

// The daemon's state that shapes what a complaint owes, beside the policy's decision.
struct IntakeMode {
  std::string reply_sink;          // the channel's, from ackd.yaml; empty: replies are suppressed
  bool shadow = false;             // record, send nothing
  bool drop_while_paused = false;  // pause.replies: suppress (else hold)
  // Counts complaints per rule for the policy's safety.storm; null without one.
  std::shared_ptr<storm::Detector> storm;
};

// Everything to store for a newly accepted complaint: the decision, the handoff, and what it
// owes (the outbox), or in shadow mode only what it would have sent. Runs on the store's
// writer thread, inside the transaction, with the author's history and the pause (the kill
// switch: no reply reaches a customer) as stored.
store::CaseRecord plan_case(const policy::Policy& policy, const Complaint& complaint,
                            const AuthorHistory& history, const std::optional<store::Pause>& pause,
                            const IntakeMode& mode, time::Instant now);

}  // namespace ackd::daemon
