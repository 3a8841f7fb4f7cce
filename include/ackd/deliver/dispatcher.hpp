#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ackd/deliver/sink.hpp"
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

// Reports from the dispatcher, for metrics and logs. `delivered` gets the time since the
// item was submitted; `attempt_failed` is an attempt that will be retried; `failed` is the
// end (last attempt, not retryable, unknown or unusable sink).
struct DeliveryObserver {
  std::function<void(const Delivery&, std::chrono::steady_clock::duration)> delivered;
  std::function<void(const Delivery&, const Attempt&)> attempt_failed;
  std::function<void(const Delivery&, const Attempt&)> failed;
};

// The store's outbox as the dispatcher uses it, an interface so that delivery does not
// depend on the store (the daemon adapts the store to it): it reads what is owed ahead of
// time and records every outcome. Called on the io_context thread.
class Outbox {
 public:
  using Rows = std::optional<std::vector<Delivery>>;  // empty: could not be read (logged)

  virtual ~Outbox() = default;
  // The pending deliveries after `after` in due order and due by `until`, at most `limit`
  // of them, given to `done` on the io_context thread (or within this call). Held replies
  // are not owed; a row that is being retried is due at its next attempt.
  virtual void owed(plan::DueOrder after, time::Instant until, std::size_t limit,
                    std::function<void(Rows)> done) = 0;
  // Each outcome with the time `at` it happened, on the dispatcher's clock; `remote_id` as
  // the Attempt has it.
  virtual void delivered(std::int64_t outbox_id, time::Instant at, std::string remote_id) = 0;
  virtual void attempt_failed(std::int64_t outbox_id, int attempts, time::Instant at,
                              time::Instant next_attempt, std::string error) = 0;
  virtual void failed(std::int64_t outbox_id, int attempts, time::Instant at,
                      std::string error) = 0;
};

// Which deliveries, once due, wait a while to go out together as one, and the one delivery
// a group becomes: the daemon's, from the policy (plan/notice_group.hpp). Called on the
// io_context thread.
class Grouping {
 public:
  struct Group {
    std::string key;  // with the sink: deliveries of one key and sink go together
    std::chrono::milliseconds wait{0};
  };
  virtual ~Grouping() = default;
  virtual std::optional<Group> group_of(const Delivery& delivery) = 0;
  // Two or more members, oldest first; the result has the first member's id.
  virtual Delivery combine(const std::vector<Delivery>& members) = 0;
};

// How far ahead the dispatcher holds deliveries in memory. The rest wait in the store,
// read a page at a time as their time comes, so that memory follows what is due soon
// rather than every open case's future escalations.
struct Lookahead {
  std::chrono::milliseconds horizon{60000};
  std::size_t page = 5000;  // reads bring at most this many to wait in memory for their time
};

// One sink's state, for metrics and /readyz.
struct SinkHealth {
  std::string sink;
  std::size_t backlog = 0;               // deliveries due and not yet made
  int failures = 0;                      // retryable failures in a row; 0 when the sink is healthy
  std::chrono::milliseconds backoff{0};  // the current pause between probes
  bool on_hold = false;                  // put on hold by ops
};

// Delivers each delivery to its sink at its due time, retrying with backoff and jitter,
// and records every outcome in the Outbox. From its construction on it reads what the
// Outbox owes within the lookahead, and again every quarter of it. Each sink has its own
// queue and connections, so a slow or dead sink delays nobody else. The dispatcher knows
// sinks only as the Sink interface; the sink registry builds them from ackd.yaml.
//
// Threads: everything (submit, cancel, shutdown, the destructor, every callback) runs on
// the one thread that runs `io`; nothing here is locked. The only other thread is each file
// sink's writer, which posts its results back to `io`.
class Dispatcher {
 public:
  // Due times, retries and backoff follow `clock`, whose timers run on `io`'s thread.
  // A sink that is an error string marks its deliveries failed. A group that `grouping`
  // forms is one attempt, whose outcome each member gets. `clock`, `outbox` and
  // `grouping` (optional) must outlive the dispatcher.
  Dispatcher(boost::asio::io_context& io, time::Clock& clock, Sinks sinks, Outbox& outbox,
             RetryPolicy retry, DeliveryObserver observer = {}, Lookahead lookahead = {},
             Grouping* grouping = nullptr);
  ~Dispatcher();

  // Sends what is due now at once and schedules what is due within what it has read of
  // the outbox; later ones are left to the outbox, read when their time comes. Deliveries
  // to unknown or unusable sinks are marked failed. Call on the io_context's thread, with
  // rows already in the outbox.
  void submit(std::vector<Delivery> deliveries);
  // Forgets scheduled items (a claimed case's escalations), and takes them out of groups
  // still waiting; a group already made goes unless all its members are forgotten.
  // Attempts under way finish.
  void cancel(const std::vector<std::int64_t>& outbox_ids);

  // Ops' hands on a sink (ackd queue): on hold, nothing starts (attempts under way
  // finish) and its deliveries wait in order; released, they go. `probe` ends a failing
  // sink's backoff now: its oldest delivery goes at once.
  void hold_sink(const std::string& sink, bool on_hold);
  void probe(const std::string& sink);

  // Stops taking items, lets attempts under way finish (at most `grace`), then calls
  // `done`. Scheduled items stay pending in the store for the next start.
  void shutdown(std::chrono::milliseconds grace, std::function<void()> done);

  std::size_t in_flight() const;
  // Deliveries held in memory and not under way: waiting for their time, queued or retrying.
  std::size_t scheduled() const;
  // Deliveries due and not yet made (queued, retrying or under way), all sinks together.
  std::size_t backlog() const;
  std::vector<SinkHealth> health() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ackd::deliver
