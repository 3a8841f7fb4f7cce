#pragma once

#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <string>

#include "ackd/api/services.hpp"
#include "ackd/http/server.hpp"
#include "ackd/service/systemd.hpp"

namespace ackd::daemon {

// What happens around the requests: signals (SIGHUP reloads the policy, SIGTERM and SIGINT
// drain and stop), the systemd watchdog and status line, and the periodic jobs (storm
// windows, old reply fingerprints, retention). Everything on the io thread.
class Lifecycle {
 public:
  // `stop_sources`: at the drain, the sources that read from elsewhere stop taking more.
  Lifecycle(api::Services& services, http::Server& server, std::string config_path,
            std::function<void()> stop_sources);

  // Starts the signal watch, the watchdog, the status reports and the periodic jobs, and
  // tells systemd ackd is ready.
  void start();
  std::string status_line() const;

 private:
  void watch_signals();
  void reload();
  void ping_watchdog();
  void report_status();
  void watch_storms();
  void prune_fingerprints();
  void expire();
  void shutdown();
  void drain(std::chrono::steady_clock::time_point give_up);

  api::Services& s_;
  http::Server& server_;
  std::string config_path_;
  std::function<void()> stop_sources_;
  service::Notifier notifier_;
  boost::asio::signal_set signals_;
  boost::asio::steady_timer drain_timer_;
  boost::asio::steady_timer watchdog_timer_;
  boost::asio::steady_timer status_timer_;
  boost::asio::steady_timer storm_timer_;
  boost::asio::steady_timer prune_timer_;
  boost::asio::steady_timer retention_timer_;
  store::Expired expired_;  // by the batches since retention last caught up
};

// A detector for the policy's safety.storm; null without one.
std::shared_ptr<storm::Detector> make_storm_detector(const policy::Policy& policy);

}  // namespace ackd::daemon
