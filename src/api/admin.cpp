// The kill switch: POST /v1/admin/pause and /v1/admin/resume, and GET /v1/admin/pause.

#include <spdlog/spdlog.h>

#include "ackd/api/api.hpp"
#include "answer.hpp"

namespace ackd::api {
namespace {

// A held reply whose promise has passed is decided again with the policy in force.
store::ReplyRefresher refresher(const Services& s) {
  return [policy = s.state.policy](const std::string& stored, const store::OutboxItem& held,
                                   time::Instant now) -> plan::ReplyRefresh {
    auto complaint = parse_complaint(stored);
    if (!complaint.ok()) {
      return {std::nullopt, "the stored complaint could not be read: " +
                                std::string(complaint.status().message())};
    }
    return plan::refresh_reply(*policy, *complaint, held, now);
  };
}

void set_pause(Services& s, const http::Request& req, bool pause, const http::Respond& respond) {
  std::optional<store::Pause> wanted;
  if (pause) {
    auto body = object_body(req, respond);
    if (!body) return;
    auto by = string_field(*body, "by", true, req, respond,
                           "must be a non-empty string (who pauses the replies)");
    if (!by) return;
    auto reason = string_field(*body, "reason", false, req, respond, "must be a string");
    if (!reason) return;
    wanted = store::Pause{std::move(*by), std::move(*reason), s.now()};
  }
  const auto on_resume = s.config.paused_replies == config::PausedReplies::hold
                             ? store::HeldReplies::send
                             : store::HeldReplies::drop;
  from_store<store::PauseResult>(
      s, req, respond,
      [&s, wanted, on_resume](auto done) {
        s.store.set_pause(wanted, on_resume, s.now(), std::move(done), refresher(s));
      },
      [&s, pause](const http::Request& rq, const http::Respond& rs, store::PauseResult r) {
        s.dispatcher.cancel(r.held);
        auto& current = s.state.pause;
        const bool changed = current.has_value() != r.pause.has_value();
        current = r.pause;
        if (changed) s.events.publish(nlohmann::json{{"type", pause ? "paused" : "resumed"}});
        nlohmann::json body = {{"paused", pause_json(current)}};
        if (pause) {
          body["held"] = r.held.size();
          if (changed) {
            spdlog::warn("replies paused by {} ({}); {} owed replies held", current->by,
                         current->reason, r.held.size());
          }
        } else {
          body["released"] = r.released.size();
          body["dropped"] = r.dropped;
          if (changed) {
            spdlog::warn("replies resumed: {} held replies released, {} dropped", r.released.size(),
                         r.dropped);
          }
          s.deliver(std::move(r.released));
        }
        rs(http::json_response(rq, bhttp::status::ok, body.dump()));
      });
}

}  // namespace

nlohmann::json pause_json(const std::optional<store::Pause>& pause) {
  if (!pause) return false;
  return {{"by", pause->by},
          {"reason", pause->reason},
          {"since", time::format_rfc3339_utc(pause->since)}};
}

void add_admin_routes(Router& router, Services& s, bool has_tokens) {
  // Who paused and why, for the agents and leads (not on /readyz, which anyone may read).
  router.add(
      bhttp::verb::get, "/v1/admin/pause",
      [&s](http::Request&& req, const Params&, const http::Respond& respond) {
        respond(http::json_response(req, bhttp::status::ok,
                                    nlohmann::json{{"paused", pause_json(s.state.pause)}}.dump()));
      },
      needs(Scope::read));
  for (const bool pause : {true, false}) {
    router.add(
        bhttp::verb::post, pause ? "/v1/admin/pause" : "/v1/admin/resume",
        [&s, pause, has_tokens](http::Request&& req, const Params&, const http::Respond& respond) {
          if (refused_anonymous(has_tokens, req, respond)) return;
          set_pause(s, req, pause, respond);
        },
        needs(Scope::admin));
  }
}

}  // namespace ackd::api
