#include <doctest/doctest.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "ackd/config/section.hpp"
#include "ackd/deliver/dispatcher.hpp"
#include "ackd/deliver/sink_registry.hpp"
#include "ackd/time/clock.hpp"
#include "platform_api_fake.hpp"

namespace deliver_test {

// Delivery runs on a manual clock: due times, backoff, pauses, timeouts and the shutdown
// grace move only when a test advances the clock, so every step is a definite state. The
// webhooks are real HTTP on 127.0.0.1; waiting for them is a bounded loop on a state.

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;
using ackd::deliver::Attempt;
using ackd::deliver::backoff;
using ackd::deliver::DeliveryObserver;
using ackd::deliver::Dispatcher;
using ackd::deliver::Lookahead;
using ackd::deliver::Outbox;
using ackd::deliver::RetryPolicy;
using ackd::testing::PlatformApi;
using OutboxItem = ackd::deliver::Delivery;
using ackd::time::ManualClock;
using steady = std::chrono::steady_clock;

const ackd::time::Instant kStart = std::chrono::sys_days{std::chrono::year{2026} / 3 / 1};

struct Received {
  std::string target;
  std::string body;
  std::string idempotency_key;
  std::string content_type;
  std::string user_agent;
  std::string authorization;
};

Received what_arrived(const http::request<http::string_body>& request) {
  return {std::string(request.target()),
          request.body(),
          std::string(request["Idempotency-Key"]),
          std::string(request[http::field::content_type]),
          std::string(request[http::field::user_agent]),
          std::string(request[http::field::authorization])};
}

// A webhook receiver on 127.0.0.1: answers the n-th request with statuses[n] (then `then`);
// a status of 0 means read the request and never answer.
class Receiver {
 public:
  Receiver(net::io_context& io, std::vector<unsigned> statuses, unsigned then = 200)
      : acceptor_(io, tcp::endpoint(net::ip::address_v4::loopback(), 0)),
        statuses_(std::move(statuses)),
        then_(then) {
    accept();
  }

  unsigned short port() const { return acceptor_.local_endpoint().port(); }

  std::vector<Received> received;
  int connections = 0;
  bool drop_idle = false;  // close each connection after answering, while promising keep-alive
  int closed = 0;          // connections closed that way

 private:
  struct Session {
    explicit Session(tcp::socket s) : socket(std::move(s)) {}
    tcp::socket socket;
    beast::flat_buffer buffer;
    http::request<http::string_body> request;
    http::response<http::string_body> response;
  };

  void accept() {
    acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec) return;
      ++connections;
      read(std::make_shared<Session>(std::move(socket)));
      accept();
    });
  }

  void read(std::shared_ptr<Session> s) {
    s->request = {};
    http::async_read(s->socket, s->buffer, s->request, [this, s](beast::error_code ec, size_t) {
      if (ec) return;
      received.push_back(what_arrived(s->request));
      unsigned status =
          received.size() <= statuses_.size() ? statuses_[received.size() - 1] : then_;
      if (status == 0) {
        hung_.push_back(s);  // keeps the connection open, unanswered
        return;
      }
      s->response = {};
      s->response.version(11);
      s->response.result(status);
      s->response.keep_alive(s->request.keep_alive());
      if (status != 204) s->response.body() = "ok";
      s->response.prepare_payload();
      http::async_write(s->socket, s->response, [this, s](beast::error_code wec, size_t) {
        if (wec) return;
        if (drop_idle) {
          s->socket.close();
          ++closed;
          return;
        }
        read(s);
      });
    });
  }

  tcp::acceptor acceptor_;
  std::vector<unsigned> statuses_;
  unsigned then_;
  std::vector<std::shared_ptr<Session>> hung_;
};

// The store's outbox as the dispatcher sees it: `rows` are what a read can find pending (a
// test puts them there; an outcome updates them as the store would), reads answer at once
// unless `deferred`, and every outcome is recorded.
struct Recorder final : Outbox {
  struct Read {
    ackd::plan::DueOrder after;
    ackd::time::Instant until;
  };
  std::vector<OutboxItem> rows;
  std::vector<Read> reads;
  bool deferred = false;
  std::vector<std::function<void()>> unanswered;

  void owed(ackd::plan::DueOrder after, ackd::time::Instant until, std::size_t limit,
            std::function<void(Rows)> done) override {
    reads.push_back({after, until});
    std::vector<OutboxItem> found;
    for (const auto& row : rows) {
      auto at = ackd::plan::due_order(row);
      if (at > after && at <= ackd::plan::DueOrder::through(until)) found.push_back(row);
    }
    std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
      return ackd::plan::due_order(a) < ackd::plan::due_order(b);
    });
    if (found.size() > limit) found.resize(limit);
    if (!deferred) return done(std::move(found));
    unanswered.push_back([done, found] { done(found); });
  }

  struct Failure {
    std::int64_t id;
    int attempts;
    std::string error;
  };
  std::vector<std::int64_t> delivered_ids;
  std::vector<ackd::time::Instant> delivered_at;
  std::vector<Failure> attempt_failures;
  std::vector<ackd::time::Instant> next_attempts;
  std::vector<Failure> failures;

  std::vector<std::string> remote_ids;

  void delivered(std::int64_t id, ackd::time::Instant at, std::string remote_id) override {
    delivered_ids.push_back(id);
    delivered_at.push_back(at);
    remote_ids.push_back(std::move(remote_id));
    std::erase_if(rows, [id](const OutboxItem& row) { return row.id == id; });
  }
  void attempt_failed(std::int64_t id, int attempts, ackd::time::Instant, ackd::time::Instant next,
                      std::string error) override {
    attempt_failures.push_back({id, attempts, std::move(error)});
    next_attempts.push_back(next);
    for (auto& row : rows) {
      if (row.id == id) row.due_at = next;
    }
  }
  void failed(std::int64_t id, int attempts, ackd::time::Instant, std::string error) override {
    failures.push_back({id, attempts, std::move(error)});
    std::erase_if(rows, [id](const OutboxItem& row) { return row.id == id; });
  }
};

ackd::config::Section section(const std::string& name, const std::string& type,
                              const std::map<std::string, std::string>& settings) {
  ackd::config::Section sink;
  sink.name = name;
  sink.type = type;
  for (const auto& [key, value] : settings) sink.settings[key] = {value, {}, {}, {}};
  return sink;
}

ackd::config::Section webhook(const std::string& name, unsigned short port,
                              const std::string& path = "/hook", int timeout_seconds = 5) {
  return section(name, "webhook",
                 {{"url", "http://127.0.0.1:" + std::to_string(port) + path},
                  {"timeout", std::to_string(timeout_seconds) + "s"}});
}

// The sinks as the daemon makes them, through the registry; `connections` overrides.
ackd::deliver::Sinks sinks(net::io_context& io, ManualClock& clock,
                           const std::vector<ackd::config::Section>& sections,
                           std::size_t connections = 0) {
  std::map<std::string, ackd::config::Section> by_name;
  for (const auto& s : sections) by_name[s.name] = s;
  return ackd::deliver::builtin_sinks().make_all(by_name, {io, clock, connections, {}});
}

OutboxItem item(std::int64_t id, const std::string& sink, ackd::time::Instant due = kStart - 60s) {
  OutboxItem out;
  out.id = id;
  out.complaint_id = "c" + std::to_string(id);
  out.kind = ackd::plan::Kind::reply;
  out.sink = sink;
  out.idempotency_key = "key-" + std::to_string(id);
  out.payload = R"({"id":)" + std::to_string(id) + "}";
  out.due_at = due;
  return out;
}

RetryPolicy quick_retry(int max_attempts = 3) {
  RetryPolicy retry;
  retry.max_attempts = max_attempts;
  retry.initial = 10ms;
  retry.max = 20ms;
  retry.jitter = 0.2;
  return retry;
}

