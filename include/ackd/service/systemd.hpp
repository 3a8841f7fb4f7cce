#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "absl/status/statusor.h"

// What ackd tells systemd, and what it takes from it. Every call is a no-op when ackd was
// not started by systemd (no NOTIFY_SOCKET, no LISTEN_FDS), so `ackd serve` behaves the
// same in a terminal.
namespace ackd::service {

// sd_notify(3) messages for a Type=notify unit.
class Notifier {
 public:
  // Reads NOTIFY_SOCKET and WATCHDOG_USEC once, at start.
  Notifier();

  bool enabled() const { return enabled_; }

  // Listening, policy loaded, store open: `systemctl start` returns.
  void ready(const std::string& status) const;
  // Around a policy reload (SIGHUP); ready() ends it, whatever the reload's outcome.
  void reloading() const;
  void stopping(const std::string& status) const;
  // The line `systemctl status` shows.
  void status(const std::string& status) const;

  // How often to ping the watchdog (a third of WatchdogSec=), if systemd asked for pings.
  std::optional<std::chrono::microseconds> watchdog_interval() const { return watchdog_; }
  void watchdog() const;

 private:
  void send(const std::string& message) const;

  bool enabled_ = false;
  std::optional<std::chrono::microseconds> watchdog_;
};

// The listening socket systemd passed (socket activation: LISTEN_FDS, LISTEN_PID), if
// any; an error when what was passed is not exactly one listening TCP socket.
absl::StatusOr<std::optional<int>> inherited_listener();

}  // namespace ackd::service
