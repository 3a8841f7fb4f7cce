#include "ackd/daemon/daemon.hpp"

#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <unordered_map>

#include "ackd/config/config.hpp"
#include "ackd/deliver/dispatcher.hpp"
#include "ackd/deliver/sink_registry.hpp"
#include "ackd/http/server.hpp"
#include "ackd/log/log.hpp"
#include "ackd/metrics/registry.hpp"
#include "ackd/policy/evaluate.hpp"
#include "ackd/policy/load.hpp"
#include "ackd/service/systemd.hpp"
#include "ackd/source/registry.hpp"
#include "ackd/store/store.hpp"
#include "ackd/text/normalize.hpp"
#include "ackd/time/system_clock.hpp"
#include "ackd/yaml/files.hpp"
#include "delivery_log.hpp"
#include "intake.hpp"

namespace ackd::daemon {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using http::Request;
using http::Respond;
using http::Response;
using yaml::read_file;
using yaml::resolve_path;
using Clock = std::chrono::steady_clock;

namespace {

std::string message_of(const absl::Status& s) {
  return std::string(s.message());
}

time::Instant wall_now() {
  return std::chrono::time_point_cast<time::Seconds>(std::chrono::system_clock::now());
}

absl::StatusOr<std::shared_ptr<const policy::Policy>> load_policy_from(const std::string& path) {
  policy::LoadResult result;
  if (auto files = yaml::read_sources(path, result.diagnostics)) {
    result = policy::load_policy(*files);
  }
  if (!result.policy) {
    std::string message;
    for (const auto& d : result.diagnostics.sorted()) message += d.to_string() + "\n";
    if (!message.empty()) message.pop_back();
    return absl::InvalidArgumentError(message);
  }
  return result.policy;
}

absl::StatusOr<std::vector<std::string>> load_tokens(const std::string& path) {
  std::string error;
  auto content = read_file(path, error);
  if (!content) return absl::InvalidArgumentError("auth.tokens_file: " + error);
  std::vector<std::string> tokens;
  std::size_t start = 0;
  while (start <= content->size()) {
    auto end = content->find('\n', start);
    if (end == std::string::npos) end = content->size();
    std::string line = content->substr(start, end - start);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty() && line[0] != '#') tokens.push_back(line);
    start = end + 1;
  }
  if (tokens.empty())
    return absl::InvalidArgumentError("auth.tokens_file: " + path + " holds no token");
  return tokens;
}

// Compares every byte whatever the first difference, so timing tells nothing of a token.
bool constant_time_equal(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  const std::size_t n = std::max(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff = static_cast<unsigned char>(diff | (x ^ y));
  }
  return diff == 0;
}

absl::StatusOr<tcp::endpoint> parse_listen(const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) return absl::InvalidArgumentError("listen: expected HOST:PORT");
  std::string host = listen.substr(0, colon);
  if (host.size() > 1 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (host.empty() || host == "*") host = "0.0.0.0";
  boost::system::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec) return absl::InvalidArgumentError("listen: '" + host + "' is not an IP address");
  int port = 0;
  try {
    port = std::stoi(listen.substr(colon + 1));
  } catch (...) {
    port = -1;
  }
  if (port < 0 || port > 65535)
    return absl::InvalidArgumentError("listen: bad port in '" + listen + "'");
  return tcp::endpoint(address, static_cast<unsigned short>(port));
}

struct Metrics {
  metrics::Registry registry;
  metrics::CounterFamily& complaints = registry.counter(
      "ackd_complaints_total", "Complaints accepted, by channel and rule.", {"channel", "rule"});
  metrics::CounterFamily& duplicates =
      registry.counter("ackd_complaints_duplicate_total", "Complaints received again.");
  metrics::CounterFamily& rejected =
      registry.counter("ackd_requests_rejected_total", "Requests refused, by reason.", {"reason"});
  metrics::CounterFamily& replies =
      registry.counter("ackd_replies_total", "Automatic replies by outcome.", {"outcome"});
  metrics::CounterFamily& attempts = registry.counter(
      "ackd_delivery_attempts_total", "Delivery attempts by sink and result.", {"sink", "result"});
  metrics::CounterFamily& failures =
      registry.counter("ackd_delivery_failures_total",
                       "Deliveries given up after the last attempt, by sink.", {"sink"});
  metrics::CounterFamily& storms = registry.counter(
      "ackd_storms_total", "Storm mode edges (safety.storm), by rule.", {"rule", "edge"});
  metrics::CounterFamily& notices =
      registry.counter("ackd_notices_sent_total", "Notices delivered to teams, by kind.", {"kind"});
  metrics::CounterFamily& reloads =
      registry.counter("ackd_policy_reloads_total", "Policy reloads by result.", {"result"});
  metrics::Histogram& reply_latency = registry.histogram(
      "ackd_reply_latency_seconds", "From a complaint's arrival to its reply's delivery.",
      {0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60});
};

