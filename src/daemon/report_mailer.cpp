#include "report_mailer.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>

#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "ackd/report/schedule.hpp"
#include "ackd/time/instant.hpp"

namespace ackd::daemon {
namespace {

// A report more than this late (ackd was down at its time) waits for the next week's.
constexpr time::Seconds kCatchUp{24 * 3600};
// The timer wakes at least this often: the wall clock may be set while it waits.
constexpr std::chrono::seconds kLongestWait{3600};

std::string date_in(time::Instant t, const time::Zone& zone) {
  return absl::FormatTime("%Y-%m-%d", time::to_absl(t), zone.absl_zone());
}

}  // namespace

ReportMailer::ReportMailer(api::Services& services, config::ReportMail settings,
                           deliver::SinkOrError sink)
    : s_(services), settings_(std::move(settings)), sink_(std::move(sink)), timer_(services.io) {
  if (auto* error = std::get_if<std::string>(&sink_)) {
    spdlog::error("report.mail: sink '{}' cannot be used: {}", settings_.sink, *error);
  }
}

void ReportMailer::start() {
  s_.store.last_report_mailing([this](absl::StatusOr<std::optional<time::Instant>> last) {
    boost::asio::post(s_.io, [this, last = std::move(last)] {
      if (stopped_) return;
      if (!last.ok()) {
        spdlog::error("report.mail: {}", std::string(last.status().message()));
        return wait_until(s_.now() + time::Seconds(60));
      }
      last_mailed_ = *last;
      check();
    });
  });
}

void ReportMailer::stop() {
  stopped_ = true;
  timer_.cancel();
  if (auto* sink = std::get_if<std::unique_ptr<deliver::Sink>>(&sink_)) (*sink)->abort();
}

// Mails the report due last, unless it went already or is too late; else waits for the next.
void ReportMailer::check() {
  const auto now = s_.now();
  const auto& zone = s_.state.policy->timezone;
  const auto due = report::last_due(settings_.when, zone, now);
  if ((!last_mailed_ || *last_mailed_ < due) && now - due < kCatchUp) return mail(due, 1);
  wait_until(report::next_due(settings_.when, zone, now));
}

void ReportMailer::wait_until(time::Instant at) {
  const auto wait =
      std::clamp<std::chrono::seconds>(at - s_.now(), std::chrono::seconds(1), kLongestWait);
  timer_.expires_after(wait);
  timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec && !stopped_) check();
  });
}

void ReportMailer::mail(time::Instant due, int attempt) {
  const auto policy = s_.state.policy;
  const auto period = report::week_before(due, policy->timezone);
  auto builder =
      std::make_shared<report::Builder>(period.from, period.to, settings_.by,
                                        report::calendars_of(policy), policy->timezone, s_.now());
  s_.store.report(period.from, period.to, builder,
                  [this, due, attempt](absl::StatusOr<report::Report> report) {
                    boost::asio::post(s_.io, [this, due, attempt, report = std::move(report)] {
                      if (stopped_) return;
                      if (!report.ok()) {
                        return done(due, false, std::string(report.status().message()));
                      }
                      send(due, attempt, *report);
                    });
                  });
}

void ReportMailer::send(time::Instant due, int attempt, const report::Report& report) {
  auto* sink = std::get_if<std::unique_ptr<deliver::Sink>>(&sink_);
  if (!sink) return done(due, false, std::get<std::string>(sink_));
  const auto lang = settings_.lang.empty() ? s_.state.policy->default_lang : settings_.lang;
  const auto first = date_in(report.from, report.zone);
  const auto last = date_in(report.to - time::Seconds(1), report.zone);
  deliver::ReportMail out;
  out.to = settings_.to;
  out.key = "report." + date_in(due, report.zone);
  out.html_filename = "ackd-report-" + first + ".html";
  if (lang == "ja") {
    out.subject = "ackd 週次レポート " + first + "〜" + last;
    out.text = first + "〜" + last + "(" + report.zone.name() +
               ")の数字です。グラフと話題は添付の " + out.html_filename +
               " をブラウザで開いてご覧ください。\n\n";
  } else {
    out.subject = "ackd weekly report, " + first + " to " + last;
    out.text = "The figures of " + first + " to " + last + " (" + report.zone.name() +
               "). The charts and topics are in the attached " + out.html_filename +
               ": open it in a browser.\n\n";
  }
  out.text += report::to_table(report);
  out.html = report::to_html(report, lang);
  (*sink)->send_report(out, [this, due, attempt](deliver::Attempt outcome) {
    if (stopped_) return;
    if (outcome.delivered) return done(due, true, "");
    // Again in 1, 2, 4 ... minutes, at most an hour apart, until the day is over.
    const auto again =
        s_.now() + std::min(time::Seconds(60 << std::min(attempt - 1, 6)), time::Seconds(3600));
    if (!outcome.retryable || again - due >= kCatchUp) return done(due, false, outcome.error);
    s_.metrics.report_mails.with({"retried"}).inc();
    spdlog::warn("report.mail: the report due {} not mailed (attempt {}): {}; again at {}",
                 time::format_rfc3339_utc(due), attempt, outcome.error,
                 time::format_rfc3339_utc(again));
    timer_.expires_after(again - s_.now());
    timer_.async_wait([this, due, attempt](boost::system::error_code ec) {
      if (!ec && !stopped_) mail(due, attempt + 1);
    });
  });
}

// Recorded either way, so that a restart neither mails it again nor tries it forever.
void ReportMailer::done(time::Instant due, bool sent, const std::string& error) {
  s_.metrics.report_mails.with({sent ? "sent" : "failed"}).inc();
  if (sent) {
    spdlog::info("report.mail: the report due {} mailed to {}", time::format_rfc3339_utc(due),
                 absl::StrJoin(settings_.to, ", "));
  } else {
    spdlog::error("report.mail: the report due {} not mailed: {}", time::format_rfc3339_utc(due),
                  error);
  }
  last_mailed_ = due;
  s_.store.report_mailed(due, sent, s_.now(), error, [](const absl::Status& recorded) {
    if (!recorded.ok()) spdlog::error("report.mail: not recorded: {}", recorded.ToString());
  });
  boost::asio::post(s_.io, [this] {
    if (!stopped_) check();
  });
}

}  // namespace ackd::daemon
