#include <algorithm>
#include <iostream>
#include <nlohmann/json.hpp>

#include "ackd/config/read.hpp"
#include "ackd/deliver/sink_registry.hpp"
#include "ackd/yaml/files.hpp"
#include "commands.hpp"

namespace ackd::cli {
namespace {

// What a check found, whatever it was asked to check.
struct Report {
  yaml::Diagnostics found;
  std::vector<std::string> failures;  // "2 errors in rules", one per source refused
  std::string summary;                // "rules: ok: ...", when everything loaded
};

std::string count(std::size_t n, const std::string& what) {
  return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
}

std::shared_ptr<const policy::Policy> load_policy_into(const std::string& path, Report& report) {
  auto result = load_policy_at(path);
  report.found.append(result.diagnostics);
  if (!result.policy) {
    report.failures.push_back(count(result.diagnostics.size(), "error") + " in " + path);
  }
  return result.policy;
}

void check_policy(const std::string& path, Report& report) {
  auto policy = load_policy_into(path, report);
  if (!policy) return;
  report.summary = path + ": ok: " + count(policy->rules.size(), "rule") + ", " +
                   count(policy->templates.size(), "template") + ", " +
                   count(policy->teams.size(), "team") + " (version " + policy->version + ")";
}

// With --config, the policy is the config's unless named, relative to the config's folder.
void check_with_config(const std::string& config_path, std::optional<std::string> policy_path,
                       Report& report) {
  std::string error;
  auto content = yaml::read_file(config_path, error);
  if (!content) {
    // "PATH: cannot open: ...": the diagnostic names the file already.
    if (error.rfind(config_path + ": ", 0) == 0) error.erase(0, config_path.size() + 2);
    report.found.error({config_path, 0, 0}, error, yaml::Code::unreadable);
    report.failures.push_back("1 error in " + config_path);
    return;
  }
  auto parsed = config::read_config({config_path, *content});
  report.found.append(parsed.diagnostics);
  if (!parsed.config) {
    report.failures.push_back(std::to_string(parsed.diagnostics.size()) + " error(s) in " +
                              config_path);
    return;
  }
  if (!policy_path) policy_path = yaml::resolve_path(parsed.config->policy, config_path);
  auto policy = load_policy_into(*policy_path, report);
  if (!policy) return;
  yaml::Diagnostics references;
  config::check_references(*parsed.config, *policy, references, &deliver::builtin_sinks());
  report.found.append(references);
  if (!references.empty()) {
    report.failures.push_back(std::to_string(references.size()) + " error(s) between " +
                              config_path + " and " + *policy_path);
    return;
  }
  report.summary = config_path + ": ok: " + std::to_string(parsed.config->sinks.size()) +
                   " sinks; " + *policy_path + ": ok: " + std::to_string(policy->rules.size()) +
                   " rules (version " + policy->version + ")";
}

nlohmann::json to_json(const yaml::Diagnostic& d) {
  return {{"file", d.where.file},
          {"line", d.where.line},
          {"column", d.where.column},
          {"severity", d.warning ? "warning" : "error"},
          {"code", std::string(yaml::to_string(d.code))},
          {"message", d.message}};
}

// One JSON document on stdout, for editors and CI: whether the check passed, and every
// diagnostic with its place and code.
void print_json(const Report& report, bool ok) {
  auto diagnostics = nlohmann::json::array();
  for (const auto& d : report.found.sorted()) diagnostics.push_back(to_json(d));
  for (const auto& d : report.found.warnings()) diagnostics.push_back(to_json(d));
  nlohmann::json out{{"ok", ok},
                     {"errors", report.found.size()},
                     {"warnings", report.found.warnings().size()},
                     {"diagnostics", std::move(diagnostics)}};
  if (!report.summary.empty()) out["summary"] = report.summary;
  std::cout << out.dump(2) << "\n";
}

}  // namespace

int check(const std::vector<std::string>& args) {
  const std::string usage =
      "usage: ackd check [--strict] [--format text|json] [--config FILE] [POLICY]";
  auto parse = parse_arguments(args, {"--config", "--format"}, usage, {"--strict"});
  if (!parse.arguments) return parse.exit_status;
  const Arguments& arguments = *parse.arguments;
  const bool strict = arguments.has("--strict");
  const auto& positional = arguments.positional;
  const auto config = arguments.option("--config");
  const auto format = arguments.option("--format").value_or("text");
  if (format != "text" && format != "json") {
    return usage_error("--format must be text or json\n" + usage);
  }
  if (positional.size() > 1 || (positional.empty() && !config)) return usage_error(usage);
  std::optional<std::string> policy_path;
  if (!positional.empty()) policy_path = positional[0];

  Report report;
  if (config) {
    check_with_config(*config, policy_path, report);
  } else {
    check_policy(*policy_path, report);
  }
  // With --strict a rule-order hazard fails the check too: what a reload runs, so that a
  // policy that would take complaints from a more urgent rule never goes live unnoticed.
  // Other warnings (a short keyword, an unused sink) stay advice.
  const auto warnings = report.found.warnings();
  const auto hazards =
      static_cast<std::size_t>(std::count_if(warnings.begin(), warnings.end(), [](const auto& w) {
        return w.code == yaml::Code::rule_order;
      }));
  const bool failed = !report.failures.empty();
  const bool ok = !failed && !(strict && hazards > 0);
  if (format == "json") {
    print_json(report, ok);
    return ok ? kOk : kFailed;
  }
  print_diagnostics(report.found);
  for (const auto& failure : report.failures) std::cerr << failure << "\n";
  if (failed) return kFailed;
  if (!ok) {
    std::cerr << count(hazards, "rule-order warning") << " in " << (config ? *config : *policy_path)
              << " (--strict)\n";
    return kFailed;
  }
  std::cout << report.summary << "\n";
  return kOk;
}

}  // namespace ackd::cli
