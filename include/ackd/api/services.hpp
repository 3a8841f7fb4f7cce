#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "ackd/api/events.hpp"
#include "ackd/config/config.hpp"
#include "ackd/deliver/dispatcher.hpp"
#include "ackd/metrics/metrics.hpp"
#include "ackd/policy/policy.hpp"
#include "ackd/store/store.hpp"
#include "ackd/storm/detector.hpp"
#include "ackd/time/instant.hpp"

namespace ackd::api {

// What changes while ackd serves, shared by the handlers and the daemon's lifecycle. Read
// and written on the io thread only.
struct ServingState {
  std::shared_ptr<const policy::Policy> policy;
  std::shared_ptr<storm::Detector> storm;  // for the policy in force; null without safety.storm
  std::optional<store::Pause> pause;       // the kill switch, as the store last reported it
  store::SinkHolds sink_holds;             // sinks ops put on hold, likewise
  std::uint64_t accepted = 0;
  std::size_t pending = 0;  // complaints handed to the store, not yet answered
  bool stopping = false;
  bool store_healthy = true;
  // Why ackd serves the last version that served instead of the policy on disk (which did
  // not load at start), until a reload loads the one on disk.
  std::optional<std::string> policy_fallback;
  // When each owed reply's complaint arrived, for the reply latency histogram.
  std::unordered_map<std::int64_t, std::chrono::steady_clock::time_point> reply_arrivals;
};

// What the handlers work with. Handlers run on `io`'s thread; store callbacks are posted
// back to it.
struct Services {
  boost::asio::io_context& io;
  const config::Config& config;
  store::Store& store;
  deliver::Dispatcher& dispatcher;
  metrics::Metrics& metrics;
  ServingState& state;
  std::function<time::Instant()> now;  // the wall clock, to the second
  Events& events;                      // what happens to cases, for the console

  // Hands outbox rows to the dispatcher: sent now if due, else scheduled.
  void deliver(std::vector<store::OutboxItem> items) const;
};

}  // namespace ackd::api
