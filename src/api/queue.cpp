// The delivery queue for ops (ackd queue): GET /v1/admin/queue and /v1/admin/queue/{id};
// POST /v1/admin/queue/retry, /v1/admin/queue/{id}/drop, /v1/admin/queue/hold and
// /v1/admin/queue/release.

#include <spdlog/spdlog.h>

#include "ackd/api/api.hpp"
#include "ackd/api/queue_json.hpp"
#include "ackd/text/ascii.hpp"
#include "answer.hpp"

namespace ackd::api {
namespace {

using nlohmann::json;

// Where a page ended: "<when it goes next, unix seconds>-<id>".
std::string cursor_of(const store::QueueRow& row) {
  return std::to_string(row.next_at.time_since_epoch().count()) + "-" + std::to_string(row.id);
}

std::optional<std::pair<time::Instant, std::int64_t>> parse_cursor(std::string_view cursor) {
  const auto dash = cursor.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  const auto seconds = text::whole_number<std::int64_t>(cursor.substr(0, dash));
  const auto id = text::whole_number<std::int64_t>(cursor.substr(dash + 1));
  if (!seconds || !id) return std::nullopt;
  return std::pair{time::Instant(time::Seconds(*seconds)), *id};
}

std::optional<std::int64_t> delivery_id(const std::string& text) {
  return text::whole_number<std::int64_t>(text);
}

void no_such_delivery(const http::Request& req, const http::Respond& respond,
                      const std::string& id_text) {
  respond(http::error_response(req, bhttp::status::not_found, "not_found",
                               "no delivery " + id_text + " in the queue"));
}

void list(Services& s, const http::Request& req, const Params& params,
          const http::Respond& respond) {
  auto bad = [&](const std::string& message) {
    respond(http::error_response(req, bhttp::status::bad_request, "invalid_query", message));
  };
  store::QueueQuery query;
  if (auto state = params.query_value("state", ""); !state.empty()) {
    if (!store::is_queue_state(state)) {
      return bad("state: must be due, retrying, held, failed or scheduled");
    }
    query.state = std::move(state);
  }
  if (auto sink = params.query_value("sink", ""); !sink.empty()) query.sink = std::move(sink);
  constexpr std::size_t kMaxLimit = 1000;
  const auto limit =
      text::whole_number<std::size_t>(params.query_value("limit", "100")).value_or(0);
  if (limit == 0 || limit > kMaxLimit) return bad("limit: must be a whole number from 1 to 1000");
  query.limit = limit + 1;  // one more tells whether there is a next page
  if (auto cursor = params.query_value("cursor", ""); !cursor.empty()) {
    query.after = parse_cursor(cursor);
    if (!query.after) return bad("cursor: not one that /v1/admin/queue gave");
  }
  from_store<std::vector<store::QueueRow>>(
      s, req, respond, [&s, query](auto done) { s.store.queue(query, s.now(), std::move(done)); },
      [&s, limit](const http::Request& rq, const http::Respond& rs,
                  std::vector<store::QueueRow> rows) {
        json body = {{"deliveries", json::array()}, {"holds", sink_holds_json(s.state.sink_holds)}};
        if (rows.size() > limit) {
          rows.resize(limit);
          body["next_cursor"] = cursor_of(rows.back());
        }
        for (const auto& r : rows) body["deliveries"].push_back(queue_row_json(r, false));
        rs(http::json_response(rq, bhttp::status::ok, body.dump()));
      });
}

void show(Services& s, const http::Request& req, const std::string& id_text,
          const http::Respond& respond) {
  const auto id = delivery_id(id_text);
  if (!id) return no_such_delivery(req, respond, id_text);
  from_store<std::optional<store::QueueRow>>(
      s, req, respond,
      [&s, id = *id](auto done) { s.store.queue_item(id, s.now(), std::move(done)); },
      [id_text](const http::Request& rq, const http::Respond& rs,
                std::optional<store::QueueRow> row) {
        if (!row) return no_such_delivery(rq, rs, id_text);
        rs(http::json_response(rq, bhttp::status::ok, queue_row_json(*row, true).dump()));
      });
}

// A sink that ackd.yaml names, or a 400 already answered that says which it does.
bool known_sink(const Services& s, const std::string& sink, const http::Request& req,
                const http::Respond& respond) {
  const auto unknown = config::unknown_sink(s.config, sink);
  if (unknown) invalid_body(req, respond, "sink: " + *unknown);
  return !unknown;
}

void retry(Services& s, const http::Request& req, const http::Respond& respond) {
  auto body = object_body(req, respond);
  if (!body) return;
  auto by = string_field(*body, "by", true, req, respond, "must be a non-empty string (who)");
  if (!by) return;
  store::RetryWhich which;
  if (auto id = body->find("id"); id != body->end()) {
    if (!id->is_number_integer()) return invalid_body(req, respond, "id: must be a delivery id");
    which.id = id->get<std::int64_t>();
  }
  auto sink = string_field(*body, "sink", false, req, respond, "must be a sink's name");
  if (!sink) return;
  if (!sink->empty()) {
    if (!known_sink(s, *sink, req, respond)) return;
    which.sink = std::move(*sink);
  }
  auto since = string_field(*body, "failed_since", false, req, respond,
                            "must be a time (RFC 3339) or how long ago (2h)");
  if (!since) return;
  if (!since->empty()) {
    which.failed_since = time::parse_time_or_ago(*since, s.now());
    if (!which.failed_since) {
      return invalid_body(req, respond,
                          "failed_since: must be a time (RFC 3339) or how long ago (2h)");
    }
  }
  if (which.id.has_value() == (which.sink || which.failed_since)) {
    return invalid_body(req, respond,
                        "give either id, or sink and/or failed_since: which deliveries to retry");
  }
  from_store<store::Retried>(
      s, req, respond,
      [&s, which, by = *by](auto done) { s.store.retry(which, by, s.now(), std::move(done)); },
      [&s, by = *by](const http::Request& rq, const http::Respond& rs, store::Retried r) {
        const auto requeued = r.requeued.size();
        if (requeued > 0 || !r.probe.empty()) {
          spdlog::info("queue: {} retried {} given-up deliveries{}", by, requeued,
                       r.probe.empty() ? "" : " and probed sink " + r.probe.front());
        }
        for (const auto& item : r.requeued) s.events.publish("retried", item.complaint_id);
        s.deliver(std::move(r.requeued));
        for (const auto& name : r.probe) s.dispatcher.probe(name);
        rs(http::json_response(
            rq, bhttp::status::ok,
            json{{"retried", requeued}, {"probed", r.probe}, {"retrying", r.retrying}}.dump()));
      });
}

void drop(Services& s, const http::Request& req, const std::string& id_text,
          const http::Respond& respond) {
  const auto id = delivery_id(id_text);
  if (!id) return no_such_delivery(req, respond, id_text);
  auto body = object_body(req, respond);
  if (!body) return;
  auto by = string_field(*body, "by", true, req, respond, "must be a non-empty string (who)");
  if (!by) return;
  auto reason = string_field(*body, "reason", true, req, respond,
                             "must be a non-empty string (why it is never to be sent)");
  if (!reason) return;
  from_store<store::Dropped>(
      s, req, respond,
      [&s, id = *id, by = *by, reason = *reason](auto done) {
        s.store.drop(id, by, reason, s.now(), std::move(done));
      },
      [&s, id = *id, by = *by, reason = *reason](const http::Request& rq, const http::Respond& rs,
                                                 store::Dropped d) {
        s.dispatcher.cancel({id});
        s.events.publish("dropped", d.complaint_id);
        spdlog::warn("queue: {} dropped delivery {} of case {} ({}): {}", by, id, d.complaint_id,
                     d.was, reason);
        rs(http::json_response(rq, bhttp::status::ok,
                               json{{"dropped", id}, {"was", d.was}}.dump()));
      });
}

void hold(Services& s, const http::Request& req, bool on_hold, const http::Respond& respond) {
  auto body = object_body(req, respond);
  if (!body) return;
  auto by = string_field(*body, "by", true, req, respond, "must be a non-empty string (who)");
  if (!by) return;
  auto sink = string_field(*body, "sink", true, req, respond, "must be a sink's name");
  if (!sink || !known_sink(s, *sink, req, respond)) return;
  auto reason = string_field(*body, "reason", false, req, respond, "must be a string");
  if (!reason) return;
  std::optional<store::SinkHold> wanted;
  if (on_hold) wanted = store::SinkHold{*by, *reason, s.now()};
  from_store<store::SinkHolds>(
      s, req, respond,
      [&s, sink = *sink, wanted](auto done) { s.store.hold_sink(sink, wanted, std::move(done)); },
      [&s, sink = *sink, by = *by, on_hold](const http::Request& rq, const http::Respond& rs,
                                            store::SinkHolds holds) {
        if (s.state.sink_holds.contains(sink) != on_hold) {
          spdlog::warn("queue: sink {} {} by {}", sink, on_hold ? "put on hold" : "released", by);
        }
        s.state.sink_holds = std::move(holds);
        s.dispatcher.hold_sink(sink, on_hold);
        rs(http::json_response(rq, bhttp::status::ok,
                               json{{"holds", sink_holds_json(s.state.sink_holds)}}.dump()));
      });
}

}  // namespace

json queue_row_json(const store::QueueRow& r, bool with_payload) {
  json out = {{"id", r.id},
              {"complaint_id", r.complaint_id},
              {"kind", r.kind},
              {"level", r.level},
              {"sink", r.sink},
              {"state", r.state},
              {"attempts", r.attempts},
              {"due_at", time::format_rfc3339_utc(r.due_at)},
              {"next_at", time::format_rfc3339_utc(r.next_at)},
              {"last_error", r.last_error ? json(*r.last_error) : json(nullptr)},
              {"idempotency_key", r.idempotency_key}};
  if (with_payload) {
    auto payload = json::parse(r.payload, nullptr, /*allow_exceptions=*/false);
    out["payload"] = payload.is_discarded() ? json(r.payload) : payload;
  }
  return out;
}

json sink_holds_json(const store::SinkHolds& holds) {
  json out = json::object();
  for (const auto& [sink, h] : holds) {
    out[sink] = {{"by", h.by}, {"reason", h.reason}, {"since", time::format_rfc3339_utc(h.since)}};
  }
  return out;
}

void add_queue_routes(Router& router, Services& s, bool has_tokens) {
  router.add(
      bhttp::verb::get, "/v1/admin/queue",
      [&s](http::Request&& req, const Params& p, const http::Respond& respond) {
        list(s, req, p, respond);
      },
      needs(Scope::read));
  router.add(
      bhttp::verb::get, "/v1/admin/queue/{id}",
      [&s](http::Request&& req, const Params& p, const http::Respond& respond) {
        show(s, req, p["id"], respond);
      },
      needs(Scope::read));
  router.add(
      bhttp::verb::post, "/v1/admin/queue/retry",
      [&s, has_tokens](http::Request&& req, const Params&, const http::Respond& respond) {
        if (refused_anonymous(has_tokens, req, respond)) return;
        retry(s, req, respond);
      },
      needs(Scope::admin));
  router.add(
      bhttp::verb::post, "/v1/admin/queue/{id}/drop",
      [&s, has_tokens](http::Request&& req, const Params& p, const http::Respond& respond) {
        if (refused_anonymous(has_tokens, req, respond)) return;
        drop(s, req, p["id"], respond);
      },
      needs(Scope::admin));
  for (const bool on_hold : {true, false}) {
    router.add(
        bhttp::verb::post, on_hold ? "/v1/admin/queue/hold" : "/v1/admin/queue/release",
        [&s, on_hold, has_tokens](http::Request&& req, const Params&,
                                  const http::Respond& respond) {
          if (refused_anonymous(has_tokens, req, respond)) return;
          hold(s, req, on_hold, respond);
        },
        needs(Scope::admin));
  }
}

}  // namespace ackd::api
