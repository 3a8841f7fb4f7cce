#include "case_json.hpp"

#include <algorithm>

#include "ackd/complaint/complaint.hpp"

namespace ackd::api {
namespace {

using nlohmann::json;

json rfc3339(time::Instant t) {
  return time::format_rfc3339_utc(t);
}

template <class T>
json or_null(const std::optional<T>& value) {
  if (!value) return nullptr;
  if constexpr (std::is_same_v<T, time::Instant>) {
    return rfc3339(*value);
  } else {
    return *value;
  }
}

// A JSON column as stored; an unreadable one is shown as `fallback`.
json parse_stored(const std::string& text, json fallback) {
  auto j = json::parse(text, nullptr, false);
  return j.is_discarded() || (fallback.is_object() && !j.is_object()) ? fallback : j;
}

}  // namespace

json case_json(const store::CaseView& v, const ZoneOf& zone_of) {
  json decision = parse_stored(v.decision, json::object());
  // The store keeps "queued" in shadow mode too; nobody may read it as a reply sent.
  const bool shadow = decision.is_object() && decision.value("shadow", false);
  const std::string reply = shadow && v.reply_status == "queued" ? "would_send" : v.reply_status;
  decision["rule"] = v.rule;
  decision["policy_version"] = v.policy_version;
  decision["reply"] = reply;
  decision["reason"] = v.reason;
  json received = {{"at", rfc3339(v.received_at)},
                   {"event", "received"},
                   {"channel", v.channel},
                   {"external_id", v.external_id}};
  json decided = {{"at", rfc3339(v.accepted_at)},       {"event", "decided"}, {"rule", v.rule},
                  {"policy_version", v.policy_version}, {"reply", reply},     {"reason", v.reason}};
  json out = {{"id", v.id},
              {"reference", case_reference(v.channel, v.external_id)},
              {"channel", v.channel},
              {"external_id", v.external_id},
              {"received_at", rfc3339(v.received_at)},
              {"accepted_at", rfc3339(v.accepted_at)},
              {"complaint", parse_stored(v.complaint, nullptr)},
              {"decision", std::move(decision)},
              {"handoff", nullptr}};
  if (const auto& h = v.handoff) {
    out["handoff"] = {{"team", h->team},
                      {"priority", h->priority},
                      {"deadline", zone_of ? zone_of(h->team).format_rfc3339(h->deadline)
                                           : rfc3339(h->deadline).get<std::string>()},
                      {"state", h->state},
                      {"agent", or_null(h->agent)},
                      {"claimed_at", or_null(h->claimed_at)},
                      {"resolved_at", or_null(h->resolved_at)},
                      {"note", or_null(h->note)}};
    decided["handoff"] = {
        {"team", h->team}, {"priority", h->priority}, {"deadline", rfc3339(h->deadline)}};
  }
  std::vector<json> deliveries;
  json tickets = json::array();  // what the deliveries opened in a helpdesk
  auto& outbox = out["outbox"] = json::array();
  for (const auto& o : v.outbox) {
    if (o.kind == "reply") decided["reply_sink"] = o.sink;
    if (o.remote_id) tickets.push_back({{"sink", o.sink}, {"ticket", *o.remote_id}});
    if (o.delivered_at) {
      json e = {{"at", rfc3339(*o.delivered_at)},
                {"event", "delivered"},
                {"outbox_id", o.id},
                {"kind", o.kind},
                {"sink", o.sink},
                {"attempts", o.attempts}};
      if (o.kind == "escalation") e["level"] = o.level;
      if (o.remote_id) e["remote_id"] = *o.remote_id;
      deliveries.push_back(std::move(e));
    }
    outbox.push_back({{"id", o.id},
                      {"kind", o.kind},
                      {"level", o.level},
                      {"sink", o.sink},
                      {"state", o.state},
                      {"attempts", o.attempts},
                      {"due_at", rfc3339(o.due_at)},
                      {"delivered_at", or_null(o.delivered_at)},
                      {"last_error", or_null(o.last_error)},
                      {"idempotency_key", o.idempotency_key},
                      {"held", o.held},
                      {"remote_id", or_null(o.remote_id)}});
  }
  if (!out["handoff"].is_null()) out["handoff"]["tickets"] = std::move(tickets);
  out["failed_deliveries"] = std::count_if(v.outbox.begin(), v.outbox.end(),
                                           [](const auto& o) { return o.state == "failed"; });
  auto& events = out["timeline"] = json::array({std::move(received), std::move(decided)});
  for (const auto& stored : v.events) {
    json e = parse_stored(stored.detail, json::object());
    e["at"] = rfc3339(stored.at);
    e["event"] = stored.event;
    events.push_back(std::move(e));
  }
  // Deliveries join the other events in time order (RFC 3339 UTC text sorts by time).
  for (auto& d : deliveries) events.push_back(std::move(d));
  std::stable_sort(events.begin(), events.end(), [](const json& a, const json& b) {
    return a["at"].get<std::string>() < b["at"].get<std::string>();
  });
  return out;
}

json handoffs_json(const std::vector<store::HandoffRow>& rows, const ZoneOf& zone_of) {
  json list = json::array();
  for (const auto& r : rows) {
    list.push_back(
        {{"id", r.id},
         {"team", r.team},
         {"priority", r.priority},
         {"deadline", zone_of ? zone_of(r.team).format_rfc3339(r.deadline)
                              : rfc3339(r.deadline).get<std::string>()},
         {"state", r.state},
         {"agent", or_null(r.agent)},
         {"rule", r.rule},
         {"channel", r.channel},
         {"failed_deliveries", r.failed_deliveries},
         {"reference", r.reference},
         {"author", {{"id", r.author.id}, {"name", r.author.name}, {"handle", r.author.handle}}},
         {"excerpt", r.excerpt}});
  }
  return {{"handoffs", std::move(list)}};
}

}  // namespace ackd::api
