#include "ackd/deliver/dispatcher.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <random>
#include <set>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <variant>

namespace ackd::deliver {

namespace net = boost::asio;

namespace {

struct Entry {
  Delivery item;
  time::SteadyTime submitted;
};

// Oldest first, so after an outage a sink gets its backlog in order of age; retries keep
// their original due time and so keep their place.
using QueueKey = std::pair<time::Instant, std::int64_t>;

struct SinkState {
  std::unique_ptr<Sink> channel;    // null when the sink cannot be used
  std::string error;                // why not
  std::map<QueueKey, Entry> queue;  // due now (or retrying), oldest first
  std::size_t in_flight = 0;
  // A sink that fails is paused as a whole, not retried item by item: its deliveries keep
  // their order of age, and a dead sink gets one probe per backoff period instead of one
  // attempt per owed item. After the pause the oldest delivery goes alone; its success
  // reopens every connection.
  int failures = 0;  // retryable failures in a row
  bool paused = false;
  std::chrono::milliseconds backoff{0};
  std::unique_ptr<time::Timer> resume;
};

}  // namespace

class Dispatcher::Impl {
 public:
  Impl(net::io_context& io, time::Clock& clock, Sinks sinks, DeliveryLog& log, RetryPolicy retry,
       DeliveryObserver observer)
      : io_(io),
        clock_(clock),
        log_(log),
        retry_(retry),
        observer_(std::move(observer)),
        random_(std::random_device{}()),
        grace_timer_(clock.timer()) {
    for (auto& [name, sink] : sinks) {
      SinkState& state = sinks_[name];
      if (auto* error = std::get_if<std::string>(&sink)) {
        state.error = "sink '" + name + "': " + *error;
        spdlog::error("{}; its deliveries will be marked failed", state.error);
        continue;
      }
      state.channel = std::get<std::unique_ptr<Sink>>(std::move(sink));
    }
  }

  ~Impl() {
    life_.reset();
    for (auto& [name, sink] : sinks_) {
      if (sink.channel) sink.channel->abort();
    }
  }

  void submit(std::vector<Delivery> items) {
    if (stopping_) return;  // still pending in the store, for the next start
    std::set<SinkState*> touched;
    auto now = clock_.wall();
    for (auto& item : items) {
      if (live_.contains(item.id)) continue;  // already ours
      auto found = sinks_.find(item.sink);
      if (found == sinks_.end()) {
        give_up(item, final_error("unknown sink '" + item.sink + "'"), item.attempts);
        continue;
      }
      SinkState& sink = found->second;
      if (!sink.channel) {
        give_up(item, final_error(sink.error), item.attempts);
        continue;
      }
      live_.insert(item.id);
      auto delay = item.due_at - now;
      Entry entry{std::move(item), clock_.steady()};
      if (delay > decltype(delay)::zero()) {
        wait(std::move(entry), std::chrono::ceil<std::chrono::milliseconds>(delay));
      } else {
        // Queue the whole batch before sending any, so its oldest item goes first.
        enqueue(sink, std::move(entry));
        touched.insert(&sink);
      }
    }
    for (SinkState* sink : touched) pump(*sink);
  }

  void cancel(const std::vector<std::int64_t>& ids) {
    std::unordered_set<std::int64_t> drop(ids.begin(), ids.end());
    for (auto id : ids) {
      if (waiting_.erase(id) > 0) live_.erase(id);
    }
    for (auto& [name, sink] : sinks_) {
      std::erase_if(sink.queue, [&](const auto& queued) {
        if (!drop.contains(queued.first.second)) return false;
        live_.erase(queued.first.second);
        return true;
      });
    }
    // Whatever is left is under way: it finishes and is recorded, but is not retried.
    for (auto id : ids) {
      if (live_.contains(id)) cancelled_in_flight_.insert(id);
    }
  }

