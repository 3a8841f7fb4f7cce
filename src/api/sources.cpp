// GET and POST /v1/sources/{name}: a platform's handshake and webhook, for the source of that
// name to check and turn into complaints; and where the sources that read from elsewhere
// stand, kept in the store.

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
        kAnyone);
  }
}

source::SourceState source_state(Services& s) {
  source::SourceState state;
  state.load = [&s](std::string name,
                    std::function<void(absl::StatusOr<std::optional<std::string>>)> done) {
    s.store.source_state(std::move(name), on_io_thread<absl::StatusOr<std::optional<std::string>>>(
                                              s, std::move(done)));
  };
  state.save = [&s](std::string name, std::string value, std::function<void(absl::Status)> done) {
    s.store.save_source_state(std::move(name), std::move(value), s.now(),
                              on_io_thread<absl::Status>(s, std::move(done)));
  };
  return state;
}

}  // namespace ackd::api
