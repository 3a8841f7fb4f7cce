#include "ackd/service/systemd.hpp"

#include <sys/socket.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include <cstdint>
#include <cstdlib>
#include <string>

namespace ackd::service {

Notifier::Notifier() {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  enabled_ = socket != nullptr && *socket != '\0';
  std::uint64_t usec = 0;
  // Also checks WATCHDOG_PID, so a child that inherited the variables does not ping.
  if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
    watchdog_ = std::chrono::microseconds(usec / 3);
  }
}

void Notifier::send(const std::string& message) const {
  if (enabled_) sd_notify(0, message.c_str());
}

void Notifier::ready(const std::string& status) const {
  send("READY=1\nSTATUS=" + status);
}

void Notifier::reloading() const {
  // MONOTONIC_USEC lets newer systemd (Type=notify-reload) match the reload to the signal.
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  const auto usec = static_cast<std::uint64_t>(now.tv_sec) * 1000000u +
                    static_cast<std::uint64_t>(now.tv_nsec) / 1000u;
  send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec) + "\nSTATUS=reloading the policy");
}

void Notifier::stopping(const std::string& status) const {
  send("STOPPING=1\nSTATUS=" + status);
}

void Notifier::status(const std::string& status) const {
  send("STATUS=" + status);
}

void Notifier::watchdog() const {
  send("WATCHDOG=1");
}

absl::StatusOr<std::optional<int>> inherited_listener() {
  // Unsets the variables, so nothing this process starts inherits them.
  const int n = sd_listen_fds(1);
  if (n < 0) return absl::FailedPreconditionError("LISTEN_FDS: cannot read the passed sockets");
  if (n == 0) return std::optional<int>();
  if (n > 1) {
    return absl::FailedPreconditionError("LISTEN_FDS: " + std::to_string(n) +
                                         " sockets were passed; ackd listens on exactly one");
  }
  const int fd = SD_LISTEN_FDS_START;
  if (sd_is_socket_inet(fd, AF_UNSPEC, SOCK_STREAM, 1, 0) <= 0) {
    return absl::FailedPreconditionError(
        "LISTEN_FDS: the passed socket is not a listening TCP socket (ListenStream= with an "
        "address and port)");
  }
  return std::optional<int>(fd);
}

}  // namespace ackd::service
