#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ackd/config/config.hpp"
#include "ackd/policy/policy.hpp"
#include "ackd/yaml/diagnostic.hpp"

namespace ackd::daemon {

// Everything `ackd serve` reads before it opens the store, checked.
struct Startup {
  config::Config config;
  std::string config_path;
  std::shared_ptr<const policy::Policy> policy;
  std::vector<std::string> tokens;  // empty: no auth.tokens_file
  boost::asio::ip::tcp::endpoint endpoint;
};

// Reads ackd.yaml, the policy it names, the tokens file and the listen address. Problems
// stay Diagnostics (file:line:col) until here, where they become the one line `ackd serve`
// exits with.
absl::StatusOr<Startup> read_startup(const std::string& config_path);

// The policy at the path ackd.yaml names, or every problem found in it, including the
// sinks its teams name that ackd.yaml does not have (as `ackd check --config` reports).
struct PolicyLoad {
  std::shared_ptr<const policy::Policy> policy;  // null when there were errors
  policy::Diagnostics diagnostics;
};
PolicyLoad load_policy(const config::Config& config, const std::string& config_path);

// The problems, one a line, sorted (for the log when a reload is refused).
std::string all_lines(const policy::Diagnostics& diagnostics);

// The listening socket: the one systemd passed (socket activation), else `endpoint` bound
// here, so that a port in use is a start-up error rather than a log line.
absl::StatusOr<boost::asio::ip::tcp::acceptor> open_listener(
    boost::asio::io_context& io, const boost::asio::ip::tcp::endpoint& endpoint,
    const std::string& listen);

}  // namespace ackd::daemon
