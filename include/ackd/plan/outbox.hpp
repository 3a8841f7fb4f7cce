#pragma once

#include <compare>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "ackd/time/instant.hpp"

namespace ackd::plan {

// What an outbox item is. Stored as its name (`to_string`), which the idempotency key and
// the payload's "kind" carry too.
enum class Kind { reply, handoff, escalation, breach, followup, incident };

std::string_view to_string(Kind kind);
std::optional<Kind> kind_from_string(std::string_view name);

// The key a receiver deduplicates on, the same on every attempt:
// "<case id>:<kind>", and ":<level>" after it for an escalation.
std::string idempotency_key(std::string_view case_id, Kind kind, int level = 0);

// One thing ackd owes someone: a reply to a customer or a notice to a team, due at a time.
// Rows are written in the same transaction as the complaint that owes them (the
// transactional outbox), so what was promised by a 202 survives a crash.
struct OutboxItem {
  std::int64_t id = 0;  // assigned by the store
  std::string complaint_id;
  Kind kind = Kind::reply;
  int level = 0;  // escalation level (breach: one past the last escalation); 0 otherwise
  std::string sink;
  std::string idempotency_key;  // the same on every attempt
  std::string payload;          // the JSON body to send (CONTRACT.md, "What ackd sends")
  time::Instant due_at;
  int attempts = 0;   // attempts already made
  bool held = false;  // a reply kept back while ackd is paused: stored, not sent
};

// Where a row stands in the order deliveries come due: by due time, then by id. The
// dispatcher reads the store's outbox in this order, a page at a time.
struct DueOrder {
  time::Instant due = time::Instant::min();
  std::int64_t id = 0;

  // Everything due by `t`, whatever its id.
  static DueOrder through(time::Instant t) { return {t, std::numeric_limits<std::int64_t>::max()}; }
  friend auto operator<=>(const DueOrder&, const DueOrder&) = default;
};

inline DueOrder due_order(const OutboxItem& item) {
  return {item.due_at, item.id};
}

}  // namespace ackd::plan
