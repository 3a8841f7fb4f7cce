// POST /v1/complaints: validate, plan in the store's transaction, answer 202 once durable.

#include <spdlog/spdlog.h>

#include <set>

#include "ackd/api/api.hpp"
#include "ackd/log/log.hpp"
#include "ackd/plan/case_plan.hpp"
#include "ackd/text/normalize.hpp"
#include "answer.hpp"
#include "case_id.hpp"

namespace ackd::api {
namespace {

using SteadyClock = std::chrono::steady_clock;
using IntakeDone = std::function<void(source::IntakeAnswer)>;

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

// A channel nobody configured would get no reply and no reply sink: refused, naming those
// the policy and ackd.yaml know.
std::optional<std::string> unknown_channel(const Services& s, const std::string& channel) {
  const auto& policy_channels = s.state.policy->channels;
  if (policy_channels.contains(channel) || s.config.channels.contains(channel)) {
    return std::nullopt;
  }
  std::set<std::string> known;
  for (const auto& [name, limit] : policy_channels) known.insert(name);
  for (const auto& [name, route] : s.config.channels) known.insert(name);
  std::string list;
  for (const auto& name : known) list += (list.empty() ? "" : ", ") + name;
  return "channel: unknown channel '" + channel + "' (known: " + (list.empty() ? "none" : list) +
         ")";
}

// Clocks disagree a little; a complaint from further in the future has a broken time.
constexpr time::Seconds kFutureSkew{5 * 60};

std::optional<std::string> from_the_future(const Complaint& c, time::Instant now) {
  if (!c.received_at || *c.received_at <= now + kFutureSkew) return std::nullopt;
  return "received_at: " + time::format_rfc3339_utc(*c.received_at) +
         " is in the future (ackd's clock says " + time::format_rfc3339_utc(now) + ")";
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

// The intake's refusals, as POST /v1/complaints gives them and sources pass them on.
source::IntakeAnswer refusal(unsigned status, std::string_view code, std::string_view message) {
  return {status, http::error_body(code, message)};
}

void accepted(Services& s, const Complaint& c, SteadyClock::time_point arrived,
              absl::StatusOr<store::IngestResult> result, const IntakeDone& done) {
  --s.state.pending;
  if (!result.ok()) {
    s.state.store_healthy = false;
    s.metrics.rejected.with({"store_unavailable"}).inc();
    spdlog::error("complaint {}/{} not stored: {}", c.channel, c.external_id,
                  std::string(result.status().message()));
    return done(refusal(503, "store_unavailable",
                        "the complaint could not be stored durably; retry later"));
  }
  s.state.store_healthy = true;
  if (result->duplicate) {
    s.metrics.duplicates.with({}).inc();
    return done({200, result->response.dump()});
  }
  auto& planned = *result->plan;
  ++s.state.accepted;
  s.metrics.count_accepted(planned);
  const auto& rule = planned.decision.rule_id;
  const auto reply = plan::reply_outcome(planned);
  const std::string team = planned.handoff ? planned.handoff->team : "-";
  log::Fields fields{{"COMPLAINT_ID", result->id},
                     {"CHANNEL", c.channel},
                     {"RULE", rule},
                     {"REPLY", std::string(reply)},
                     {"TEAM", team}};
  spdlog::info("complaint {} channel={} rule={} reply={} team={}", result->id, c.channel, rule,
               reply, team);
  for (const auto& item : planned.outbox) {
    // A held reply is sent at the resume, if ever: its wait is not a latency.
    if (item.kind == plan::Kind::reply && !item.held) s.state.reply_arrivals[item.id] = arrived;
  }
  done({202, result->response.dump()});
  s.events.publish("accepted", result->id);
  if (planned.storm_count && planned.storm_count->started) {
    s.events.publish(nlohmann::json{{"type", "storm"}, {"rule", rule}});
  }
  std::erase_if(planned.outbox, [](const plan::OutboxItem& item) { return item.held; });
  s.deliver(std::move(planned.outbox));
}

void take_in(Services& s, Complaint parsed, SteadyClock::time_point arrived, IntakeDone done) {
  const auto now = s.now();
  auto invalid = unknown_channel(s, parsed.channel);
  if (!invalid) invalid = from_the_future(parsed, now);
  if (invalid) {
    s.metrics.rejected.with({"invalid"}).inc();
    return done(refusal(400, "invalid_complaint", *invalid));
  }
  if (auto reason = overloaded(s)) {
    s.metrics.rejected.with({"overloaded"}).inc();
    return done(refusal(503, "overloaded", *reason + "; retry later"));
  }
  auto complaint = std::make_shared<const Complaint>(std::move(parsed));
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
  ++s.state.pending;
  s.store.ingest(
      complaint->channel, complaint->external_id, complaint->author.id, now, std::move(planner),
      [&s, complaint, arrived, done = std::move(done)](absl::StatusOr<store::IngestResult> r) {
        boost::asio::post(s.io, [&s, complaint, arrived, done, r = std::move(r)]() mutable {
          accepted(s, *complaint, arrived, std::move(r), done);
        });
      },
      store::Store::LoopKeys{complaint->thread_id, text::fingerprint(complaint->text)});
}

void ingest(Services& s, http::Request&& req, const http::Respond& respond) {
  const auto arrived = SteadyClock::now();
  auto parsed = parse_complaint(req.body());
  if (!parsed.ok()) {
    s.metrics.rejected.with({"invalid"}).inc();
    return respond(http::error_response(req, bhttp::status::bad_request, "invalid_complaint",
                                        std::string(parsed.status().message())));
  }
  take_in(
      s, std::move(*parsed), arrived,
      [&s, version = req.version(), keep_alive = req.keep_alive(),
       respond](source::IntakeAnswer answer) {
        auto res = http::json_response(
            version, keep_alive, static_cast<bhttp::status>(answer.status), std::move(answer.body));
        // A refusal for now (overloaded, the store failing): the client retries later.
        if (answer.status == 503) {
          res.set(bhttp::field::retry_after, std::to_string(s.config.overload.retry_after.count()));
        }
        respond(std::move(res));
      });
}

}  // namespace

source::Intake intake(Services& services) {
  return [&services](Complaint complaint, IntakeDone done) {
    take_in(services, std::move(complaint), SteadyClock::now(), std::move(done));
  };
}

void add_complaint_routes(Router& router, Services& services) {
  router.add(
      bhttp::verb::post, "/v1/complaints",
      [&services](http::Request&& req, const Params&, const http::Respond& respond) {
        ingest(services, std::move(req), respond);
      },
      needs(Scope::ingest));
}

}  // namespace ackd::api
