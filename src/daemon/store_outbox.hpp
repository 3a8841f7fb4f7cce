#pragma once

#include <boost/asio/io_context.hpp>

#include "ackd/deliver/dispatcher.hpp"
#include "ackd/store/store.hpp"

namespace ackd::daemon {

// The store's outbox as the dispatcher uses it. Reads are answered on the io_context
// thread, posted from the store's writer thread in the order of its transactions: a read
// and an intake's answer reach the dispatcher in the order they were committed.
class StoreOutbox final : public deliver::Outbox {
 public:
  StoreOutbox(boost::asio::io_context& io, store::Store& store) : io_(io), store_(store) {}

  void owed(plan::DueOrder after, time::Instant until, std::size_t limit,
            std::function<void(Rows)> done) override;
  void delivered(std::int64_t outbox_id, time::Instant at, std::string remote_id) override;
  void attempt_failed(std::int64_t outbox_id, int attempts, time::Instant at,
                      time::Instant next_attempt, std::string error) override;
  void failed(std::int64_t outbox_id, int attempts, time::Instant at, std::string error) override;

 private:
  boost::asio::io_context& io_;
  store::Store& store_;
};

}  // namespace ackd::daemon