deliver::RetryPolicy retry_policy(const config::DeliveryRetry& d) {
  deliver::RetryPolicy retry;
  retry.max_attempts = d.max_attempts;
  retry.initial = d.initial_backoff;
  retry.max = d.max_backoff;
  return retry;
}

}  // namespace

class Daemon::Impl {
 public:
  Impl(config::Config config, std::string config_path, std::shared_ptr<const policy::Policy> policy,
       std::vector<std::string> tokens, std::unique_ptr<store::Store> store)
      : config_(std::move(config)),
        config_path_(std::move(config_path)),
        policy_(std::move(policy)),
        tokens_(std::move(tokens)),
        store_(std::move(store)),
        dispatcher_(io_, clock_, deliver::builtin_sinks().make_all(config_.sinks, {io_, clock_}),
                    delivery_log_, retry_policy(config_.delivery), observer()),
        signals_(io_, SIGINT, SIGTERM, SIGHUP),
        drain_timer_(io_),
        watchdog_timer_(io_),
        status_timer_(io_) {
    pause_ = store_->pause_at_open();
    storm_ = make_storm_detector(*policy_);
    metrics_.registry.gauge("ackd_storms_active", "Rules in storm mode now.", [this] {
      return storm_ ? static_cast<double>(storm_->storming().size()) : 0.0;
    });
    if (pause_) {
      spdlog::warn("replies are paused (by {}: {}), as they were when ackd stopped", pause_->by,
                   pause_->reason);
    }
    metrics_.registry.gauge("ackd_outbox_depth", "Deliveries owed and not yet made.",
                            [this] { return static_cast<double>(store_->outbox_depth()); });
    metrics_.registry.gauge("ackd_handoffs_open", "Cases handed off and not yet claimed.",
                            [this] { return static_cast<double>(store_->open_handoffs()); });
    metrics_.registry.gauge("ackd_delivery_backlog",
                            "Deliveries due and not yet made, all sinks together.",
                            [this] { return static_cast<double>(dispatcher_.backlog()); });
    metrics_.registry.labelled_gauge("ackd_sink_backlog",
                                     "Deliveries due to a sink and not yet made.", "sink", [this] {
                                       std::vector<std::pair<std::string, double>> out;
                                       for (const auto& h : dispatcher_.health())
                                         out.emplace_back(h.sink, static_cast<double>(h.backlog));
                                       return out;
                                     });
    metrics_.registry.labelled_gauge(
        "ackd_sink_backoff_seconds",
        "The pause between attempts at a failing sink; 0 while it is healthy.", "sink", [this] {
          std::vector<std::pair<std::string, double>> out;
          for (const auto& h : dispatcher_.health())
            out.emplace_back(h.sink, std::chrono::duration<double>(h.backoff).count());
          return out;
        });
    metrics_.registry.gauge("ackd_replies_paused",
                            "1 while the kill switch holds every reply to customers.",
                            [this] { return pause_ ? 1.0 : 0.0; });
    metrics_.registry.gauge("ackd_policy_rules", "Rules in the policy in force.",
                            [this] { return static_cast<double>(policy_->rules.size()); });
  }

  // Binds here so that a port in use is a start-up error, not a log line.
  absl::Status listen(const tcp::endpoint& endpoint) {
    tcp::acceptor acceptor(io_);
    boost::system::error_code ec;
    auto inherited = service::inherited_listener();
    if (!inherited.ok()) return inherited.status();
    if (*inherited) {
      // Socket activation (ackd.socket): systemd bound the address; `listen:` is not used.
      sockaddr_storage address{};
      socklen_t length = sizeof address;
      getsockname(**inherited, reinterpret_cast<sockaddr*>(&address), &length);
      acceptor.assign(address.ss_family == AF_INET6 ? tcp::v6() : tcp::v4(), **inherited, ec);
      if (ec)
        return absl::UnavailableError("cannot use the socket systemd passed: " + ec.message());
    } else {
      acceptor.open(endpoint.protocol(), ec);
      if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
      if (!ec) acceptor.bind(endpoint, ec);
      if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
      if (ec)
        return absl::UnavailableError("cannot listen on " + config_.listen + ": " + ec.message());
    }
    http::ServerOptions options;
    options.body_limit = config_.http.body_limit;
    options.read_timeout = config_.http.read_timeout;
    options.max_connections = config_.http.max_connections;
    options.retry_after = config_.overload.retry_after;
    server_.emplace(io_, std::move(acceptor), options, [this](Request&& req, Respond respond) {
      handle(std::move(req), std::move(respond));
    });
    metrics_.registry.read_counter(
        "ackd_http_connections_refused_total",
        "Connections answered 503 for being over http.max_connections.",
        [this] { return static_cast<double>(server_->refused_connections()); });
    return absl::OkStatus();
  }

