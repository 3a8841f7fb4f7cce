#pragma once

#include <cstddef>
#include <functional>

#include "ackd/deliver/dispatcher.hpp"
#include "ackd/store/store.hpp"

namespace ackd::deliver {

// One sink's way of making a delivery attempt. The dispatcher never has more than
// capacity() attempts under way on one channel. Used on the io_context thread only.
class Channel {
 public:
  using Done = std::function<void(Attempt)>;

  virtual ~Channel() = default;
  virtual std::size_t capacity() const = 0;
  // Calls `done` on the io_context thread, unless abort() comes first.
  virtual void send(const store::OutboxItem& item, Done done) = 0;
  // Gives up on every attempt under way; their `done` is never called.
  virtual void abort() = 0;
};

}  // namespace ackd::deliver
