#include "store/queue.hpp"

#include <set>

namespace ackd::store::queue {
namespace {

using nlohmann::json;

// The columns a QueueRow is read from, in order; `next` is outbox_owed's expression, so that
// the index serves the pending states in the order they go next.
constexpr const char* kColumns =
    "SELECT id, complaint_id, kind, level, sink, state, held, attempts, due_at, "
    "coalesce(next_attempt_at, due_at) AS next, last_error, idempotency_key, payload FROM outbox ";

// Which rows each state is, beside the sink holds (?1, a JSON array of sink names) and now
// (?2). The pending ones read outbox_owed; the failed ones outbox_failed.
std::string where(const std::optional<std::string>& state) {
  constexpr const char* on_hold = "sink IN (SELECT value FROM json_each(?1))";
  const std::string not_held = std::string("held = 0 AND NOT ") + on_hold;
  if (!state) {
    return std::string(
               "((state = 'pending' AND (coalesce(next_attempt_at, due_at) <= ?2 OR "
               "attempts > 0 OR held = 1 OR ") +
           on_hold + ")) OR state = 'failed')";
  }
  if (*state == "failed") return "state = 'failed'";
  if (*state == "held") return std::string("state = 'pending' AND (held = 1 OR ") + on_hold + ")";
  if (*state == "retrying") return "state = 'pending' AND attempts > 0 AND " + not_held;
  if (*state == "due") {
    return "state = 'pending' AND attempts = 0 AND coalesce(next_attempt_at, due_at) <= ?2 AND " +
           not_held;
  }
  if (*state == "scheduled") {
    return "state = 'pending' AND attempts = 0 AND coalesce(next_attempt_at, due_at) > ?2 AND " +
           not_held;
  }
  throw JobFailure{absl::InvalidArgumentError(
      "state: must be due, retrying, held, failed or scheduled, not \"" + *state + "\"")};
}

json holds_array(const SinkHolds& holds) {
  json names = json::array();
  for (const auto& [sink, _] : holds) names.push_back(sink);
  return names;
}

QueueRow row_of(const sqlite::Query& q, time::Instant now, const SinkHolds& holds,
                bool with_payload) {
  QueueRow r;
  r.id = q.integer(0);
  r.complaint_id = q.text(1);
  r.kind = q.text(2);
  r.level = static_cast<int>(q.integer(3));
  r.sink = q.text(4);
  const auto stored = q.text(5);
  const bool held = q.integer(6) == 1;
  r.attempts = static_cast<int>(q.integer(7));
  r.due_at = from_unix(q.integer(8));
  r.next_at = from_unix(q.integer(9));
  r.last_error = q.optional_text(10);
  r.idempotency_key = q.text(11);
  if (with_payload) r.payload = q.text(12);
  if (stored != "pending") {
    r.state = stored == "cancelled" ? "dropped" : stored;  // failed, delivered, dropped
  } else if (held || holds.contains(r.sink)) {
    r.state = "held";
  } else if (r.attempts > 0) {
    r.state = "retrying";
  } else {
    r.state = r.next_at <= now ? "due" : "scheduled";
  }
  return r;
}

void event(Tx& tx, const QueueRow& row, time::Instant now, std::string_view name, json detail) {
  detail["outbox_id"] = row.id;
  detail["kind"] = row.kind;
  detail["sink"] = row.sink;
  if (row.kind == "escalation") detail["level"] = row.level;
  tx.event(row.complaint_id, now, name, detail);
}

QueueRow must_find(Tx& tx, std::int64_t id, time::Instant now) {
  auto found = item(tx, id, now);
  if (!found) {
    throw JobFailure{absl::NotFoundError("no delivery " + std::to_string(id) + " in the queue")};
  }
  return *found;
}

OutboxItem outbox_item(const QueueRow& row) {
  OutboxItem out;
  out.id = row.id;
  out.complaint_id = row.complaint_id;
  out.kind = plan::kind_from_string(row.kind).value_or(plan::Kind::reply);
  out.level = row.level;
  out.sink = row.sink;
  out.idempotency_key = row.idempotency_key;
  out.payload = row.payload;
  out.due_at = row.due_at;
  return out;
}

}  // namespace

SinkHolds read_holds(sqlite::Connection& db) {
  SinkHolds holds;
  auto q = db.query("SELECT value FROM settings WHERE name = 'sink_holds'");
  if (!q.step()) return holds;
  auto j = json::parse(q.text(0), nullptr, false);
  if (!j.is_object()) return holds;
  for (const auto& [sink, h] : j.items()) {
    if (!h.is_object()) continue;
    holds[sink] = {h.value("by", ""), h.value("reason", ""),
                   from_unix(h.value("since", std::int64_t{0}))};
  }
  return holds;
}

SinkHolds set_hold(Tx& tx, const std::string& sink, const std::optional<SinkHold>& hold) {
  auto holds = read_holds(tx.db);
  if (hold) {
    holds.try_emplace(sink, *hold);  // the first hold stands, as the first pause does
  } else {
    holds.erase(sink);
  }
  json value = json::object();
  for (const auto& [name, h] : holds) {
    value[name] = {{"by", h.by}, {"reason", h.reason}, {"since", to_unix(h.since)}};
  }
  tx.db.query("INSERT OR REPLACE INTO settings (name, value) VALUES ('sink_holds', ?)")
      .bind_all(value.dump())
      .run();
  return holds;
}

std::vector<QueueRow> list(Tx& tx, const QueueQuery& query, time::Instant now) {
  const auto holds = read_holds(tx.db);
  // One statement a state (six in the statement cache), its filters bound or NULL.
  auto q = tx.db.query(std::string(kColumns) + "WHERE (" + where(query.state) +
                       ") AND (?3 IS NULL OR sink = ?3)"
                       " AND (?4 IS NULL OR (coalesce(next_attempt_at, due_at), id) > (?4, ?5))"
                       " ORDER BY coalesce(next_attempt_at, due_at), id LIMIT ?6");
  q.bind(1, holds_array(holds).dump());
  q.bind(2, to_unix(now));
  q.bind(3, query.sink);
  if (query.after) {
    q.bind(4, to_unix(query.after->first));
    q.bind(5, query.after->second);
  }
  q.bind(6, static_cast<std::int64_t>(query.limit));
  std::vector<QueueRow> out;
  while (q.step()) out.push_back(row_of(q, now, holds, /*with_payload=*/false));
  return out;
}

std::optional<QueueRow> item(Tx& tx, std::int64_t id, time::Instant now) {
  auto q = tx.db.query(std::string(kColumns) + "WHERE id = ?");
  q.bind_all(id);
  if (!q.step()) return std::nullopt;
  return row_of(q, now, read_holds(tx.db), /*with_payload=*/true);
}

Retried retry(Tx& tx, const RetryWhich& which, const std::string& by, time::Instant now) {
  Retried out;
  std::vector<QueueRow> failed;
  if (which.id) {
    auto row = must_find(tx, *which.id, now);
    if (row.state == "retrying") {
      out.probe.push_back(row.sink);
      out.retrying = 1;
      return out;
    }
    if (row.state != "failed") {
      throw JobFailure{
          absl::FailedPreconditionError("delivery " + std::to_string(row.id) + " is " + row.state +
                                        ", not failed or retrying: there is nothing to try again")};
    }
    failed.push_back(std::move(row));
  } else {
    // Failed rows are few (outbox_failed); the time each was given up is its
    // delivery_failed event's.
    auto q = tx.db.query(
        std::string(kColumns) +
        "WHERE state = 'failed' AND (?1 IS NULL OR sink = ?1) AND (?2 IS NULL OR EXISTS ("
        "SELECT 1 FROM timeline t WHERE t.complaint_id = outbox.complaint_id "
        "AND t.event = 'delivery_failed' AND t.at >= ?2 "
        "AND json_extract(t.detail, '$.outbox_id') = outbox.id)) "
        "ORDER BY due_at, id");
    q.bind(1, which.sink);
    if (which.failed_since) q.bind(2, to_unix(*which.failed_since));
    while (q.step()) failed.push_back(row_of(q, now, {}, /*with_payload=*/true));
    if (which.sink && !which.failed_since) {
      out.probe.push_back(*which.sink);
      auto waiting = tx.db.query(
          "SELECT count(*) FROM outbox WHERE state = 'pending' AND held = 0 AND attempts > 0 "
          "AND sink = ?");
      waiting.bind_all(*which.sink);
      waiting.step();
      out.retrying = static_cast<std::size_t>(waiting.integer(0));
    }
  }
  std::set<std::string> cases;
  for (auto& row : failed) {
    // Retention erased what it was to say (a reply quoting the customer): nothing to send.
    auto erased = tx.db.query("SELECT 1 FROM complaints WHERE id = ? AND erased_at IS NOT NULL");
    erased.bind_all(row.complaint_id);
    if (erased.step()) {
      if (which.id) {
        throw JobFailure{absl::FailedPreconditionError(
            "delivery " + std::to_string(row.id) +
            " cannot be sent again: retention erased its personal data")};
      }
      continue;
    }
    tx.db
        .query(
            "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = NULL "
            "WHERE id = ?")
        .bind_all(row.id)
        .run();
    ++tx.depth_delta;
    json detail = {{"by", by}, {"attempts_before", row.attempts}};
    if (row.last_error) detail["last_error"] = *row.last_error;
    event(tx, row, now, "delivery_retried", std::move(detail));
    cases.insert(row.complaint_id);
    out.requeued.push_back(outbox_item(row));
  }
  for (const auto& id : cases) {
    if (!tx.has_failed_delivery(id)) --tx.failed_cases_delta;
  }
  return out;
}

Dropped drop(Tx& tx, std::int64_t id, const std::string& by, const std::string& reason,
             time::Instant now) {
  auto row = must_find(tx, id, now);
  if (row.state == "delivered" || row.state == "dropped") {
    throw JobFailure{absl::FailedPreconditionError("delivery " + std::to_string(id) + " is " +
                                                   row.state + ": there is nothing to drop")};
  }
  tx.db.query("UPDATE outbox SET state = 'cancelled', held = 0 WHERE id = ?").bind_all(id).run();
  if (row.state == "failed") {
    if (!tx.has_failed_delivery(row.complaint_id)) --tx.failed_cases_delta;
  } else {
    --tx.depth_delta;
  }
  event(tx, row, now, "delivery_dropped", {{"by", by}, {"reason", reason}, {"was", row.state}});
  return {row.complaint_id, row.state};
}

}  // namespace ackd::store::queue
