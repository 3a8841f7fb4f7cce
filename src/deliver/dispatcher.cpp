#include "ackd/deliver/dispatcher.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <random>
#include <span>
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
  std::vector<Delivery> members;  // a group's, whose outcome is theirs; empty: `item` alone

  // The deliveries an attempt with this entry is for.
  std::span<const Delivery> deliveries() const {
    return members.empty() ? std::span<const Delivery>(&item, 1) : std::span(members);
  }
};

// Deliveries of one group, due and waiting for the others.
struct Forming {
  std::vector<Entry> members;
  std::unique_ptr<time::Timer> timer;
};

// Oldest first, so after an outage a sink gets its backlog in order of age; retries keep
// their original due time and so keep their place.
using QueueKey = plan::DueOrder;

struct SinkState {
  std::unique_ptr<Sink> channel;           // null when the sink cannot be used
  std::string error;                       // why not
  std::map<QueueKey, Entry> queue;         // due now (or retrying), oldest first
  std::map<std::string, Forming> forming;  // by group key
  std::size_t in_flight = 0;
  // A sink that fails is paused as a whole, not retried item by item: its deliveries keep
  // their order of age, and a dead sink gets one probe per backoff period instead of one
  // attempt per owed item. After the pause the oldest delivery goes alone; its success
  // reopens every connection.
  int failures = 0;  // retryable failures in a row
  bool paused = false;
  bool on_hold = false;  // by ops (ackd queue hold): nothing starts until released
  std::chrono::milliseconds backoff{0};
  std::unique_ptr<time::Timer> resume;
};

}  // namespace

