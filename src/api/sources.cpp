// GET and POST /v1/sources/{name}: a platform's handshake and webhook, for the source of that
// name to check and turn into complaints.

#include "ackd/api/api.hpp"
#include "answer.hpp"

namespace ackd::api {

void add_source_routes(Router& router, source::Sources& sources) {
  // Platforms send no bearer token: each source checks its platform's own signature.
  for (const auto verb : {bhttp::verb::get, bhttp::verb::post}) {
    router.add(
        verb, "/v1/sources/{name}",
        [&sources](http::Request&& req, const Params& p, const http::Respond& respond) {
          sources.serve(p["name"], req, respond);
        },
        Access::anyone);
  }
}

}  // namespace ackd::api
