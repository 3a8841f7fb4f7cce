#pragma once

#include "ackd/api/services.hpp"
#include "ackd/deliver/dispatcher.hpp"

namespace ackd::daemon {

// Notices grouped as the policy in force says (its teams' group_wait, and the storm's
// while one is on): plan::notice_group and plan::group_notice, on the serving state.
class NoticeGrouping final : public deliver::Grouping {
 public:
  explicit NoticeGrouping(const api::ServingState& state) : state_(state) {}

  std::optional<Group> group_of(const deliver::Delivery& delivery) override;
  deliver::Delivery combine(const std::vector<deliver::Delivery>& members) override;

 private:
  const api::ServingState& state_;
};

}  // namespace ackd::daemon