class Dispatcher::Impl {
 public:
  Impl(net::io_context& io, time::Clock& clock, Sinks sinks, Outbox& outbox, RetryPolicy retry,
       DeliveryObserver observer, Lookahead lookahead, Grouping* grouping)
      : io_(io),
        clock_(clock),
        outbox_(outbox),
        retry_(retry),
        observer_(std::move(observer)),
        lookahead_(lookahead),
        grouping_(grouping),
        random_(std::random_device{}()),
        read_timer_(clock.timer()),
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
    read_every_quarter();
  }

  ~Impl() {
    life_.reset();
    for (auto& [name, sink] : sinks_) {
      if (sink.channel) sink.channel->abort();
    }
  }

  void submit(std::vector<Delivery> items) {
    if (stopping_) return;  // still pending in the store, for the next start
    const auto now = clock_.wall();
    // What is due later than the outbox has been read stays there until a read reaches it.
    std::erase_if(items, [&](const Delivery& item) {
      return item.due_at > now && plan::due_order(item) > read_;
    });
    take(std::move(items));
  }

  void cancel(const std::vector<std::int64_t>& ids) {
    std::unordered_set<std::int64_t> drop(ids.begin(), ids.end());
    for (auto id : ids) {
      if (waiting_.erase(id) > 0) finish(id);
    }
    auto dropped = [&](const Delivery& d) { return drop.contains(d.id); };
    for (auto& [name, sink] : sinks_) {
      for (auto group = sink.forming.begin(); group != sink.forming.end();) {
        std::erase_if(group->second.members, [&](const Entry& e) {
          if (!dropped(e.item)) return false;
          finish(e.item.id);
          return true;
        });
        // An emptied group goes, and its timer with it.
        group = group->second.members.empty() ? sink.forming.erase(group) : std::next(group);
      }
      std::erase_if(sink.queue, [&](const auto& queued) {
        const auto deliveries = queued.second.deliveries();
        if (!std::all_of(deliveries.begin(), deliveries.end(), dropped)) return false;
        for (const auto& d : deliveries) finish(d.id);
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
    read_timer_->cancel();
    waiting_.clear();  // destroying the timers cancels them
    for (auto& [name, sink] : sinks_) {
      if (sink.resume) sink.resume->cancel();
      for (const auto& [key, group] : sink.forming) {
        for (const auto& e : group.members) live_.erase(e.item.id);
      }
      sink.forming.clear();
      for (const auto& [key, entry] : sink.queue) {
        for (const auto& d : entry.deliveries()) live_.erase(d.id);
      }
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
    for (const auto& [name, sink] : sinks_) n += due_not_sent(sink);
    return n;
  }

  std::size_t backlog() const {
    std::size_t n = in_flight_;
    for (const auto& [name, sink] : sinks_) n += due_not_sent(sink);
    return n;
  }

  std::vector<SinkHealth> health() const {
    std::vector<SinkHealth> out;
    for (const auto& [name, sink] : sinks_) {
      out.push_back({name, due_not_sent(sink) + sink.in_flight, sink.failures,
                     sink.failures > 0 ? sink.backoff : std::chrono::milliseconds(0),
                     sink.on_hold});
    }
    return out;
  }

  void hold_sink(const std::string& name, bool on_hold) {
    auto found = sinks_.find(name);
    if (found == sinks_.end()) return;
    found->second.on_hold = on_hold;
    if (!on_hold) pump(found->second);
  }

  void probe(const std::string& name) {
    auto found = sinks_.find(name);
    if (found == sinks_.end() || stopping_) return;
    SinkState& sink = found->second;
    // The backoff ends now; the oldest delivery goes alone, and its success reopens the rest.
    if (sink.resume) sink.resume->cancel();
    sink.paused = false;
    pump(sink);
  }

 private:
  // Queued, retrying, or waiting for the rest of its group.
  static std::size_t due_not_sent(const SinkState& sink) {
    std::size_t n = sink.queue.size();
    for (const auto& [key, group] : sink.forming) n += group.members.size();
    return n;
  }

  struct Waiting {
    Entry entry;
    std::unique_ptr<time::Timer> timer;  // dropping it (cancel) means it never fires
  };

  // Holds each delivery until its time or queues it on its sink, ignoring those already
  // held; those to an unknown or unusable sink fail at once.
  void take(std::vector<Delivery> items) {
    std::vector<SinkState*> touched;  // in the items' order: a case's reply leaves first
    const auto now = clock_.wall();
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
      Entry entry{std::move(item), clock_.steady(), {}};
      if (delay > decltype(delay)::zero()) {
        wait(std::move(entry), std::chrono::ceil<std::chrono::milliseconds>(delay));
      } else {
        // Queue the whole batch before sending any, so its oldest item goes first.
        come_due(sink, std::move(entry));
        if (std::find(touched.begin(), touched.end(), &sink) == touched.end()) {
          touched.push_back(&sink);
        }
      }
    }
    for (SinkState* sink : touched) pump(*sink);
  }

  void read_every_quarter() {
    read_ahead();
    const auto period =
        std::max<std::chrono::milliseconds>(lookahead_.horizon / 4, std::chrono::milliseconds(100));
    read_timer_->start(period, [this] { read_every_quarter(); });
  }

  // Reads what is owed next within the horizon, as much as fills a page of deliveries
  // waiting for their time. One read at a time, and none until half a page has come due.
  void read_ahead() {
    if (reading_ || stopping_ || waiting_.size() > lookahead_.page / 2) return;
    const auto until = std::chrono::floor<time::Seconds>(clock_.wall() + lookahead_.horizon);
    if (read_ >= plan::DueOrder::through(until)) return;  // read that far already
    reading_ = true;
    const auto limit = lookahead_.page - waiting_.size();
    outbox_.owed(read_, until, limit,
                 [this, until, limit, alive = std::weak_ptr<char>(life_)](Outbox::Rows rows) {
                   if (alive.expired()) return;
                   on_read(until, limit, std::move(rows));
                 });
  }

  void on_read(time::Instant until, std::size_t limit, Outbox::Rows rows) {
    reading_ = false;
    // A row that finished while the read was under way may have been read still pending.
    auto finished = std::exchange(finished_while_reading_, {});
    if (stopping_ || !rows) return;  // a failed read is tried again at the next period
    const bool full = rows->size() >= limit;
    read_ = std::max(read_, full ? plan::due_order(rows->back()) : plan::DueOrder::through(until));
    std::erase_if(*rows, [&](const Delivery& item) { return finished.contains(item.id); });
    take(std::move(*rows));
    if (full) read_ahead();
  }

  // A delivery leaves the dispatcher for good: delivered, failed or cancelled.
  void finish(std::int64_t id) {
    live_.erase(id);
    if (reading_) finished_while_reading_.insert(id);
  }

  void wait(Entry entry, std::chrono::milliseconds delay) {
    auto id = entry.item.id;
    auto timer = clock_.timer();
    timer->start(delay, [this, id] {
      auto found = waiting_.find(id);
      if (found == waiting_.end()) return;
      Entry due = std::move(found->second.entry);
      waiting_.erase(found);  // destroys the timer running this; nothing below touches it
      SinkState& sink = sinks_.at(due.item.sink);
      come_due(sink, std::move(due));
      pump(sink);
      read_ahead();  // room for more of a page that did not fit
    });
    waiting_.insert_or_assign(id, Waiting{std::move(entry), std::move(timer)});
  }

  // A delivery has come due: it waits for the rest of its group, or joins its sink's queue.
  void come_due(SinkState& sink, Entry entry) {
    auto group = grouping_ ? grouping_->group_of(entry.item) : std::nullopt;
    if (!group || group->wait <= std::chrono::milliseconds::zero()) {
      return enqueue(sink, std::move(entry));
    }
    auto [forming, fresh] = sink.forming.try_emplace(group->key);
    forming->second.members.push_back(std::move(entry));
    if (!fresh) return;
    forming->second.timer = clock_.timer();
    forming->second.timer->start(group->wait,
                                 [this, &sink, key = group->key] { send_group(sink, key); });
  }

  // The group's wait is over: one of a kind goes as it is, more as one delivery.
  void send_group(SinkState& sink, std::string key) {  // a copy: the timer holding it goes
    auto node = sink.forming.extract(key);
    if (node.empty()) return;
    auto members = std::move(node.mapped().members);
    if (members.size() == 1) {
      enqueue(sink, std::move(members.front()));
    } else {
      std::vector<Delivery> deliveries;
      for (auto& m : members) deliveries.push_back(std::move(m.item));
      auto one = grouping_->combine(deliveries);
      enqueue(sink, Entry{std::move(one), members.front().submitted, std::move(deliveries)});
    }
    pump(sink);
  }

  void enqueue(SinkState& sink, Entry entry) {
    auto key = plan::due_order(entry.item);
    sink.queue.emplace(key, std::move(entry));
  }

  void pump(SinkState& sink) {
    const std::size_t capacity = sink.failures > 0 ? 1 : sink.channel->capacity();
    while (!stopping_ && !sink.paused && !sink.on_hold && !sink.queue.empty() &&
           sink.in_flight < capacity) {
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
    // Cancelled while under way: every one the attempt was for.
    bool cancelled = true;
    for (const auto& d : entry.deliveries()) {
      const bool was = cancelled_in_flight_.erase(d.id) > 0;
      cancelled = cancelled && was;
    }
    if (attempt.delivered) {
      sink.failures = 0;
      for (const auto& d : entry.deliveries()) {
        finish(d.id);
        // A group's ticket is its first case's.
        outbox_.delivered(d.id, clock_.now(),
                          d.complaint_id == entry.item.complaint_id ? attempt.remote_id : "");
        if (observer_.delivered) observer_.delivered(d, clock_.steady() - entry.submitted);
      }
    } else if (attempt.wait) {
      // Out of quota: the sink waits for it to come back; the delivery loses no attempt.
      hold(sink, *attempt.wait);
      auto next = std::chrono::ceil<time::Seconds>(clock_.wall() + *attempt.wait);
      for (const auto& d : entry.deliveries()) {
        outbox_.attempt_failed(d.id, entry.item.attempts, clock_.now(), next, attempt.error);
        if (observer_.attempt_failed) observer_.attempt_failed(d, attempt);
      }
      requeue(sink, std::move(entry), cancelled);
    } else {
      int attempts = entry.item.attempts + 1;
      entry.item.attempts = attempts;
      if (attempt.retryable && attempts < retry_.max_attempts) {
        pause(sink);
        auto next = std::chrono::ceil<time::Seconds>(clock_.wall() + sink.backoff);
        for (const auto& d : entry.deliveries()) {
          outbox_.attempt_failed(d.id, attempts, clock_.now(), next, attempt.error);
          if (observer_.attempt_failed) observer_.attempt_failed(d, attempt);
        }
        requeue(sink, std::move(entry), cancelled);
      } else {
        for (const auto& d : entry.deliveries()) give_up(d, attempt, attempts);
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

  // Back at its place by age for another attempt. The store keeps it pending when
  // stopping; a cancelled one is no longer owed.
  void requeue(SinkState& sink, Entry entry, bool cancelled) {
    if (!cancelled && !stopping_) return enqueue(sink, std::move(entry));
    for (const auto& d : entry.deliveries()) finish(d.id);
  }

  // The sink sends nothing for `wait`: out of quota (not a failure), or backing off.
  void hold(SinkState& sink, std::chrono::milliseconds wait) {
    if (stopping_) return;
    sink.paused = true;
    if (!sink.resume) sink.resume = clock_.timer();
    sink.resume->start(wait, [this, &sink] {
      sink.paused = false;
      pump(sink);
    });
  }

  // Attempts already under way when a sink starts failing all fail together: one pause.
  void pause(SinkState& sink) {
    if (sink.paused || stopping_) return;
    ++sink.failures;
    sink.backoff = backoff(retry_, sink.failures + 1, unit_(random_));
    hold(sink, sink.backoff);
  }

  static Attempt final_error(std::string error) {
    Attempt attempt;
    attempt.retryable = false;
    attempt.error = std::move(error);
    return attempt;
  }

  void give_up(const Delivery& item, const Attempt& attempt, int attempts) {
    finish(item.id);
    outbox_.failed(item.id, attempts, clock_.now(), attempt.error);
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
  Outbox& outbox_;
  RetryPolicy retry_;
  DeliveryObserver observer_;
  Lookahead lookahead_;
  Grouping* grouping_;
  std::mt19937_64 random_;
  std::uniform_real_distribution<double> unit_{0.0, 1.0};

  std::map<std::string, SinkState> sinks_;
  std::unordered_map<std::int64_t, Waiting> waiting_;  // not due yet, or backing off
  std::unordered_set<std::int64_t> live_;              // waiting, queued or under way
  std::unordered_set<std::int64_t> cancelled_in_flight_;
  std::size_t in_flight_ = 0;

  // Everything pending in the outbox up to here is held (or was, and is done).
  plan::DueOrder read_;
  bool reading_ = false;
  std::unordered_set<std::int64_t> finished_while_reading_;
  std::unique_ptr<time::Timer> read_timer_;

  bool stopping_ = false;
  bool stopped_ = false;
  std::unique_ptr<time::Timer> grace_timer_;
  std::vector<std::function<void()>> on_stopped_;
  // Completions check this, so none runs into a destroyed dispatcher.
  std::shared_ptr<char> life_ = std::make_shared<char>();
};

Dispatcher::Dispatcher(net::io_context& io, time::Clock& clock, Sinks sinks, Outbox& outbox,
                       RetryPolicy retry, DeliveryObserver observer, Lookahead lookahead,
                       Grouping* grouping)
    : impl_(std::make_unique<Impl>(io, clock, std::move(sinks), outbox, retry, std::move(observer),
                                   lookahead, grouping)) {}

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

void Dispatcher::hold_sink(const std::string& sink, bool on_hold) {
  impl_->hold_sink(sink, on_hold);
}

void Dispatcher::probe(const std::string& sink) {
  impl_->probe(sink);
}

}  // namespace ackd::deliver
