#include "ackd/plan/notice_group.hpp"

#include <algorithm>

#include "nlohmann/json.hpp"

namespace ackd::plan {
namespace {

std::string group_key(const std::string& team, const OutboxItem& notice) {
  return team + ":" + std::string(to_string(notice.kind)) + ":" + std::to_string(notice.level);
}

}  // namespace

std::optional<NoticeGroup> notice_group(const policy::Policy& policy, const OutboxItem& notice,
                                        const std::vector<std::string>& storming_rules) {
  if (notice.kind != Kind::escalation && notice.kind != Kind::breach) return std::nullopt;
  auto payload = nlohmann::json::parse(notice.payload, nullptr, /*allow_exceptions=*/false);
  if (!payload.is_object()) return std::nullopt;
  const auto team_name = payload.value("team", std::string());
  const auto rule = payload.value("rule", std::string());
  time::Seconds wait{0};
  if (const auto* team = policy.team(team_name)) wait = team->group_wait;
  if (policy.safety.storm &&
      std::find(storming_rules.begin(), storming_rules.end(), rule) != storming_rules.end()) {
    wait = std::max(wait, policy.safety.storm->group_wait);
  }
  if (wait <= time::Seconds(0)) return std::nullopt;
  return NoticeGroup{group_key(team_name, notice), wait};
}

OutboxItem group_notice(const std::vector<OutboxItem>& members) {
  const OutboxItem& first = members.front();
  OutboxItem out = first;
  out.idempotency_key = first.idempotency_key + ":group";
  nlohmann::json cases = nlohmann::json::array();
  nlohmann::json ids = nlohmann::json::array();
  std::string priority;
  for (const auto& m : members) {
    ids.push_back(m.complaint_id);
    auto payload = nlohmann::json::parse(m.payload, nullptr, false);
    if (!payload.is_object()) continue;
    // "P1" before "P3": the most urgent of the group is the group's.
    auto p = payload.value("priority", std::string());
    if (!p.empty() && (priority.empty() || p < priority)) priority = p;
    if (cases.size() < kGroupShown) cases.push_back(std::move(payload));
  }
  auto head = nlohmann::json::parse(first.payload, nullptr, false);
  const auto team = head.is_object() ? head.value("team", std::string()) : std::string();
  out.payload =
      nlohmann::json{{"kind", to_string(first.kind)},
                     {"group", group_key(team, first)},
                     {"team", team},
                     {"priority", priority},
                     {"level", first.level},
                     {"count", members.size()},
                     {"complaint_ids", std::move(ids)},
                     {"cases", std::move(cases)},
                     {"handoffs", first.kind == Kind::breach ? "/v1/handoffs?state=breached"
                                                             : "/v1/handoffs?state=open"},
                     {"idempotency_key", out.idempotency_key}}
          .dump();
  return out;
}

}  // namespace ackd::plan
