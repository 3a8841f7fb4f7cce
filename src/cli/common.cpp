#include <algorithm>
#include <iostream>

#include "ackd/yaml/files.hpp"
#include "commands.hpp"

namespace ackd::cli {

void print_diagnostics(const yaml::Diagnostics& diagnostics) {
  for (const auto& d : diagnostics.sorted()) std::cerr << d.to_string() << "\n";
  for (const auto& d : diagnostics.warnings()) std::cerr << d.to_string() << "\n";
}

policy::LoadResult load_policy_at(const std::string& path) {
  policy::LoadResult result;
  if (auto files = yaml::read_sources(path, result.diagnostics)) {
    result = policy::load_policy(*files);
  }
  return result;
}

std::shared_ptr<const policy::Policy> load_policy_or_report(const std::string& path) {
  auto result = load_policy_at(path);
  print_diagnostics(result.diagnostics);
  if (!result.policy) {
    std::cerr << result.diagnostics.size() << " error"
              << (result.diagnostics.size() == 1 ? "" : "s") << " in " << path << "\n";
  }
  return result.policy;
}

int usage_error(const std::string& message) {
  std::cerr << "ackd: " << message << "\n(see ackd --help)\n";
  return kUsage;
}

Parsed parse_arguments(const std::vector<std::string>& args,
                       const std::vector<std::string>& options, const std::string& usage,
                       const std::vector<std::string>& flags) {
  if (std::find_if(args.begin(), args.end(),
                   [](const std::string& a) { return a == "--help" || a == "-h"; }) != args.end()) {
    std::cout << usage << "\n";
    return {std::nullopt, kOk};
  }
  Arguments out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i].rfind("--", 0) != 0) {
      out.positional.push_back(args[i]);
      continue;
    }
    if (std::find(flags.begin(), flags.end(), args[i]) != flags.end()) {
      out.flags.insert(args[i]);
      continue;
    }
    if (std::find(options.begin(), options.end(), args[i]) == options.end()) {
      return {std::nullopt, usage_error("unknown option " + args[i] + "\n" + usage)};
    }
    if (i + 1 >= args.size()) {
      return {std::nullopt, usage_error(args[i] + " needs a value\n" + usage)};
    }
    out.options[args[i]] = args[i + 1];
    ++i;
  }
  return {std::move(out), kOk};
}

}  // namespace ackd::cli
