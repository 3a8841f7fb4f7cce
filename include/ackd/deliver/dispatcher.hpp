#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ackd/config/config.hpp"
#include "ackd/store/store.hpp"
#include "ackd/time/clock.hpp"
#include "ackd/time/instant.hpp"

namespace ackd::deliver {

struct RetryPolicy {
  int max_attempts = 8;
  std::chrono::milliseconds initial{1000};
  std::chrono::milliseconds max{300000};
  double jitter = 0.2;  // each delay is spread by up to ±20%, then capped at `max`
};

// The delay before attempt number `attempt` (2 for the first retry): exponential from
// `initial`, spread by jitter drawn from `unit` in [0, 1), and never above `max`.
std::chrono::milliseconds backoff(const RetryPolicy& retry, int attempt, double unit);

// What happened to one delivery attempt.
struct Attempt {
  bool delivered = false;
  bool retryable = true;  // false: a 4xx other than 408/429, never worth repeating
  std::string error;      // "HTTP 500", "timeout", "connection refused", ...
};

// Reports from the dispatcher, for metrics and logs. `delivered` gets the time since the
// item was submitted; `attempt_failed` is an attempt that will be retried; `failed` is the
// end (last attempt, not retryable, unknown or unusable sink).
struct DeliveryObserver {
  std::function<void(const store::OutboxItem&, std::chrono::steady_clock::duration)> delivered;
  std::function<void(const store::OutboxItem&, const Attempt&)> attempt_failed;
  std::function<void(const store::OutboxItem&, const Attempt&)> failed;
};

// Where the dispatcher records outcomes: the store's delivery bookkeeping, as an interface
// so delivery does not depend on the rest of the store. Called on the io_context thread.
class DeliveryLog {
 public:
  virtual ~DeliveryLog() = default;
  virtual void delivered(std::int64_t outbox_id, time::Instant at) = 0;
  virtual void attempt_failed(std::int64_t outbox_id, int attempts, time::Instant next_attempt,
                              std::string error) = 0;
  virtual void failed(std::int64_t outbox_id, int attempts, std::string error) = 0;
};

// One sink's state, for metrics and /readyz.
struct SinkHealth {
  std::string sink;
  std::size_t backlog = 0;               // deliveries due and not yet made
  int failures = 0;                      // retryable failures in a row; 0 when the sink is healthy
  std::chrono::milliseconds backoff{0};  // the current pause between probes
};

struct DispatcherOptions {
  // Concurrent attempts per webhook sink, when its configuration does not say (0).
  std::size_t connections_per_sink = 0;
};

// Delivers outbox items to their sinks at their due time, retrying with backoff and
// jitter, and records every outcome in the store. Each sink has its own queue and
// connections, so a slow or dead sink delays nobody else.
//
// Threads: everything (submit, cancel, shutdown, the destructor, every callback) runs on
// the one thread that runs `io`; nothing here is locked. The only other thread is each file
// sink's writer, which posts its results back to `io`.
class Dispatcher {
 public:
  // Due times, retries and backoff follow `clock`, whose timers run on `io`'s thread.
  // Records outcomes with store.mark_delivered / mark_attempt_failed / mark_failed.
  Dispatcher(boost::asio::io_context& io, time::Clock& clock,
             const std::map<std::string, config::Sink>& sinks, store::Store& store,
             RetryPolicy retry, DeliveryObserver observer = {});
  // `clock` and `log` must outlive the dispatcher.
  Dispatcher(boost::asio::io_context& io, time::Clock& clock,
             const std::map<std::string, config::Sink>& sinks, DeliveryLog& log, RetryPolicy retry,
             DeliveryObserver observer = {}, DispatcherOptions options = {});
  ~Dispatcher();

  // Sends what is due now at once and schedules the rest. Items for unknown sinks are
  // marked failed. Call on the io_context's thread.
  void submit(std::vector<store::OutboxItem> items);
  // Forgets scheduled items (a claimed case's escalations); attempts under way finish.
  void cancel(const std::vector<std::int64_t>& outbox_ids);

  // Stops taking items, lets attempts under way finish (at most `grace`), then calls
  // `done`. Scheduled items stay pending in the store for the next start.
  void shutdown(std::chrono::milliseconds grace, std::function<void()> done);

  std::size_t in_flight() const;
  std::size_t scheduled() const;
  // Deliveries due and not yet made (queued, retrying or under way), all sinks together.
  std::size_t backlog() const;
  std::vector<SinkHealth> health() const;

 private:
  Dispatcher(boost::asio::io_context& io, time::Clock& clock,
             const std::map<std::string, config::Sink>& sinks, std::unique_ptr<DeliveryLog> log,
             RetryPolicy retry, DeliveryObserver observer, DispatcherOptions options);

  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ackd::deliver
