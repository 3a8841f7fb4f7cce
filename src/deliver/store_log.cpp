// The Store-backed constructor lives apart so that users of DeliveryLog alone (the tests)
// do not pull in the store.
#include "ackd/deliver/dispatcher.hpp"

namespace ackd::deliver {

namespace {

class StoreLog final : public DeliveryLog {
 public:
  explicit StoreLog(store::Store& store) : store_(store) {}

  void delivered(std::int64_t outbox_id, time::Instant at) override {
    store_.mark_delivered(outbox_id, at);
  }
  void attempt_failed(std::int64_t outbox_id, int attempts, time::Instant next_attempt,
                      std::string error) override {
    store_.mark_attempt_failed(outbox_id, attempts, next_attempt, std::move(error));
  }
  void failed(std::int64_t outbox_id, int attempts, std::string error) override {
    store_.mark_failed(outbox_id, attempts, std::move(error));
  }

 private:
  store::Store& store_;
};

}  // namespace

Dispatcher::Dispatcher(boost::asio::io_context& io, time::Clock& clock,
                       const std::map<std::string, config::Sink>& sinks, store::Store& store,
                       RetryPolicy retry, DeliveryObserver observer)
    : Dispatcher(io, clock, sinks, std::make_unique<StoreLog>(store), retry, std::move(observer),
                 DispatcherOptions{}) {}

}  // namespace ackd::deliver
