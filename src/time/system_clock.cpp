#include "ackd/time/system_clock.hpp"

#include <boost/asio/steady_timer.hpp>

namespace ackd::time {

namespace {

class AsioTimer final : public Timer {
 public:
  explicit AsioTimer(boost::asio::io_context& io) : timer_(io) {}

  void start(SteadyDuration delay, std::function<void()> due) override {
    auto generation = ++*generation_;
    timer_.expires_after(delay);
    // A completion already queued when the timer is restarted, cancelled or destroyed still
    // runs with success; the generation tells it that it is stale.
    timer_.async_wait([current = std::weak_ptr<std::uint64_t>(generation_), generation,
                       due = std::move(due)](boost::system::error_code ec) {
      auto now_current = current.lock();
      if (ec || !now_current || *now_current != generation) return;
      due();
    });
  }

  void cancel() override {
    ++*generation_;
    timer_.cancel();
  }

 private:
  boost::asio::steady_timer timer_;
  std::shared_ptr<std::uint64_t> generation_ = std::make_shared<std::uint64_t>(0);
};

}  // namespace

std::unique_ptr<Timer> SystemClock::timer() {
  return std::make_unique<AsioTimer>(io_);
}

}  // namespace ackd::time
