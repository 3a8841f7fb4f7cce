#pragma once

#include <boost/asio/post.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "ackd/api/services.hpp"
#include "ackd/http/server.hpp"
#include "nlohmann/json.hpp"

namespace ackd::api {

namespace bhttp = boost::beast::http;

// The body as a JSON object, or a 400 already answered that says so.
std::optional<nlohmann::json> object_body(const http::Request& request,
                                          const http::Respond& respond);

// Answers 400 naming the field, as every body check does: "agent: must be a non-empty string".
void invalid_body(const http::Request& request, const http::Respond& respond,
                  std::string_view message);

// `field` when it is a string (non-empty if `required`), else a 400 already answered.
// Absent and not required: "".
std::optional<std::string> string_field(const nlohmann::json& body, const std::string& field,
                                        bool required, const http::Request& request,
                                        const http::Respond& respond,
                                        std::string_view what = "must be a non-empty string");

// Nobody anonymous may change what ackd sends (the kill switch, the queue): without
// auth.tokens_file, true after a 403 that says so.
bool refused_anonymous(bool has_tokens, const http::Request& request, const http::Respond& respond);

// The pause as /readyz and the admin endpoints show it: false, or who, why and since when.
nlohmann::json pause_json(const std::optional<store::Pause>& pause);

// `then`, to be run on the io thread with what the store answers (a `Result`) on its writer
// thread.
template <class Result, class Then>
auto on_io_thread(Services& services, Then then) {
  return [&io = services.io, then = std::move(then)](Result r) mutable {
    boost::asio::post(io, [then = std::move(then), r = std::move(r)]() mutable { then(r); });
  };
}

// Runs a store call whose result comes back on the writer thread, then `finish` on the io
// thread; an unknown id is a 404, a conflict (an ambiguous reference, a delivery not in a
// state to retry) 409 and a store failure a 503.
template <class T, class Finish>
void from_store(Services& services, const http::Request& request, const http::Respond& respond,
                std::function<void(std::function<void(absl::StatusOr<T>)>)> start, Finish finish) {
  auto req = std::make_shared<http::Request>(request);
  start([&io = services.io, req, respond, finish = std::move(finish)](absl::StatusOr<T> r) mutable {
    boost::asio::post(io, [req, respond, finish = std::move(finish), r = std::move(r)]() mutable {
      if (!r.ok() && absl::IsNotFound(r.status())) {
        return respond(http::error_response(*req, bhttp::status::not_found, "not_found",
                                            std::string(r.status().message())));
      }
      if (!r.ok() && absl::IsFailedPrecondition(r.status())) {
        return respond(http::error_response(*req, bhttp::status::conflict, "conflict",
                                            std::string(r.status().message())));
      }
      if (!r.ok()) {
        return respond(http::error_response(*req, bhttp::status::service_unavailable,
                                            "store_unavailable",
                                            std::string(r.status().message())));
      }
      finish(*req, respond, std::move(*r));
    });
  });
}

}  // namespace ackd::api