  int run() {
    server_->start();
    watch_signals();
    store_->pending_outbox([this](absl::StatusOr<std::vector<store::OutboxItem>> items) {
      asio::post(io_, [this, items = std::move(items)]() mutable {
        if (!items.ok()) {
          spdlog::error("cannot read the outbox: {}", message_of(items.status()));
          return;
        }
        if (!items->empty()) spdlog::info("resuming {} owed deliveries", items->size());
        dispatcher_.submit(to_deliveries(std::move(*items)));
      });
    });
    spdlog::info("ackd {}", status_line());
    notifier_.ready(status_line());
    ping_watchdog();
    report_status();
    watch_storms();
    prune_fingerprints();
    io_.run();
    store_->flush();
    spdlog::info("ackd stopped");
    return 0;
  }

 private:
  deliver::DeliveryObserver observer() {
    deliver::DeliveryObserver o;
    o.delivered = [this](const deliver::Delivery& item, Clock::duration) {
      metrics_.attempts.with({item.sink, "delivered"}).inc();
      if (item.kind == "reply") {
        metrics_.replies.with({"sent"}).inc();
        if (auto it = reply_arrivals_.find(item.id); it != reply_arrivals_.end()) {
          metrics_.reply_latency.observe(
              std::chrono::duration<double>(Clock::now() - it->second).count());
          reply_arrivals_.erase(it);
        }
      } else {
        metrics_.notices.with({item.kind}).inc();
      }
    };
    o.attempt_failed = [this](const deliver::Delivery& item, const deliver::Attempt& a) {
      metrics_.attempts.with({item.sink, "failed"}).inc();
      spdlog::warn("delivery {} {} to {} failed: {}", item.complaint_id, item.kind, item.sink,
                   a.error);
    };
    o.failed = [this](const deliver::Delivery& item, const deliver::Attempt& a) {
      metrics_.attempts.with({item.sink, "failed"}).inc();
      metrics_.failures.with({item.sink}).inc();
      if (item.kind == "reply") {
        metrics_.replies.with({"failed"}).inc();
        reply_arrivals_.erase(item.id);
      }
      spdlog::error("delivery {} {} to {} given up: {}", item.complaint_id, item.kind, item.sink,
                    a.error);
    };
    return o;
  }

  void watch_signals() {
    signals_.async_wait([this](boost::system::error_code ec, int signal) {
      if (ec) return;
      if (signal == SIGHUP) {
        reload();
        watch_signals();
      } else {
        shutdown();
      }
    });
  }

  void reload() {
    notifier_.reloading();
    auto fresh = load_policy_from(resolve_path(config_.policy, config_path_));
    if (!fresh.ok()) {
      metrics_.reloads.with({"failure"}).inc();
      spdlog::error("policy reload refused, the old policy keeps serving:\n{}",
                    message_of(fresh.status()));
      notifier_.ready("policy reload refused (see the log); " + status_line());
      return;
    }
    // Requests already deciding hold the old policy; new ones get this one.
    policy_ = std::move(*fresh);
    storm_ = make_storm_detector(*policy_);  // counts start again under the new thresholds
    metrics_.reloads.with({"success"}).inc();
    spdlog::info("policy reloaded: version {}, {} rules", policy_->version, policy_->rules.size());
    notifier_.ready(status_line());
  }

  std::string status_line() const {
    const auto& at = server_->local_endpoint();
    return "serving on " + at.address().to_string() + ":" + std::to_string(at.port()) +
           ", policy " + policy_->version + " (" + std::to_string(policy_->rules.size()) +
           " rules), mode " + (config_.mode == config::Mode::shadow ? "shadow" : "live") +
           (pause_ ? "; REPLIES PAUSED by " + pause_->by : "") + "; " + std::to_string(accepted_) +
           " complaints accepted, " + std::to_string(store_->outbox_depth()) +
           " deliveries owed, " + std::to_string(store_->open_handoffs()) + " handoffs open";
  }

