#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ackd/api/auth.hpp"
#include "ackd/config/config.hpp"
#include "ackd/policy/policy.hpp"
#include "ackd/store/store.hpp"
#include "ackd/yaml/diagnostic.hpp"

namespace ackd::daemon {

// The policy at the path ackd.yaml names (or a version from the store), or every problem
// found in it, including the sinks its teams name that ackd.yaml does not have (as `ackd
// check --config` reports).
struct PolicyLoad {
  std::shared_ptr<const policy::Policy> policy;  // null when there were errors
  policy::Diagnostics diagnostics;
  store::StoredPolicy files;  // what was read, to keep in the policy history
};
PolicyLoad load_policy(const config::Config& config, const std::string& config_path);
PolicyLoad load_stored_policy(const config::Config& config, const store::StoredPolicy& stored);

// Everything `ackd serve` reads before it opens the store, checked.
struct Startup {
  config::Config config;
  std::string config_path;
  PolicyLoad policy;  // null policy: the one on disk does not load (see fall_back)
  // Set while ackd serves the last version that served because the one on disk does not
  // load: why, in one line.
  std::optional<std::string> fallback_reason;
  std::vector<api::Token> tokens;  // empty: no auth.tokens_file
  boost::asio::ip::tcp::endpoint endpoint;
};

// Reads ackd.yaml, the policy it names, the tokens file and the listen address. Problems
// stay Diagnostics (file:line:col) until here, where they become the one line `ackd serve`
// exits with. A policy that does not load is not one of them yet: see fall_back.
absl::StatusOr<Startup> read_startup(const std::string& config_path);

// When the policy on disk does not load, serving the last version that served (`last`,
// from the store) beats leaving every complaint unanswered: it takes that version if it
// loads with this ackd.yaml, else fails with the problem on disk.
absl::Status fall_back(Startup& startup, const std::optional<store::StoredPolicy>& last);

// Keeps the version that now serves in the policy history; a failure is logged.
void record_served(store::Store& store, store::StoredPolicy files, store::Served how,
                   time::Instant at);

// The problems, one a line, sorted (for the log when a reload is refused).
std::string all_lines(const policy::Diagnostics& diagnostics);

// The listening socket: the one systemd passed (socket activation), else `endpoint` bound
// here, so that a port in use is a start-up error rather than a log line.
absl::StatusOr<boost::asio::ip::tcp::acceptor> open_listener(
    boost::asio::io_context& io, const boost::asio::ip::tcp::endpoint& endpoint,
    const std::string& listen);

}  // namespace ackd::daemon