// Runs `io` until `done()`, giving up after `cap` of real time (network I/O on 127.0.0.1
// only; the manual clock does not move here). Returns done().
template <class Pred>
bool run_until(net::io_context& io, Pred done, steady::duration cap = 20s) {
  auto end = steady::now() + cap;
  while (!done() && steady::now() < end) {
    io.restart();
    io.run_for(5ms);
  }
  return done();
}

unsigned short closed_port(net::io_context& io) {
  tcp::acceptor probe(io, tcp::endpoint(net::ip::address_v4::loopback(), 0));
  return probe.local_endpoint().port();  // closed again when `probe` goes
}

// The timers armed besides the dispatcher's own, which reads the outbox every quarter of
// its lookahead until shutdown.
std::size_t delivery_timers(const ManualClock& clock) {
  return clock.armed_timers() - 1;
}

bool stop(net::io_context& io, ManualClock& clock, Dispatcher& dispatcher,
          std::chrono::milliseconds grace = 0ms) {
  bool stopped = false;
  dispatcher.shutdown(grace, [&] { stopped = true; });
  clock.advance(grace);
  return run_until(io, [&] { return stopped; });
}

std::chrono::milliseconds backoff_of(const Dispatcher& dispatcher, const std::string& sink) {
  for (const auto& h : dispatcher.health()) {
    if (h.sink == sink) return h.backoff;
  }
  FAIL("no sink " << sink);
  return {};
}

}  // namespace

TEST_CASE("deliver: backoff doubles from initial up to max, jitter included") {
  RetryPolicy retry;
  retry.initial = 1000ms;
  retry.max = 10000ms;
  retry.jitter = 0.2;
  CHECK(backoff(retry, 2, 0.5) == 1000ms);
  CHECK(backoff(retry, 3, 0.5) == 2000ms);
  CHECK(backoff(retry, 4, 0.5) == 4000ms);
  CHECK(backoff(retry, 5, 0.5) == 8000ms);
  CHECK(backoff(retry, 6, 0.5) == 10000ms);
  CHECK(backoff(retry, 1000, 0.5) == 10000ms);  // no overflow
  CHECK(backoff(retry, 2, 0.0) == 800ms);
  CHECK(backoff(retry, 2, 0.999999) >= 1199ms);
  CHECK(backoff(retry, 2, 0.999999) <= 1200ms);
  CHECK(backoff(retry, 5, 1.0) == 9600ms);  // under the cap, the jitter stays
  CHECK(backoff(retry, 6, 0.0) == 8000ms);
  CHECK(backoff(retry, 6, 1.0) == 10000ms);  // but never takes a delay past max
  for (int attempt = 2; attempt <= 12; ++attempt) {
    for (double unit = 0.0; unit < 1.0; unit += 0.01) CHECK(backoff(retry, attempt, unit) <= 10s);
  }
  for (double unit = 0.0; unit < 1.0; unit += 0.01) {
    auto d = backoff(retry, 3, unit);
    CHECK(d >= 1600ms);
    CHECK(d <= 2400ms);
  }
  retry.jitter = 0.0;
  CHECK(backoff(retry, 3, 0.9) == 2000ms);
}

TEST_CASE("deliver: a 2xx delivers the payload with Idempotency-Key and Content-Type") {
  net::io_context io;
  ManualClock clock(kStart);
  Receiver receiver(io, {200});
  Recorder log;
  std::vector<steady::duration> latencies;
  DeliveryObserver observer;
  observer.delivered = [&](const OutboxItem&, steady::duration d) { latencies.push_back(d); };
  Dispatcher dispatcher(io, clock, sinks(io, clock, {webhook("hook", receiver.port(), "/in?x=1")}),
                        log, quick_retry(), observer);
  dispatcher.submit({item(7, "hook")});
  CHECK(dispatcher.in_flight() == 1);
  REQUIRE(run_until(io, [&] { return log.delivered_ids.size() == 1; }));
  CHECK(log.delivered_ids[0] == 7);
  CHECK(log.delivered_at[0] == kStart);  // the clock's time, not the machine's
  REQUIRE(receiver.received.size() == 1);
  const Received& got = receiver.received[0];
  CHECK(got.target == "/in?x=1");
  CHECK(got.body == R"({"id":7})");
  CHECK(got.idempotency_key == "key-7");
  CHECK(got.content_type == "application/json");
  CHECK(got.user_agent.rfind("ackd/", 0) == 0);
  CHECK(latencies == std::vector<steady::duration>{0s});  // the clock did not move
  CHECK(log.attempt_failures.empty());
  CHECK(log.failures.empty());
  CHECK(dispatcher.in_flight() == 0);
  CHECK(dispatcher.scheduled() == 0);
  CHECK(delivery_timers(clock) == 0);  // the attempt's timeout went with it
}

TEST_CASE("deliver: a 500 is retried with the same Idempotency-Key when the backoff ends") {
  net::io_context io;
  ManualClock clock(kStart);
  Receiver receiver(io, {500, 200});
  Recorder log;
  int observed_failures = 0;
  DeliveryObserver observer;
  observer.attempt_failed = [&](const OutboxItem&, const Attempt&) { ++observed_failures; };
  Dispatcher dispatcher(io, clock, sinks(io, clock, {webhook("hook", receiver.port())}), log,
                        quick_retry(), observer);
  dispatcher.submit({item(1, "hook")});
  REQUIRE(run_until(io, [&] { return log.attempt_failures.size() == 1; }));
  CHECK(log.attempt_failures[0].id == 1);
  CHECK(log.attempt_failures[0].attempts == 1);
  CHECK(log.attempt_failures[0].error == "HTTP 500");
  CHECK(observed_failures == 1);

  auto pause = backoff_of(dispatcher, "hook");
  CHECK(pause >= 8ms);  // 10ms, ±20%
  CHECK(pause <= 12ms);
  CHECK(log.next_attempts[0] == std::chrono::ceil<ackd::time::Seconds>(clock.wall() + pause));
  CHECK(dispatcher.backlog() == 1);
  // Nothing is sent before the backoff ends, and the retry goes as soon as it does.
  clock.advance(pause - 1ms);
  CHECK(dispatcher.in_flight() == 0);
  clock.advance(1ms);
  CHECK(dispatcher.in_flight() == 1);
  REQUIRE(run_until(io, [&] { return log.delivered_ids.size() == 1; }));
  REQUIRE(receiver.received.size() == 2);
  CHECK(receiver.received[0].idempotency_key == "key-1");
  CHECK(receiver.received[1].idempotency_key == "key-1");
  CHECK(receiver.received[0].body == receiver.received[1].body);
  CHECK(log.failures.empty());
  CHECK(backoff_of(dispatcher, "hook") == 0ms);  // healthy again
}

TEST_CASE("deliver: a 400 fails at once, without retry") {
  net::io_context io;
  ManualClock clock(kStart);
  Receiver receiver(io, {400});
  Recorder log;
  Dispatcher dispatcher(io, clock, sinks(io, clock, {webhook("hook", receiver.port())}), log,
                        quick_retry());
  dispatcher.submit({item(1, "hook")});
  REQUIRE(run_until(io, [&] { return log.failures.size() == 1; }));
  CHECK(log.failures[0].attempts == 1);
  CHECK(log.failures[0].error.find("400") != std::string::npos);
  CHECK(log.attempt_failures.empty());
  // No retry is scheduled: an hour later nothing more has been tried.
  CHECK(delivery_timers(clock) == 0);
  clock.advance(1h);
  CHECK(dispatcher.in_flight() == 0);
  CHECK(dispatcher.scheduled() == 0);
  CHECK(receiver.received.size() == 1);
}

