#include <doctest/doctest.h>

#include "ackd/storm/detector.hpp"

namespace storm_detector_test {

using ackd::storm::Detector;
using Instant = ackd::time::Instant;
using ackd::time::Seconds;

namespace {

Instant t(int seconds) {
  return Instant(Seconds(1'800'000'000 + seconds));
}

}  // namespace

TEST_CASE("storm: past the threshold within the window a rule storms, once") {
  Detector d(3, Seconds(60));
  using State = Detector::State;
  CHECK(d.record("billing", t(0)) == State::calm);
  CHECK(d.record("billing", t(1)) == State::calm);
  CHECK(d.record("billing", t(2)) == State::calm);
  CHECK(d.record("billing", t(3)) == State::started);  // the fourth: more than 3 in a minute
  CHECK(d.record("billing", t(4)) == State::storming);
  CHECK(d.record("default", t(4)) == State::calm);  // other rules are counted apart
  auto events = d.take_events();
  REQUIRE(events.size() == 1);
  CHECK(events[0].rule == "billing");
  CHECK(events[0].started);
  CHECK(events[0].count == 4);
  CHECK(d.storming() == std::vector<std::string>{"billing"});
  CHECK(d.take_events().empty());
}

TEST_CASE("storm: complaints spread wider than the window never storm") {
  Detector d(3, Seconds(60));
  for (int i = 0; i < 20; ++i) CHECK(d.record("billing", t(i * 30)) == Detector::State::calm);
  CHECK(d.take_events().empty());
}

TEST_CASE("storm: it ends by itself when the window empties to half the threshold") {
  Detector d(4, Seconds(60));
  for (int i = 0; i < 6; ++i) d.record("billing", t(i));
  CHECK(d.take_events().size() == 1);
  d.expire(t(30));  // all six still in the window
  CHECK(d.take_events().empty());
  d.expire(t(62));  // t(3), t(4), t(5) left: 3 > 4 / 2
  CHECK(d.take_events().empty());
  d.expire(t(63));  // two left
  auto events = d.take_events();
  REQUIRE(events.size() == 1);
  CHECK_FALSE(events[0].started);
  CHECK(events[0].count == 2);
  CHECK(d.storming().empty());
  // A new burst is a new storm.
  for (int i = 0; i < 5; ++i) d.record("billing", t(100));
  CHECK(d.take_events().size() == 1);
}

TEST_CASE("storm: a complaint taken back no longer counts, and a reported start ends") {
  Detector d(2, Seconds(60));
  using State = Detector::State;
  CHECK(d.record("billing", t(1)) == State::calm);
  CHECK(d.record("billing", t(2)) == State::calm);
  CHECK(d.record("billing", t(3)) == State::started);
  REQUIRE(d.take_events().size() == 1);  // the start was reported
  d.forget("billing", t(3), true);
  CHECK(d.storming().empty());
  auto events = d.take_events();
  REQUIRE(events.size() == 1);
  CHECK_FALSE(events[0].started);
  CHECK(events[0].count == 2);
  // A calm count taken back just lowers the count.
  d.forget("billing", t(2), false);
  CHECK(d.record("billing", t(4)) == State::calm);
  CHECK(d.record("billing", t(5)) == State::started);
}

TEST_CASE("storm: a burst at one second and arrivals a little out of order count exactly") {
  Detector d(100'000, Seconds(60));
  using State = Detector::State;
  for (int i = 0; i < 100'000; ++i) REQUIRE(d.record("billing", t(10)) == State::calm);
  CHECK(d.record("billing", t(9)) == State::started);  // an earlier second, recorded late
  for (int i = 0; i < 10; ++i) d.forget("billing", t(10), false);
  d.forget("billing", t(42), false);  // never recorded: nothing to take back
  d.expire(t(69));                    // t(9) leaves the window: 99,990 left
  CHECK(d.storming() == std::vector<std::string>{"billing"});
  for (int i = 0; i < 49'990; ++i) d.forget("billing", t(10), false);
  d.expire(t(69));  // 50,000: half the threshold
  auto events = d.take_events();
  REQUIRE(events.size() == 2);
  CHECK(events[1].count == 50'000);
  CHECK_FALSE(events[1].started);
  d.expire(t(70));  // the burst's second leaves the window: the rule is forgotten
  CHECK(d.record("billing", t(71)) == State::calm);
}

}  // namespace storm_detector_test
