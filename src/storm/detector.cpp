#include "ackd/storm/detector.hpp"

#include <algorithm>

namespace ackd::storm {

Detector::Detector(std::int64_t threshold, time::Seconds within)
    : threshold_(threshold), within_(within) {}

void Detector::drop_old(RuleState& state, time::Instant now) const {
  while (!state.arrivals.empty() && state.arrivals.front().first <= now - within_) {
    state.count -= state.arrivals.front().second;
    state.arrivals.pop_front();
  }
}

void Detector::maybe_end(const std::string& rule, RuleState& state, time::Instant now) {
  if (state.storming && state.count <= threshold_ / 2) {
    state.storming = false;
    events_.push_back({rule, false, state.count, now});
  }
}

Detector::State Detector::record(const std::string& rule, time::Instant at) {
  std::lock_guard lock(mu_);
  RuleState& state = rules_[rule];
  drop_old(state, at);
  // Records come nearly in time order: the bucket is at the back, or close to it.
  auto later = std::find_if(state.arrivals.rbegin(), state.arrivals.rend(),
                            [at](const auto& bucket) { return bucket.first <= at; });
  if (later != state.arrivals.rend() && later->first == at) {
    ++later->second;
  } else {
    state.arrivals.insert(later.base(), {at, 1});
  }
  const auto count = ++state.count;
  if (!state.storming && count > threshold_) {
    state.storming = true;
    events_.push_back({rule, true, count, at});
    return State::started;
  }
  return state.storming ? State::storming : State::calm;
}

void Detector::forget(const std::string& rule, time::Instant at, bool started) {
  std::lock_guard lock(mu_);
  auto it = rules_.find(rule);
  if (it == rules_.end()) return;
  RuleState& state = it->second;
  auto bucket = std::find_if(state.arrivals.rbegin(), state.arrivals.rend(),
                             [at](const auto& b) { return b.first == at; });
  if (bucket != state.arrivals.rend()) {
    --state.count;
    if (--bucket->second == 0) state.arrivals.erase(std::next(bucket).base());
  }
  const auto count = state.count;
  if (started && state.storming && count <= threshold_) {
    state.storming = false;
    // Unreported, the start never happened; reported, it ends here.
    auto edge = std::find_if(events_.rbegin(), events_.rend(), [&](const Event& e) {
      return e.rule == rule && e.started && e.at == at;
    });
    if (edge != events_.rend()) {
      events_.erase(std::next(edge).base());
    } else {
      events_.push_back({rule, false, count, at});
    }
  }
}

void Detector::expire(time::Instant now) {
  std::lock_guard lock(mu_);
  for (auto it = rules_.begin(); it != rules_.end();) {
    drop_old(it->second, now);
    maybe_end(it->first, it->second, now);
    // A quiet rule costs nothing.
    it = it->second.arrivals.empty() && !it->second.storming ? rules_.erase(it) : std::next(it);
  }
}

std::vector<Event> Detector::take_events() {
  std::lock_guard lock(mu_);
  return std::exchange(events_, {});
}

std::vector<std::string> Detector::storming() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [rule, state] : rules_) {
    if (state.storming) out.push_back(rule);
  }
  return out;
}

}  // namespace ackd::storm
