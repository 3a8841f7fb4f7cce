#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ackd/policy/policy.hpp"
#include "ackd/yaml/diagnostic.hpp"

namespace ackd::policy {

// One policy file as read from disk (yaml/files.hpp reads them).
using yaml::SourceFile;

struct LoadResult {
  std::shared_ptr<const Policy> policy;  // null when there were errors
  Diagnostics diagnostics;
};

// Parses, validates, lints and compiles the files (in the order given) into one policy.
// Every problem is reported, each with its file:line:col.
LoadResult load_policy(const std::vector<SourceFile>& files);

}  // namespace ackd::policy
