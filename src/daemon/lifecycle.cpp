#include "lifecycle.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>

#include "startup.hpp"

namespace ackd::daemon {

using SteadyClock = std::chrono::steady_clock;

std::shared_ptr<storm::Detector> make_storm_detector(const policy::Policy& p) {
  if (!p.safety.storm) return nullptr;
  return std::make_shared<storm::Detector>(p.safety.storm->threshold, p.safety.storm->within);
}

Lifecycle::Lifecycle(api::Services& services, http::Server& server, std::string config_path,
                     std::function<void()> stop_sources)
    : s_(services),
      server_(server),
      config_path_(std::move(config_path)),
      stop_sources_(std::move(stop_sources)),
      signals_(services.io, SIGINT, SIGTERM, SIGHUP),
      drain_timer_(services.io),
      watchdog_timer_(services.io),
      status_timer_(services.io),
      storm_timer_(services.io),
      prune_timer_(services.io),
      retention_timer_(services.io) {}

void Lifecycle::start() {
  watch_signals();
  spdlog::info("ackd {}", status_line());
  notifier_.ready(status_line());
  ping_watchdog();
  report_status();
  watch_storms();
  prune_fingerprints();
  expire();
}

void Lifecycle::watch_signals() {
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

void Lifecycle::reload() {
  notifier_.reloading();
  auto fresh = load_policy(s_.config, config_path_);
  if (!fresh.policy) {
    s_.metrics.reloads.with({"failure"}).inc();
    spdlog::error("policy reload refused, the old policy keeps serving:\n{}",
                  all_lines(fresh.diagnostics));
    notifier_.ready("policy reload refused (see the log); " + status_line());
    return;
  }
  // Requests already deciding hold the old policy; new ones get this one.
  auto& st = s_.state;
  st.policy = std::move(fresh.policy);
  if (st.policy_fallback) {
    spdlog::warn("the policy on disk loads again: the last version that served is replaced");
    st.policy_fallback.reset();
  }
  record_served(s_.store, std::move(fresh.files), store::Served::reload, s_.now());
  st.storm = make_storm_detector(*st.policy);  // counts start again under the new thresholds
  s_.metrics.reloads.with({"success"}).inc();
  spdlog::info("policy reloaded: version {}, {} rules", st.policy->version,
               st.policy->rules.size());
  notifier_.ready(status_line());
}

std::string Lifecycle::status_line() const {
  const auto& st = s_.state;
  const auto at = server_.local_endpoint();
  return "serving on " + at.address().to_string() + ":" + std::to_string(at.port()) + ", policy " +
         st.policy->version + " (" + std::to_string(st.policy->rules.size()) + " rules), mode " +
         (s_.config.mode == config::Mode::shadow ? "shadow" : "live") +
         (st.pause ? "; REPLIES PAUSED by " + st.pause->by : "") +
         (st.policy_fallback ? "; POLICY ON DISK DOES NOT LOAD, serving the last that served"
                             : "") +
         "; " + std::to_string(st.accepted) + " complaints accepted, " +
         std::to_string(s_.store.outbox_depth()) + " deliveries owed, " +
         std::to_string(s_.store.open_handoffs()) + " handoffs open";
}

// Pinged from the io thread: if the event loop is stuck, the pings stop and systemd
// restarts the service (WatchdogSec=).
void Lifecycle::ping_watchdog() {
  const auto interval = notifier_.watchdog_interval();
  if (!interval) return;
  notifier_.watchdog();
  watchdog_timer_.expires_after(*interval);
  watchdog_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) ping_watchdog();
  });
}

void Lifecycle::report_status() {
  if (!notifier_.enabled() || s_.state.stopping) return;
  status_timer_.expires_after(std::chrono::seconds(5));
  status_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || s_.state.stopping) return;
    notifier_.status(status_line());
    report_status();
  });
}

