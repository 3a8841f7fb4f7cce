#include "ackd/daemon/daemon.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>

#include "ackd/api/api.hpp"
#include "ackd/api/auth.hpp"
#include "ackd/deliver/sink_registry.hpp"
#include "ackd/store/serving_lock.hpp"
#include "ackd/time/system_clock.hpp"
#include "ackd/yaml/files.hpp"
#include "lifecycle.hpp"
#include "notice_grouping.hpp"
#include "report_mailer.hpp"
#include "startup.hpp"
#include "store_outbox.hpp"

namespace ackd::daemon {

namespace asio = boost::asio;

namespace {

deliver::RetryPolicy retry_policy(const config::DeliverySettings& d) {
  deliver::RetryPolicy retry;
  retry.max_attempts = d.max_attempts;
  retry.initial = d.initial_backoff;
  retry.max = d.max_backoff;
  return retry;
}

}  // namespace

// The wiring: who owns what, and who is told of what. The parts are in api/ (the HTTP
// API), lifecycle.cpp (signals, reload, timers, drain), startup.cpp and metrics/.
class Daemon::Impl {
 public:
  Impl(Startup startup, std::unique_ptr<store::Store> store, store::ServingLock lock)
      : lock_(std::move(lock)),
        config_(std::move(startup.config)),
        tokens_(std::move(startup.tokens)),
        store_(std::move(store)),
        dispatcher_(
            io_, clock_,
            deliver::builtin_sinks().make_all(config_.sinks, {io_, clock_, 0, config_.console_url}),
            outbox_, retry_policy(config_.delivery), observer(),
            {.horizon = config_.delivery.lookahead}, &grouping_),
        services_{io_,
                  config_,
                  *store_,
                  dispatcher_,
                  metrics_,
                  state_,
                  [this] { return clock_.now(); },
                  events_},
        sources_(source::builtin_sources(), config_.sources,
                 {io_, clock_, api::intake(services_), api::case_actions(services_),
                  api::source_state(services_),
                  [this](const std::string& source, const std::string& outcome) {
                    metrics_.source_mails.with({source, outcome}).inc();
                  }},
                 [this](const std::string& name, const source::Response& answer) {
                   metrics_.source_requests.with({name, std::to_string(answer.status)}).inc();
                   if (answer.skipped)
                     metrics_.source_skipped.with({name}).inc(static_cast<double>(answer.skipped));
                 }),
        router_(router_options()),
        config_path_(std::move(startup.config_path)) {
    state_.policy = std::move(startup.policy.policy);
    state_.policy_fallback = std::move(startup.fallback_reason);
    serving_files_ = std::move(startup.policy.files);
    state_.storm = make_storm_detector(*state_.policy);
    state_.sink_holds = store_->sink_holds_at_open();
    for (const auto& [sink, hold] : state_.sink_holds) {
      dispatcher_.hold_sink(sink, true);
      spdlog::warn(
          "sink {} is on hold since {} ({}: {}): its deliveries wait for ackd queue release", sink,
          time::format_rfc3339_utc(hold.since), hold.by, hold.reason);
    }
    state_.pause = store_->pause_at_open();
    if (state_.pause) {
      spdlog::warn("replies are paused (by {}: {}), as they were when ackd stopped",
                   state_.pause->by, state_.pause->reason);
    }
    add_gauges();
    api::add_routes(router_, services_, !tokens_.empty(), sources_);
    if (const auto& mail = config_.report_mail) {
      // A sink of its own: a report never waits behind the replies nor holds them up.
      mailer_.emplace(services_, *mail,
                      deliver::builtin_sinks().make(config_.sinks.at(mail->sink),
                                                    {io_, clock_, 0, config_.console_url}));
    }
  }

  absl::Status listen(const asio::ip::tcp::endpoint& endpoint) {
    auto acceptor = open_listener(io_, endpoint, config_.listen);
    if (!acceptor.ok()) return acceptor.status();
    http::ServerOptions options;
    options.body_limit = config_.http.body_limit;
    options.read_timeout = config_.http.read_timeout;
    options.max_connections = config_.http.max_connections;
    options.retry_after = config_.overload.retry_after;
    server_.emplace(io_, std::move(*acceptor), options,
                    [this](http::Request&& req, http::Respond respond) {
                      router_.handle(std::move(req), respond);
                    });
    metrics_.add_refused_connections(
        [this] { return static_cast<double>(server_->refused_connections()); });
    lifecycle_.emplace(services_, *server_, config_path_, [this] {
      sources_.stop();
      if (mailer_) mailer_->stop();
    });
    return absl::OkStatus();
  }

  int run() {
    server_->start();
    // The dispatcher has been reading what is owed since it was made.
    if (auto owed = store_->outbox_depth(); owed > 0) spdlog::info("{} deliveries owed", owed);
    record_served(*store_, std::move(serving_files_),
                  state_.policy_fallback ? store::Served::fallback : store::Served::start,
                  clock_.now());
    lifecycle_->start();
    sources_.start();
    if (mailer_) mailer_->start();
    io_.run();
    store_->flush();
    spdlog::info("ackd stopped");
    return 0;
  }

 private:
  api::Router::Options router_options() {
    api::Router::Options options;
    if (!tokens_.empty()) {
      options.scope_of = [this](const http::Request& req) {
        return api::bearer_scope(req, tokens_);
      };
    }
    options.on_refused = [this](std::string_view why) {
      metrics_.rejected.with({std::string(why)}).inc();
    };
    return options;
  }

