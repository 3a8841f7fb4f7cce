#pragma once

#include <boost/asio/io_context.hpp>

#include "ackd/time/clock.hpp"

namespace ackd::time {

// The real clock: the system's calendar and monotonic clocks, timers on `io` (asio steady
// timers, whose callbacks run on the thread that runs `io`). Part of the daemon, not the
// core, since its timers need the event loop.
class SystemClock final : public Clock {
 public:
  explicit SystemClock(boost::asio::io_context& io) : io_(io) {}

  WallTime wall() const override { return std::chrono::system_clock::now(); }
  SteadyTime steady() const override { return std::chrono::steady_clock::now(); }
  std::unique_ptr<Timer> timer() override;

 private:
  boost::asio::io_context& io_;
};

}  // namespace ackd::time
