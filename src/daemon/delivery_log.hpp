#pragma once

#include <vector>

#include "ackd/deliver/dispatcher.hpp"
#include "ackd/store/store.hpp"

namespace ackd::daemon {

// Delivery outcomes recorded in the store: mark_delivered / mark_attempt_failed /
// mark_failed. Called on the io_context thread.
class StoreDeliveryLog final : public deliver::DeliveryLog {
 public:
  explicit StoreDeliveryLog(store::Store& store) : store_(store) {}

  void delivered(std::int64_t outbox_id, time::Instant at) override;
  void attempt_failed(std::int64_t outbox_id, int attempts, time::Instant next_attempt,
                      std::string error) override;
  void failed(std::int64_t outbox_id, int attempts, std::string error) override;

 private:
  store::Store& store_;
};

// What delivery needs of an outbox row: the one place the store's item becomes a delivery.
deliver::Delivery to_delivery(store::OutboxItem item);
std::vector<deliver::Delivery> to_deliveries(std::vector<store::OutboxItem> items);

}  // namespace ackd::daemon
