#include <iostream>

#include "ackd/config/read.hpp"
#include "ackd/deliver/sink_registry.hpp"
#include "ackd/yaml/files.hpp"
#include "commands.hpp"

namespace ackd::cli {
namespace {

// With --config, the policy is the config's unless named, relative to the config's folder.
// With --strict a warning fails the check too: what a reload runs, so that a policy that
// would take complaints from a more urgent rule never goes live unnoticed.
int warnings_fail(std::size_t warnings, const std::string& what) {
  std::cerr << warnings << " warning" << (warnings == 1 ? "" : "s") << " in " << what
            << " (--strict)\n";
  return kFailed;
}

int check_with_config(const std::string& config_path, std::optional<std::string> policy_path,
                      bool strict) {
  std::string error;
  auto content = yaml::read_file(config_path, error);
  if (!content) {
    std::cerr << "ackd: " << error << "\n";
    return kFailed;
  }
  auto parsed = config::read_config({config_path, *content});
  if (!parsed.config) {
    print_diagnostics(parsed.diagnostics);
    std::cerr << parsed.diagnostics.size() << " error(s) in " << config_path << "\n";
    return kFailed;
  }
  print_diagnostics(parsed.diagnostics);  // its warnings
  if (!policy_path) policy_path = yaml::resolve_path(parsed.config->policy, config_path);
  std::size_t warnings = 0;
  auto policy = load_policy_or_report(*policy_path, &warnings);
  if (!policy) return kFailed;
  yaml::Diagnostics references;
  config::check_references(*parsed.config, *policy, references, &deliver::builtin_sinks());
  print_diagnostics(references);
  if (!references.empty()) {
    std::cerr << references.size() << " error(s) between " << config_path << " and " << *policy_path
              << "\n";
    return kFailed;
  }
  warnings += references.warnings().size() + parsed.diagnostics.warnings().size();
  if (strict && warnings > 0) return warnings_fail(warnings, config_path);
  std::cout << config_path << ": ok: " << parsed.config->sinks.size() << " sinks; " << *policy_path
            << ": ok: " << policy->rules.size() << " rules (version " << policy->version << ")\n";
  return kOk;
}

}  // namespace

int check(const std::vector<std::string>& args) {
  const std::string usage = "usage: ackd check [--strict] [--config FILE] [POLICY]";
  std::vector<std::string> rest;
  bool strict = false;
  for (const auto& a : args) {
    if (a == "--strict") {
      strict = true;
    } else {
      rest.push_back(a);
    }
  }
  auto parse = parse_arguments(rest, {"--config"}, usage);
  if (!parse.arguments) return parse.exit_status;
  const Arguments& arguments = *parse.arguments;
  const auto& positional = arguments.positional;
  const auto config = arguments.option("--config");
  if (positional.size() > 1 || (positional.empty() && !config)) return usage_error(usage);
  std::optional<std::string> policy_path;
  if (!positional.empty()) policy_path = positional[0];
  if (config) return check_with_config(*config, policy_path, strict);
  std::size_t warnings = 0;
  auto policy = load_policy_or_report(*policy_path, &warnings);
  if (!policy) return kFailed;
  if (strict && warnings > 0) return warnings_fail(warnings, *policy_path);
  std::cout << *policy_path << ": ok: " << policy->rules.size() << " rules, "
            << policy->templates.size() << " templates, " << policy->teams.size()
            << " teams (version " << policy->version << ")\n";
  return kOk;
}

}  // namespace ackd::cli
