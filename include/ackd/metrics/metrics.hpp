#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "ackd/metrics/registry.hpp"
#include "ackd/plan/case_plan.hpp"

namespace ackd::metrics {

// Every metric ackd exports is defined here (names, help, labels) and nowhere else.
struct Metrics {
  static inline const std::vector<double> kHandoffBuckets{60,    300,   900,   1800,   3600,  7200,
                                                          14400, 28800, 86400, 172800, 604800};

  Registry registry;
  CounterFamily& complaints = registry.counter(
      "ackd_complaints_total", "Complaints accepted, by channel and rule.", {"channel", "rule"});
  CounterFamily& duplicates =
      registry.counter("ackd_complaints_duplicate_total", "Complaints received again.");
  CounterFamily& rejected =
      registry.counter("ackd_requests_rejected_total", "Requests refused, by reason.", {"reason"});
  CounterFamily& replies =
      registry.counter("ackd_replies_total", "Automatic replies by outcome.", {"outcome"});
  CounterFamily& attempts = registry.counter(
      "ackd_delivery_attempts_total", "Delivery attempts by sink and result.", {"sink", "result"});
  CounterFamily& failures =
      registry.counter("ackd_delivery_failures_total",
                       "Deliveries given up after the last attempt, by sink.", {"sink"});
  CounterFamily& source_requests = registry.counter(
      "ackd_source_requests_total",
      "Requests to each source's endpoint by answer: 200 taken, 401 a bad signature, 400 a "
      "body that is not the platform's, 503 not stored (the platform sends it again).",
      {"source", "status"});
  CounterFamily& source_skipped = registry.counter(
      "ackd_source_events_skipped_total",
      "Platform events verified and not taken as complaints (types ackd does not handle, the "
      "account's own posts), by source.",
      {"source"});
  CounterFamily& source_mails = registry.counter(
      "ackd_source_mails_total",
      "Mails a mailbox source took, by outcome: stored (a complaint), duplicate, bounce "
      "(recorded on its case), refused (left unread), retry (to be taken again later).",
      {"source", "outcome"});
  CounterFamily& storms = registry.counter(
      "ackd_storms_total", "Storm mode edges (safety.storm), by rule.", {"rule", "edge"});
  CounterFamily& notices =
      registry.counter("ackd_notices_sent_total", "Notices delivered to teams, by kind.", {"kind"});
  CounterFamily& reloads =
      registry.counter("ackd_policy_reloads_total", "Policy reloads by result.", {"result"});
  CounterFamily& retention = registry.counter(
      "ackd_retention_cases_total",
      "Cases retention (ackd.yaml retention) erased the personal data of, or deleted.", {"action"});
  CounterFamily& report_mails = registry.counter(
      "ackd_report_mails_total",
      "Weekly report mails (ackd.yaml report.mail) by outcome: sent, retried, failed.",
      {"outcome"});
  HistogramFamily& reply_latency = registry.histogram(
      "ackd_reply_latency_seconds", "From a complaint's arrival to its reply's delivery.",
      {0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60});
  // Wall-clock times, from a minute to a week; the labels are the policy's teams and
  // priorities, a bounded set.
  HistogramFamily& time_to_claim = registry.histogram(
      "ackd_handoff_claim_seconds",
      "From a complaint's arrival to its case being taken over (claimed, or resolved "
      "unclaimed), by team and priority.",
      kHandoffBuckets, {"team", "priority"});
  HistogramFamily& time_to_resolve = registry.histogram(
      "ackd_handoff_resolve_seconds",
      "From a complaint's arrival to its case being resolved, by team and priority.",
      kHandoffBuckets, {"team", "priority"});

  // Counts a newly accepted case from its plan.
  void count_accepted(const plan::CasePlan& plan);

  using Read = std::function<double()>;
  using ReadByName = std::function<std::vector<std::pair<std::string, double>>()>;
  // What the gauges read when /metrics is rendered.
  struct Readers {
    Read outbox_depth, delivery_backlog, replies_paused, policy_rules, storms_active;
    Read cases_failed;
    ReadByName handoffs_open;                       // by team
    ReadByName sink_backlog, sink_backoff_seconds;  // by sink name
    ReadByName source_watching;                     // by source name
    Read policy_fallback;
  };
  void add_gauges(Readers readers);
  void add_refused_connections(Read read);
};

}  // namespace ackd::metrics
