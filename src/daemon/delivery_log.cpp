#include "delivery_log.hpp"

#include <utility>

namespace ackd::daemon {

void StoreDeliveryLog::delivered(std::int64_t outbox_id, time::Instant at) {
  store_.mark_delivered(outbox_id, at);
}

void StoreDeliveryLog::attempt_failed(std::int64_t outbox_id, int attempts, time::Instant at,
                                      time::Instant next_attempt, std::string error) {
  store_.mark_attempt_failed(outbox_id, attempts, at, next_attempt, std::move(error));
}

void StoreDeliveryLog::failed(std::int64_t outbox_id, int attempts, time::Instant at,
                              std::string error) {
  store_.mark_failed(outbox_id, attempts, at, std::move(error));
}

}  // namespace ackd::daemon
