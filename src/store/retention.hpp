#pragma once

// Retention (ackd.yaml `retention`) and the right to deletion (`ackd forget`), on the
// writer's connection inside its transaction.

#include <cstddef>
#include <functional>
#include <optional>
#include <string>

#include "ackd/store/store.hpp"
#include "store/sqlite.hpp"

namespace ackd::store::retention {

// Why a case's personal data went, as its timeline says.
enum class Why { retention, forget };

// Erases the personal data of case `id`: the customer's text, name, handle, id and metadata,
// the rendered replies and the payloads sent, the agents' notes. What a report reads stays
// (case_facts, the decision's rule, team and times, the policy version) and the timeline
// keeps its events and times, with one more saying the data was erased and why.
void erase_case(sqlite::Connection& db, const std::string& id, Why why, time::Instant now);

// One batch of retention: the oldest cases past their time, at most `limit` of them, and
// none after `stop()` says so (checked between two cases).
Expired expire(sqlite::Connection& db, const ExpireBefore& before, std::size_t limit,
               time::Instant now, const std::function<bool()>& stop);

// Erases every stored case of the author (on `channel`, or on every channel); how many.
std::size_t forget_author(sqlite::Connection& db, const std::string& author_id,
                          const std::optional<std::string>& channel, time::Instant now);

}  // namespace ackd::store::retention
