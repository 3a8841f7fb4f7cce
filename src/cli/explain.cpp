#include <chrono>
#include <iostream>

#include "ackd/policy/evaluate.hpp"
#include "ackd/yaml/files.hpp"
#include "commands.hpp"

namespace ackd::cli {

namespace {

// The complaint to explain: read from its file, or made of `--text` (a public post on
// `--channel`, x by default, by an author "explain").
absl::StatusOr<Complaint> complaint_to_explain(const Arguments& arguments) {
  if (auto text = arguments.option("--text")) {
    nlohmann::json body = {{"external_id", "explain"},
                           {"channel", arguments.option("--channel").value_or("x")},
                           {"author", {{"id", "explain"}}},
                           {"text", *text}};
    return parse_complaint(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  const std::string& path = arguments.positional[1];
  std::string error;
  auto body = yaml::read_file(path, error);
  if (!body) return absl::NotFoundError(error);
  auto complaint = parse_complaint(*body);
  if (!complaint.ok())
    return absl::InvalidArgumentError(path + ": " + std::string(complaint.status().message()));
  return complaint;
}

}  // namespace

int explain(const std::vector<std::string>& args) {
  const std::string usage =
      "usage: ackd explain POLICY (COMPLAINT.json | --text TEXT [--channel CHANNEL]) [--at TIME]";
  auto parse = parse_arguments(args, {"--at", "--text", "--channel"}, usage);
  if (!parse.arguments) return parse.exit_status;
  const Arguments& arguments = *parse.arguments;
  const auto& positional = arguments.positional;
  const bool from_text = arguments.option("--text").has_value();
  if (positional.size() != (from_text ? 1u : 2u)) return usage_error(usage);
  if (!from_text && arguments.option("--channel")) return usage_error(usage);
  std::optional<time::Instant> at;
  if (auto text = arguments.option("--at")) {
    at = time::parse_rfc3339(*text);
    if (!at) return usage_error("--at: '" + *text + "' is not an RFC 3339 time");
  }
  auto policy = load_policy_or_report(positional[0]);
  if (!policy) return kFailed;
  auto complaint = complaint_to_explain(arguments);
  if (!complaint.ok()) {
    std::cerr << "ackd: " << complaint.status().message() << "\n";
    return kFailed;
  }
  // Without --at, the complaint is explained as of when it was received.
  const auto now = at.value_or(complaint->received_at.value_or(
      std::chrono::time_point_cast<time::Seconds>(std::chrono::system_clock::now())));
  auto d = policy::evaluate(*policy, *complaint, {}, now, {.trace = true});

  std::cout << "complaint " << complaint->channel << "/" << complaint->external_id << " at "
            << time::format_rfc3339_utc(d.started) << ", language " << d.lang;
  if (d.pii_kind) std::cout << ", personal data: " << *d.pii_kind;
  std::cout << "\n\n";
  bool decided = false;
  for (const auto& t : d.trace) {
    const char* verdict =
        t.matched ? (decided ? "matches (not used: an earlier rule won)" : "MATCHES") : "no match";
    std::cout << "rule " << t.rule_id << ": " << verdict << "\n";
    for (const auto& r : t.reasons) std::cout << "    " << r << "\n";
    decided = decided || t.matched;
  }
  std::cout << "\ndecision: rule " << d.rule_id << ", priority " << d.priority << "\n";
  if (d.reply) {
    const bool queued = d.reply_status == policy::ReplyStatus::queued;
    std::cout << "reply: " << policy::to_string(d.reply_status) << (queued ? ", " : " (would be ")
              << (d.reply->direct_message ? "a direct message" : "a public reply") << " in "
              << d.reply->lang << ", template " << d.reply->template_name << (queued ? "" : ")")
              << "\n"
              << "    " << d.reply->text << "\n";
  } else {
    std::cout << "reply: none\n";
  }
  if (!d.reason.empty()) std::cout << "    suppressed: " << d.reason << "\n";
  for (const auto& n : d.notes) std::cout << "    note: " << n << "\n";
  if (d.handoff) {
    std::cout << "handoff: team " << d.handoff->team << " (notify " << d.handoff->sink
              << "), deadline " << d.handoff->deadline_text << " on calendar "
              << d.handoff->calendar << "\n";
    const auto& zone = policy->calendar(d.handoff->calendar)->calendar.zone();
    for (const auto& e : d.handoff->escalations) {
      std::cout << "    escalation " << e.level << " at " << zone.format_rfc3339(e.at) << " to "
                << e.sink << " if unclaimed\n";
    }
    std::cout << "    breach at the deadline to " << d.handoff->breach_sink << " if unresolved\n";
  } else {
    std::cout << "handoff: none\n";
  }
  if (d.followup)
    std::cout << "follow-up: " << time::format_duration(*d.followup) << " after resolution\n";
  return kOk;
}

}  // namespace ackd::cli