  // Pinged from the io thread: if the event loop is stuck, the pings stop and systemd
  // restarts the service (WatchdogSec=).
  void ping_watchdog() {
    const auto interval = notifier_.watchdog_interval();
    if (!interval) return;
    notifier_.watchdog();
    watchdog_timer_.expires_after(*interval);
    watchdog_timer_.async_wait([this](boost::system::error_code ec) {
      if (!ec) ping_watchdog();
    });
  }

  static std::shared_ptr<storm::Detector> make_storm_detector(const policy::Policy& p) {
    if (!p.safety.storm) return nullptr;
    return std::make_shared<storm::Detector>(p.safety.storm->threshold, p.safety.storm->within);
  }

  // Storms end by themselves: once a second the windows are moved on, and both edges are
  // logged and counted here, on the io thread.
  void watch_storms() {
    storm_timer_.expires_after(std::chrono::seconds(1));
    storm_timer_.async_wait([this](boost::system::error_code ec) {
      if (ec || stopping_) return;
      if (storm_) {
        storm_->expire(wall_now());
        for (const auto& e : storm_->take_events()) {
          metrics_.storms.with({e.rule, e.started ? "started" : "ended"}).inc();
          if (e.started) {
            spdlog::warn("storm mode on for rule {}: {} complaints within {}; public replies {}",
                         e.rule, e.count, time::format_duration(policy_->safety.storm->within),
                         policy_->safety.storm->template_index ? "use the storm template" : "stop");
          } else {
            spdlog::warn("storm mode off for rule {}: {} complaints in the window", e.rule,
                         e.count);
          }
        }
      }
      watch_storms();
    });
  }

  // The echo guard looks back 24 hours; older fingerprints are dropped hourly.
  void prune_fingerprints() {
    store_->prune_reply_fingerprints(wall_now() - std::chrono::hours(24));
    prune_timer_.expires_after(std::chrono::hours(1));
    prune_timer_.async_wait([this](boost::system::error_code ec) {
      if (!ec && !stopping_) prune_fingerprints();
    });
  }

  void report_status() {
    if (!notifier_.enabled() || stopping_) return;
    status_timer_.expires_after(std::chrono::seconds(5));
    status_timer_.async_wait([this](boost::system::error_code ec) {
      if (ec || stopping_) return;
      notifier_.status(status_line());
      report_status();
    });
  }

  void shutdown() {
    if (stopping_) return;
    stopping_ = true;
    spdlog::info("stopping: no new requests, finishing what is in flight");
    notifier_.stopping("stopping: finishing the requests and deliveries in flight");
    status_timer_.cancel();
    storm_timer_.cancel();
    prune_timer_.cancel();
    server_->stop();
    signals_.cancel();
    drain(Clock::now() + std::chrono::seconds(10));
  }

  // Waits for requests in flight to be answered, then for deliveries under way.
  void drain(Clock::time_point give_up) {
    if (server_->active_sessions() > 0 && Clock::now() < give_up) {
      drain_timer_.expires_after(std::chrono::milliseconds(20));
      drain_timer_.async_wait([this, give_up](boost::system::error_code) { drain(give_up); });
      return;
    }
    dispatcher_.shutdown(std::chrono::seconds(5), [this] {
      watchdog_timer_.cancel();
      io_.stop();
    });
  }

  bool authorized(const Request& req) const {
    if (tokens_.empty()) return true;
    auto header = req[bhttp::field::authorization];
    constexpr std::string_view kBearer = "Bearer ";
    if (header.size() <= kBearer.size() || header.substr(0, kBearer.size()) != kBearer)
      return false;
    auto token = header.substr(kBearer.size());
    bool ok = false;
    for (const auto& t : tokens_) ok = constant_time_equal(token, t) || ok;
    return ok;
  }

