#include <chrono>
#include <fstream>
#include <iostream>
#include <map>

#include "ackd/policy/evaluate.hpp"
#include "commands.hpp"

namespace ackd::cli {
namespace {

// Replays keep each author's history as the recorded stream builds it, so `repeat` and the
// per-author reply limit behave as they would have live.
class Replayer {
 public:
  explicit Replayer(const policy::Policy& policy) : policy_(policy) {}

  policy::Decision decide(const Complaint& c, time::Instant now) {
    auto& history = histories_[c.channel + '\n' + c.author.id];
    auto d = policy::evaluate(policy_, c, history, now);
    history.complaints.push_back(d.received);
    if (d.reply_status == policy::ReplyStatus::queued) history.replies.push_back(d.received);
    return d;
  }

 private:
  const policy::Policy& policy_;
  std::map<std::string, AuthorHistory> histories_;
};

std::string outcome(const nlohmann::json& d) {
  return d["rule"].get<std::string>() + "/" + d["reply"].get<std::string>();
}

}  // namespace

int replay(const std::vector<std::string>& args) {
  const std::string usage = "usage: ackd replay POLICY FILE.ndjson [--compare POLICY2]";
  auto parse = parse_arguments(args, {"--compare"}, usage);
  if (!parse.arguments) return parse.exit_status;
  const Arguments& arguments = *parse.arguments;
  const auto& positional = arguments.positional;
  if (positional.size() != 2) return usage_error(usage);
  const auto compare_path = arguments.option("--compare");
  auto before = load_policy_or_report(positional[0]);
  if (!before) return kFailed;
  std::shared_ptr<const policy::Policy> after;
  if (compare_path) {
    after = load_policy_or_report(*compare_path);
    if (!after) return kFailed;
  }
  std::ifstream in(positional[1], std::ios::binary);
  if (!in) {
    std::cerr << "ackd: " << positional[1] << ": cannot open\n";
    return kFailed;
  }
  Replayer replay_before(*before);
  std::optional<Replayer> replay_after;
  if (after) replay_after.emplace(*after);

  const auto now = std::chrono::time_point_cast<time::Seconds>(std::chrono::system_clock::now());
  std::map<std::string, std::size_t> by_rule;
  std::map<std::string, std::size_t> changes;
  std::size_t total = 0, invalid = 0, changed = 0, line_number = 0;
  std::string line;
  while (std::getline(in, line)) {
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto complaint = parse_complaint(line);
    if (!complaint.ok()) {
      std::cerr << positional[1] << ":" << line_number
                << ": error: " << complaint.status().message() << "\n";
      ++invalid;
      continue;
    }
    ++total;
    const auto at = complaint->received_at.value_or(now);
    auto first = policy::to_json(replay_before.decide(*complaint, at));
    nlohmann::json row = {{"line", line_number},
                          {"channel", complaint->channel},
                          {"external_id", complaint->external_id}};
    if (!replay_after) {
      ++by_rule[first["rule"].get<std::string>()];
      row["decision"] = std::move(first);
      std::cout << row.dump() << "\n";
      continue;
    }
    auto second = policy::to_json(replay_after->decide(*complaint, at));
    ++by_rule[second["rule"].get<std::string>()];
    if (first == second) continue;
    ++changed;
    ++changes[outcome(first) + " -> " + outcome(second)];
    row["before"] = std::move(first);
    row["after"] = std::move(second);
    std::cout << row.dump() << "\n";
  }
  // The summary goes to stderr so stdout stays one JSON object a line.
  std::cerr << "replayed " << total << " complaints";
  if (invalid) std::cerr << " (" << invalid << " invalid lines skipped)";
  std::cerr << "\nby rule" << (after ? " (with " + *compare_path + ")" : "") << ":\n";
  for (const auto& [rule, n] : by_rule) std::cerr << "  " << rule << ": " << n << "\n";
  if (after) {
    std::cerr << changed << " of " << total << " decisions changed\n";
    for (const auto& [change, n] : changes) std::cerr << "  " << change << ": " << n << "\n";
  }
  return kOk;
}

}  // namespace ackd::cli
