#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ackd/policy/diagnostic.hpp"
#include "ackd/policy/policy.hpp"

namespace ackd::policy {

// One policy file as read from disk (reading is the caller's business).
struct SourceFile {
  std::string path;
  std::string content;
};

struct LoadResult {
  std::shared_ptr<const Policy> policy;  // null when there were errors
  Diagnostics diagnostics;
};

// Parses, validates, lints and compiles the files (in the order given) into one policy.
// Every problem is reported, each with its file:line:col.
LoadResult load_policy(const std::vector<SourceFile>& files);

}  // namespace ackd::policy
