// A case after acceptance: its timeline, the handoff queue, claim, unclaim and resolve.

#include <spdlog/spdlog.h>

#include "ackd/api/api.hpp"
#include "answer.hpp"
#include "case_json.hpp"

namespace ackd::api {
namespace {

using nlohmann::json;

// {"agent": "...", "note": "...", "force": true}: the agent who claims, unclaims or resolves,
// or a 400 answered.
struct AgentAction {
  std::string agent;
  std::string note;
  bool force = false;  // resolve a case another agent holds
};
std::optional<AgentAction> agent_action(const http::Request& req, const http::Respond& respond) {
  auto body = object_body(req, respond);
  if (!body) return std::nullopt;
  auto agent = string_field(*body, "agent", true, req, respond);
  if (!agent) return std::nullopt;
  auto note = string_field(*body, "note", false, req, respond, "must be a string");
  if (!note) return std::nullopt;
  AgentAction action{std::move(*agent), std::move(*note)};
  if (auto force = body->find("force"); force != body->end()) {
    if (!force->is_boolean()) {
      invalid_body(req, respond, "force: must be true or false");
      return std::nullopt;
    }
    action.force = force->get<bool>();
  }
  return action;
}

http::Response conflict(const http::Request& req, std::string message) {
  return http::error_response(req, bhttp::status::conflict, "conflict", message);
}

http::Response no_complaint(const http::Request& req, const std::string& id) {
  return http::error_response(req, bhttp::status::not_found, "not_found", "no complaint " + id);
}

void timeline(Services& s, const http::Request& req, const std::string& id,
              const http::Respond& respond) {
  from_store<store::CaseView>(
      s, req, respond, [&s, id](auto done) { s.store.timeline(id, std::move(done)); },
      [](const http::Request& rq, const http::Respond& rs, const store::CaseView& view) {
        rs(http::json_response(rq, bhttp::status::ok, case_json(view).dump()));
      });
}

void handoffs(Services& s, const http::Request& req, const Params& params,
              const http::Respond& respond) {
  auto state = params.query_value("state", "open");
  if (state != "open" && state != "claimed" && state != "breached" && state != "resolved") {
    return respond(http::error_response(req, bhttp::status::bad_request, "invalid_state",
                                        "state: must be open, claimed, breached or resolved"));
  }
  from_store<std::vector<store::HandoffRow>>(
      s, req, respond,
      [&s, state](auto done) { s.store.handoffs(state, s.now(), std::move(done)); },
      [](const http::Request& rq, const http::Respond& rs,
         const std::vector<store::HandoffRow>& rows) {
        rs(http::json_response(rq, bhttp::status::ok, handoffs_json(rows).dump()));
      });
}

void claim(Services& s, const http::Request& req, const std::string& id,
           const http::Respond& respond) {
  auto action = agent_action(req, respond);
  if (!action) return;
  from_store<store::ClaimResult>(
      s, req, respond,
      [&s, id, agent = action->agent](auto done) {
        s.store.claim(id, agent, s.now(), std::move(done));
      },
      [&s, id](const http::Request& rq, const http::Respond& rs, store::ClaimResult r) {
        s.dispatcher.cancel(r.cancelled);
        using O = store::ClaimOutcome;
        if (r.outcome == O::not_found) return rs(no_complaint(rq, id));
        if (r.outcome == O::resolved) return rs(conflict(rq, "the case is already resolved"));
        if (r.outcome == O::held_by_other) {
          return rs(conflict(rq, "the case is held by " + r.agent));
        }
        spdlog::info("complaint {} claimed by {}", id, r.agent);
        rs(http::json_response(rq, bhttp::status::ok,
                               json{{"id", id}, {"state", "claimed"}, {"agent", r.agent}}.dump()));
      });
}

void unclaim(Services& s, const http::Request& req, const std::string& id,
             const http::Respond& respond) {
  auto action = agent_action(req, respond);
  if (!action) return;
  from_store<store::UnclaimResult>(
      s, req, respond,
      [&s, id, agent = action->agent](auto done) {
        s.store.unclaim(id, agent, s.now(), std::move(done));
      },
      [id](const http::Request& rq, const http::Respond& rs, store::UnclaimResult r) {
        using O = store::UnclaimOutcome;
        switch (r.outcome) {
          case O::not_found:
            return rs(no_complaint(rq, id));
          case O::resolved:
            return rs(conflict(rq, "the case is already resolved"));
          case O::not_claimed:
            return rs(conflict(rq, "the case is not claimed"));
          case O::held_by_other:
            return rs(
                conflict(rq, "the case is held by " + r.agent + "; only they can release it"));
          case O::released:
            break;
        }
        spdlog::info("complaint {} released by {}", id, r.agent);
        rs(http::json_response(rq, bhttp::status::ok,
                               json{{"id", id}, {"state", "open"}, {"agent", nullptr}}.dump()));
      });
}

void resolve(Services& s, const http::Request& req, const std::string& id,
             const http::Respond& respond) {
  auto action = agent_action(req, respond);
  if (!action) return;
  from_store<store::ResolveResult>(
      s, req, respond,
      [&s, id, action = std::move(*action)](auto done) {
        s.store.resolve(id, action.agent, action.note, action.force, s.now(), std::move(done));
      },
      [&s, id](const http::Request& rq, const http::Respond& rs, store::ResolveResult r) {
        s.dispatcher.cancel(r.cancelled);
        if (r.outcome == store::ResolveOutcome::not_found) return rs(no_complaint(rq, id));
        if (r.outcome == store::ResolveOutcome::held_by_other) {
          return rs(conflict(rq, "the case is held by " + r.agent +
                                     "; resolve with \"force\": true to close it anyway"));
        }
        json out = {{"id", id}, {"state", "resolved"}, {"followup", nullptr}};
        if (r.followup) {
          out["followup"] = time::format_rfc3339_utc(r.followup->due_at);
          s.deliver({*r.followup});
        }
        spdlog::info("complaint {} resolved", id);
        rs(http::json_response(rq, bhttp::status::ok, out.dump()));
      });
}

}  // namespace

void add_case_routes(Router& router, Services& s) {
  router.add(bhttp::verb::get, "/v1/complaints/{id}",
             [&s](http::Request&& req, const Params& p, const http::Respond& respond) {
               timeline(s, req, p["id"], respond);
             });
  router.add(bhttp::verb::post, "/v1/complaints/{id}/claim",
             [&s](http::Request&& req, const Params& p, const http::Respond& respond) {
               claim(s, req, p["id"], respond);
             });
  router.add(bhttp::verb::post, "/v1/complaints/{id}/unclaim",
             [&s](http::Request&& req, const Params& p, const http::Respond& respond) {
               unclaim(s, req, p["id"], respond);
             });
  router.add(bhttp::verb::post, "/v1/complaints/{id}/resolve",
             [&s](http::Request&& req, const Params& p, const http::Respond& respond) {
               resolve(s, req, p["id"], respond);
             });
  router.add(bhttp::verb::get, "/v1/handoffs",
             [&s](http::Request&& req, const Params& p, const http::Respond& respond) {
               handoffs(s, req, p, respond);
             });
}

}  // namespace ackd::api