// Storms end by themselves: once a second the windows are moved on, and both edges are
// logged and counted here.
void Lifecycle::watch_storms() {
  storm_timer_.expires_after(std::chrono::seconds(1));
  storm_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || s_.state.stopping) return;
    if (const auto& storm = s_.state.storm) {
      const auto& policy = *s_.state.policy;
      storm->expire(s_.now());
      for (const auto& e : storm->take_events()) {
        s_.metrics.storms.with({e.rule, e.started ? "started" : "ended"}).inc();
        if (e.started) {
          spdlog::warn("storm mode on for rule {}: {} complaints within {}; public replies {}",
                       e.rule, e.count, time::format_duration(policy.safety.storm->within),
                       policy.safety.storm->template_index ? "use the storm template" : "stop");
        } else {
          spdlog::warn("storm mode off for rule {}: {} complaints in the window", e.rule, e.count);
        }
      }
    }
    watch_storms();
  });
}

// The echo guard looks back 24 hours; older fingerprints are dropped hourly.
void Lifecycle::prune_fingerprints() {
  s_.store.prune_reply_fingerprints(s_.now() - std::chrono::hours(24));
  prune_timer_.expires_after(std::chrono::hours(1));
  prune_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec && !s_.state.stopping) prune_fingerprints();
  });
}

// Retention in small batches, each when the writer is otherwise idle, in a transaction of
// its own that gives way to a complaint between two cases. A backlog (retention just turned
// on, or shortened) takes at most a fifth of the writer's time (bench/README.md has what
// each step did to ingest). Once caught up, a look every minute.
void Lifecycle::expire() {
  const auto& retention = s_.config.retention;
  if (!retention.personal_data && !retention.cases) return;
  constexpr std::size_t kBatch = 25;
  const auto now = s_.now();
  store::ExpireBefore before;
  if (retention.personal_data) before.personal_data = now - *retention.personal_data;
  if (retention.cases) before.cases = now - *retention.cases;
  const auto started = SteadyClock::now();
  s_.store.expire(before, kBatch, now, [this, started](absl::StatusOr<store::Expired> expired) {
    boost::asio::post(s_.io, [this, started, expired = std::move(expired)] {
      if (s_.state.stopping) return;
      auto wait = std::chrono::milliseconds(60'000);
      if (!expired.ok()) {
        spdlog::error("retention: {}", std::string(expired.status().message()));
      } else {
        s_.metrics.retention.with({"erased"}).inc(static_cast<double>(expired->erased));
        s_.metrics.retention.with({"deleted"}).inc(static_cast<double>(expired->deleted));
        expired_.erased += expired->erased;
        expired_.deleted += expired->deleted;
        if (expired->more) {
          const auto took =
              std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - started);
          wait =
              std::clamp(4 * took, std::chrono::milliseconds(20), std::chrono::milliseconds(5000));
        } else if (expired_.erased + expired_.deleted > 0) {
          // One line for a whole backlog, however many batches it took.
          spdlog::info("retention: erased the personal data of {} cases, deleted {} cases",
                       expired_.erased, expired_.deleted);
          expired_ = {};
        }
      }
      retention_timer_.expires_after(wait);
      retention_timer_.async_wait([this](boost::system::error_code ec) {
        if (!ec && !s_.state.stopping) expire();
      });
    });
  });
}

void Lifecycle::shutdown() {
  if (s_.state.stopping) return;
  s_.state.stopping = true;
  spdlog::info("stopping: no new requests, finishing what is in flight");
  notifier_.stopping("stopping: finishing the requests and deliveries in flight");
  status_timer_.cancel();
  storm_timer_.cancel();
  prune_timer_.cancel();
  retention_timer_.cancel();
  server_.stop();
  if (stop_sources_) stop_sources_();
  signals_.cancel();
  drain(SteadyClock::now() + std::chrono::seconds(10));
}

// Waits for requests in flight to be answered and complaints taken to be stored, then for
// deliveries under way.
void Lifecycle::drain(SteadyClock::time_point give_up) {
  if ((server_.active_sessions() > 0 || s_.state.pending > 0) && SteadyClock::now() < give_up) {
    drain_timer_.expires_after(std::chrono::milliseconds(20));
    drain_timer_.async_wait([this, give_up](boost::system::error_code) { drain(give_up); });
    return;
  }
  s_.dispatcher.shutdown(std::chrono::seconds(5), [this] {
    watchdog_timer_.cancel();
    s_.io.stop();
  });
}

}  // namespace ackd::daemon