  void handle(Request&& req, Respond respond) {
    std::string target(req.target());
    std::string query;
    if (auto q = target.find('?'); q != std::string::npos) {
      query = target.substr(q + 1);
      target.resize(q);
    }
    const auto method = req.method();
    if (target == "/healthz")
      return respond(http::json_response(req, bhttp::status::ok, R"({"status":"ok"})"));
    if (target == "/readyz") return ready(req, respond);
    if (!authorized(req)) {
      metrics_.rejected.with({"unauthorized"}).inc();
      return respond(http::error_response(req, bhttp::status::unauthorized, "unauthorized",
                                          "a valid Authorization: Bearer token is required"));
    }
    if (target == "/metrics" && method == bhttp::verb::get) {
      auto res = http::json_response(req, bhttp::status::ok, metrics_.registry.render());
      res.set(bhttp::field::content_type, "text/plain; version=0.0.4");
      return respond(std::move(res));
    }
    if (target == "/v1/complaints" && method == bhttp::verb::post)
      return ingest(std::move(req), respond);
    if (target == "/v1/handoffs" && method == bhttp::verb::get)
      return handoffs(req, query, respond);
    if (target == "/v1/admin/pause" && method == bhttp::verb::post)
      return set_pause(req, true, respond);
    if (target == "/v1/admin/resume" && method == bhttp::verb::post)
      return set_pause(req, false, respond);
    constexpr std::string_view kPrefix = "/v1/complaints/";
    if (target.rfind(kPrefix, 0) == 0) {
      std::string rest = target.substr(kPrefix.size());
      auto slash = rest.find('/');
      std::string id = rest.substr(0, slash);
      std::string action = slash == std::string::npos ? "" : rest.substr(slash + 1);
      if (!id.empty() && action.empty() && method == bhttp::verb::get)
        return timeline(req, id, respond);
      if (!id.empty() && action == "claim" && method == bhttp::verb::post)
        return claim(req, id, respond);
      if (!id.empty() && action == "resolve" && method == bhttp::verb::post)
        return resolve(req, id, respond);
    }
    respond(http::error_response(
        req, bhttp::status::not_found, "not_found",
        "no such endpoint: " + std::string(req.method_string()) + " " + target));
  }

  void ready(const Request& req, const Respond& respond) {
    nlohmann::json body = {{"policy", policy_->version},
                           {"store", store_healthy_ ? "writable" : "failing"},
                           {"stopping", stopping_},
                           {"paused", pause_json()},
                           {"storming", storm_ ? storm_->storming() : std::vector<std::string>{}}};
    // A failing sink does not make ackd unready (it still takes complaints): shown, not judged.
    auto& sinks = body["sinks"] = nlohmann::json::object();
    for (const auto& h : dispatcher_.health()) {
      sinks[h.sink] = {{"backlog", h.backlog},
                       {"failing", h.failures > 0},
                       {"backoff_seconds", std::chrono::duration<double>(h.backoff).count()}};
    }
    const bool ok = store_healthy_ && !stopping_;
    body["status"] = ok ? "ready" : "not ready";
    respond(http::json_response(req, ok ? bhttp::status::ok : bhttp::status::service_unavailable,
                                body.dump()));
  }

  // A complaint past the overload limits gets 503 at once: the client retries later,
  // rather than every client waiting on a backlog.
  std::optional<std::string> overloaded() const {
    if (pending_ >= config_.overload.max_pending) {
      return std::to_string(pending_) +
             " complaints are waiting to be stored (overload.max_pending)";
    }
    if (const auto backlog = dispatcher_.backlog(); backlog >= config_.overload.max_backlog) {
      return std::to_string(backlog) +
             " deliveries are due and not yet made (overload.max_backlog)";
    }
    return std::nullopt;
  }

  void ingest(Request&& req, const Respond& respond) {
    const auto arrived = Clock::now();
    if (auto reason = overloaded()) {
      metrics_.rejected.with({"overloaded"}).inc();
      auto res = http::error_response(req, bhttp::status::service_unavailable, "overloaded",
                                      *reason + "; retry later");
      res.set(bhttp::field::retry_after, std::to_string(config_.overload.retry_after.count()));
      return respond(std::move(res));
    }
    auto parsed = parse_complaint(req.body());
    if (!parsed.ok()) {
      metrics_.rejected.with({"invalid"}).inc();
      return respond(http::error_response(req, bhttp::status::bad_request, "invalid_complaint",
                                          message_of(parsed.status())));
    }
    auto complaint = std::make_shared<const Complaint>(std::move(*parsed));
    IntakeMode mode;
    if (auto route = config_.channels.find(complaint->channel); route != config_.channels.end()) {
      mode.reply_sink = route->second.reply_sink;
    }
    mode.shadow = config_.mode == config::Mode::shadow;
    mode.drop_while_paused = config_.paused_replies == config::PausedReplies::suppress;
    mode.storm = storm_;
    // The pause is the store's, read in the transaction: one switched on a moment ago
    // already holds this complaint's reply.
    auto planner = [policy = policy_, complaint, mode = std::move(mode), now = wall_now()](
                       const AuthorHistory& history, const std::optional<store::Pause>& pause) {
      return plan_case(*policy, *complaint, history, pause, mode, now);
    };
    auto request = std::make_shared<Request>(std::move(req));
    ++pending_;
    store_->ingest(
        complaint->channel, complaint->external_id, complaint->author.id, planner,
        [this, request, respond, complaint, arrived](absl::StatusOr<store::IngestResult> r) {
          asio::post(io_, [this, request, respond, complaint, arrived, r = std::move(r)]() mutable {
            accepted(*request, respond, *complaint, arrived, std::move(r));
          });
        },
        store::Store::LoopKeys{complaint->thread_id, text::fingerprint(complaint->text)});
  }

