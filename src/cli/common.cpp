#include <algorithm>
#include <iostream>

#include "ackd/yaml/files.hpp"
#include "commands.hpp"

namespace ackd::cli {

std::shared_ptr<const policy::Policy> load_policy_or_report(const std::string& path) {
  policy::LoadResult result;
  if (auto files = yaml::read_sources(path, result.diagnostics)) {
    result = policy::load_policy(*files);
  }
  for (const auto& d : result.diagnostics.sorted()) std::cerr << d.to_string() << "\n";
  for (const auto& d : result.diagnostics.warnings()) std::cerr << d.to_string() << "\n";
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

std::optional<Arguments> parse_arguments(const std::vector<std::string>& args,
                                         const std::vector<std::string>& options,
                                         const std::string& usage) {
  Arguments out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i].rfind("--", 0) != 0) {
      out.positional.push_back(args[i]);
      continue;
    }
    if (std::find(options.begin(), options.end(), args[i]) == options.end()) {
      usage_error("unknown option " + args[i] + "\n" + usage);
      return std::nullopt;
    }
    if (i + 1 >= args.size()) {
      usage_error(args[i] + " needs a value\n" + usage);
      return std::nullopt;
    }
    out.options[args[i]] = args[i + 1];
    ++i;
  }
  return out;
}

}  // namespace ackd::cli
