// teams: who is told of a handoff, when, and whom it escalates to.
#include <algorithm>

#include "loader.hpp"

namespace ackd::policy {

const std::vector<std::string> kTeamKeys = {"notify", "escalate", "calendar", "group_wait"};

void Loader::compile_teams() {
  for (const auto& e : named_["teams"]) {
    yaml::Reader& r = *e.reader;
    const std::string what = "team '" + e.name + "'";
    Team team;
    team.name = e.name;
    team.where = r.at(e.key);
    if (!r.is_map(e.value, what)) continue;
    r.check_keys(e.value, kTeamKeys, what);
    if (auto n = e.value["notify"]) {
      if (auto sink = r.string(n, "notify")) team.notify = *sink;
      team.notify_where = r.at(n);
    } else {
      r.error(e.key, what + " needs notify: the sink its handoffs go to", yaml::Code::missing);
    }
    if (auto c = e.value["calendar"]) team.calendar = find_calendar(c, r);
    if (auto g = e.value["group_wait"])
      team.group_wait = r.duration(g, "group_wait").value_or(time::Seconds(0));
    if (auto esc = e.value["escalate"]; esc && r.is_sequence(esc, "escalate")) {
      for (const auto& step : esc) {
        if (!r.is_map(step, "an escalation step")) continue;
        r.check_keys(step, {"after", "notify"}, "an escalation step");
        auto after = step["after"] ? r.duration(step["after"], "after") : std::nullopt;
        auto sink = step["notify"] ? r.string(step["notify"], "notify") : std::nullopt;
        if (!step["after"] || !step["notify"]) {
          r.error(step, "an escalation step needs after and notify", yaml::Code::missing);
        }
        if (after && sink) team.escalate.push_back({*after, *sink, r.at(step["notify"])});
      }
      std::stable_sort(team.escalate.begin(), team.escalate.end(),
                       [](const auto& a, const auto& b) { return a.after < b.after; });
    }
    policy_->teams.push_back(std::move(team));
  }
}

}  // namespace ackd::policy
