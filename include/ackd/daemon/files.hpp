#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ackd/policy/load.hpp"

namespace ackd::daemon {

std::optional<std::string> read_file(const std::string& path, std::string& error);

// The *.yaml files of a directory in name order, or the one file named.
std::optional<std::vector<policy::SourceFile>> read_yaml_sources(const std::string& path,
                                                                 std::string& error);

// Reads and compiles the policy at `path` (a file or a directory). A file that cannot be
// read is reported like any other problem, at that file.
policy::LoadResult load_policy_at(const std::string& path);

// `path` as written in the file `relative_to`: relative paths start at that file's folder.
std::string resolve_path(const std::string& path, const std::string& relative_to);

}  // namespace ackd::daemon
