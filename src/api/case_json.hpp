#pragma once

#include <vector>

#include "ackd/store/store.hpp"
#include "nlohmann/json.hpp"

namespace ackd::api {

// GET /v1/complaints/{id}: the complaint, its decision, handoff, outbox and timeline, where
// "received", "decided" and each delivery are read from the rows rather than stored as
// events.
nlohmann::json case_json(const store::CaseView& view);

// GET /v1/handoffs: {"handoffs": [...]}.
nlohmann::json handoffs_json(const std::vector<store::HandoffRow>& rows);

}  // namespace ackd::api
