// POST /v1/sources/{name}: a platform's webhook (or a mailbox's push), for the source of
// that name to turn into complaints.

#include "ackd/api/api.hpp"
#include "answer.hpp"

namespace ackd::api {

void add_source_routes(Router& router, Services&) {
  // No source is configured yet: every name is unknown.
  router.add(bhttp::verb::post, "/v1/sources/{name}",
             [](http::Request&& req, const Params& p, const http::Respond& respond) {
               respond(http::error_response(req, bhttp::status::not_found, "not_found",
                                            "no such source: " + p["name"]));
             });
}

}  // namespace ackd::api
