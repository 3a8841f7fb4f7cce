#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ackd/time/instant.hpp"

namespace ackd::store {

// Every policy version that served is kept, files and all, so that a bad edit can be rolled
// back to what was running yesterday, and a policy that no longer loads at boot can be
// replaced by the last one that served.

struct PolicyFile {
  std::string path;  // as it was read, and where a rollback writes it back
  std::string content;
};

struct StoredPolicy {
  std::string version;            // the policy's hash, as /readyz shows it
  std::string root;               // the file or directory it was read from
  std::vector<PolicyFile> files;  // in load order
};

// How a version came to serve: at start, by a reload, or at start in place of a policy on
// disk that did not load.
enum class Served { start, reload, fallback };
std::string_view to_string(Served how);

struct PolicyServed {
  time::Instant at;
  std::string version;
  Served how = Served::start;
  std::string root;
  std::size_t files = 0;
};

}  // namespace ackd::store
