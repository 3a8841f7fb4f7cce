#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ackd/policy/load.hpp"

namespace ackd::cli {

// Exit statuses shared by the tools (CONTRACT.md).
inline constexpr int kOk = 0;
inline constexpr int kFailed = 1;
inline constexpr int kUsage = 2;

int check(const std::vector<std::string>& args);
int test(const std::vector<std::string>& args);
int explain(const std::vector<std::string>& args);
int replay(const std::vector<std::string>& args);

// The *.yaml files of a directory in name order, or the one file named.
std::optional<std::vector<policy::SourceFile>> read_yaml_sources(const std::string& path,
                                                                 std::string& error);

// Reads and compiles a policy, printing its problems to stderr. Null when it is invalid.
std::shared_ptr<const policy::Policy> load_policy_or_report(const std::string& path);

std::optional<std::string> read_file(const std::string& path, std::string& error);

int usage_error(const std::string& message);

}  // namespace ackd::cli
