// GET /healthz (alive), /readyz (ready to take complaints) and /metrics.

#include "ackd/api/api.hpp"
#include "answer.hpp"

namespace ackd::api {
namespace {

void ready(const Services& s, const http::Request& req, const http::Respond& respond) {
  const auto& st = s.state;
  nlohmann::json body = {
      {"policy", st.policy->version},
      {"store", st.store_healthy ? "writable" : "failing"},
      {"stopping", st.stopping},
      // Whether, not who or why: anyone may read this page.
      {"paused", st.pause.has_value()},
      {"storming", st.storm ? st.storm->storming() : std::vector<std::string>{}},
      {"policy_fallback", st.policy_fallback ? nlohmann::json(*st.policy_fallback) : nullptr}};
  // A failing sink does not make ackd unready (it still takes complaints): shown, not judged.
  auto& sinks = body["sinks"] = nlohmann::json::object();
  for (const auto& h : s.dispatcher.health()) {
    sinks[h.sink] = {{"backlog", h.backlog},
                     {"failing", h.failures > 0},
                     {"backoff_seconds", std::chrono::duration<double>(h.backoff).count()},
                     {"on_hold", h.on_hold}};
  }
  const bool ok = st.store_healthy && !st.stopping;
  // Serving the last version that served still answers every complaint: ready, but degraded.
  body["status"] = !ok ? "not ready" : st.policy_fallback ? "degraded" : "ready";
  respond(http::json_response(req, ok ? bhttp::status::ok : bhttp::status::service_unavailable,
                              body.dump()));
}

}  // namespace

void add_health_routes(Router& router, Services& s) {
  router.add(
      bhttp::verb::get, "/healthz",
      [](http::Request&& req, const Params&, const http::Respond& respond) {
        respond(http::json_response(req, bhttp::status::ok, R"({"status":"ok"})"));
      },
      kAnyone);
  router.add(
      bhttp::verb::get, "/readyz",
      [&s](http::Request&& req, const Params&, const http::Respond& respond) {
        ready(s, req, respond);
      },
      kAnyone);
  router.add(
      bhttp::verb::get, "/metrics",
      [&s](http::Request&& req, const Params&, const http::Respond& respond) {
        auto res = http::json_response(req, bhttp::status::ok, s.metrics.registry.render());
        res.set(bhttp::field::content_type, "text/plain; version=0.0.4");
        respond(std::move(res));
      },
      needs(Scope::metrics));
}

}  // namespace ackd::api
