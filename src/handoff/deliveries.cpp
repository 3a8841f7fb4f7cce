#include "ackd/handoff/deliveries.hpp"

namespace ackd::handoff {
namespace {

nlohmann::json notice(const Complaint& c, const std::string& id, const policy::Decision& d,
                      const std::string& kind, int level) {
  return {{"kind", kind},
          {"complaint_id", id},
          {"team", d.handoff->team},
          {"priority", d.priority},
          {"level", level},
          {"deadline", d.handoff->deadline_text},
          {"rule", d.rule_id},
          {"channel", c.channel},
          {"author", {{"id", c.author.id}, {"name", c.author.name}}},
          {"text", c.text}};
}

std::string key(const std::string& id, const std::string& kind, int level = 0) {
  return id + ":" + kind + (level > 0 ? ":" + std::to_string(level) : "");
}

}  // namespace

std::vector<Delivery> plan_deliveries(const Complaint& c, const std::string& id,
                                      const policy::Decision& d, const std::string& reply_sink,
                                      time::Instant now) {
  std::vector<Delivery> out;
  if (d.reply && d.reply_status == policy::ReplyStatus::queued && !reply_sink.empty()) {
    Delivery reply{"reply", 0, reply_sink, key(id, "reply"), {}, now};
    reply.payload = {{"kind", "reply"},
                     {"complaint_id", id},
                     {"external_id", c.external_id},
                     {"channel", c.channel},
                     {"thread_id", c.thread_id.empty() ? c.external_id : c.thread_id},
                     {"author_id", c.author.id},
                     {"visibility", d.reply->direct_message ? "dm" : "public"},
                     {"text", d.reply->text},
                     {"rule", d.rule_id},
                     {"idempotency_key", reply.idempotency_key}};
    out.push_back(std::move(reply));
  }
  if (!d.handoff) return out;
  out.push_back(
      {"handoff", 0, d.handoff->sink, key(id, "handoff"), notice(c, id, d, "handoff", 0), now});
  for (const auto& e : d.handoff->escalations) {
    out.push_back({"escalation", e.level, e.sink, key(id, "escalation", e.level),
                   notice(c, id, d, "escalation", e.level), e.at});
  }
  const int breach_level = static_cast<int>(d.handoff->escalations.size()) + 1;
  out.push_back({"breach", breach_level, d.handoff->breach_sink, key(id, "breach"),
                 notice(c, id, d, "breach", breach_level), d.handoff->deadline});
  return out;
}

std::optional<Delivery> plan_followup(const Complaint& c, const std::string& id,
                                      const policy::Decision& d) {
  if (!d.followup || !d.handoff) return std::nullopt;
  return Delivery{
      "followup", 0, d.handoff->sink, key(id, "followup"), notice(c, id, d, "followup", 0), {}};
}

}  // namespace ackd::handoff