  void shutdown(std::chrono::milliseconds grace, std::function<void()> done) {
    if (done) on_stopped_.push_back(std::move(done));
    if (stopping_) {
      if (stopped_) finish_shutdown();
      return;
    }
    stopping_ = true;
    waiting_.clear();  // destroying the timers cancels them
    for (auto& [name, sink] : sinks_) {
      if (sink.resume) sink.resume->cancel();
      for (const auto& [key, entry] : sink.queue) live_.erase(key.second);
      sink.queue.clear();
    }
    if (in_flight_ == 0) return finish_shutdown();
    grace_timer_->start(grace, [this] {
      if (stopped_) return;
      spdlog::warn("delivery: {} attempt(s) still under way after the shutdown grace; aborting",
                   in_flight_);
      for (auto& [name, sink] : sinks_) {
        if (sink.channel) sink.channel->abort();
        sink.in_flight = 0;
      }
      in_flight_ = 0;
      live_.clear();
      finish_shutdown();
    });
  }

  std::size_t in_flight() const { return in_flight_; }

  std::size_t scheduled() const {
    std::size_t n = waiting_.size();
    for (const auto& [name, sink] : sinks_) n += sink.queue.size();
    return n;
  }

  std::size_t backlog() const {
    std::size_t n = in_flight_;
    for (const auto& [name, sink] : sinks_) n += sink.queue.size();
    return n;
  }

  std::vector<SinkHealth> health() const {
    std::vector<SinkHealth> out;
    for (const auto& [name, sink] : sinks_) {
      out.push_back({name, sink.queue.size() + sink.in_flight, sink.failures,
                     sink.failures > 0 ? sink.backoff : std::chrono::milliseconds(0)});
    }
    return out;
  }

 private:
  struct Waiting {
    Entry entry;
    std::unique_ptr<time::Timer> timer;  // dropping it (cancel) means it never fires
  };

  void wait(Entry entry, std::chrono::milliseconds delay) {
    auto id = entry.item.id;
    auto timer = clock_.timer();
    timer->start(delay, [this, id] {
      auto found = waiting_.find(id);
      if (found == waiting_.end()) return;
      Entry due = std::move(found->second.entry);
      waiting_.erase(found);  // destroys the timer running this; nothing below touches it
      SinkState& sink = sinks_.at(due.item.sink);
      enqueue(sink, std::move(due));
      pump(sink);
    });
    waiting_.insert_or_assign(id, Waiting{std::move(entry), std::move(timer)});
  }

  void enqueue(SinkState& sink, Entry entry) {
    QueueKey key{entry.item.due_at, entry.item.id};
    sink.queue.emplace(key, std::move(entry));
  }

  void pump(SinkState& sink) {
    if (sink.paused) return;
    const std::size_t capacity = sink.failures > 0 ? 1 : sink.channel->capacity();
    while (!stopping_ && !sink.queue.empty() && sink.in_flight < capacity) {
      auto node = sink.queue.extract(sink.queue.begin());
      auto entry = std::make_shared<Entry>(std::move(node.mapped()));
      ++sink.in_flight;
      ++in_flight_;
      sink.channel->send(entry->item,
                         [this, &sink, entry, alive = std::weak_ptr<char>(life_)](Attempt attempt) {
                           if (alive.expired()) return;
                           on_attempt(sink, std::move(*entry), std::move(attempt));
                         });
    }
  }

