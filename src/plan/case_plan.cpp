#include "ackd/plan/case_plan.hpp"

#include "ackd/text/normalize.hpp"

namespace ackd::plan {
namespace {

using policy::ReplyStatus;

// What the customer is told automatically, for the team: the reply ackd sends, or why none.
nlohmann::json reply_summary(const policy::Decision& d) {
  nlohmann::json out{{"status", policy::to_string(d.reply_status)}};
  if (d.reply && d.reply_status == ReplyStatus::queued) {
    out["visibility"] = d.reply->direct_message ? "dm" : "public";
    out["text"] = d.reply->text;
  }
  if (!d.reason.empty()) out["reason"] = d.reason;
  return out;
}

nlohmann::json notice(const Complaint& c, const std::string& id, const policy::Decision& d,
                      Kind kind, int level) {
  return {{"kind", to_string(kind)},
          {"complaint_id", id},
          {"reference", case_reference(c.channel, c.external_id)},
          {"team", d.handoff->team},
          {"priority", d.priority},
          {"level", level},
          {"deadline", d.handoff->deadline_text},
          {"time_zone", d.handoff->time_zone},
          {"rule", d.rule_id},
          {"channel", c.channel},
          {"author", {{"id", c.author.id}, {"name", c.author.name}}},
          {"text", c.text},
          {"reply", reply_summary(d)}};
}

OutboxItem item(const std::string& id, Kind kind, int level, const std::string& sink,
                time::Instant due_at) {
  OutboxItem out;
  out.complaint_id = id;
  out.kind = kind;
  out.level = level;
  out.sink = sink;
  out.idempotency_key = idempotency_key(id, kind, level);
  out.due_at = due_at;
  return out;
}

OutboxItem team_notice(const Complaint& c, const std::string& id, const policy::Decision& d,
                       Kind kind, int level, const std::string& sink, time::Instant due_at) {
  auto out = item(id, kind, level, sink, due_at);
  out.payload = notice(c, id, d, kind, level).dump();
  return out;
}

std::string reply_payload(const Complaint& c, const std::string& id, const policy::Decision& d,
                          const std::string& key) {
  nlohmann::json out{{"kind", "reply"},
                     {"complaint_id", id},
                     {"external_id", c.external_id},
                     {"channel", c.channel},
                     {"thread_id", c.thread_id.empty() ? c.external_id : c.thread_id},
                     {"author_id", c.author.id},
                     {"visibility", d.reply->direct_message ? "dm" : "public"},
                     {"text", d.reply->text},
                     {"rule", d.rule_id},
                     {"idempotency_key", key}};
  // What a platform's reply needs besides (a LINE reply token, a Page id), as the source
  // or the poster put it.
  if (!c.metadata.empty()) out["metadata"] = c.metadata;
  return out.dump();
}

// Everything the decision owes, in the order it falls due: the reply (when queued and the
// channel has a reply sink), the handoff notice, each escalation, the breach.
std::vector<OutboxItem> owed(const Complaint& c, const std::string& id, const policy::Decision& d,
                             const std::string& reply_sink, time::Instant now) {
  std::vector<OutboxItem> out;
  if (d.reply && d.reply_status == ReplyStatus::queued && !reply_sink.empty()) {
    auto reply = item(id, Kind::reply, 0, reply_sink, now);
    reply.payload = reply_payload(c, id, d, reply.idempotency_key);
    out.push_back(std::move(reply));
  }
  if (!d.handoff) return out;
  out.push_back(team_notice(c, id, d, Kind::handoff, 0, d.handoff->sink, now));
  for (const auto& e : d.handoff->escalations) {
    out.push_back(team_notice(c, id, d, Kind::escalation, e.level, e.sink, e.at));
  }
  const int breach_level = static_cast<int>(d.handoff->escalations.size()) + 1;
  out.push_back(team_notice(c, id, d, Kind::breach, breach_level, d.handoff->breach_sink,
                            d.handoff->deadline));
  return out;
}

// The notice to the storm's team when this complaint started the storm.
OutboxItem incident(const policy::Policy& policy, const Complaint& c, const std::string& id,
                    const std::string& rule, time::Instant now) {
  const auto& s = *policy.safety.storm;
  auto out = item(id, Kind::incident, 0, s.notify, now);
  out.payload =
      nlohmann::json{
          {"kind", "incident"},
          {"event", "storm"},
          {"rule", rule},
          {"threshold", s.threshold},
          {"within", time::format_duration(s.within)},
          {"complaint_id", id},
          {"reference", case_reference(c.channel, c.external_id)},
          {"channel", c.channel},
          {"public_replies",
           s.template_index ? "storm template '" + policy.templates[*s.template_index].name + "'"
                            : std::string("stopped")},
          {"idempotency_key", out.idempotency_key}}
          .dump();
  return out;
}

}  // namespace

CasePlan plan_case(const policy::Policy& policy, const Complaint& c, const AuthorHistory& history,
                   time::Instant now, const std::optional<Pause>& pause, const Mode& mode,
                   storm::Detector* storm, std::string case_id) {
  CasePlan plan;
  plan.id = std::move(case_id);
  const std::string& id = plan.id;
  auto d = policy::evaluate(policy, c, history, now);
  // Every complaint counts towards its rule's storm; one that storms is decided again with
  // the storm in force (its public reply changes or stops). The first complaint past the
  // threshold carries the incident notice.
  if (storm && policy.safety.storm) {
    const auto state = storm->record(d.rule_id, now);  // the rate at which they arrive
    plan.storm_count = StormCount{d.rule_id, now, state == storm::Detector::State::started};
    if (state != storm::Detector::State::calm && d.reply) {
      d = policy::evaluate(policy, c, history, now, {.storming = {d.rule_id}});
    }
  }
  if (d.reply_status == ReplyStatus::queued && mode.reply_sink.empty()) {
    d.reply_status = ReplyStatus::suppressed;
    d.reason = "channel '" + c.channel + "' has no reply_sink in ackd.yaml";
  }
  const bool hold_reply = pause && d.reply_status == ReplyStatus::queued && !mode.drop_while_paused;
  if (pause && d.reply_status == ReplyStatus::queued) {
    const std::string who =
        "paused by " + pause->by + (pause->reason.empty() ? "" : ": " + pause->reason);
    if (mode.drop_while_paused) {
      d.reply_status = ReplyStatus::suppressed;
      d.reason = "replies are " + who;
    } else {
      d.reason = "held until replies are resumed (" + who + ")";
    }
  }

  plan.channel = c.channel;
  plan.external_id = c.external_id;
  plan.author_id = c.author.id;
  plan.received_at = d.received;
  plan.accepted_at = now;
  plan.complaint = to_json(c);
  plan.policy_version = policy.version;
  plan.shadow = mode.shadow;
  if (d.reply_status == ReplyStatus::queued && d.reply) {
    plan.reply_fingerprint = text::fingerprint(d.reply->text);
  }
  if (d.handoff) {
    Handoff h;
    h.team = d.handoff->team;
    h.priority = d.priority;
    h.deadline = d.handoff->deadline;
    h.deadline_text = d.handoff->deadline_text;
    if (d.followup) {
      h.followup_after = d.followup;
      h.followup = team_notice(c, id, d, Kind::followup, 0, d.handoff->sink, {});
    }
    plan.handoff = std::move(h);
  }
  auto deliveries = owed(c, id, d, mode.reply_sink, now);
  if (mode.shadow) {
    // Shadow mode owes nothing, after resolution neither: the follow-up is only recorded
    // with what would have been sent.
    plan.would_send = std::move(deliveries);
    if (plan.handoff && plan.handoff->followup) {
      plan.would_send.push_back(std::move(*plan.handoff->followup));
      plan.handoff->followup.reset();
      plan.handoff->followup_after.reset();
    }
  } else {
    for (auto& del : deliveries) {
      del.held = hold_reply && del.kind == Kind::reply;
      plan.outbox.push_back(std::move(del));
    }
    if (plan.storm_count && plan.storm_count->started && !policy.safety.storm->notify.empty()) {
      plan.outbox.push_back(incident(policy, c, id, d.rule_id, now));
    }
  }
  plan.decision = std::move(d);
  return plan;
}

ReplyRefresh refresh_reply(const policy::Policy& policy, const Complaint& complaint,
                           const OutboxItem& held, time::Instant now) {
  // Decided afresh as if it arrived now: its deadline has passed, so the clock restarts
  // (a late arrival), and the loop guards already had their say when it was first decided.
  const auto d = policy::evaluate(policy, complaint, AuthorHistory{}, now);
  if (!d.reply || d.reply_status != ReplyStatus::queued) {
    return {std::nullopt, d.reason.empty()
                              ? "decided afresh at release, rule '" + d.rule_id + "' has no reply"
                              : "decided afresh at release: " + d.reason};
  }
  return {reply_payload(complaint, held.complaint_id, d, held.idempotency_key), {}};
}

std::string_view reply_outcome(const CasePlan& plan) {
  if (plan.shadow && plan.decision.reply_status == policy::ReplyStatus::queued) {
    return "would_send";
  }
  return policy::to_string(plan.decision.reply_status);
}

nlohmann::json decision_json(const CasePlan& plan) {
  auto out = policy::to_json(plan.decision);
  out["reply"] = reply_outcome(plan);
  out["shadow"] = plan.shadow;
  if (plan.shadow) {
    auto& would = out["would_send"] = nlohmann::json::array();
    for (const auto& del : plan.would_send) {
      would.push_back({{"kind", to_string(del.kind)}, {"sink", del.sink}});
    }
  }
  return out;
}

nlohmann::json response_json(const CasePlan& plan) {
  const auto& d = plan.decision;
  nlohmann::json out = {{"id", plan.id},
                        {"duplicate", false},
                        {"rule", d.rule_id},
                        {"reply", reply_outcome(plan)},
                        {"handoff", nullptr}};
  if (!d.reason.empty()) out["reason"] = d.reason;
  if (plan.handoff) {
    out["handoff"] = {{"team", plan.handoff->team}, {"deadline", plan.handoff->deadline_text}};
  }
  return out;
}

}  // namespace ackd::plan
