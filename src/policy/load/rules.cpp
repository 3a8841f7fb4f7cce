// rules: id, priority, when (when.cpp), reply, handoff, followup and tags, in file order.
#include <map>

#include "loader.hpp"

namespace ackd::policy {

const std::vector<std::string> kRuleKeys = {"id",    "description", "priority", "when",
                                            "reply", "handoff",     "followup", "tags"};

void Loader::compile_rules() {
  std::map<std::string, SourceLocation> seen;
  for (std::size_t i = 0; i < rule_nodes_.size(); ++i) {
    auto& [node, reader] = rule_nodes_[i];
    // Duplicates are found even among rules with other errors, whose errors are reported too.
    bool duplicate = false;
    if (node.IsMap() && node["id"] && node["id"].IsScalar()) {
      const std::string& id = node["id"].Scalar();
      if (auto [first, fresh] = seen.emplace(id, reader->at(node["id"])); !fresh) {
        reader->error(node["id"],
                      "duplicate rule id '" + id + "' (first at " + first->second.file + ":" +
                          std::to_string(first->second.line) + ")",
                      yaml::Code::already_defined);
        duplicate = true;
      }
    }
    auto rule = compile_rule(node, *reader, i);
    if (i + 1 == rule_nodes_.size()) last_rule_compiled_ = rule && !duplicate;
    if (rule && !duplicate) policy_->rules.push_back(std::move(*rule));
  }
  if (rule_nodes_.empty() && !unreadable_) {
    diagnostics_.error({readers_.empty() ? "policy" : readers_.front()->file(), 0, 0},
                       "the policy has no rules");
  }
}

std::optional<Rule> Loader::compile_rule(const YAML::Node& node, yaml::Reader& r,
                                         std::size_t position) {
  const std::string fallback_name = "rule #" + std::to_string(position + 1);
  if (!r.is_map(node, fallback_name)) return std::nullopt;
  Rule rule;
  rule.where = r.at(node);
  bool ok = true;
  if (auto id = node["id"]) {
    if (auto s = r.string(id, "id")) rule.id = *s;
    if (rule.id.empty() || rule.id.find_first_of(" \t") != std::string::npos) {
      r.error(id, "rule id must be a non-empty word");
      ok = false;
    }
  } else {
    r.error(node, fallback_name + " needs an id", yaml::Code::missing);
    ok = false;
  }
  const std::string what = rule.id.empty() ? fallback_name : "rule '" + rule.id + "'";
  r.check_keys(node, kRuleKeys, what);
  if (auto p = node["priority"]) {
    if (auto s = r.one_of(p, "priority", {"P1", "P2", "P3", "P4", "P5"},
                          "priority must be one of P1 (most urgent) to P5")) {
      rule.priority = *s;
    }
  }
  if (auto when = node["when"]) {
    rule.when = compile_when(when, r);
    if (!rule.when) ok = false;
  }
  if (auto reply = node["reply"]) {
    ok = compile_reply(reply, r, what, rule) && ok;
  } else {
    r.error(node, what + " needs reply: a template, or 'none' to send nothing",
            yaml::Code::missing);
  }
  if (auto handoff = node["handoff"]) {
    ok = compile_handoff(handoff, r, what, rule) && ok;
  } else {
    r.error(node, what + " needs handoff: a team, or 'none' to tell no one", yaml::Code::missing);
  }
  if (auto f = node["followup"]) {
    rule.followup = r.duration(f, "followup");
    if (!rule.followup) ok = false;
  }
  if (auto tags = node["tags"]) {
    if (auto list = r.strings(tags, "tags")) rule.tags = *list;
  }
  if (!ok || rule.id.empty()) return std::nullopt;
  return rule;
}

bool Loader::compile_reply(const YAML::Node& reply, yaml::Reader& r, const std::string& what,
                           Rule& rule) {
  if (reply.IsScalar() && reply.Scalar() == "none") return true;
  if (!r.is_map(reply, what + " reply (or 'none')")) return false;
  r.check_keys(reply, {"template", "visibility"}, what + " reply");
  bool ok = true;
  ReplySpec spec;
  if (auto t = reply["template"]) {
    auto index = template_named(t, r);
    ok = index.has_value();  // else reported; the rule must not be kept with template 0
    spec.template_index = index.value_or(0);
  } else {
    r.error(reply, what + " reply needs a template", yaml::Code::missing);
    ok = false;
  }
  if (auto v = reply["visibility"]) {
    auto s =
        r.one_of(v, "visibility", {"public", "dm"}, "reply visibility must be 'public' or 'dm'");
    if (s == "public") spec.visibility = ReplyVisibility::public_post;
    if (s == "dm") spec.visibility = ReplyVisibility::direct_message;
  }
  rule.reply = spec;
  return ok;
}

bool Loader::compile_handoff(const YAML::Node& handoff, yaml::Reader& r, const std::string& what,
                             Rule& rule) {
  if (handoff.IsScalar() && handoff.Scalar() == "none") return true;
  if (!r.is_map(handoff, what + " handoff (or 'none')")) return false;
  r.check_keys(handoff, {"team", "within", "calendar"}, what + " handoff");
  bool ok = true;
  HandoffSpec spec;
  std::optional<std::size_t> team_calendar;
  if (auto t = handoff["team"]) {
    auto team = team_named(t, r);
    ok = team.has_value();  // else reported; the rule must not be kept with team 0
    if (team) {
      spec.team = *team;
      team_calendar = policy_->teams[*team].calendar;
    }
  } else {
    r.error(handoff, what + " handoff needs a team", yaml::Code::missing);
    ok = false;
  }
  if (auto w = handoff["within"]) {
    auto d = r.duration(w, "within");
    ok = d.has_value() && ok;
    spec.within = d.value_or(spec.within);
  } else {
    r.error(handoff, what + " handoff needs within: how long the team has, e.g. 4h",
            yaml::Code::missing);
    ok = false;
  }
  if (auto c = handoff["calendar"]) {
    auto calendar = find_calendar(c, r);
    ok = calendar.has_value() && ok;
    spec.calendar = calendar.value_or(0);
  } else {
    spec.calendar = team_calendar.value_or(0);
  }
  rule.handoff = spec;
  return ok;
}

}  // namespace ackd::policy
