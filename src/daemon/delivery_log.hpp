#pragma once

#include "ackd/deliver/dispatcher.hpp"
#include "ackd/store/store.hpp"

namespace ackd::daemon {

// Delivery outcomes recorded in the store: mark_delivered / mark_attempt_failed /
// mark_failed. Called on the io_context thread.
class StoreDeliveryLog final : public deliver::DeliveryLog {
 public:
  explicit StoreDeliveryLog(store::Store& store) : store_(store) {}

  void delivered(std::int64_t outbox_id, time::Instant at) override;
  void attempt_failed(std::int64_t outbox_id, int attempts, time::Instant at,
                      time::Instant next_attempt, std::string error) override;
  void failed(std::int64_t outbox_id, int attempts, time::Instant at, std::string error) override;

 private:
  store::Store& store_;
};

}  // namespace ackd::daemon
