#include "notice_grouping.hpp"

#include "ackd/plan/notice_group.hpp"

namespace ackd::daemon {

std::optional<deliver::Grouping::Group> NoticeGrouping::group_of(
    const deliver::Delivery& delivery) {
  if (delivery.kind != plan::Kind::escalation && delivery.kind != plan::Kind::breach) {
    return std::nullopt;  // replies and handoffs never wait: no storm lookup for them
  }
  const auto storming = state_.storm ? state_.storm->storming() : std::vector<std::string>{};
  auto group = plan::notice_group(*state_.policy, delivery, storming);
  if (!group) return std::nullopt;
  return Group{std::move(group->key), group->wait};
}

deliver::Delivery NoticeGrouping::combine(const std::vector<deliver::Delivery>& members) {
  return plan::group_notice(members);
}

}  // namespace ackd::daemon
