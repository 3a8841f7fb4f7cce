#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace ackd::daemon {

// `ackd serve`: the HTTP API, the store, delivery, timers and signals around the policy
// engine. Everything but the store's writer and the file sinks runs on one io thread.
class Daemon {
 public:
  // Validates the configuration and the policy, opens the store and binds the listening
  // socket; any problem comes back as a one-line reason.
  static absl::StatusOr<std::unique_ptr<Daemon>> create(const std::string& config_path);
  ~Daemon();

  // Serves until SIGTERM or SIGINT, then finishes what is in flight. Returns the exit status.
  int run();

 private:
  class Impl;
  explicit Daemon(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ackd::daemon
