#pragma once

#include <nlohmann/json.hpp>

#include "ackd/store/store.hpp"

namespace ackd::api {

// A delivery as /v1/admin/queue and `ackd queue` show it; its payload with `with_payload`
// (one delivery), parsed when it is JSON.
nlohmann::json queue_row_json(const store::QueueRow& row, bool with_payload);
// The sinks on hold: {"sink": {"by", "reason", "since"}}.
nlohmann::json sink_holds_json(const store::SinkHolds& holds);

}  // namespace ackd::api
