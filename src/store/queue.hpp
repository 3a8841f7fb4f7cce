#pragma once

// The writer's jobs behind `ackd queue` and /v1/admin/queue (Store::queue, retry, drop,
// hold_sink): what is owed and what was given up, and what ops do about it.

#include "ackd/store/store.hpp"
#include "store/sqlite.hpp"
#include "store/tx.hpp"

namespace ackd::store::queue {

std::vector<QueueRow> list(Tx& tx, const QueueQuery& query, time::Instant now);
std::optional<QueueRow> item(Tx& tx, std::int64_t id, time::Instant now);
Retried retry(Tx& tx, const RetryWhich& which, const std::string& by, time::Instant now);
Dropped drop(Tx& tx, std::int64_t id, const std::string& by, const std::string& reason,
             time::Instant now);

SinkHolds read_holds(sqlite::Connection& db);
SinkHolds set_hold(Tx& tx, const std::string& sink, const std::optional<SinkHold>& hold);

}  // namespace ackd::store::queue
