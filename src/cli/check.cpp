#include <iostream>

#include "commands.hpp"

namespace ackd::cli {

int check(const std::vector<std::string>& args) {
  std::optional<std::string> config;
  std::vector<std::string> positional;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--config") {
      if (i + 1 >= args.size()) return usage_error("--config needs a file");
      config = args[++i];
    } else if (args[i].rfind("--", 0) == 0) {
      return usage_error("check: unknown option " + args[i]);
    } else {
      positional.push_back(args[i]);
    }
  }
  if (positional.size() != 1) return usage_error("usage: ackd check [--config FILE] POLICY");
  if (config) {
    std::cerr << "ackd: check --config is not supported yet by this build\n";
    return kUsage;
  }
  auto policy = load_policy_or_report(positional[0]);
  if (!policy) return kFailed;
  std::cout << positional[0] << ": ok: " << policy->rules.size() << " rules, "
            << policy->templates.size() << " templates, " << policy->teams.size()
            << " teams (version " << policy->version << ")\n";
  return kOk;
}

}  // namespace ackd::cli