  void accepted(const Request& req, const Respond& respond, const Complaint& c,
                Clock::time_point arrived, absl::StatusOr<store::IngestResult> result) {
    --pending_;
    if (!result.ok()) {
      store_healthy_ = false;
      metrics_.rejected.with({"store_unavailable"}).inc();
      spdlog::error("complaint {}/{} not stored: {}", c.channel, c.external_id,
                    message_of(result.status()));
      auto res = http::error_response(req, bhttp::status::service_unavailable, "store_unavailable",
                                      "the complaint could not be stored durably; retry later");
      res.set(bhttp::field::retry_after, std::to_string(config_.overload.retry_after.count()));
      return respond(std::move(res));
    }
    store_healthy_ = true;
    if (result->duplicate) {
      metrics_.duplicates.with({}).inc();
      return respond(http::json_response(req, bhttp::status::ok, result->response.dump()));
    }
    const auto& r = result->response;
    ++accepted_;
    const std::string rule = r.value("rule", "");
    metrics_.complaints.with({c.channel, rule}).inc();
    const std::string reply = r.value("reply", "none");
    if (reply != "none") metrics_.replies.with({reply}).inc();
    const std::string team = r["handoff"].is_object() ? r["handoff"].value("team", "") : "-";
    log::Fields fields{{"COMPLAINT_ID", result->id},
                       {"CHANNEL", c.channel},
                       {"RULE", rule},
                       {"REPLY", reply},
                       {"TEAM", team}};
    spdlog::info("complaint {} channel={} rule={} reply={} team={}", result->id, c.channel, rule,
                 reply, team);
    for (const auto& item : result->outbox) {
      if (item.kind == "reply") reply_arrivals_[item.id] = arrived;
    }
    respond(http::json_response(req, bhttp::status::accepted, r.dump()));
    std::erase_if(result->outbox, [this](const store::OutboxItem& item) {
      if (item.held) metrics_.replies.with({"held"}).inc();
      return item.held;
    });
    dispatcher_.submit(to_deliveries(std::move(result->outbox)));
  }

  template <class T, class F>
  void on_store(const Request& req, const Respond& respond, F&& finish,
                std::function<void(std::function<void(absl::StatusOr<T>)>)> start) {
    auto request = std::make_shared<Request>(req);
    start([this, request, respond, finish = std::forward<F>(finish)](absl::StatusOr<T> r) mutable {
      asio::post(io_, [request, respond, finish = std::move(finish), r = std::move(r)]() mutable {
        if (!r.ok() && absl::IsNotFound(r.status())) {
          return respond(http::error_response(*request, bhttp::status::not_found, "not_found",
                                              message_of(r.status())));
        }
        if (!r.ok()) {
          return respond(http::error_response(*request, bhttp::status::service_unavailable,
                                              "store_unavailable", message_of(r.status())));
        }
        finish(*request, respond, std::move(*r));
      });
    });
  }

  void timeline(const Request& req, const std::string& id, const Respond& respond) {
    on_store<nlohmann::json>(
        req, respond,
        [](const Request& rq, const Respond& rs, nlohmann::json j) {
          rs(http::json_response(rq, bhttp::status::ok, j.dump()));
        },
        [this, id](auto done) { store_->timeline(id, std::move(done)); });
  }

  void handoffs(const Request& req, const std::string& query, const Respond& respond) {
    std::string state = "open";
    if (auto p = query.find("state="); p != std::string::npos) {
      state = query.substr(p + 6, query.find('&', p) - p - 6);
    }
    if (state != "open" && state != "claimed" && state != "breached" && state != "resolved") {
      return respond(http::error_response(req, bhttp::status::bad_request, "invalid_state",
                                          "state: must be open, claimed, breached or resolved"));
    }
    on_store<nlohmann::json>(
        req, respond,
        [](const Request& rq, const Respond& rs, nlohmann::json j) {
          rs(http::json_response(rq, bhttp::status::ok, nlohmann::json{{"handoffs", j}}.dump()));
        },
        [this, state](auto done) { store_->handoffs(state, wall_now(), std::move(done)); });
  }

