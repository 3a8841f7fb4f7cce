#include "ackd/plan/outbox.hpp"

#include <array>
#include <utility>

namespace ackd::plan {
namespace {

constexpr std::array<std::pair<Kind, std::string_view>, 6> kNames{{
    {Kind::reply, "reply"},
    {Kind::handoff, "handoff"},
    {Kind::escalation, "escalation"},
    {Kind::breach, "breach"},
    {Kind::followup, "followup"},
    {Kind::incident, "incident"},
}};

}  // namespace

std::string_view to_string(Kind kind) {
  for (const auto& [k, name] : kNames) {
    if (k == kind) return name;
  }
  return "unknown";
}

std::optional<Kind> kind_from_string(std::string_view name) {
  for (const auto& [k, n] : kNames) {
    if (n == name) return k;
  }
  return std::nullopt;
}

std::string idempotency_key(std::string_view case_id, Kind kind, int level) {
  std::string key(case_id);
  key += ':';
  key += to_string(kind);
  if (kind == Kind::escalation) key += ":" + std::to_string(level);
  return key;
}

}  // namespace ackd::plan
