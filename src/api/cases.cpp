// A case after acceptance: its timeline, the handoff queue, claim, unclaim and resolve.

#include <spdlog/spdlog.h>

#include "ackd/api/api.hpp"
#include "ackd/text/ascii.hpp"
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

// Times as the team reads them: in its calendar's zone, else the policy's.
ZoneOf team_zones(const Services& s) {
  return [policy = s.state.policy](const std::string& team) -> const time::Zone& {
    const auto* t = policy->team(team);
    if (t && t->calendar) return policy->calendars[*t->calendar].calendar.zone();
    return policy->timezone;
  };
}

void timeline(Services& s, const http::Request& req, const std::string& id,
              const http::Respond& respond) {
  from_store<store::CaseView>(
      s, req, respond, [&s, id](auto done) { s.store.timeline(id, std::move(done)); },
      [&s](const http::Request& rq, const http::Respond& rs, const store::CaseView& view) {
        rs(http::json_response(rq, bhttp::status::ok, case_json(view, team_zones(s)).dump()));
      });
}

// Where a page of GET /v1/handoffs ended: "<deadline, unix seconds>-<case id>".
std::string cursor_of(const store::HandoffRow& row) {
  return std::to_string(row.deadline.time_since_epoch().count()) + "-" + row.id;
}

std::optional<std::pair<time::Instant, std::string>> parse_cursor(const std::string& cursor) {
  const auto dash = cursor.find('-');
  if (dash == 0 || dash == std::string::npos || dash + 1 == cursor.size()) return std::nullopt;
  const auto seconds = text::whole_number<std::int64_t>(std::string_view(cursor).substr(0, dash));
  if (!seconds) return std::nullopt;
  return std::pair{time::Instant(time::Seconds(*seconds)), cursor.substr(dash + 1)};
}

// ?state=open&team=billing&priority=P1&limit=100&cursor=...: a page, soonest deadline
// first; "next_cursor" when there are more.
void handoffs(Services& s, const http::Request& req, const Params& params,
              const http::Respond& respond) {
  auto bad = [&](std::string_view code, const std::string& message) {
    respond(http::error_response(req, bhttp::status::bad_request, code, message));
  };
  store::HandoffQuery query;
  query.state = params.query_value("state", "open");
  if (!store::is_handoff_state(query.state)) {
    return bad("invalid_state",
               "state: must be open, claimed, breached, resolved, failed, active or all");
  }
  for (auto [name, out] : {std::pair{"team", &query.team},
                           {"priority", &query.priority},
                           {"channel", &query.channel},
                           {"author", &query.author}}) {
    if (auto value = params.query_value(name, ""); !value.empty()) *out = std::move(value);
  }
  constexpr std::size_t kMaxLimit = 1000;
  const auto limit =
      text::whole_number<std::size_t>(params.query_value("limit", "100")).value_or(0);
  if (limit == 0 || limit > kMaxLimit) {
    return bad("invalid_query", "limit: must be a whole number from 1 to 1000");
  }
  query.limit = limit + 1;  // one more tells whether there is a next page
  if (auto cursor = params.query_value("cursor", ""); !cursor.empty()) {
    query.after = parse_cursor(cursor);
    if (!query.after) return bad("invalid_query", "cursor: not one that /v1/handoffs gave");
  }
  from_store<std::vector<store::HandoffRow>>(
      s, req, respond,
      [&s, query](auto done) { s.store.handoffs(query, s.now(), std::move(done)); },
      [&s, limit](const http::Request& rq, const http::Respond& rs,
                  std::vector<store::HandoffRow> rows) {
        std::optional<std::string> next;
        if (rows.size() > limit) {
          rows.resize(limit);
          next = cursor_of(rows.back());
        }
        auto body = handoffs_json(rows, team_zones(s));
        if (next) body["next_cursor"] = *next;
        rs(http::json_response(rq, bhttp::status::ok, body.dump()));
      });
}

