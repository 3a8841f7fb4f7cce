#include "store_outbox.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <utility>

namespace ackd::daemon {

void StoreOutbox::owed(plan::DueOrder after, time::Instant until, std::size_t limit,
                       std::function<void(Rows)> done) {
  // The io_context, not `this`: a read still queued when the daemon gives up at start
  // completes as the store closes, after this adapter is gone.
  store_.owed(
      after, until, limit,
      [&io = io_, done = std::move(done)](absl::StatusOr<std::vector<plan::OutboxItem>> rows) {
        Rows answer;
        if (rows.ok()) {
          answer = std::move(*rows);
        } else {
          spdlog::error("cannot read the outbox: {}", std::string(rows.status().message()));
        }
        boost::asio::post(
            io, [done, answer = std::move(answer)]() mutable { done(std::move(answer)); });
      });
}

void StoreOutbox::delivered(std::int64_t outbox_id, time::Instant at, std::string remote_id) {
  store_.mark_delivered(outbox_id, at, std::move(remote_id));
}

void StoreOutbox::attempt_failed(std::int64_t outbox_id, int attempts, time::Instant at,
                                 time::Instant next_attempt, std::string error) {
  store_.mark_attempt_failed(outbox_id, attempts, at, next_attempt, std::move(error));
}

void StoreOutbox::failed(std::int64_t outbox_id, int attempts, time::Instant at,
                         std::string error) {
  store_.mark_failed(outbox_id, attempts, at, std::move(error));
}

}  // namespace ackd::daemon
