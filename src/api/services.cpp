#include "ackd/api/services.hpp"

#include <string>
#include <utility>

namespace ackd::api {

void Services::deliver(std::vector<store::OutboxItem> items) const {
  dispatcher.submit(std::move(items));
}

}  // namespace ackd::api