TEST_CASE("deliver: 408 and 429 are retried") {
  net::io_context io;
  ManualClock clock(kStart);
  Receiver receiver(io, {408, 429, 204});
  Recorder log;
  Dispatcher dispatcher(io, clock, sinks(io, clock, {webhook("hook", receiver.port())}), log,
                        quick_retry());
  dispatcher.submit({item(1, "hook")});
  for (std::size_t failed = 1; failed <= 2; ++failed) {
    REQUIRE(run_until(io, [&] { return log.attempt_failures.size() == failed; }));
    REQUIRE(clock.advance_to_next_timer());
  }
  REQUIRE(run_until(io, [&] { return log.delivered_ids.size() == 1; }));
  REQUIRE(log.attempt_failures.size() == 2);
  CHECK(log.attempt_failures[0].error == "HTTP 408");
  CHECK(log.attempt_failures[1].error == "HTTP 429");
}

TEST_CASE("deliver: connection refused is retried, then failed after max_attempts") {
  net::io_context io;
  ManualClock clock(kStart);
  Recorder log;
  Dispatcher dispatcher(io, clock, sinks(io, clock, {webhook("hook", closed_port(io))}), log,
                        quick_retry(3));
  dispatcher.submit({item(1, "hook")});
  for (std::size_t failed = 1; failed <= 2; ++failed) {
    REQUIRE(run_until(io, [&] { return log.attempt_failures.size() == failed; }));
    REQUIRE(clock.advance_to_next_timer());
  }
  REQUIRE(run_until(io, [&] { return log.failures.size() == 1; }));
  REQUIRE(log.attempt_failures.size() == 2);
  CHECK(log.attempt_failures[0].attempts == 1);
  CHECK(log.attempt_failures[1].attempts == 2);
  CHECK(log.attempt_failures[0].error == "connection refused");
  CHECK(log.failures[0].attempts == 3);
  CHECK(log.failures[0].error == "connection refused");
  CHECK(dispatcher.scheduled() == 0);
  CHECK(dispatcher.in_flight() == 0);
  CHECK(delivery_timers(clock) == 0);
}

TEST_CASE("deliver: a sink that never answers times out after its timeout on the clock") {
  net::io_context io;
  ManualClock clock(kStart);
  Receiver receiver(io, {}, 0);
  Recorder log;
  Dispatcher dispatcher(io, clock, sinks(io, clock, {webhook("hook", receiver.port(), "/", 3)}),
                        log, quick_retry(3));
  dispatcher.submit({item(1, "hook")});
  REQUIRE(run_until(io, [&] { return receiver.received.size() == 1; }));
  CHECK(clock.next_timer_in() == std::optional<ackd::time::SteadyDuration>(3s));
  clock.advance(3s - 1ms);
  CHECK(dispatcher.in_flight() == 1);  // still waiting for the answer
  clock.advance(1ms);
  REQUIRE(run_until(io, [&] { return log.attempt_failures.size() == 1; }));
  CHECK(log.attempt_failures[0].error == "timeout");
  CHECK(dispatcher.in_flight() == 0);
  CHECK(stop(io, clock, dispatcher));
}

TEST_CASE("deliver: a kept-alive connection the server dropped is replaced, not a failure") {
  net::io_context io;
  ManualClock clock(kStart);
  Receiver receiver(io, {});
  receiver.drop_idle = true;
  Recorder log;
  Dispatcher dispatcher(io, clock, sinks(io, clock, {webhook("hook", receiver.port())}), log,
                        quick_retry());
  dispatcher.submit({item(1, "hook")});
  REQUIRE(run_until(io, [&] { return log.delivered_ids.size() == 1 && receiver.closed == 1; }));
  dispatcher.submit({item(2, "hook")});
  REQUIRE(run_until(io, [&] { return log.delivered_ids.size() == 2; }));
  CHECK(log.attempt_failures.empty());
  CHECK(receiver.connections == 2);
}

TEST_CASE("deliver: a sink's backlog goes out oldest first") {
  net::io_context io;
  ManualClock clock(kStart);
  Receiver receiver(io, {});
  Recorder log;
  Dispatcher dispatcher(io, clock, sinks(io, clock, {webhook("hook", receiver.port())}, 1), log,
                        quick_retry());
  auto base = kStart - 600s;
  // Ties on due time go by id.
  dispatcher.submit({item(5, "hook", base + 30s), item(2, "hook", base + 10s),
                     item(9, "hook", base + 0s), item(3, "hook", base + 10s),
                     item(1, "hook", base + 40s), item(4, "hook", base + 20s)});
  REQUIRE(run_until(io, [&] { return log.delivered_ids.size() == 6; }));
  std::vector<std::string> bodies;
  for (const auto& r : receiver.received) bodies.push_back(r.body);
  CHECK(bodies == std::vector<std::string>{R"({"id":9})", R"({"id":2})", R"({"id":3})",
                                           R"({"id":4})", R"({"id":5})", R"({"id":1})"});
  CHECK(receiver.connections == 1);  // one kept-alive connection served them all
}

TEST_CASE("deliver: a failing sink pauses, probes with its oldest, then sends in order of age") {
  net::io_context io;
  ManualClock clock(kStart);
  // An outage: errors, a timeout, errors; then the sink is back.
  Receiver receiver(io, {500, 503, 0 /* never answers */, 500});
  Recorder log;
  std::vector<std::int64_t> failed_order;
  DeliveryObserver observer;
  observer.attempt_failed = [&](const OutboxItem& it, const Attempt&) {
    failed_order.push_back(it.id);
  };
  // One connection, so that the order of arrival is the order of sending.
  Dispatcher dispatcher(io, clock,
                        sinks(io, clock, {webhook("hook", receiver.port(), "/hook", 1)}, 1), log,
                        quick_retry(20), observer);
  auto base = kStart - 600s;
  std::vector<OutboxItem> items;
  for (int i = 12; i >= 1; --i) items.push_back(item(i, "hook", base + std::chrono::seconds(i)));
  dispatcher.submit(items);

  std::vector<std::chrono::milliseconds> pauses;
  auto fails_then_pauses = [&](std::size_t failed) {
    REQUIRE(run_until(io, [&] { return log.attempt_failures.size() == failed; }));
    CHECK(dispatcher.in_flight() == 0);  // paused: nothing else went meanwhile
    pauses.push_back(backoff_of(dispatcher, "hook"));
    REQUIRE(clock.advance_to_next_timer());
    CHECK(dispatcher.in_flight() == 1);  // the probe, alone
  };
  fails_then_pauses(1);
  fails_then_pauses(2);
  REQUIRE(run_until(io, [&] { return receiver.received.size() == 3; }));
  clock.advance(1s);  // the unanswered probe's timeout
  fails_then_pauses(3);
  fails_then_pauses(4);
  REQUIRE(run_until(io, [&] { return log.delivered_ids.size() == 12; }));

  CHECK(log.failures.empty());
  CHECK(log.attempt_failures[2].error == "timeout");
  // Only the oldest was tried while the sink failed; nothing overtook it.
  CHECK(failed_order == std::vector<std::int64_t>{1, 1, 1, 1});
  CHECK(receiver.received.size() == 4 + 12);
  std::vector<std::int64_t> expected(12);
  std::iota(expected.begin(), expected.end(), 1);
  CHECK(log.delivered_ids == expected);
  // 10ms doubling to 20ms, ±20%, never above 20ms.
  REQUIRE(pauses.size() == 4);
  CHECK(pauses[0] >= 8ms);
  CHECK(pauses[0] <= 12ms);
  for (std::size_t i = 1; i < pauses.size(); ++i) {
    CHECK(pauses[i] >= 16ms);
    CHECK(pauses[i] <= 20ms);
  }
  auto health = dispatcher.health();
  REQUIRE(health.size() == 1);
  CHECK(health[0].failures == 0);
  CHECK(health[0].backlog == 0);
}

