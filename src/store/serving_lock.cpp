#include "ackd/store/serving_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

namespace ackd::store {

absl::StatusOr<ServingLock> ServingLock::take(const std::string& state_directory) {
  std::error_code ec;
  std::filesystem::create_directories(state_directory, ec);
  const auto path = (std::filesystem::path(state_directory) / "ackd.lock").string();
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) {
    return absl::UnavailableError("cannot open " + path + ": " + std::strerror(errno));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    ::close(fd);
    if (error == EWOULDBLOCK) {
      return absl::UnavailableError("an ackd serves " + state_directory + " (it holds " + path +
                                    ")");
    }
    return absl::UnavailableError("cannot lock " + path + ": " + std::strerror(error));
  }
  return ServingLock(fd);
}

ServingLock::ServingLock(ServingLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

ServingLock& ServingLock::operator=(ServingLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

ServingLock::~ServingLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace ackd::store
