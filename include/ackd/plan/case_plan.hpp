#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ackd/complaint/complaint.hpp"
#include "ackd/plan/outbox.hpp"
#include "ackd/policy/evaluate.hpp"
#include "ackd/policy/policy.hpp"
#include "ackd/storm/detector.hpp"
#include "ackd/time/instant.hpp"
#include "nlohmann/json.hpp"

namespace ackd::plan {

// The kill switch: while paused, no reply goes to a customer (handoffs go on).
struct Pause {
  std::string by;
  std::string reason;
  time::Instant since;
};

// The daemon's settings that shape what a complaint owes, beside the policy's decision.
struct Mode {
  std::string reply_sink;          // the channel's, from ackd.yaml; empty: replies are suppressed
  bool shadow = false;             // decide and record, owe nothing
  bool drop_while_paused = false;  // pause.replies: suppress (else hold)
};

// The handoff of a case to a team, as stored.
struct Handoff {
  std::string team;
  std::string priority;
  time::Instant deadline;
  std::string deadline_text;
  // The follow-up notice owed after resolution, if the rule asks for one (never in shadow
  // mode): fixed at acceptance so a policy reload cannot change it; due `followup_after`
  // after resolution (due_at is set then).
  std::optional<time::Seconds> followup_after;
  std::optional<OutboxItem> followup;
};

// One complaint counted towards its rule's storm, so that a rolled-back transaction can take
// it back (storm::Detector::forget).
struct StormCount {
  std::string rule;
  time::Instant at;
  bool started = false;  // this complaint started the storm
};

// Everything a newly accepted complaint decides: the decision, the handoff and what it owes
// (the outbox), in one value the store persists in one transaction.
struct CasePlan {
  std::string id;
  std::string channel;
  std::string external_id;
  std::string author_id;
  time::Instant received_at;  // when the customer posted (or arrival)
  time::Instant accepted_at;
  nlohmann::json complaint;  // as received
  std::string policy_version;
  // After the storm, the channel's reply sink and the pause had their say.
  policy::Decision decision;
  bool shadow = false;
  std::optional<Handoff> handoff;
  std::vector<OutboxItem> outbox;                 // what the case owes; always empty in shadow mode
  std::vector<OutboxItem> would_send;             // shadow mode: what it would have owed
  std::optional<std::int64_t> reply_fingerprint;  // text::fingerprint of a queued reply
  std::optional<StormCount> storm_count;

  // A queued reply counts towards the author's reply limit.
  bool reply_counts_for_author() const {
    return decision.reply_status == policy::ReplyStatus::queued;
  }
};

// Plans a newly accepted complaint: no I/O; the id, the time, the author's history and the
// pause in force are handed in. The storm detector (null without safety.storm) counts the
// complaint; the plan's storm_count says what to take back if the plan is not stored.
CasePlan plan_case(const policy::Policy& policy, const Complaint& complaint,
                   const AuthorHistory& history, time::Instant now,
                   const std::optional<Pause>& pause, const Mode& mode, storm::Detector* storm,
                   std::string case_id);

// A held reply released after its case's deadline would promise a time already missed: it
// is decided again at `now` under `policy` and re-rendered with a fresh deadline (the same
// idempotency key), or, when the fresh decision has no reply, dropped with why.
struct ReplyRefresh {
  std::optional<std::string> payload;  // the reply to send; none: drop it
  std::string dropped_because;
};
ReplyRefresh refresh_reply(const policy::Policy& policy, const Complaint& complaint,
                           const OutboxItem& held, time::Instant now);

// What became of the reply: none, queued, suppressed, or in shadow mode would_send (a reply
// was decided and nothing goes out), so nobody reads "queued" as sent.
std::string_view reply_outcome(const CasePlan& plan);

// The decision as stored with the case (and shown in its timeline).
nlohmann::json decision_json(const CasePlan& plan);
// The body answered to the connector (stored too: a duplicate gets the first one).
nlohmann::json response_json(const CasePlan& plan);

}  // namespace ackd::plan
