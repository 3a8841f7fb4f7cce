#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "ackd/time/instant.hpp"

namespace ackd::storm {

// A storm (炎上): more than `threshold` complaints matching one rule within `within`. It
// ends when the count in the window falls to half the threshold or below, so that a rate
// hovering at the threshold does not switch the mode back and forth.
struct Event {
  std::string rule;
  bool started = false;    // false: ended
  std::int64_t count = 0;  // complaints in the window at the edge
  time::Instant at;
};

// Counts complaints per rule in a sliding window. Thread-safe: the store's writer thread
// records while the io thread expires windows and reports the edges.
class Detector {
 public:
  Detector(std::int64_t threshold, time::Seconds within);

  enum class State { calm, started, storming };
  // Records one complaint of `rule`: whether the rule storms with it counted, and whether
  // this very complaint started the storm.
  State record(const std::string& rule, time::Instant at);
  // Takes back one complaint recorded `at` whose plan was not stored (its transaction rolled
  // back); `started`: that record started the storm, which then had not started after all.
  void forget(const std::string& rule, time::Instant at, bool started);
  // Ends the storms whose window has emptied enough by `now`.
  void expire(time::Instant now);
  // The edges since the last call, oldest first.
  std::vector<Event> take_events();
  std::vector<std::string> storming() const;

 private:
  // Arrivals are counted per second, so that a burst of a million costs no more memory
  // than a trickle: one bucket per second of the window at most.
  struct RuleState {
    std::deque<std::pair<time::Instant, std::int64_t>> arrivals;  // (second, count), in order
    std::int64_t count = 0;
    bool storming = false;
  };
  void drop_old(RuleState& state, time::Instant now) const;
  void maybe_end(const std::string& rule, RuleState& state, time::Instant now);

  const std::int64_t threshold_;
  const time::Seconds within_;
  mutable std::mutex mu_;
  std::map<std::string, RuleState> rules_;
  std::vector<Event> events_;
};

}  // namespace ackd::storm
