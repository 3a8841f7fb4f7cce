#pragma once

#include <string>

#include "ackd/source/source.hpp"

namespace ackd::source {

// What the helpdesk sources (zendesk, zammad) share once a webhook is verified and read:
// what happened to a ticket, done to the ticket's case through the API's claim and resolve.

struct TicketChange {
  enum class What { none, assigned, solved };
  What what = What::none;
  std::string remote_id;  // the ticket as ackd's delivery named it: "zendesk:35436"
  std::string agent;      // who holds or solved it
};

// Finds the case of the ticket ackd opened and claims or resolves it, then answers the
// helpdesk: 200 once done or when there is nothing to do (a ticket ackd did not open, a case
// already resolved or held by someone: counted as skipped, never retried), 503 when the store
// cannot answer (the helpdesk delivers the webhook again).
void apply(const CaseActions& cases, TicketChange change, std::string_view kind, Respond respond);

}  // namespace ackd::source