TEST_CASE("deliver: a paused sink reports its backlog and backoff: others are not held") {
  net::io_context io;
  ManualClock clock(kStart);
  Receiver healthy(io, {});
  Recorder log;
  auto retry = quick_retry(100);
  retry.initial = 200ms;
  retry.max = 400ms;
  Dispatcher dispatcher(
      io, clock,
      sinks(io, clock, {webhook("dead", closed_port(io)), webhook("fine", healthy.port())}), log,
      retry);
  dispatcher.submit({item(1, "dead"), item(2, "dead"), item(3, "dead"), item(4, "fine")});
  // The three went at once (the sink was healthy), failed together and paused it once.
  REQUIRE(run_until(
      io, [&] { return log.attempt_failures.size() == 3 && log.delivered_ids.size() == 1; }));
  CHECK(log.delivered_ids[0] == 4);
  CHECK(dispatcher.backlog() == 3);
  for (const auto& h : dispatcher.health()) {
    if (h.sink == "dead") {
      CHECK(h.backlog == 3);
      CHECK(h.failures == 1);
      CHECK(h.backoff >= 160ms);
      CHECK(h.backoff <= 240ms);
    } else {
      CHECK(h.failures == 0);
      CHECK(h.backoff == 0ms);
    }
  }
  // A dead sink costs one probe per backoff period, with its oldest, not one per item.
  for (std::size_t probe = 1; probe <= 5; ++probe) {
    REQUIRE(clock.advance_to_next_timer());
    CHECK(dispatcher.in_flight() == 1);
    REQUIRE(run_until(io, [&] { return log.attempt_failures.size() == 3 + probe; }));
    CHECK(log.attempt_failures.back().id == 1);
    CHECK(dispatcher.in_flight() == 0);
    CHECK(backoff_of(dispatcher, "dead") <= 400ms);
  }
  CHECK(delivery_timers(clock) == 1);  // the next probe, nothing else
  CHECK(log.failures.empty());
  CHECK(stop(io, clock, dispatcher));
}

TEST_CASE("deliver: a sink on hold sends nothing until released, and a probe ends a backoff") {
  net::io_context io;
  ManualClock clock(kStart);
  Receiver held(io, {});
  Receiver flaky(io, {500}, 200);
  Recorder log;
  auto retry = quick_retry(100);
  retry.initial = 1h;  // a backoff no test would wait out
  retry.max = 1h;
  Dispatcher dispatcher(
      io, clock, sinks(io, clock, {webhook("held", held.port()), webhook("flaky", flaky.port())}),
      log, retry);
  dispatcher.hold_sink("held", true);
  dispatcher.submit({item(1, "held"), item(2, "held"), item(3, "flaky")});
  REQUIRE(run_until(io, [&] { return log.attempt_failures.size() == 1; }));
  // On hold: nothing went, both wait in order and are reported so.
  io.restart();
  io.run_for(50ms);
  CHECK(held.received.empty());
  for (const auto& h : dispatcher.health()) {
    if (h.sink == "held") {
      CHECK(h.on_hold);
      CHECK(h.backlog == 2);
    }
  }
  dispatcher.hold_sink("held", false);
  REQUIRE(run_until(io, [&] { return log.delivered_ids.size() == 2; }));
  CHECK(log.delivered_ids == std::vector<std::int64_t>{1, 2});
  // The failing sink waits an hour; a probe sends its oldest now, without the clock moving.
  CHECK(backoff_of(dispatcher, "flaky") >= 45min);
  dispatcher.probe("flaky");
  REQUIRE(run_until(io, [&] { return log.delivered_ids.size() == 3; }));
  CHECK(log.delivered_ids.back() == 3);
  CHECK(flaky.received.size() == 2);
  CHECK(flaky.received[1].idempotency_key == "key-3");
  CHECK(stop(io, clock, dispatcher));
}

TEST_CASE("deliver: an item due in the future is sent when the clock reaches its time") {
  net::io_context io;
  ManualClock clock(kStart);
  Receiver receiver(io, {});
  Recorder log;
  std::vector<steady::duration> latencies;
  DeliveryObserver observer;
  observer.delivered = [&](const OutboxItem&, steady::duration d) { latencies.push_back(d); };
  Dispatcher dispatcher(io, clock, sinks(io, clock, {webhook("hook", receiver.port())}), log,
                        quick_retry(), observer);
  auto due = kStart + 2s;
  dispatcher.submit({item(1, "hook", due), item(2, "hook")});
  CHECK(dispatcher.scheduled() == 1);
  REQUIRE(run_until(io, [&] { return log.delivered_ids.size() == 1; }));
  CHECK(log.delivered_ids[0] == 2);
  clock.advance(2s - 1ms);
  CHECK(dispatcher.scheduled() == 1);
  CHECK(dispatcher.in_flight() == 0);
  clock.advance(1ms);
  CHECK(dispatcher.scheduled() == 0);
  CHECK(dispatcher.in_flight() == 1);
  REQUIRE(run_until(io, [&] { return log.delivered_ids.size() == 2; }));
  REQUIRE(receiver.received.size() == 2);
  CHECK(receiver.received[1].body == R"({"id":1})");
  CHECK(log.delivered_at[1] == due);
  CHECK(latencies == std::vector<steady::duration>{0s, 2s});  // from submission
}

TEST_CASE("deliver: what the outbox owes at start is read and sent without a submit") {
  net::io_context io;
  ManualClock clock(kStart);
  Receiver receiver(io, {});
  Recorder log;
  log.rows = {item(2, "hook", kStart - 1h), item(1, "hook", kStart - 2h),
              item(3, "hook", kStart + 10s)};
  Dispatcher dispatcher(io, clock, sinks(io, clock, {webhook("hook", receiver.port())}, 1), log,
                        quick_retry());
  REQUIRE(log.reads.size() == 1);
  CHECK(log.reads[0].after == ackd::plan::DueOrder{});
  CHECK(log.reads[0].until == kStart + 60s);
  REQUIRE(run_until(io, [&] { return log.delivered_ids.size() == 2; }));
  CHECK(log.delivered_ids == std::vector<std::int64_t>{1, 2});  // oldest first
  CHECK(dispatcher.scheduled() == 1);
  clock.advance(10s);
  REQUIRE(run_until(io, [&] { return log.delivered_ids.size() == 3; }));
  CHECK(log.delivered_at[2] == kStart + 10s);
  CHECK(stop(io, clock, dispatcher));
}

TEST_CASE("deliver: a delivery due past the lookahead stays in the outbox until its time nears") {
  net::io_context io;
  ManualClock clock(kStart);
  Receiver receiver(io, {});
  Recorder log;
  Dispatcher dispatcher(io, clock, sinks(io, clock, {webhook("hook", receiver.port())}), log,
                        quick_retry(), {}, Lookahead{.horizon = 10s, .page = 100});
  auto later = item(1, "hook", kStart + 1h);
  auto soon = item(2, "hook", kStart + 10s);
  log.rows = {later, soon};  // stored before they are submitted, as the intake does
  dispatcher.submit({later, soon});
  CHECK(dispatcher.scheduled() == 1);  // only the one within the lookahead is held
  CHECK(delivery_timers(clock) == 1);
  clock.advance(10s);
  REQUIRE(run_until(io, [&] { return log.delivered_ids.size() == 1; }));
  clock.advance(1h - 21s);             // reads every 2.5 s, the last 10 s ahead of 1h - 12.5s
  CHECK(dispatcher.scheduled() == 0);  // still more than the lookahead away
  clock.advance(1s);
  CHECK(dispatcher.scheduled() == 1);  // read at 1h - 10s
  CHECK(receiver.received.size() == 1);
  clock.advance(10s);
  REQUIRE(run_until(io, [&] { return log.delivered_ids.size() == 2; }));
  CHECK(log.delivered_ids == std::vector<std::int64_t>{2, 1});
  CHECK(log.delivered_at[1] == kStart + 1h);
  // Every read went on from where the last one ended, in due order.
  for (std::size_t i = 1; i < log.reads.size(); ++i) {
    CHECK(log.reads[i].after == ackd::plan::DueOrder::through(log.reads[i - 1].until));
    CHECK(log.reads[i].until > log.reads[i - 1].until);
  }
  CHECK(stop(io, clock, dispatcher));
}

