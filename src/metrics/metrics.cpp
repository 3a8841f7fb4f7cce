#include "ackd/metrics/metrics.hpp"

namespace ackd::metrics {

void Metrics::count_accepted(const plan::CasePlan& plan) {
  complaints.with({plan.channel, plan.decision.rule_id}).inc();
  if (plan.decision.reply_status != policy::ReplyStatus::none) {
    replies.with({std::string(plan::reply_outcome(plan))}).inc();
  }
  for (const auto& item : plan.outbox) {
    if (item.held) replies.with({"held"}).inc();
  }
}

void Metrics::add_gauges(Readers r) {
  registry.gauge("ackd_storms_active", "Rules in storm mode now.", std::move(r.storms_active));
  registry.gauge("ackd_outbox_depth", "Deliveries owed and not yet made.",
                 std::move(r.outbox_depth));
  registry.gauge("ackd_cases_failed",
                 "Cases with a delivery given up that nobody has retried or dropped yet.",
                 std::move(r.cases_failed));
  registry.labelled_gauge("ackd_handoffs_open", "Cases handed off and not yet claimed, by team.",
                          "team", std::move(r.handoffs_open));
  registry.gauge("ackd_delivery_backlog", "Deliveries due and not yet made, all sinks together.",
                 std::move(r.delivery_backlog));
  registry.labelled_gauge("ackd_sink_backlog", "Deliveries due to a sink and not yet made.", "sink",
                          std::move(r.sink_backlog));
  registry.labelled_gauge("ackd_sink_backoff_seconds",
                          "The pause between attempts at a failing sink; 0 while it is healthy.",
                          "sink", std::move(r.sink_backoff_seconds));
  registry.labelled_gauge("ackd_source_watching",
                          "1 while a source that reads from elsewhere (a mailbox) is connected "
                          "and watching, 0 while it reconnects.",
                          "source", std::move(r.source_watching));
  registry.gauge("ackd_replies_paused", "1 while the kill switch holds every reply to customers.",
                 std::move(r.replies_paused));
  registry.gauge("ackd_policy_rules", "Rules in the policy in force.", std::move(r.policy_rules));
  // Which version runs where, for dashboards and for an upgrade that did not reach a host.
  registry.labelled_gauge("ackd_build_info", "1, labelled with the version of ackd running.",
                          "version", [] {
                            return std::vector<std::pair<std::string, double>>{{ACKD_VERSION, 1}};
                          });
  registry.gauge("ackd_policy_fallback",
                 "1 while ackd serves the last policy version that served because the policy "
                 "on disk did not load at start.",
                 std::move(r.policy_fallback));
}

void Metrics::add_refused_connections(Read read) {
  registry.read_counter("ackd_http_connections_refused_total",
                        "Connections answered 503 for being over http.max_connections.",
                        std::move(read));
}

}  // namespace ackd::metrics
