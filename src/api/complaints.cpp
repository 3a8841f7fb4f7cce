// POST /v1/complaints: validate, plan in the store's transaction, answer 202 once durable.

#include <spdlog/spdlog.h>

#include "ackd/api/api.hpp"
#include "ackd/log/log.hpp"
#include "ackd/plan/case_plan.hpp"
#include "ackd/text/normalize.hpp"
#include "answer.hpp"
#include "case_id.hpp"

namespace ackd::api {
namespace {

using SteadyClock = std::chrono::steady_clock;

// A complaint past the overload limits gets 503 at once: the client retries later, rather
// than every client waiting on a backlog.
std::optional<std::string> overloaded(const Services& s) {
  if (s.state.pending >= s.config.overload.max_pending) {
    return std::to_string(s.state.pending) +
           " complaints are waiting to be stored (overload.max_pending)";
  }
  if (const auto backlog = s.dispatcher.backlog(); backlog >= s.config.overload.max_backlog) {
    return std::to_string(backlog) + " deliveries are due and not yet made (overload.max_backlog)";
  }
  return std::nullopt;
}

plan::Mode mode_for(const config::Config& config, const Complaint& c) {
  plan::Mode mode;
  if (auto route = config.channels.find(c.channel); route != config.channels.end()) {
    mode.reply_sink = route->second.reply_sink;
  }
  mode.shadow = config.mode == config::Mode::shadow;
  mode.drop_while_paused = config.paused_replies == config::PausedReplies::suppress;
  return mode;
}

void accepted(Services& s, const http::Request& req, const http::Respond& respond,
              const Complaint& c, SteadyClock::time_point arrived,
              absl::StatusOr<store::IngestResult> result) {
  --s.state.pending;
  if (!result.ok()) {
    s.state.store_healthy = false;
    s.metrics.rejected.with({"store_unavailable"}).inc();
    spdlog::error("complaint {}/{} not stored: {}", c.channel, c.external_id,
                  std::string(result.status().message()));
    return respond(unavailable(req, s, "store_unavailable",
                               "the complaint could not be stored durably; retry later"));
  }
  s.state.store_healthy = true;
  if (result->duplicate) {
    s.metrics.duplicates.with({}).inc();
    return respond(http::json_response(req, bhttp::status::ok, result->response.dump()));
  }
  auto& planned = *result->plan;
  ++s.state.accepted;
  s.metrics.count_accepted(planned);
  const auto& rule = planned.decision.rule_id;
  const auto reply = policy::to_string(planned.decision.reply_status);
  const std::string team = planned.handoff ? planned.handoff->team : "-";
  log::Fields fields{{"COMPLAINT_ID", result->id},
                     {"CHANNEL", c.channel},
                     {"RULE", rule},
                     {"REPLY", std::string(reply)},
                     {"TEAM", team}};
  spdlog::info("complaint {} channel={} rule={} reply={} team={}", result->id, c.channel, rule,
               reply, team);
  for (const auto& item : planned.outbox) {
    if (item.kind == plan::Kind::reply) s.state.reply_arrivals[item.id] = arrived;
  }
  respond(http::json_response(req, bhttp::status::accepted, result->response.dump()));
  std::erase_if(planned.outbox, [](const plan::OutboxItem& item) { return item.held; });
  s.deliver(std::move(planned.outbox));
}

void ingest(Services& s, http::Request&& req, const http::Respond& respond) {
  const auto arrived = SteadyClock::now();
  if (auto reason = overloaded(s)) {
    s.metrics.rejected.with({"overloaded"}).inc();
    return respond(unavailable(req, s, "overloaded", *reason + "; retry later"));
  }
  auto parsed = parse_complaint(req.body());
  if (!parsed.ok()) {
    s.metrics.rejected.with({"invalid"}).inc();
    return respond(http::error_response(req, bhttp::status::bad_request, "invalid_complaint",
                                        std::string(parsed.status().message())));
  }
  auto complaint = std::make_shared<const Complaint>(std::move(*parsed));
  const auto now = s.now();
  // The pause is the store's, read in the transaction: one switched on a moment ago
  // already holds this complaint's reply. The storm count is taken back if the
  // transaction does not commit.
  store::Planner planner(
      [policy = s.state.policy, complaint, mode = mode_for(s.config, *complaint),
       storm = s.state.storm,
       now](const AuthorHistory& history, const std::optional<store::Pause>& pause) {
        return plan::plan_case(*policy, *complaint, history, now, pause, mode, storm.get(),
                               new_case_id());
      },
      [storm = s.state.storm](const plan::StormCount& count) {
        if (storm) storm->forget(count.rule, count.at, count.started);
      });
  auto request = std::make_shared<http::Request>(std::move(req));
  ++s.state.pending;
  s.store.ingest(
      complaint->channel, complaint->external_id, complaint->author.id, now, std::move(planner),
      [&s, request, respond, complaint, arrived](absl::StatusOr<store::IngestResult> r) {
        boost::asio::post(s.io,
                          [&s, request, respond, complaint, arrived, r = std::move(r)]() mutable {
                            accepted(s, *request, respond, *complaint, arrived, std::move(r));
                          });
      },
      store::Store::LoopKeys{complaint->thread_id, text::fingerprint(complaint->text)});
}

}  // namespace

void add_complaint_routes(Router& router, Services& services) {
  router.add(bhttp::verb::post, "/v1/complaints",
             [&services](http::Request&& req, const Params&, const http::Respond& respond) {
               ingest(services, std::move(req), respond);
             });
}

}  // namespace ackd::api
