#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "ackd/time/clock.hpp"
#include "ackd/time/system_clock.hpp"

namespace time_clock_test {

using ackd::time::Instant;
using ackd::time::ManualClock;
using ackd::time::SteadyTime;
using ackd::time::SystemClock;
using ackd::time::Timer;
using namespace std::chrono_literals;

namespace {

Instant start_of_2026() {
  return std::chrono::sys_days{std::chrono::year{2026} / 1 / 1};
}

}  // namespace

TEST_CASE("clock: a manual clock moves only when advanced, wall and steady together") {
  ManualClock clock(start_of_2026());
  auto steady = clock.steady();
  CHECK(clock.now() == start_of_2026());
  CHECK(clock.wall() == start_of_2026());
  clock.advance(1500ms);
  CHECK(clock.steady() - steady == 1500ms);
  CHECK(clock.wall() - start_of_2026() == 1500ms);
  CHECK(clock.now() == start_of_2026() + 1s);  // whole seconds, rounded down
  clock.advance(-5s);                          // time does not go back
  CHECK(clock.steady() - steady == 1500ms);
}

TEST_CASE("clock: manual timers run in order of due time, each at its own time") {
  ManualClock clock;
  auto origin = clock.steady();
  std::vector<std::string> ran;
  std::vector<std::chrono::milliseconds> at;
  auto late = clock.timer();
  auto early = clock.timer();
  auto tie = clock.timer();
  auto record = [&](std::string name) {
    return [&, name] {
      ran.push_back(name);
      at.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(clock.steady() - origin));
    };
  };
  late->start(300ms, record("late"));
  early->start(100ms, record("early"));
  tie->start(300ms, record("tie"));  // same due time as `late`, started after it
  CHECK(clock.armed_timers() == 3);
  CHECK(clock.next_timer_in() == std::optional<ackd::time::SteadyDuration>(100ms));
  clock.advance(99ms);
  CHECK(ran.empty());
  clock.advance(1ms);
  CHECK(ran == std::vector<std::string>{"early"});
  clock.advance(1s);
  CHECK(ran == std::vector<std::string>{"early", "late", "tie"});
  CHECK(at == std::vector<std::chrono::milliseconds>{100ms, 300ms, 300ms});
  CHECK(clock.steady() - origin == 1100ms);
  CHECK(clock.armed_timers() == 0);
  CHECK(!clock.next_timer_in());
}

TEST_CASE("clock: a cancelled, restarted or destroyed manual timer does not fire") {
  ManualClock clock;
  int cancelled = 0, restarted_first = 0, restarted_second = 0, destroyed = 0;
  auto a = clock.timer();
  a->start(10ms, [&] { ++cancelled; });
  a->cancel();
  auto b = clock.timer();
  b->start(10ms, [&] { ++restarted_first; });
  b->start(20ms, [&] { ++restarted_second; });
  auto c = clock.timer();
  c->start(10ms, [&] { ++destroyed; });
  c.reset();
  CHECK(clock.armed_timers() == 1);
  clock.advance(1s);
  CHECK(cancelled == 0);
  CHECK(restarted_first == 0);
  CHECK(restarted_second == 1);
  CHECK(destroyed == 0);
}

TEST_CASE("clock: work a manual timer starts falls due within the same advance") {
  ManualClock clock;
  auto origin = clock.steady();
  std::unique_ptr<Timer> retry = clock.timer();
  std::vector<std::chrono::milliseconds> attempts;
  std::function<void()> attempt = [&] {
    attempts.push_back(
        std::chrono::duration_cast<std::chrono::milliseconds>(clock.steady() - origin));
    if (attempts.size() < 4) retry->start(static_cast<int>(attempts.size()) * 100ms, attempt);
  };
  retry->start(0ms, attempt);
  clock.advance(0ms);  // a timer due now runs on the next advance, even by nothing
  CHECK(attempts == std::vector<std::chrono::milliseconds>{0ms});
  clock.advance(250ms);
  CHECK(attempts == std::vector<std::chrono::milliseconds>{0ms, 100ms});
  CHECK(clock.advance_to_next_timer());
  CHECK(attempts == std::vector<std::chrono::milliseconds>{0ms, 100ms, 300ms});
  CHECK(clock.advance_to_next_timer());
  CHECK(attempts == std::vector<std::chrono::milliseconds>{0ms, 100ms, 300ms, 600ms});
  CHECK(!clock.advance_to_next_timer());
  CHECK(clock.steady() - origin == 600ms);
}

TEST_CASE("clock: a manual timer may destroy itself from its own callback") {
  ManualClock clock;
  auto timer = clock.timer();
  bool ran = false;
  timer->start(5ms, [&] {
    ran = true;
    timer.reset();
  });
  clock.advance(5ms);
  CHECK(ran);
  CHECK(timer == nullptr);
}

TEST_CASE("clock: the system clock's timers run on the io thread, and cancel holds") {
  boost::asio::io_context io;
  SystemClock clock(io);
  CHECK(clock.now() <= std::chrono::floor<ackd::time::Seconds>(std::chrono::system_clock::now()));
  std::vector<std::string> ran;
  auto cancelled = clock.timer();
  auto restarted = clock.timer();
  auto last = clock.timer();
  cancelled->start(0ms, [&] { ran.push_back("cancelled"); });
  restarted->start(0ms, [&] { ran.push_back("restarted once"); });
  restarted->start(1ms, [&] { ran.push_back("restarted"); });
  last->start(2ms, [&] {
    ran.push_back("last");
    last.reset();  // a timer may go from its own callback
  });
  cancelled->cancel();
  // Nothing runs before the io_context does.
  CHECK(ran.empty());
  auto give_up = std::chrono::steady_clock::now() + 10s;
  while (ran.size() < 2 && std::chrono::steady_clock::now() < give_up) io.run_one_for(100ms);
  REQUIRE_MESSAGE(ran.size() == 2, "the system clock's timers did not fire within 10 s");
  CHECK(ran == std::vector<std::string>{"restarted", "last"});
  CHECK(last == nullptr);
}

}  // namespace time_clock_test
