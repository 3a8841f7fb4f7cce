#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace ackd::store {

// Who serves a state directory: `ackd serve` holds an exclusive lock on state/ackd.lock while
// it runs, so a second daemon on the same store refuses to start, and a tool that changes
// what the daemon keeps in memory (ackd queue) knows whether to ask the daemon or to write
// the store itself. The kernel drops the lock with the process, also after kill -9.
class ServingLock {
 public:
  // The lock, or Unavailable when another process holds it (the daemon runs).
  static absl::StatusOr<ServingLock> take(const std::string& state_directory);

  ServingLock(ServingLock&& other) noexcept;
  ServingLock& operator=(ServingLock&& other) noexcept;
  ServingLock(const ServingLock&) = delete;
  ServingLock& operator=(const ServingLock&) = delete;
  ~ServingLock();

 private:
  explicit ServingLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace ackd::store
