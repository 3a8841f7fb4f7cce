#pragma once

#include <boost/asio/steady_timer.hpp>
#include <optional>

#include "ackd/api/services.hpp"
#include "ackd/config/config.hpp"
#include "ackd/deliver/sink.hpp"

namespace ackd::daemon {

// The weekly report mail (ackd.yaml `report.mail`): at its time, the seven days before its
// day, computed on the store's reader as GET /v1/reports computes them (never in the
// writer's way), mailed through the sink it names with the page attached. Each due time
// goes once, whatever restarts come between (the store records it); one missed while ackd
// was down goes at the start, if less than a day late. A failed attempt is tried again,
// less often each time, until the day is over. Everything on the io thread.
class ReportMailer {
 public:
  ReportMailer(api::Services& services, config::ReportMail settings, deliver::SinkOrError sink);

  void start();
  void stop();

 private:
  void check();
  void wait_until(time::Instant at);
  void mail(time::Instant due, int attempt);
  void send(time::Instant due, int attempt, const report::Report& report);
  void done(time::Instant due, bool sent, const std::string& error);

  api::Services& s_;
  config::ReportMail settings_;
  deliver::SinkOrError sink_;
  boost::asio::steady_timer timer_;
  std::optional<time::Instant> last_mailed_;
  bool stopped_ = false;
};

}  // namespace ackd::daemon