  void on_attempt(SinkState& sink, Entry entry, Attempt attempt) {
    --sink.in_flight;
    --in_flight_;
    auto id = entry.item.id;
    bool cancelled = cancelled_in_flight_.erase(id) > 0;
    live_.erase(id);
    if (attempt.delivered) {
      sink.failures = 0;
      log_.delivered(id, clock_.now());
      if (observer_.delivered) observer_.delivered(entry.item, clock_.steady() - entry.submitted);
    } else {
      int attempts = entry.item.attempts + 1;
      if (attempt.retryable && attempts < retry_.max_attempts) {
        pause(sink);
        auto next = std::chrono::ceil<time::Seconds>(clock_.wall() + sink.backoff);
        entry.item.attempts = attempts;
        log_.attempt_failed(id, attempts, clock_.now(), next, attempt.error);
        if (observer_.attempt_failed) observer_.attempt_failed(entry.item, attempt);
        // The store keeps it pending when stopping; a cancelled one is no longer owed.
        if (!cancelled && !stopping_) {
          live_.insert(id);
          enqueue(sink, std::move(entry));  // back at its place by age
        }
      } else {
        entry.item.attempts = attempts;
        give_up(entry.item, attempt, attempts);
      }
    }
    if (stopping_) {
      if (in_flight_ == 0 && !stopped_) {
        grace_timer_->cancel();
        finish_shutdown();
      }
      return;
    }
    pump(sink);
  }

  // Attempts already under way when a sink starts failing all fail together: one pause.
  void pause(SinkState& sink) {
    if (sink.paused || stopping_) return;
    ++sink.failures;
    sink.paused = true;
    sink.backoff = backoff(retry_, sink.failures + 1, unit_(random_));
    if (!sink.resume) sink.resume = clock_.timer();
    sink.resume->start(sink.backoff, [this, &sink] {
      sink.paused = false;
      pump(sink);
    });
  }

  static Attempt final_error(std::string error) {
    Attempt attempt;
    attempt.retryable = false;
    attempt.error = std::move(error);
    return attempt;
  }

  void give_up(const Delivery& item, const Attempt& attempt, int attempts) {
    log_.failed(item.id, attempts, clock_.now(), attempt.error);
    if (observer_.failed) observer_.failed(item, attempt);
  }

  void finish_shutdown() {
    stopped_ = true;
    // Posted, so `done` never runs inside shutdown() or an attempt's completion.
    for (auto& done : on_stopped_) net::post(io_, std::move(done));
    on_stopped_.clear();
  }

  net::io_context& io_;
  time::Clock& clock_;
  DeliveryLog& log_;
  RetryPolicy retry_;
  DeliveryObserver observer_;
  std::mt19937_64 random_;
  std::uniform_real_distribution<double> unit_{0.0, 1.0};

  std::map<std::string, SinkState> sinks_;
  std::unordered_map<std::int64_t, Waiting> waiting_;  // not due yet, or backing off
  std::unordered_set<std::int64_t> live_;              // waiting, queued or under way
  std::unordered_set<std::int64_t> cancelled_in_flight_;
  std::size_t in_flight_ = 0;

  bool stopping_ = false;
  bool stopped_ = false;
  std::unique_ptr<time::Timer> grace_timer_;
  std::vector<std::function<void()>> on_stopped_;
  // Completions check this, so none runs into a destroyed dispatcher.
  std::shared_ptr<char> life_ = std::make_shared<char>();
};

Dispatcher::Dispatcher(net::io_context& io, time::Clock& clock, Sinks sinks, DeliveryLog& log,
                       RetryPolicy retry, DeliveryObserver observer)
    : impl_(std::make_unique<Impl>(io, clock, std::move(sinks), log, retry, std::move(observer))) {}

Dispatcher::~Dispatcher() = default;

void Dispatcher::submit(std::vector<Delivery> deliveries) {
  impl_->submit(std::move(deliveries));
}

void Dispatcher::cancel(const std::vector<std::int64_t>& outbox_ids) {
  impl_->cancel(outbox_ids);
}

void Dispatcher::shutdown(std::chrono::milliseconds grace, std::function<void()> done) {
  impl_->shutdown(grace, std::move(done));
}

std::size_t Dispatcher::in_flight() const {
  return impl_->in_flight();
}

std::size_t Dispatcher::scheduled() const {
  return impl_->scheduled();
}

std::size_t Dispatcher::backlog() const {
  return impl_->backlog();
}

std::vector<SinkHealth> Dispatcher::health() const {
  return impl_->health();
}

}  // namespace ackd::deliver