TEST_CASE("deliver: the outbox is read a page at a time: no more than a page waits in memory") {
  net::io_context io;
  ManualClock clock(kStart);
  Receiver receiver(io, {});
  Recorder log;
  for (int i = 1; i <= 10; ++i) log.rows.push_back(item(i, "hook", kStart + 1s * i));
  Dispatcher dispatcher(io, clock, sinks(io, clock, {webhook("hook", receiver.port())}), log,
                        quick_retry(), {}, Lookahead{.horizon = 60s, .page = 3});
  CHECK(dispatcher.scheduled() == 3);
  std::size_t most = 0;
  for (int second = 1; second <= 10; ++second) {
    clock.advance(1s);
    most = std::max(most, dispatcher.scheduled());
    REQUIRE(run_until(io, [&] { return log.delivered_ids.size() == std::size_t(second); }));
  }
  CHECK(most <= 3);
  std::vector<std::int64_t> in_order(10);
  std::iota(in_order.begin(), in_order.end(), 1);
  CHECK(log.delivered_ids == in_order);
  for (int i = 0; i < 10; ++i) CHECK(log.delivered_at[i] == kStart + 1s * (i + 1));
  CHECK(stop(io, clock, dispatcher));
}

TEST_CASE("deliver: a retry delivered while a read was under way is not taken again") {
  net::io_context io;
  ManualClock clock(kStart);
  Receiver receiver(io, {500});
  Recorder log;
  RetryPolicy retry;  // a retry later than the lookahead: a read finds it pending again
  retry.initial = 8s;
  retry.max = 8s;
  retry.jitter = 0;
  Dispatcher dispatcher(io, clock, sinks(io, clock, {webhook("hook", receiver.port())}), log, retry,
                        {}, Lookahead{.horizon = 4s, .page = 100});
  log.rows = {item(1, "hook", kStart)};
  dispatcher.submit(log.rows);
  REQUIRE(run_until(io, [&] { return log.attempt_failures.size() == 1; }));
  REQUIRE(log.rows[0].due_at == kStart + 8s);
  clock.advance(3s);
  log.deferred = true;
  clock.advance(1s);  // this read, 4 s ahead, finds the retry pending; its answer comes late
  REQUIRE(log.unanswered.size() == 1);
  clock.advance(4s);  // the retry goes and is delivered
  REQUIRE(run_until(io, [&] { return log.delivered_ids.size() == 1; }));
  log.unanswered[0]();
  io.restart();
  io.run_for(50ms);
  CHECK(dispatcher.scheduled() == 0);
  CHECK(dispatcher.in_flight() == 0);
  CHECK(receiver.received.size() == 2);  // the failed attempt and the retry, no third
  CHECK(stop(io, clock, dispatcher));
}

// Escalations wait 30 s for others to the same sink; the group's delivery lists the ids.
struct EscalationsTogether final : ackd::deliver::Grouping {
  std::optional<Group> group_of(const OutboxItem& d) override {
    if (d.kind != ackd::plan::Kind::escalation) return std::nullopt;
    return Group{"escalations", 30s};
  }
  OutboxItem combine(const std::vector<OutboxItem>& members) override {
    OutboxItem one = members.front();
    one.idempotency_key += ":group";
    one.payload = "[";
    for (const auto& m : members) one.payload += (m.id == one.id ? "" : ",") + m.payload;
    one.payload += "]";
    return one;
  }
};

OutboxItem escalation(std::int64_t id, ackd::time::Instant due) {
  auto out = item(id, "lead", due);
  out.kind = ackd::plan::Kind::escalation;
  return out;
}

TEST_CASE("deliver: notices of a group due within its wait go as one, its outcome theirs") {
  net::io_context io;
  ManualClock clock(kStart);
  Receiver receiver(io, {200, 500});
  Recorder log;
  EscalationsTogether grouping;
  std::vector<std::int64_t> observed;
  DeliveryObserver observer;
  observer.delivered = [&](const OutboxItem& d, steady::duration) { observed.push_back(d.id); };
  Dispatcher dispatcher(io, clock, sinks(io, clock, {webhook("lead", receiver.port())}), log,
                        quick_retry(), observer, {}, &grouping);
  dispatcher.submit({escalation(1, kStart), escalation(2, kStart + 10s),
                     escalation(3, kStart + 20s), item(4, "lead"), escalation(5, kStart + 40s)});
  REQUIRE(run_until(io, [&] { return log.delivered_ids.size() == 1; }));
  CHECK(log.delivered_ids[0] == 4);  // not a notice that waits: it went at once
  dispatcher.cancel({2});            // claimed while its group waited
  clock.advance(30s - 1ms);
  CHECK(receiver.received.size() == 1);
  CHECK(dispatcher.backlog() == 2);  // 1 and 3, waiting for the group's wait to end
  clock.advance(1ms);
  REQUIRE(run_until(io, [&] { return receiver.received.size() == 2; }));
  CHECK(receiver.received[1].body == R"([{"id":1},{"id":3}])");
  CHECK(receiver.received[1].idempotency_key == "key-1:group");
  // The 500 failed both; the retry, one attempt again, delivers both.
  REQUIRE(log.attempt_failures.size() == 2);
  CHECK(log.attempt_failures[0].id == 1);
  CHECK(log.attempt_failures[1].id == 3);
  clock.advance(20ms);
  REQUIRE(run_until(io, [&] { return log.delivered_ids.size() == 3; }));
  CHECK(receiver.received[2].body == receiver.received[1].body);
  CHECK(log.delivered_ids == std::vector<std::int64_t>{4, 1, 3});
  CHECK(observed == std::vector<std::int64_t>{4, 1, 3});
  // 5 came due after the group went: a group of its own, of one, sent as it is.
  clock.advance(40s);
  REQUIRE(run_until(io, [&] { return log.delivered_ids.size() == 4; }));
  CHECK(receiver.received.back().body == R"({"id":5})");
  CHECK(receiver.received.back().idempotency_key == "key-5");
  CHECK(dispatcher.backlog() == 0);
  CHECK(stop(io, clock, dispatcher));
}

TEST_CASE("deliver: cancel drops scheduled and queued items: one under way still counts") {
  net::io_context io;
  ManualClock clock(kStart);
  Receiver receiver(io, {});
  Recorder log;
  Dispatcher dispatcher(io, clock, sinks(io, clock, {webhook("hook", receiver.port())}, 1), log,
                        quick_retry());
  dispatcher.submit(
      {item(1, "hook"), item(2, "hook"), item(3, "hook"), item(4, "hook", kStart + 1s)});
  CHECK(dispatcher.in_flight() == 1);
  CHECK(dispatcher.scheduled() == 3);
  dispatcher.cancel({1, 3, 4});
  CHECK(dispatcher.scheduled() == 1);
  REQUIRE(run_until(io, [&] { return log.delivered_ids.size() == 2; }));
  CHECK(log.delivered_ids == std::vector<std::int64_t>{1, 2});
  CHECK(delivery_timers(clock) == 0);  // item 4's wait went with it
  clock.advance(1h);
  CHECK(dispatcher.in_flight() == 0);
  CHECK(dispatcher.scheduled() == 0);
  REQUIRE(receiver.received.size() == 2);
  CHECK(receiver.received[1].body == R"({"id":2})");
}

