#pragma once

#include "ackd/api/router.hpp"
#include "ackd/api/services.hpp"
#include "ackd/source/registry.hpp"

namespace ackd::api {

// The HTTP API (CONTRACT.md, "HTTP API"), one resource a file:
// POST /v1/complaints (complaints.cpp);
void add_complaint_routes(Router& router, Services& services);
// The same intake for sources: a complaint in, the answer POST /v1/complaints would give.
source::Intake intake(Services& services);
// GET /v1/complaints/{id}, POST .../claim, .../resolve, GET /v1/handoffs (cases.cpp);
void add_case_routes(Router& router, Services& services);
void add_report_routes(Router& router, Services& services);
// Claim and resolve as those routes do them, answered as they answer, for helpdesk sources:
// escalations that a claim or resolution stops are taken off the queues, a follow-up is
// scheduled.
using source::CaseAnswer;
void claim_case(Services& services, const std::string& id, const std::string& agent,
                std::function<void(CaseAnswer)> done);
void resolve_case(Services& services, const std::string& id, const std::string& agent,
                  const std::string& note, bool force, std::function<void(CaseAnswer)> done);
// The same, with finding a ticket's case, as a source's context has them.
source::CaseActions case_actions(Services& services);
// POST /v1/admin/pause, /v1/admin/resume (admin.cpp); `has_tokens`: without tokens
// nobody may use them;
void add_admin_routes(Router& router, Services& services, bool has_tokens);
// GET /v1/admin/queue[/{id}], POST /v1/admin/queue/retry, .../{id}/drop, .../hold,
// .../release: the deliveries owed and given up, for `ackd queue` (queue.cpp);
void add_queue_routes(Router& router, Services& services, bool has_tokens);
// GET /v1/events: what happens to cases, as Server-Sent Events (events.cpp);
void add_event_routes(Router& router, Services& services);
// GET /ui/...: the console's files; GET /v1/me: the caller's scope (console.cpp).
void add_console_routes(Router& router);
// GET /healthz, /readyz, /metrics (health.cpp);
void add_health_routes(Router& router, Services& services);
// GET and POST /v1/sources/{name}: a platform's handshake and webhook, handed to the source
// of that name, which checks the platform's signature (sources.cpp);
void add_source_routes(Router& router, source::Sources& sources);
// Where each source stands, kept in the store (a mailbox's last UID taken).
source::SourceState source_state(Services& services);

// All of the above.
void add_routes(Router& router, Services& services, bool has_tokens, source::Sources& sources);

}  // namespace ackd::api