  // {"agent": "...", ...} with a non-empty agent, or a 400 already answered.
  static std::optional<nlohmann::json> agent_body(const Request& req, const Respond& respond) {
    auto body = nlohmann::json::parse(req.body(), nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
      respond(http::error_response(req, bhttp::status::bad_request, "invalid_body",
                                   "body: must be a JSON object"));
      return std::nullopt;
    }
    auto agent = body.find("agent");
    if (agent == body.end() || !agent->is_string() || agent->get<std::string>().empty()) {
      respond(http::error_response(req, bhttp::status::bad_request, "invalid_body",
                                   "agent: must be a non-empty string"));
      return std::nullopt;
    }
    if (auto note = body.find("note"); note != body.end() && !note->is_string()) {
      respond(http::error_response(req, bhttp::status::bad_request, "invalid_body",
                                   "note: must be a string"));
      return std::nullopt;
    }
    return body;
  }

  nlohmann::json pause_json() const {
    if (!pause_) return false;
    return {{"by", pause_->by},
            {"reason", pause_->reason},
            {"since", time::format_rfc3339_utc(pause_->since)}};
  }

  // The kill switch. It needs tokens: nobody anonymous may silence ackd or unsilence it.
  void set_pause(const Request& req, bool pause, const Respond& respond) {
    if (tokens_.empty()) {
      return respond(
          http::error_response(req, bhttp::status::forbidden, "forbidden",
                               "the admin endpoints need auth.tokens_file in ackd.yaml"));
    }
    std::optional<store::Pause> wanted;
    if (pause) {
      auto body = nlohmann::json::parse(req.body(), nullptr, false);
      const char* problem = nullptr;
      if (body.is_discarded() || !body.is_object()) {
        problem = "body: must be a JSON object";
      } else if (!body.contains("by") || !body["by"].is_string() ||
                 body["by"].get<std::string>().empty()) {
        problem = "by: must be a non-empty string (who pauses the replies)";
      } else if (body.contains("reason") && !body["reason"].is_string()) {
        problem = "reason: must be a string";
      }
      if (problem) {
        return respond(
            http::error_response(req, bhttp::status::bad_request, "invalid_body", problem));
      }
      wanted = store::Pause{body["by"], body.value("reason", ""), wall_now()};
    }
    const auto on_resume = config_.paused_replies == config::PausedReplies::hold
                               ? store::HeldReplies::send
                               : store::HeldReplies::drop;
    on_store<store::PauseResult>(
        req, respond,
        [this, pause](const Request& rq, const Respond& rs, store::PauseResult r) {
          dispatcher_.cancel(r.held);
          const bool changed = pause_.has_value() != r.pause.has_value();
          pause_ = r.pause;
          nlohmann::json body = {{"paused", pause_json()}};
          if (pause) {
            body["held"] = r.held.size();
            if (changed) {
              spdlog::warn("replies paused by {} ({}); {} owed replies held", pause_->by,
                           pause_->reason, r.held.size());
            }
          } else {
            body["released"] = r.released.size();
            body["dropped"] = r.dropped;
            if (changed) {
              spdlog::warn("replies resumed: {} held replies released, {} dropped",
                           r.released.size(), r.dropped);
            }
            dispatcher_.submit(to_deliveries(std::move(r.released)));
          }
          rs(http::json_response(rq, bhttp::status::ok, body.dump()));
        },
        [this, wanted, on_resume](auto done) {
          store_->set_pause(wanted, on_resume, wall_now(), std::move(done));
        });
  }

  void claim(const Request& req, const std::string& id, const Respond& respond) {
    auto body = agent_body(req, respond);
    if (!body) return;
    std::string agent = (*body)["agent"];
    on_store<store::ClaimResult>(
        req, respond,
        [this, id](const Request& rq, const Respond& rs, store::ClaimResult r) {
          dispatcher_.cancel(r.cancelled);
          using O = store::ClaimOutcome;
          if (r.outcome == O::not_found) {
            return rs(http::error_response(rq, bhttp::status::not_found, "not_found",
                                           "no complaint " + id));
          }
          if (r.outcome == O::held_by_other || r.outcome == O::resolved) {
            return rs(http::error_response(rq, bhttp::status::conflict, "conflict",
                                           r.outcome == O::resolved
                                               ? "the case is already resolved"
                                               : "the case is held by " + r.agent));
          }
          spdlog::info("complaint {} claimed by {}", id, r.agent);
          rs(http::json_response(
              rq, bhttp::status::ok,
              nlohmann::json{{"id", id}, {"state", "claimed"}, {"agent", r.agent}}.dump()));
        },
        [this, id, agent](auto done) { store_->claim(id, agent, wall_now(), std::move(done)); });
  }