TEST_CASE("deliver: a dead sink does not delay a healthy one") {
  net::io_context io;
  ManualClock clock(kStart);
  Receiver dead(io, {}, 0);
  Receiver healthy(io, {});
  Recorder log;
  Dispatcher dispatcher(
      io, clock,
      sinks(io, clock, {webhook("dead", dead.port(), "/", 1), webhook("healthy", healthy.port())}),
      log, quick_retry());
  std::vector<OutboxItem> items;
  auto old = kStart - 3600s;
  for (int i = 1; i <= 10; ++i) items.push_back(item(i, "dead", old));
  for (int i = 11; i <= 13; ++i) items.push_back(item(i, "healthy"));
  dispatcher.submit(items);
  // The clock stands still, so the dead sink's attempts hang for as long as this runs: the
  // healthy sink's deliveries are made while they do.
  REQUIRE(
      run_until(io, [&] { return log.delivered_ids.size() == 3 && dead.received.size() == 4; }));
  CHECK(log.attempt_failures.empty());
  CHECK(dispatcher.in_flight() == 4);  // the dead sink's own limit of concurrent attempts
  CHECK(dispatcher.backlog() == 10);
  CHECK(stop(io, clock, dispatcher));
}

TEST_CASE("deliver: shutdown waits for attempts under way and leaves the rest pending") {
  net::io_context io;
  ManualClock clock(kStart);
  Receiver receiver(io, {});
  Recorder log;
  Dispatcher dispatcher(io, clock, sinks(io, clock, {webhook("hook", receiver.port())}), log,
                        quick_retry());
  dispatcher.submit({item(1, "hook"), item(2, "hook", kStart + 60s)});
  bool stopped = false;
  dispatcher.shutdown(2s, [&] { stopped = true; });
  REQUIRE(run_until(io, [&] { return stopped; }));
  CHECK(log.delivered_ids == std::vector<std::int64_t>{1});
  CHECK(dispatcher.scheduled() == 0);
  CHECK(clock.armed_timers() == 0);      // item 2's wait, the grace and the outbox reads are gone
  dispatcher.submit({item(3, "hook")});  // refused: stays pending in the store
  CHECK(dispatcher.in_flight() == 0);
  CHECK(dispatcher.scheduled() == 0);
  CHECK(receiver.received.size() == 1);
  CHECK(log.failures.empty());
}

TEST_CASE("deliver: shutdown gives up on attempts still under way after the grace") {
  net::io_context io;
  ManualClock clock(kStart);
  Receiver hung(io, {}, 0);
  Recorder log;
  Dispatcher dispatcher(io, clock, sinks(io, clock, {webhook("hook", hung.port())}), log,
                        quick_retry());
  dispatcher.submit({item(1, "hook")});
  REQUIRE(run_until(io, [&] { return hung.received.size() == 1; }));
  bool stopped = false;
  dispatcher.shutdown(2s, [&] { stopped = true; });
  clock.advance(2s - 1ms);
  io.restart();
  io.poll();
  CHECK(!stopped);
  CHECK(dispatcher.in_flight() == 1);
  clock.advance(1ms);
  REQUIRE(run_until(io, [&] { return stopped; }));
  CHECK(dispatcher.in_flight() == 0);
  // Neither delivered nor failed: it stays pending in the store for the next start.
  CHECK(log.delivered_ids.empty());
  CHECK(log.attempt_failures.empty());
  CHECK(log.failures.empty());
}

TEST_CASE("deliver: a webhook with a token sends it as a bearer token, one without sends none") {
  net::io_context io;
  ManualClock clock(kStart);
  Receiver receiver(io, {});
  Recorder log;
  auto with_token = webhook("with", receiver.port(), "/with");
  with_token.settings["token"] = {"s3cret", {}, {}, ackd::config::SecretRef{"env", "T"}};
  Dispatcher dispatcher(io, clock,
                        sinks(io, clock, {with_token, webhook("without", receiver.port(), "/no")}),
                        log, quick_retry());
  dispatcher.submit({item(1, "with"), item(2, "without")});
  REQUIRE(run_until(io, [&] { return log.delivered_ids.size() == 2; }));
  std::map<std::string, std::string> authorization;
  for (const auto& r : receiver.received) authorization[r.target] = r.authorization;
  CHECK(authorization["/with"] == "Bearer s3cret");
  CHECK(authorization["/no"] == "");
  CHECK(stop(io, clock, dispatcher));
}

TEST_CASE("deliver: unknown and unusable sinks fail at once") {
  net::io_context io;
  ManualClock clock(kStart);
  Recorder log;
  std::vector<std::string> observed;
  DeliveryObserver observer;
  observer.failed = [&](const OutboxItem&, const Attempt& a) { observed.push_back(a.error); };
  auto secure = section("secure", "webhook",
                        {{"url", "https://example.com/hook"}, {"tls.ca_file", "/nonexistent.pem"}});
  Dispatcher dispatcher(io, clock, sinks(io, clock, {secure}), log, quick_retry(), observer);
  dispatcher.submit({item(1, "nowhere"), item(2, "secure")});
  REQUIRE(log.failures.size() == 2);
  CHECK(log.failures[0].error == "unknown sink 'nowhere'");
  CHECK(log.failures[1].error.find("tls.ca_file '/nonexistent.pem' cannot be read") !=
        std::string::npos);
  CHECK(observed.size() == 2);
  CHECK(dispatcher.scheduled() == 0);
}

TEST_CASE("deliver: a file sink appends every payload as a line") {
  auto dir = std::filesystem::temp_directory_path() /
             ("ackd-deliver-" + std::to_string(steady::now().time_since_epoch().count()));
  std::filesystem::create_directories(dir);
  auto path = dir / "out.jsonl";
  { std::ofstream(path) << "existing\n"; }
  net::io_context io;
  ManualClock clock(kStart);
  Recorder log;
  auto file = section("file", "file", {{"path", path.string()}});
  auto missing =
      section("missing", "file", {{"path", (dir / "no-such-dir" / "out.jsonl").string()}});
  Dispatcher dispatcher(io, clock, sinks(io, clock, {file, missing}), log, quick_retry(1));
  std::vector<OutboxItem> items;
  for (int i = 1; i <= 40; ++i) items.push_back(item(i, "file"));
  items.push_back(item(99, "missing"));
  dispatcher.submit(items);
  REQUIRE(
      run_until(io, [&] { return log.delivered_ids.size() == 40 && log.failures.size() == 1; }));
  CHECK(log.failures[0].id == 99);
  CHECK(log.failures[0].error.find("No such file or directory") != std::string::npos);

  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  REQUIRE(lines.size() == 41);
  CHECK(lines[0] == "existing");
  for (int i = 1; i <= 40; ++i) CHECK(lines[i] == R"({"id":)" + std::to_string(i) + "}");
  CHECK(!std::filesystem::exists(dir / "no-such-dir"));
  std::filesystem::remove_all(dir);
}

namespace {

// A sink type of the test's own, answered by the test: the dispatcher reaches sinks only
// through the interface, whatever made them.
struct Script {
  std::vector<std::pair<OutboxItem, ackd::deliver::Sink::Done>> pending;

  // Completes the oldest attempt under way.
  void answer(bool delivered) {
    Attempt attempt;
    attempt.delivered = delivered;
    if (!delivered) attempt.error = "scripted failure";
    answer(std::move(attempt));
  }
  void answer(Attempt attempt) {
    REQUIRE(!pending.empty());
    auto [delivery, done] = std::move(pending.front());
    pending.erase(pending.begin());
    done(std::move(attempt));
  }
};

class ScriptedSink final : public ackd::deliver::Sink {
 public:
  ScriptedSink(Script& script, std::size_t capacity) : script_(script), capacity_(capacity) {}
  std::size_t capacity() const override { return capacity_; }
  void send(const OutboxItem& delivery, Done done) override {
    script_.pending.emplace_back(delivery, std::move(done));
  }
  void abort() override { script_.pending.clear(); }

