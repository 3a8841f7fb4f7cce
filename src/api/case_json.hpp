#pragma once

#include <functional>
#include <string>
#include <vector>

#include "ackd/store/store.hpp"
#include "ackd/time/zone.hpp"
#include "nlohmann/json.hpp"

namespace ackd::api {

// The zone a team's calendar keeps (the policy's timezone when it has none).
using ZoneOf = std::function<const time::Zone&(const std::string& team)>;

// GET /v1/complaints/{id}: the complaint, its decision, handoff, outbox and timeline, where
// "received", "decided" and each delivery are read from the rows rather than stored as
// events. The handoff's deadline is written in its team's zone (UTC without `zone_of`).
nlohmann::json case_json(const store::CaseView& view, const ZoneOf& zone_of = nullptr);

// GET /v1/handoffs: {"handoffs": [...]}, each deadline written in the zone `zone_of` gives
// for its team (UTC without one).
nlohmann::json handoffs_json(const std::vector<store::HandoffRow>& rows,
                             const ZoneOf& zone_of = nullptr);

}  // namespace ackd::api
