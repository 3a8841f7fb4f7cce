#include "ackd/time/clock.hpp"

#include <algorithm>

namespace ackd::time {

class ManualClock::ManualTimer final : public Timer {
 public:
  explicit ManualTimer(ManualClock& clock) : clock_(clock) {}
  ~ManualTimer() override { cancel(); }

  void start(SteadyDuration delay, std::function<void()> due) override {
    cancel();
    due_ = std::move(due);
    key_ = clock_.arm(this, delay);
  }

  void cancel() override {
    if (key_) clock_.disarm(*key_);
    key_.reset();
    due_ = nullptr;
  }

  // The clock took this timer off its list: hands over the callback to run.
  std::function<void()> fire() {
    key_.reset();
    return std::exchange(due_, nullptr);
  }

 private:
  ManualClock& clock_;
  std::optional<Key> key_;
  std::function<void()> due_;
};

ManualClock::ManualClock(Instant start) : wall_(start), steady_(std::chrono::hours(1)) {}

ManualClock::~ManualClock() = default;

WallTime ManualClock::wall() const {
  std::lock_guard lock(mutex_);
  return wall_;
}

SteadyTime ManualClock::steady() const {
  std::lock_guard lock(mutex_);
  return steady_;
}

std::unique_ptr<Timer> ManualClock::timer() {
  return std::make_unique<ManualTimer>(*this);
}

ManualClock::Key ManualClock::arm(ManualTimer* timer, SteadyDuration delay) {
  std::lock_guard lock(mutex_);
  Key key{steady_ + std::max(delay, SteadyDuration::zero()), next_seq_++};
  armed_.emplace(key, timer);
  return key;
}

void ManualClock::disarm(const Key& key) {
  std::lock_guard lock(mutex_);
  armed_.erase(key);
}

void ManualClock::advance(SteadyDuration by) {
  SteadyTime target;
  {
    std::lock_guard lock(mutex_);
    target = steady_ + std::max(by, SteadyDuration::zero());
  }
  run_until(target);
}

bool ManualClock::advance_to_next_timer() {
  SteadyTime target;
  {
    std::lock_guard lock(mutex_);
    if (armed_.empty()) return false;
    target = armed_.begin()->first.first;
  }
  run_until(target);
  return true;
}

std::size_t ManualClock::armed_timers() const {
  std::lock_guard lock(mutex_);
  return armed_.size();
}

std::optional<SteadyDuration> ManualClock::next_timer_in() const {
  std::lock_guard lock(mutex_);
  if (armed_.empty()) return std::nullopt;
  return armed_.begin()->first.first - steady_;
}

void ManualClock::run_until(SteadyTime target) {
  auto move_to = [this](SteadyTime to) {
    if (to <= steady_) return;
    wall_ += std::chrono::duration_cast<WallTime::duration>(to - steady_);
    steady_ = to;
  };
  for (;;) {
    std::function<void()> due;
    {
      std::lock_guard lock(mutex_);
      if (armed_.empty() || armed_.begin()->first.first > target) {
        move_to(target);
        return;
      }
      auto node = armed_.extract(armed_.begin());
      move_to(node.key().first);
      due = node.mapped()->fire();
    }
    // Outside the lock: the callback reads the clock and may start or destroy timers,
    // this one included.
    if (due) due();
  }
}

}  // namespace ackd::time
