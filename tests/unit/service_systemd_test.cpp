#include <doctest/doctest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>

#include "ackd/service/systemd.hpp"

namespace service_systemd_test {

using ackd::service::Notifier;
using std::chrono::microseconds;

namespace {

// Sets the variables systemd gives a service for the life of the scope.
struct ServiceEnvironment {
  ServiceEnvironment(const char* watchdog_usec, const std::string& watchdog_pid) {
    setenv("NOTIFY_SOCKET", "/nonexistent/ackd-test-notify", 1);
    if (watchdog_usec) setenv("WATCHDOG_USEC", watchdog_usec, 1);
    if (!watchdog_pid.empty()) setenv("WATCHDOG_PID", watchdog_pid.c_str(), 1);
  }
  ~ServiceEnvironment() {
    unsetenv("NOTIFY_SOCKET");
    unsetenv("WATCHDOG_USEC");
    unsetenv("WATCHDOG_PID");
  }
  ServiceEnvironment(const ServiceEnvironment&) = delete;
  ServiceEnvironment& operator=(const ServiceEnvironment&) = delete;
};

}  // namespace

TEST_CASE("systemd notifier: pings the watchdog every third of WatchdogSec") {
  ServiceEnvironment env("1500000", std::to_string(getpid()));
  Notifier notifier;
  CHECK(notifier.enabled());
  REQUIRE(notifier.watchdog_interval().has_value());
  CHECK(*notifier.watchdog_interval() == microseconds(500000));
}

TEST_CASE("systemd notifier: no pings unless WatchdogSec asks, nor for another process") {
  {
    ServiceEnvironment env(nullptr, "");
    CHECK_FALSE(Notifier().watchdog_interval().has_value());
  }
  {
    // A child that inherited the variables: WATCHDOG_PID names its parent.
    ServiceEnvironment env("1500000", std::to_string(getppid()));
    CHECK_FALSE(Notifier().watchdog_interval().has_value());
  }
}

}  // namespace service_systemd_test