  void resolve(const Request& req, const std::string& id, const Respond& respond) {
    auto body = agent_body(req, respond);
    if (!body) return;
    std::string agent = (*body)["agent"];
    std::string note = body->value("note", "");
    on_store<store::ResolveResult>(
        req, respond,
        [this, id](const Request& rq, const Respond& rs, store::ResolveResult r) {
          dispatcher_.cancel(r.cancelled);
          if (r.outcome == store::ResolveOutcome::not_found) {
            return rs(http::error_response(rq, bhttp::status::not_found, "not_found",
                                           "no complaint " + id));
          }
          nlohmann::json out = {{"id", id}, {"state", "resolved"}, {"followup", nullptr}};
          if (r.followup) {
            out["followup"] = time::format_rfc3339_utc(r.followup->due_at);
            dispatcher_.submit({to_delivery(*r.followup)});
          }
          spdlog::info("complaint {} resolved", id);
          rs(http::json_response(rq, bhttp::status::ok, out.dump()));
        },
        [this, id, agent, note](auto done) {
          store_->resolve(id, agent, note, wall_now(), std::move(done));
        });
  }

  asio::io_context io_{1};
  time::SystemClock clock_{io_};
  config::Config config_;
  std::string config_path_;
  std::shared_ptr<const policy::Policy> policy_;
  std::vector<std::string> tokens_;
  std::unique_ptr<store::Store> store_;
  Metrics metrics_;
  StoreDeliveryLog delivery_log_{*store_};
  deliver::Dispatcher dispatcher_;
  std::optional<http::Server> server_;
  asio::signal_set signals_;
  asio::steady_timer drain_timer_;
  service::Notifier notifier_;
  asio::steady_timer watchdog_timer_;
  asio::steady_timer status_timer_;
  std::uint64_t accepted_ = 0;
  std::size_t pending_ = 0;
  std::optional<store::Pause> pause_;       // the kill switch, as the store last reported it
  std::shared_ptr<storm::Detector> storm_;  // for the policy in force; null without safety.storm
  asio::steady_timer storm_timer_{io_};
  asio::steady_timer prune_timer_{io_};  //
                                         // complaints handed to the store, not yet answered
  std::unordered_map<std::int64_t, Clock::time_point> reply_arrivals_;
  bool stopping_ = false;
  bool store_healthy_ = true;
};

absl::StatusOr<std::unique_ptr<Daemon>> Daemon::create(const std::string& config_path) {
  std::string error;
  auto content = read_file(config_path, error);
  if (!content) return absl::InvalidArgumentError(error);
  auto parsed = config::parse_config({config_path, *content},
                                     {&deliver::builtin_sinks(), &source::builtin_sources()});
  if (!parsed.config) {
    auto first = parsed.diagnostics.sorted().front().to_string();
    return absl::InvalidArgumentError(
        first + (parsed.diagnostics.size() > 1
                     ? " (and " + std::to_string(parsed.diagnostics.size() - 1) +
                           " more; run ackd check --config)"
                     : ""));
  }
  config::Config config = std::move(*parsed.config);
  spdlog::set_level(spdlog::level::from_str(config.log_level));
  const std::string policy_path = resolve_path(config.policy, config_path);
  auto policy = load_policy_from(policy_path);
  if (!policy.ok()) {
    std::string message(message_of(policy.status()));
    auto newline = message.find('\n');
    return absl::InvalidArgumentError(
        "invalid policy: " + message.substr(0, newline) +
        (newline != std::string::npos ? " (and more; run ackd check)" : ""));
  }
  policy::Diagnostics references;
  config::check_references(config, **policy, references);
  if (!references.empty()) {
    return absl::InvalidArgumentError(references.sorted().front().to_string());
  }
  std::vector<std::string> tokens;
  if (!config.tokens_file.empty()) {
    auto t = load_tokens(resolve_path(config.tokens_file, config_path));
    if (!t.ok()) return t.status();
    tokens = std::move(*t);
  }
  auto endpoint = parse_listen(config.listen);
  if (!endpoint.ok()) return endpoint.status();
  auto store = store::Store::open({resolve_path(config.state, config_path)});
  if (!store.ok()) return store.status();

  auto impl = std::make_unique<Impl>(std::move(config), config_path, std::move(*policy),
                                     std::move(tokens), std::move(*store));
  if (auto listening = impl->listen(*endpoint); !listening.ok()) return listening;
  return std::unique_ptr<Daemon>(new Daemon(std::move(impl)));
}

Daemon::Daemon(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Daemon::~Daemon() = default;
int Daemon::run() {
  return impl_->run();
}

}  // namespace ackd::daemon
