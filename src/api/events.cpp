// GET /v1/events, and the hub that feeds it.

#include "ackd/api/events.hpp"

#include "ackd/api/api.hpp"
#include "answer.hpp"

namespace ackd::api {

Events::Events(boost::asio::io_context& io, std::chrono::milliseconds heartbeat)
    : timer_(io), heartbeat_(heartbeat) {}

void Events::subscribe(std::shared_ptr<http::EventStream> stream) {
  // How long a browser waits before it reconnects, and a first line that opens the stream.
  if (!stream->send("retry: 2000\n: ackd events\n\n")) return;
  streams_.push_back(std::move(stream));
  if (!beating_) beat();
}

void Events::publish(nlohmann::json event) {
  if (streams_.empty()) return;
  const std::string chunk =
      "id: " + std::to_string(next_id_++) + "\ndata: " + event.dump() + "\n\n";
  std::erase_if(streams_, [&](const auto& stream) { return !stream->send(chunk); });
}

void Events::publish(std::string_view type, std::string_view case_id) {
  publish(nlohmann::json{{"type", type}, {"id", case_id}});
}

std::size_t Events::subscribers() const {
  return streams_.size();
}

// A comment now and then: a proxy does not close a quiet stream, and a client that went
// away without a word is found by the write that fails.
void Events::beat() {
  std::erase_if(streams_, [](const auto& stream) { return !stream->send(": keep-alive\n\n"); });
  beating_ = !streams_.empty();
  if (!beating_) return;
  timer_.expires_after(heartbeat_);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) beat();
  });
}

void add_event_routes(Router& router, Services& s) {
  router.add(
      bhttp::verb::get, "/v1/events",
      [&s](http::Request&& req, const Params&, const http::Respond& respond) {
        if (!respond.can_stream()) {
          return respond(http::error_response(req, bhttp::status::not_implemented,
                                              "not_implemented", "this server cannot stream"));
        }
        http::Response head{bhttp::status::ok, req.version()};
        head.set(bhttp::field::server, "ackd");
        head.set(bhttp::field::content_type, "text/event-stream; charset=utf-8");
        head.set(bhttp::field::cache_control, "no-store");
        head.set("X-Accel-Buffering", "no");  // nginx: pass each event on at once
        head.set("X-Content-Type-Options", "nosniff");
        respond.stream(std::move(head), [&s](std::shared_ptr<http::EventStream> stream) {
          s.events.subscribe(std::move(stream));
        });
      },
      needs(Scope::read));
}

}  // namespace ackd::api