// Runs `then` on the io thread with what the store answered on its writer thread.
template <class T, class Then>
auto on_io(Services& s, Then then) {
  return on_io_thread<absl::StatusOr<T>>(s, std::move(then));
}

CaseAnswer answer(unsigned status, const json& body) {
  return {status, body.dump()};
}
CaseAnswer error(unsigned status, std::string_view code, const std::string& message) {
  return {status, http::error_body(code, message)};
}
CaseAnswer store_failure(const absl::Status& status) {
  return error(503, "store_unavailable", std::string(status.message()));
}
CaseAnswer conflict(const std::string& message) {
  return error(409, "conflict", message);
}
CaseAnswer no_complaint(const std::string& id) {
  return error(404, "not_found", "no complaint " + id);
}

// Sends the API's answer for a case action back as the request's response.
auto respond_with(const http::Request& req, const http::Respond& respond) {
  return [version = req.version(), keep_alive = req.keep_alive(), respond](CaseAnswer a) {
    respond(http::json_response(version, keep_alive, static_cast<bhttp::status>(a.status),
                                std::move(a.body)));
  };
}

void claim(Services& s, const http::Request& req, const std::string& id,
           const http::Respond& respond) {
  auto action = agent_action(req, respond);
  if (!action) return;
  claim_case(s, id, action->agent, respond_with(req, respond));
}

void unclaim(Services& s, const http::Request& req, const std::string& id,
             const http::Respond& respond) {
  auto action = agent_action(req, respond);
  if (!action) return;
  s.store.unclaim(
      id, action->agent, s.now(),
      on_io<store::UnclaimResult>(s, [&s, id, done = respond_with(req, respond)](
                                         const absl::StatusOr<store::UnclaimResult>& r) {
        if (!r.ok()) return done(store_failure(r.status()));
        using O = store::UnclaimOutcome;
        switch (r->outcome) {
          case O::not_found:
            return done(no_complaint(id));
          case O::resolved:
            return done(conflict("the case is already resolved"));
          case O::not_claimed:
            return done(conflict("the case is not claimed"));
          case O::held_by_other:
            return done(conflict("the case is held by " + r->agent + "; only they can release it"));
          case O::released:
            break;
        }
        spdlog::info("complaint {} released by {}", id, r->agent);
        s.events.publish("released", id);
        done(answer(200, {{"id", id}, {"state", "open"}, {"agent", nullptr}}));
      }));
}

void resolve(Services& s, const http::Request& req, const std::string& id,
             const http::Respond& respond) {
  auto action = agent_action(req, respond);
  if (!action) return;
  resolve_case(s, id, action->agent, action->note, action->force, respond_with(req, respond));
}

// How long the case waited for a person: to be taken over, or resolved.
void observe_taken_over(Services& s, const store::HandoffOf& h, bool resolved, time::Instant now) {
  const auto waited = std::chrono::duration<double>(now - h.received_at).count();
  auto& family = resolved ? s.metrics.time_to_resolve : s.metrics.time_to_claim;
  family.with({h.team, h.priority}).observe(std::max(0.0, waited));
}

}  // namespace

void claim_case(Services& s, const std::string& id, const std::string& agent,
                std::function<void(CaseAnswer)> done) {
  const auto now = s.now();
  s.store.claim(id, agent, now,
                on_io<store::ClaimResult>(s, [&s, id, now, done = std::move(done)](
                                                 const absl::StatusOr<store::ClaimResult>& r) {
                  if (!r.ok()) return done(store_failure(r.status()));
                  s.dispatcher.cancel(r->cancelled);
                  using O = store::ClaimOutcome;
                  if (r->outcome == O::not_found) return done(no_complaint(id));
                  if (r->outcome == O::resolved) {
                    return done(conflict("the case is already resolved"));
                  }
                  if (r->outcome == O::held_by_other) {
                    return done(conflict("the case is held by " + r->agent));
                  }
                  if (r->handoff) observe_taken_over(s, *r->handoff, /*resolved=*/false, now);
                  spdlog::info("complaint {} claimed by {}", id, r->agent);
                  s.events.publish("claimed", id);
                  done(answer(200, {{"id", id}, {"state", "claimed"}, {"agent", r->agent}}));
                }));
}