 private:
  Script& script_;
  std::size_t capacity_;
};

// A registry whose one type, "scripted", makes ScriptedSinks of `capacity` on `script`.
ackd::deliver::SinkRegistry scripted_sinks(Script& script, std::size_t capacity) {
  ackd::deliver::SinkRegistry registry("sink");
  registry.add({"scripted",
                [](ackd::config::SectionReader&) {},
                [&script, capacity](ackd::config::SectionReader&, const ackd::deliver::SinkContext&)
                    -> ackd::deliver::SinkOrError {
                  return std::make_unique<ScriptedSink>(script, capacity);
                },
                {}});
  return registry;
}

}  // namespace

TEST_CASE("deliver: a sink type added to a registry is made from its section and used") {
  Script script;
  ackd::deliver::SinkRegistry registry("sink");
  auto read = [](ackd::config::SectionReader& section) {
    section.allow({"capacity"});
    return section.integer("capacity", 1, 8).value_or(1);
  };
  registry.add({"scripted",
                [&](ackd::config::SectionReader& section) { read(section); },
                [&](ackd::config::SectionReader& section,
                    const ackd::deliver::SinkContext&) -> ackd::deliver::SinkOrError {
                  return std::make_unique<ScriptedSink>(script,
                                                        static_cast<std::size_t>(read(section)));
                },
                {}});
  CHECK(registry.names() == std::vector<std::string>{"scripted"});

  net::io_context io;
  ManualClock clock(kStart);
  Recorder log;
  auto made = registry.make_all({{"one", section("one", "scripted", {{"capacity", "1"}})},
                                 {"bad", section("bad", "scripted", {{"capacity", "9"}})},
                                 {"odd", section("odd", "webhook", {})}},
                                {io, clock, 0, {}});
  REQUIRE(std::holds_alternative<std::string>(made.at("bad")));
  CHECK(std::get<std::string>(made.at("bad")) == "sink 'bad': capacity must be between 1 and 8");
  CHECK(std::get<std::string>(made.at("odd")) == "unknown type 'webhook'");

  Dispatcher dispatcher(io, clock, std::move(made), log, quick_retry(5));
  dispatcher.submit({item(3, "one"), item(1, "one"), item(2, "one"), item(4, "bad")});
  REQUIRE(log.failures.size() == 1);
  CHECK(log.failures[0].id == 4);
  CHECK(log.failures[0].error.find("capacity must be between 1 and 8") != std::string::npos);
  REQUIRE(script.pending.size() == 1);  // its capacity
  CHECK(script.pending[0].first.id == 1);
  script.answer(false);
  CHECK(log.attempt_failures.size() == 1);
  CHECK(script.pending.empty());  // paused
  REQUIRE(clock.advance_to_next_timer());
  REQUIRE(script.pending.size() == 1);
  CHECK(script.pending[0].first.id == 1);  // the probe is the oldest
  CHECK(script.pending[0].first.attempts == 1);
  script.answer(true);
  script.answer(true);
  script.answer(true);
  CHECK(log.delivered_ids == std::vector<std::int64_t>{1, 2, 3});
  CHECK(dispatcher.backlog() == 0);
}

TEST_CASE("deliver: what one case owes now leaves in the case's order, whatever the sinks' names") {
  // A case's reply comes first in its plan: the customer's wait is the one measured.
  Script script;
  auto registry = scripted_sinks(script, 1);
  net::io_context io;
  ManualClock clock(kStart);
  Recorder log;
  auto made = registry.make_all({{"a-team", section("a-team", "scripted", {})},
                                 {"m-lead", section("m-lead", "scripted", {})},
                                 {"z-replies", section("z-replies", "scripted", {})}},
                                {io, clock, 0, {}});
  Dispatcher dispatcher(io, clock, std::move(made), log, quick_retry(5));
  dispatcher.submit({item(1, "z-replies"), item(2, "a-team"), item(3, "m-lead")});
  REQUIRE(script.pending.size() == 3);
  CHECK(script.pending[0].first.id == 1);
  CHECK(script.pending[1].first.id == 2);
  CHECK(script.pending[2].first.id == 3);
  for (int i = 0; i < 3; ++i) script.answer(true);
  dispatcher.submit({item(4, "m-lead"), item(5, "z-replies"), item(6, "a-team")});
  REQUIRE(script.pending.size() == 3);
  CHECK(script.pending[0].first.id == 4);
  CHECK(script.pending[1].first.id == 5);
  CHECK(script.pending[2].first.id == 6);
}

namespace {

ackd::config::Section https_webhook(const std::string& name, const std::string& host,
                                    unsigned short port, bool test_ca = true) {
  std::map<std::string, std::string> settings{
      {"url", "https://" + host + ":" + std::to_string(port) + "/hook"}, {"timeout", "5s"}};
  if (test_ca) settings["tls.ca_file"] = ACKD_TEST_DATA "/tls/ca.pem";
  return section(name, "webhook", settings);
}

}  // namespace

TEST_CASE("deliver: https verifies the server against the sink's CA and keeps the connection") {
  net::io_context io;
  ManualClock clock(kStart);
  PlatformApi receiver(io);
  Recorder log;
  Dispatcher dispatcher(io, clock,
                        sinks(io, clock, {https_webhook("hook", "127.0.0.1", receiver.port())}, 1),
                        log, quick_retry());
  dispatcher.submit({item(1, "hook"), item(2, "hook"), item(3, "hook")});
  REQUIRE(run_until(io, [&] { return log.delivered_ids.size() == 3; }));
  CHECK(log.attempt_failures.empty());
  REQUIRE(receiver.calls.size() == 3);
  CHECK(receiver.calls[0].body == R"({"id":1})");
  CHECK(receiver.calls[2].header("idempotency-key") == "key-3");
  CHECK(receiver.handshakes == 1);                               // one connection, kept alive
  CHECK(receiver.server_names == std::vector<std::string>{""});  // no SNI for an address
  CHECK(stop(io, clock, dispatcher));
}

TEST_CASE("deliver: https sends the host name (SNI) and checks the certificate names it") {
  net::io_context io;
  ManualClock clock(kStart);
  PlatformApi receiver(io);
  Recorder log;
  Dispatcher dispatcher(io, clock,
                        sinks(io, clock, {https_webhook("hook", "localhost", receiver.port())}),
                        log, quick_retry());
  dispatcher.submit({item(1, "hook")});
  REQUIRE(run_until(io, [&] { return log.delivered_ids.size() == 1; }));
  CHECK(receiver.server_names == std::vector<std::string>{"localhost"});
  CHECK(stop(io, clock, dispatcher));
}

TEST_CASE("deliver: https refuses a server the system store does not trust or that is misnamed") {
  net::io_context io;
  ManualClock clock(kStart);
  PlatformApi test_ca(io);
  PlatformApi misnamed(io, "other");  // the test CA's, but for other.example
  Recorder log;
  Dispatcher dispatcher(
      io, clock,
      sinks(io, clock,
            {https_webhook("untrusted", "127.0.0.1", test_ca.port(), /*test_ca=*/false),
             https_webhook("misnamed", "127.0.0.1", misnamed.port())}),
      log, quick_retry(1));
  dispatcher.submit({item(1, "untrusted"), item(2, "misnamed")});
  REQUIRE(run_until(io, [&] { return log.failures.size() == 2; }));
  for (const auto& failure : log.failures) {
    CHECK_MESSAGE(failure.error.find("tls: certificate verify failed") == 0, failure.error);
  }
  CHECK(test_ca.calls.empty());
  CHECK(misnamed.calls.empty());
  CHECK(log.delivered_ids.empty());
  CHECK(stop(io, clock, dispatcher));
}

