#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>

#include "ackd/time/instant.hpp"

namespace ackd::time {

using WallTime = std::chrono::system_clock::time_point;
using SteadyTime = std::chrono::steady_clock::time_point;
using SteadyDuration = std::chrono::steady_clock::duration;

// A one-shot timer made by a Clock. start() replaces any earlier wait; after cancel() or the
// timer's destruction its callback is never called. Use a timer on the thread its clock
// runs timers on (the io thread for SystemClock).
class Timer {
 public:
  virtual ~Timer() = default;
  virtual void start(SteadyDuration delay, std::function<void()> due) = 0;
  virtual void cancel() = 0;
};

// Where ackd reads the time and waits for it: the real one in the daemon, a manual one in
// tests, so that a test advances time and the work due runs, with no real sleeps. One clock
// is shared by everything that decides with time, so one decision sees one `now`.
//
// now(), wall() and steady() may be called from any thread.
class Clock {
 public:
  virtual ~Clock() = default;
  // Calendar time, for what is stored and compared with due times.
  virtual WallTime wall() const = 0;
  // Monotonic time, for latencies and timers.
  virtual SteadyTime steady() const = 0;
  virtual std::unique_ptr<Timer> timer() = 0;

  // Whole seconds, as stored.
  Instant now() const { return std::chrono::floor<Seconds>(wall()); }
};

// Time that moves only when told. Timers due at or before the new time run inside
// advance(), in order of due time (then of start), each seeing the clock at its own due
// time. The clock must outlive its timers.
class ManualClock final : public Clock {
 public:
  // Starts at `start` (wall) and at an arbitrary steady time.
  explicit ManualClock(Instant start = std::chrono::sys_days{std::chrono::year{2026} / 1 / 1});
  ~ManualClock() override;

  WallTime wall() const override;
  SteadyTime steady() const override;
  std::unique_ptr<Timer> timer() override;

  // Moves time forward by `by` (not backwards), running every timer that falls due.
  void advance(SteadyDuration by);
  // Moves to the earliest armed timer's due time and runs what is due then; false (and
  // time unchanged) when no timer is armed.
  bool advance_to_next_timer();
  // Timers started and not yet run or cancelled.
  std::size_t armed_timers() const;
  // The delay until the earliest armed timer, when there is one.
  std::optional<SteadyDuration> next_timer_in() const;

 private:
  class ManualTimer;
  using Key = std::pair<SteadyTime, std::uint64_t>;

  Key arm(ManualTimer* timer, SteadyDuration delay);
  void disarm(const Key& key);
  void run_until(SteadyTime target);

  mutable std::mutex mutex_;
  WallTime wall_;
  SteadyTime steady_;
  std::uint64_t next_seq_ = 0;
  std::map<Key, ManualTimer*> armed_;
};

}  // namespace ackd::time