void resolve_case(Services& s, const std::string& id, const std::string& agent,
                  const std::string& note, bool force, std::function<void(CaseAnswer)> done) {
  const auto now = s.now();
  s.store.resolve(
      id, agent, note, force, now,
      on_io<store::ResolveResult>(
          s, [&s, id, now, done = std::move(done)](const absl::StatusOr<store::ResolveResult>& r) {
            if (!r.ok()) return done(store_failure(r.status()));
            s.dispatcher.cancel(r->cancelled);
            if (r->outcome == store::ResolveOutcome::not_found) return done(no_complaint(id));
            if (r->outcome == store::ResolveOutcome::held_by_other) {
              return done(conflict("the case is held by " + r->agent +
                                   "; resolve with \"force\": true to close it anyway"));
            }
            if (r->handoff) {
              if (r->claimed_now) observe_taken_over(s, *r->handoff, /*resolved=*/false, now);
              observe_taken_over(s, *r->handoff, /*resolved=*/true, now);
            }
            json out = {{"id", id}, {"state", "resolved"}, {"followup", nullptr}};
            if (r->followup) {
              out["followup"] = time::format_rfc3339_utc(r->followup->due_at);
              s.deliver({*r->followup});
            }
            spdlog::info("complaint {} resolved", id);
            s.events.publish("resolved", id);
            done(answer(200, out));
          }));
}

source::CaseActions case_actions(Services& s) {
  source::CaseActions actions;
  actions.find = [&s](std::string remote_id, std::function<void(std::optional<std::string>)> done) {
    s.store.case_of_remote(
        std::move(remote_id),
        on_io<std::optional<std::string>>(
            s, [done = std::move(done)](const absl::StatusOr<std::optional<std::string>>& r) {
              if (!r.ok()) return done(std::nullopt);
              done(r->value_or(""));
            }));
  };
  actions.claim = [&s](std::string id, std::string agent, std::function<void(CaseAnswer)> done) {
    claim_case(s, id, agent, std::move(done));
  };
  actions.resolve = [&s](std::string id, std::string agent, std::string note,
                         std::function<void(CaseAnswer)> done) {
    resolve_case(s, id, agent, note, /*force=*/true, std::move(done));
  };
  actions.record = [&s](std::string id, std::string event, json detail,
                        std::function<void(absl::Status)> done) {
    s.store.add_event(std::move(id), std::move(event), std::move(detail), s.now(),
                      on_io_thread<absl::Status>(s, std::move(done)));
  };
  return actions;
}

void add_case_routes(Router& router, Services& s) {
  using CaseAction =
      void (*)(Services&, const http::Request&, const std::string&, const http::Respond&);
  struct CaseRoute {
    bhttp::verb method;
    const char* pattern;
    CaseAction action;
    Scope scope;
  };
  for (const auto& route :
       {CaseRoute{bhttp::verb::get, "/v1/complaints/{id}", timeline, Scope::read},
        CaseRoute{bhttp::verb::post, "/v1/complaints/{id}/claim", claim, Scope::agent},
        CaseRoute{bhttp::verb::post, "/v1/complaints/{id}/unclaim", unclaim, Scope::agent},
        CaseRoute{bhttp::verb::post, "/v1/complaints/{id}/resolve", resolve, Scope::agent}}) {
    router.add(
        route.method, route.pattern,
        [&s, action = route.action](http::Request&& req, const Params& p,
                                    const http::Respond& respond) {
          action(s, req, p["id"], respond);
        },
        needs(route.scope));
  }
  router.add(
      bhttp::verb::get, "/v1/handoffs",
      [&s](http::Request&& req, const Params& p, const http::Respond& respond) {
        handoffs(s, req, p, respond);
      },
      needs(Scope::read));
}

}  // namespace ackd::api