TEST_CASE("deliver: a sink out of quota waits as long as it says, and loses no attempt") {
  Script script;
  auto registry = scripted_sinks(script, 2);
  net::io_context io;
  ManualClock clock(kStart);
  Recorder log;
  Dispatcher dispatcher(
      io, clock, registry.make_all({{"one", section("one", "scripted", {})}}, {io, clock, 0, {}}),
      log, quick_retry(/*max_attempts=*/2));
  dispatcher.submit({item(1, "one"), item(2, "one"), item(3, "one")});
  REQUIRE(script.pending.size() == 2);
  Attempt limited;
  limited.error = "HTTP 429";
  limited.wait = 30s;
  // Three times out of quota, more than max_attempts: the delivery is still owed.
  for (int round = 0; round < 3; ++round) {
    script.answer(limited);
    script.answer(limited);
    CHECK(script.pending.empty());  // the whole sink waits
    clock.advance(29s);
    CHECK(script.pending.empty());
    clock.advance(1s);
    REQUIRE(script.pending.size() == 2);
    CHECK(script.pending[0].first.id == 1);  // still in order of age
    CHECK(script.pending[0].first.attempts == 0);
  }
  CHECK(log.failures.empty());
  REQUIRE(log.attempt_failures.size() == 6);
  for (const auto& failure : log.attempt_failures) CHECK(failure.attempts == 0);
  CHECK(log.next_attempts[0] == kStart + 30s);
  script.answer(true);
  script.answer(true);
  REQUIRE(script.pending.size() == 1);
  script.answer(true);
  CHECK(log.delivered_ids == std::vector<std::int64_t>{1, 2, 3});
}

namespace {

// An HTTP proxy on 127.0.0.1, as corporate networks have: a CONNECT is tunnelled to its
// target (or refused 403 when `refuse`), any other request answered 200 by the proxy itself;
// each request line is noted.
class Proxy {
 public:
  explicit Proxy(net::io_context& io, bool refuse = false)
      : io_(io), acceptor_(io, tcp::endpoint(net::ip::address_v4::loopback(), 0)), refuse_(refuse) {
    accept();
  }

  unsigned short port() const { return acceptor_.local_endpoint().port(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port()); }

  std::vector<std::string> requests;

 private:
  struct Tunnel {
    Tunnel(tcp::socket c, net::io_context& io) : client(std::move(c)), server(io) {}
    tcp::socket client;
    tcp::socket server;
    beast::flat_buffer buffer;
    http::request<http::string_body> request;
    std::string answer;
    std::array<char, 8192> up{}, down{};
  };

  void accept() {
    acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec) return;
      auto t = std::make_shared<Tunnel>(std::move(socket), io_);
      http::async_read(t->client, t->buffer, t->request, [this, t](beast::error_code rec, size_t) {
        if (!rec) on_request(t);
      });
      accept();
    });
  }

  void on_request(std::shared_ptr<Tunnel> t) {
    requests.push_back(std::string(t->request.method_string()) + " " +
                       std::string(t->request.target()));
    if (t->request.method() != http::verb::connect || refuse_) {
      t->answer = refuse_ ? "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n"
                          : "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
      net::async_write(t->client, net::buffer(t->answer), [t](beast::error_code, size_t) {});
      return;
    }
    const std::string target(t->request.target());
    const auto port = static_cast<unsigned short>(std::stoi(target.substr(target.rfind(':') + 1)));
    t->server.async_connect(tcp::endpoint(net::ip::address_v4::loopback(), port),
                            [this, t](beast::error_code cec) {
                              if (cec) return;
                              t->answer = "HTTP/1.1 200 Connection established\r\n\r\n";
                              net::async_write(t->client, net::buffer(t->answer),
                                               [this, t](beast::error_code wec, size_t) {
                                                 if (wec) return;
                                                 relay(t, t->client, t->server, t->up);
                                                 relay(t, t->server, t->client, t->down);
                                               });
                            });
  }

  void relay(std::shared_ptr<Tunnel> t, tcp::socket& from, tcp::socket& to,
             std::array<char, 8192>& buffer) {
    from.async_read_some(
        net::buffer(buffer), [this, t, &from, &to, &buffer](beast::error_code ec, size_t n) {
          if (ec) {
            beast::error_code ignored;
            to.shutdown(tcp::socket::shutdown_send, ignored);
            return;
          }
          net::async_write(to, net::buffer(buffer.data(), n),
                           [this, t, &from, &to, &buffer](beast::error_code wec, size_t) {
                             if (!wec) relay(t, from, to, buffer);
                           });
        });
  }

  net::io_context& io_;
  tcp::acceptor acceptor_;
  bool refuse_;
};

}  // namespace

TEST_CASE("deliver: https through a proxy goes in one CONNECT tunnel, the server checked inside") {
  net::io_context io;
  ManualClock clock(kStart);
  PlatformApi receiver(io);
  Proxy proxy(io);
  auto hook = https_webhook("hook", "localhost", receiver.port());
  hook.settings["proxy"] = {proxy.url(), {}, {}, {}};
  Recorder log;
  Dispatcher dispatcher(io, clock, sinks(io, clock, {hook}, 1), log, quick_retry());
  dispatcher.submit({item(1, "hook"), item(2, "hook")});
  REQUIRE(run_until(io, [&] { return log.delivered_ids.size() == 2; }));
  CHECK(proxy.requests ==
        std::vector<std::string>{"CONNECT localhost:" + std::to_string(receiver.port())});
  CHECK(receiver.server_names == std::vector<std::string>{"localhost"});  // SNI inside
  CHECK(receiver.calls.size() == 2);
  CHECK(stop(io, clock, dispatcher));
}

TEST_CASE("deliver: plain http goes to the proxy with the whole URL, a refused tunnel fails") {
  net::io_context io;
  ManualClock clock(kStart);
  Proxy proxy(io);
  Proxy refusing(io, /*refuse=*/true);
  auto plain = webhook("plain", closed_port(io), "/hook?a=1");
  plain.settings["proxy"] = {proxy.url(), {}, {}, {}};
  auto secure = https_webhook("secure", "127.0.0.1", 443);
  secure.settings["proxy"] = {refusing.url(), {}, {}, {}};
  Recorder log;
  Dispatcher dispatcher(io, clock, sinks(io, clock, {plain, secure}), log, quick_retry(1));
  dispatcher.submit({item(1, "plain"), item(2, "secure")});
  REQUIRE(run_until(io, [&] { return log.delivered_ids.size() + log.failures.size() == 2; }));
  CHECK(log.delivered_ids == std::vector<std::int64_t>{1});
  REQUIRE(proxy.requests.size() == 1);
  CHECK(proxy.requests[0].find("POST http://127.0.0.1:") == 0);
  CHECK(proxy.requests[0].ends_with("/hook?a=1"));
  REQUIRE(log.failures.size() == 1);
  CHECK(log.failures[0].error == "proxy refused the tunnel: HTTP 403");
  CHECK(refusing.requests == std::vector<std::string>{"CONNECT 127.0.0.1:443"});
  CHECK(stop(io, clock, dispatcher));
}

TEST_CASE("deliver: ackd check refuses a proxy that is not http://host:port") {
  ackd::yaml::Diagnostics problems;
  for (const auto* proxy :
       {"https://proxy.example:3128", "socks5://proxy:1080", "http://proxy.example:3128/path"}) {
    auto hook = webhook("hook", 9);
    hook.settings["proxy"] = {proxy, {}, {}, {}};
    ackd::deliver::builtin_sinks().check(hook, problems);
  }
  auto all = problems.sorted();
  REQUIRE(all.size() == 3);
  CHECK(all[0].message.find("proxy") != std::string::npos);
  for (const auto& d : all) CHECK_MESSAGE(d.message.find("sink 'hook': proxy") == 0, d.message);
}

}  // namespace deliver_test
