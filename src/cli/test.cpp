#include <iostream>

#include "ackd/policy/suite.hpp"
#include "ackd/yaml/files.hpp"
#include "commands.hpp"

namespace ackd::cli {

int test(const std::vector<std::string>& args) {
  const std::string usage = "usage: ackd test POLICY TESTFILE...";
  auto parse = parse_arguments(args, {}, usage);
  if (!parse.arguments) return parse.exit_status;
  const auto& paths = parse.arguments->positional;
  if (paths.size() < 2) return usage_error(usage);
  auto policy = load_policy_or_report(paths[0]);
  if (!policy) return kFailed;
  // Cases are counted, whatever number of expectations each failed; a test file that cannot
  // be read, or a problem in one, fails the run and is counted apart.
  std::size_t passed = 0, failed = 0, problems_found = 0;
  for (std::size_t i = 1; i < paths.size(); ++i) {
    std::string error;
    auto files = yaml::read_sources(paths[i], error);
    if (!files) {
      std::cerr << "ackd: " << error << "\n";
      ++problems_found;
      continue;
    }
    for (const auto& file : *files) {
      yaml::Diagnostics problems;
      auto results = policy::run_policy_tests(*policy, file, problems);
      for (const auto& d : problems.sorted()) std::cout << d.to_string() << "\n";
      problems_found += problems.size();
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
  if (problems_found > 0) {
    std::cout << problems_found << " problem" << (problems_found == 1 ? "" : "s")
              << " in the test files\n";
  }
  std::cout << passed << " passed, " << failed << " failed\n";
  return failed == 0 && problems_found == 0 ? kOk : kFailed;
}

}  // namespace ackd::cli