  deliver::DeliveryObserver observer() {
    deliver::DeliveryObserver o;
    o.delivered = [this](const deliver::Delivery& item, std::chrono::steady_clock::duration) {
      metrics_.attempts.with({item.sink, "delivered"}).inc();
      events_.publish("delivered", item.complaint_id);
      if (item.kind != plan::Kind::reply) {
        metrics_.notices.with({std::string(plan::to_string(item.kind))}).inc();
        return;
      }
      metrics_.replies.with({"sent"}).inc();
      auto& arrivals = state_.reply_arrivals;
      if (auto it = arrivals.find(item.id); it != arrivals.end()) {
        metrics_.reply_latency.observe(
            std::chrono::duration<double>(clock_.steady() - it->second).count());
        arrivals.erase(it);
      }
    };
    o.attempt_failed = [this](const deliver::Delivery& item, const deliver::Attempt& a) {
      metrics_.attempts.with({item.sink, a.wait ? "rate_limited" : "failed"}).inc();
      if (a.wait) {
        spdlog::warn("delivery {} {} to {} waits {}s for the sink's quota: {}", item.complaint_id,
                     plan::to_string(item.kind), item.sink,
                     std::chrono::ceil<std::chrono::seconds>(*a.wait).count(), a.error);
        return;
      }
      spdlog::warn("delivery {} {} to {} failed: {}", item.complaint_id, plan::to_string(item.kind),
                   item.sink, a.error);
    };
    o.failed = [this](const deliver::Delivery& item, const deliver::Attempt& a) {
      metrics_.attempts.with({item.sink, "failed"}).inc();
      metrics_.failures.with({item.sink}).inc();
      events_.publish("failed", item.complaint_id);
      if (item.kind == plan::Kind::reply) {
        metrics_.replies.with({"failed"}).inc();
        state_.reply_arrivals.erase(item.id);
      }
      spdlog::error("delivery {} {} to {} given up: {}", item.complaint_id,
                    plan::to_string(item.kind), item.sink, a.error);
    };
    return o;
  }

  void add_gauges() {
    auto per_sink = [this](auto value) {
      return [this, value] {
        std::vector<std::pair<std::string, double>> out;
        for (const auto& h : dispatcher_.health()) out.emplace_back(h.sink, value(h));
        return out;
      };
    };
    metrics_.add_gauges({
        .outbox_depth = [this] { return static_cast<double>(store_->outbox_depth()); },
        .delivery_backlog = [this] { return static_cast<double>(dispatcher_.backlog()); },
        .replies_paused = [this] { return state_.pause ? 1.0 : 0.0; },
        .policy_rules = [this] { return static_cast<double>(state_.policy->rules.size()); },
        .storms_active =
            [this] {
              return state_.storm ? static_cast<double>(state_.storm->storming().size()) : 0.0;
            },
        .cases_failed = [this] { return static_cast<double>(store_->failed_cases()); },
        .handoffs_open =
            [this] {
              std::vector<std::pair<std::string, double>> out;
              for (const auto& [team, n] : store_->open_handoffs_by_team()) {
                out.emplace_back(team, static_cast<double>(n));
              }
              return out;
            },
        .sink_backlog =
            per_sink([](const deliver::SinkHealth& h) { return static_cast<double>(h.backlog); }),
        .sink_backoff_seconds = per_sink([](const deliver::SinkHealth& h) {
          return std::chrono::duration<double>(h.backoff).count();
        }),
        .source_watching = [this] { return sources_.watching(); },
        .policy_fallback = [this] { return state_.policy_fallback ? 1.0 : 0.0; },
    });
  }

  store::ServingLock lock_;  // held while ackd serves the store, released last
  asio::io_context io_{1};
  time::SystemClock clock_{io_};
  config::Config config_;
  std::vector<api::Token> tokens_;
  std::unique_ptr<store::Store> store_;
  metrics::Metrics metrics_;
  api::ServingState state_;
  api::Events events_{io_};
  StoreOutbox outbox_{io_, *store_};
  NoticeGrouping grouping_{state_};
  deliver::Dispatcher dispatcher_;
  api::Services services_;
  source::Sources sources_;
  api::Router router_;
  std::string config_path_;
  store::StoredPolicy serving_files_;  // recorded in the policy history once running
  std::optional<http::Server> server_;
  std::optional<Lifecycle> lifecycle_;
  std::optional<ReportMailer> mailer_;  // with report.mail in ackd.yaml
};

absl::StatusOr<std::unique_ptr<Daemon>> Daemon::create(const std::string& config_path) {
  auto startup = read_startup(config_path);
  if (!startup.ok()) return startup.status();
  const auto state = yaml::resolve_path(startup->config.state, config_path);
  auto lock = store::ServingLock::take(state);
  if (!lock.ok()) return lock.status();
  auto store = store::Store::open({state});
  if (!store.ok()) return store.status();
  if (auto served = fall_back(*startup, (*store)->last_served_policy()); !served.ok()) {
    return served;
  }
  const auto endpoint = startup->endpoint;
  auto impl = std::make_unique<Impl>(std::move(*startup), std::move(*store), std::move(*lock));
  if (auto listening = impl->listen(endpoint); !listening.ok()) return listening;
  return std::unique_ptr<Daemon>(new Daemon(std::move(impl)));
}

Daemon::Daemon(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Daemon::~Daemon() = default;
int Daemon::run() {
  return impl_->run();
}

}  // namespace ackd::daemon
