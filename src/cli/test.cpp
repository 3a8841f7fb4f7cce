#include <iostream>

#include "ackd/policy/suite.hpp"
#include "ackd/yaml/files.hpp"
#include "commands.hpp"

namespace ackd::cli {

int test(const std::vector<std::string>& args) {
  if (args.size() < 2) return usage_error("usage: ackd test POLICY TESTFILE...");
  auto policy = load_policy_or_report(args[0]);
  if (!policy) return kFailed;
  std::size_t passed = 0, failed = 0;
  for (std::size_t i = 1; i < args.size(); ++i) {
    std::string error;
    auto files = yaml::read_sources(args[i], error);
    if (!files) {
      std::cerr << "ackd: " << error << "\n";
      ++failed;
      continue;
    }
    for (const auto& file : *files) {
      yaml::Diagnostics problems;
      auto results = policy::run_policy_tests(*policy, file, problems);
      for (const auto& d : problems.sorted()) std::cout << d.to_string() << "\n";
      failed += problems.size();
      for (const auto& r : results) {
        if (r.failures.empty()) {
          ++passed;
          continue;
        }
        ++failed;
        std::cout << "FAIL " << r.where.file << ":" << r.where.line << ": " << r.name << "\n";
        for (const auto& f : r.failures) std::cout << "    " << f << "\n";
      }
    }
  }
  std::cout << passed << " passed, " << failed << " failed\n";
  return failed == 0 ? kOk : kFailed;
}

}  // namespace ackd::cli
