// `ackd rules POLICY`: the rules in the order they are tried, across files, with what each
// looks for. The policy's warnings (a rule above a more urgent one it takes from) follow.
#include <iomanip>
#include <iostream>

#include "commands.hpp"

namespace ackd::cli {

namespace {

std::string summary(const policy::Condition& c) {
  using Kind = policy::Condition::Kind;
  auto joined = [&c](std::string_view separator) {
    std::string out;
    for (const auto& child : c.children) {
      out += (out.empty() ? "" : std::string(separator)) + summary(child);
    }
    return out;
  };
  switch (c.kind) {
    case Kind::all_of:
      return joined(", ");
    case Kind::any_of:
      return "any of (" + joined("; ") + ")";
    case Kind::negation:
      return "not " + joined("");
    default:
      return c.label;
  }
}

}  // namespace

int rules(const std::vector<std::string>& args) {
  const std::string usage = "usage: ackd rules POLICY";
  auto parse = parse_arguments(args, {}, usage);
  if (!parse.arguments) return parse.exit_status;
  if (parse.arguments->positional.size() != 1) return usage_error(usage);
  const std::string& path = parse.arguments->positional[0];
  auto policy = load_policy_or_report(path);
  if (!policy) return kFailed;
  std::size_t id_width = 4;
  for (const auto& rule : policy->rules) id_width = std::max(id_width, rule.id.size());
  std::cout << "  # " << std::left << std::setw(static_cast<int>(id_width)) << "rule"
            << "  pri  where and what it looks for\n";
  for (std::size_t i = 0; i < policy->rules.size(); ++i) {
    const auto& rule = policy->rules[i];
    std::cout << std::right << std::setw(3) << i + 1 << " " << std::left
              << std::setw(static_cast<int>(id_width)) << rule.id << "  " << std::setw(3)
              << rule.priority << "  " << rule.where.file << ":" << rule.where.line << "  "
              << (rule.when ? summary(*rule.when) : "everything (no `when`)") << "\n";
  }
  return kOk;
}

}  // namespace ackd::cli
