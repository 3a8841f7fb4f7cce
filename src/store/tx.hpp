#pragma once

// What the writer's jobs share: a batch's transaction (Tx) and how a job fails. Private to
// src/store: the jobs of one concept live in their own file (queue.cpp) beside store.cpp.

#include <absl/status/status.h>
#include <spdlog/spdlog.h>

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ackd/store/store.hpp"
#include "ackd/time/instant.hpp"
#include "store/sqlite.hpp"

namespace ackd::store {

inline std::int64_t to_unix(time::Instant t) {
  return t.time_since_epoch().count();
}
inline time::Instant from_unix(std::int64_t s) {
  return time::Instant(time::Seconds(s));
}

// A job's own failure (unknown id, planner exception, constraint): only that job fails.
struct JobFailure {
  absl::Status status;
};

// State shared by the jobs of one batch.
struct Tx {
  sqlite::Connection& db;
  std::optional<Pause>& pause;   // the writer's copy of the settings row
  std::int64_t depth_delta = 0;  // change in pending outbox rows, applied after COMMIT
  // Changes in unclaimed open handoffs by team (+1, -1), likewise.
  std::vector<std::pair<std::string, std::int64_t>> open_changes{};
  std::int64_t failed_cases_delta = 0;  // change in cases with a delivery given up, likewise
  // What the jobs did outside the database, undone if their transaction is rolled back.
  std::vector<std::function<void()>> undo{};
  // Whether other jobs wait for the writer: an idle job stops early for them.
  std::function<bool()> others_waiting{};

  // Undoes, newest first, what was done since the undo list had `size` entries.
  void roll_back_to(std::size_t size) {
    while (undo.size() > size) {
      auto action = std::move(undo.back());
      undo.pop_back();
      try {
        action();
      } catch (const std::exception& e) {
        spdlog::error("store: undoing a rolled-back job failed: {}", e.what());
      }
    }
  }

  // Whether the case has a delivery given up (and not retried or dropped since).
  bool has_failed_delivery(const std::string& complaint_id) {
    auto q = db.query("SELECT 1 FROM outbox WHERE complaint_id = ? AND state = 'failed' LIMIT 1");
    q.bind_all(complaint_id);
    return q.step();
  }

  void event(const std::string& complaint_id, time::Instant at, std::string_view event,
             const nlohmann::json& detail) {
    db.query("INSERT INTO timeline (complaint_id, at, event, detail) VALUES (?, ?, ?, ?)")
        .bind_all(complaint_id, to_unix(at), event, detail.dump())
        .run();
  }

  // A claim stops the escalations; only resolving the case keeps the promise made to the
  // customer, so the breach notice stays owed until then.
  enum class Timers { escalations, all };
  std::vector<std::int64_t> cancel_timers(const std::string& complaint_id, Timers which) {
    std::vector<std::int64_t> ids;
    auto q = db.query(
        std::string("UPDATE outbox SET state = 'cancelled' WHERE complaint_id = ? AND state = "
                    "'pending' AND kind IN ") +
        (which == Timers::all ? "('escalation', 'breach')" : "('escalation')") + " RETURNING id");
    q.bind_all(complaint_id);
    while (q.step()) ids.push_back(q.integer(0));
    depth_delta -= static_cast<std::int64_t>(ids.size());
    return ids;
  }

  void insert_outbox(OutboxItem& item) {
    db.query(
          "INSERT INTO outbox (complaint_id, kind, level, sink, idempotency_key, payload, due_at, "
          "held) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
        .bind_all(item.complaint_id, plan::to_string(item.kind), item.level, item.sink,
                  item.idempotency_key, item.payload, to_unix(item.due_at), item.held ? 1 : 0)
        .run();
    item.id = sqlite3_last_insert_rowid(db.get());
    ++depth_delta;
  }
};

}  // namespace ackd::store
