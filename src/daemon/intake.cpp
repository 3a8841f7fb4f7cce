#include "intake.hpp"

#include <chrono>
#include <cstdio>
#include <random>

#include "ackd/handoff/deliveries.hpp"
#include "ackd/policy/evaluate.hpp"
#include "ackd/text/normalize.hpp"

namespace ackd::daemon {
namespace {

// Time-ordered (milliseconds first, then 80 random bits), so that the store's primary keys
// and the indexes on them grow at one end instead of dirtying a random page per insert.
std::string new_case_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  char buf[33];
  std::snprintf(buf, sizeof buf, "%012llx%04llx%016llx", static_cast<unsigned long long>(ms),
                static_cast<unsigned long long>(rng() & 0xffff),
                static_cast<unsigned long long>(rng()));
  return buf;
}

}  // namespace

store::CaseRecord plan_case(const policy::Policy& policy, const Complaint& c,
                            const AuthorHistory& history, const std::optional<store::Pause>& pause,
                            const IntakeMode& mode, time::Instant now) {
  const auto& reply_sink = mode.reply_sink;
  const bool shadow = mode.shadow;
  auto d = policy::evaluate(policy, c, history, now);
  store::CaseRecord rec;
  rec.id = new_case_id();
  // Every complaint counts towards its rule's storm; one that storms is decided again with
  // the storm in force (its public reply changes or stops). The first complaint past the
  // threshold carries the incident notice.
  bool storm_started = false;
  if (mode.storm && policy.safety.storm) {
    const auto state = mode.storm->record(d.rule_id, now);  // the rate at which they arrive
    storm_started = state == storm::Detector::State::started;
    if (state != storm::Detector::State::calm && d.reply) {
      d = policy::evaluate(policy, c, history, now, {.storming = {d.rule_id}});
    }
  }
  rec.channel = c.channel;
  rec.external_id = c.external_id;
  rec.author_id = c.author.id;
  rec.received_at = d.started;
  rec.accepted_at = now;
  rec.complaint = to_json(c);
  rec.rule = d.rule_id;
  rec.policy_version = policy.version;
  if (d.reply_status == policy::ReplyStatus::queued && reply_sink.empty()) {
    d.reply_status = policy::ReplyStatus::suppressed;
    d.reason = "channel '" + c.channel + "' has no reply_sink in ackd.yaml";
  }
  const bool hold_reply = pause && d.reply_status == policy::ReplyStatus::queued;
  if (hold_reply) {
    const std::string who =
        "paused by " + pause->by + (pause->reason.empty() ? "" : ": " + pause->reason);
    if (mode.drop_while_paused) {
      d.reply_status = policy::ReplyStatus::suppressed;
      d.reason = "replies are " + who;
    } else {
      d.reason = "held until replies are resumed (" + who + ")";
    }
  }
  rec.reply_status = std::string(policy::to_string(d.reply_status));
  rec.reason = d.reason;
  rec.reply_counts_for_author = d.reply_status == policy::ReplyStatus::queued;
  if (rec.reply_counts_for_author && d.reply) {
    rec.reply_fingerprint = text::fingerprint(d.reply->text);
  }
  rec.decision = policy::to_json(d);
  rec.decision["shadow"] = shadow;
  // Queued when the case is resolved: in shadow mode, only recorded (would_send below).
  const auto followup = d.handoff ? handoff::plan_followup(c, rec.id, d) : std::nullopt;
  if (d.handoff) {
    store::HandoffRecord h;
    h.team = d.handoff->team;
    h.priority = d.priority;
    h.deadline = d.handoff->deadline;
    h.deadline_text = d.handoff->deadline_text;
    if (const auto& f = followup; f && !shadow) {
      h.followup_after = d.followup;
      h.followup_sink = f->sink;
      h.followup_payload = f->payload.dump();
    }
    rec.handoff = std::move(h);
  }
  auto deliveries = handoff::plan_deliveries(c, rec.id, d, reply_sink, now);
  if (shadow) {
    // Decided and recorded, never sent.
    auto& would = rec.decision["would_send"] = nlohmann::json::array();
    for (const auto& del : deliveries) would.push_back({{"kind", del.kind}, {"sink", del.sink}});
    if (followup) would.push_back({{"kind", followup->kind}, {"sink", followup->sink}});
  } else {
    for (auto& del : deliveries) {
      store::OutboxItem item;
      item.complaint_id = rec.id;
      item.kind = del.kind;
      item.level = del.level;
      item.sink = del.sink;
      item.idempotency_key = del.idempotency_key;
      item.payload = del.payload.dump();
      item.due_at = del.due_at;
      item.held = hold_reply && !mode.drop_while_paused && item.kind == "reply";
      rec.outbox.push_back(std::move(item));
    }
    if (storm_started && !policy.safety.storm->notify.empty()) {
      const auto& s = *policy.safety.storm;
      store::OutboxItem incident;
      incident.complaint_id = rec.id;
      incident.kind = "incident";
      incident.sink = s.notify;
      incident.idempotency_key = rec.id + ":incident";
      incident.payload =
          nlohmann::json{{"kind", "incident"},
                         {"event", "storm"},
                         {"rule", d.rule_id},
                         {"threshold", s.threshold},
                         {"within", time::format_duration(s.within)},
                         {"complaint_id", rec.id},
                         {"channel", c.channel},
                         {"public_replies",
                          s.template_index
                              ? "storm template '" + policy.templates[*s.template_index].name + "'"
                              : std::string("stopped")},
                         {"idempotency_key", incident.idempotency_key}}
              .dump();
      incident.due_at = now;
      rec.outbox.push_back(std::move(incident));
    }
  }
  rec.response = {{"id", rec.id},
                  {"duplicate", false},
                  {"rule", d.rule_id},
                  {"reply", rec.reply_status},
                  {"handoff", nullptr}};
  if (!d.reason.empty()) rec.response["reason"] = d.reason;
  if (d.handoff) {
    rec.response["handoff"] = {{"team", d.handoff->team}, {"deadline", d.handoff->deadline_text}};
  }
  return rec;
}

}  // namespace ackd::daemon
