#include "ackd/api/services.hpp"

#include <string>
#include <utility>

namespace ackd::api {

void Services::deliver(std::vector<store::OutboxItem> items) const {
  dispatcher.submit(to_deliveries(std::move(items)));
}

deliver::Delivery to_delivery(store::OutboxItem item) {
  deliver::Delivery delivery;
  delivery.id = item.id;
  delivery.complaint_id = std::move(item.complaint_id);
  delivery.kind = std::string(plan::to_string(item.kind));
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

}  // namespace ackd::api
