#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ackd/policy/load.hpp"

namespace ackd::cli {

// Exit statuses shared by the tools (CONTRACT.md).
inline constexpr int kOk = 0;
inline constexpr int kFailed = 1;
inline constexpr int kUsage = 2;

int serve(const std::vector<std::string>& args);
int check(const std::vector<std::string>& args);
int test(const std::vector<std::string>& args);
int explain(const std::vector<std::string>& args);
int replay(const std::vector<std::string>& args);
int rules(const std::vector<std::string>& args);
int policy_command(const std::vector<std::string>& args);
int export_command(const std::vector<std::string>& args);
int report_command(const std::vector<std::string>& args);
int forget_command(const std::vector<std::string>& args);
int queue_command(const std::vector<std::string>& args);

// Prints the errors, then the warnings, each sorted by place, to stderr.
void print_diagnostics(const yaml::Diagnostics& diagnostics);

// Reads the policy file or folder at `path` and compiles it.
policy::LoadResult load_policy_at(const std::string& path);

// The same, printing its problems to stderr. Null when it is invalid.
std::shared_ptr<const policy::Policy> load_policy_or_report(const std::string& path);

int usage_error(const std::string& message);

// A command's arguments: the values of its options, and the rest in order.
struct Arguments {
  std::map<std::string, std::string> options;
  std::set<std::string> flags;  // the options without a value that were given
  std::vector<std::string> positional;

  bool has(const std::string& flag) const { return flags.count(flag) > 0; }

  std::optional<std::string> option(const std::string& name) const {
    auto found = options.find(name);
    if (found == options.end()) return std::nullopt;
    return found->second;
  }
};

// The arguments to run with, or, when there are none, the exit status the command ends
// with: 0 after `--help` (the usage printed on stdout), 2 after a usage error (reported).
struct Parsed {
  std::optional<Arguments> arguments;
  int exit_status = kOk;
};

// `options` take a value (`--at TIME`), `flags` do not (`--strict`); an unknown option or a
// missing value is a usage error. `--help` or `-h` anywhere asks for the usage.
Parsed parse_arguments(const std::vector<std::string>& args,
                       const std::vector<std::string>& options, const std::string& usage,
                       const std::vector<std::string>& flags = {});

}  // namespace ackd::cli
