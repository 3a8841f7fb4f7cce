#include "ackd/api/api.hpp"

namespace ackd::api {

void add_routes(Router& router, Services& services, bool has_tokens, source::Sources& sources) {
  add_health_routes(router, services);
  add_complaint_routes(router, services);
  add_case_routes(router, services);
  add_report_routes(router, services);
  add_admin_routes(router, services, has_tokens);
  add_queue_routes(router, services, has_tokens);
  add_event_routes(router, services);
  add_console_routes(router);
  add_source_routes(router, sources);
}

}  // namespace ackd::api
