#include "delivery_log.hpp"

#include <utility>

namespace ackd::daemon {

void StoreDeliveryLog::delivered(std::int64_t outbox_id, time::Instant at) {
  store_.mark_delivered(outbox_id, at);
}

void StoreDeliveryLog::attempt_failed(std::int64_t outbox_id, int attempts,
                                      time::Instant next_attempt, std::string error) {
  store_.mark_attempt_failed(outbox_id, attempts, next_attempt, std::move(error));
}

void StoreDeliveryLog::failed(std::int64_t outbox_id, int attempts, std::string error) {
  store_.mark_failed(outbox_id, attempts, std::move(error));
}

deliver::Delivery to_delivery(store::OutboxItem item) {
  deliver::Delivery delivery;
  delivery.id = item.id;
  delivery.complaint_id = std::move(item.complaint_id);
  delivery.kind = std::move(item.kind);
  delivery.level = item.level;
  delivery.sink = std::move(item.sink);
  delivery.idempotency_key = std::move(item.idempotency_key);
  delivery.payload = std::move(item.payload);
  delivery.due_at = item.due_at;
  delivery.attempts = item.attempts;
  return delivery;
}

std::vector<deliver::Delivery> to_deliveries(std::vector<store::OutboxItem> items) {
  std::vector<deliver::Delivery> out;
  out.reserve(items.size());
  for (auto& item : items) out.push_back(to_delivery(std::move(item)));
  return out;
}

}  // namespace ackd::daemon
