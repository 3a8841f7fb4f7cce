#include "answer.hpp"

namespace ackd::api {

void invalid_body(const http::Request& request, const http::Respond& respond,
                  std::string_view message) {
  respond(http::error_response(request, bhttp::status::bad_request, "invalid_body", message));
}

std::optional<nlohmann::json> object_body(const http::Request& request,
                                          const http::Respond& respond) {
  auto body = nlohmann::json::parse(request.body(), nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    invalid_body(request, respond, "body: must be a JSON object");
    return std::nullopt;
  }
  return body;
}

std::optional<std::string> string_field(const nlohmann::json& body, const std::string& field,
                                        bool required, const http::Request& request,
                                        const http::Respond& respond, std::string_view what) {
  auto it = body.find(field);
  if (it == body.end() && !required) return std::string();
  if (it == body.end() || !it->is_string() || (required && it->get<std::string>().empty())) {
    invalid_body(request, respond, field + ": " + std::string(what));
    return std::nullopt;
  }
  return it->get<std::string>();
}

bool refused_anonymous(bool has_tokens, const http::Request& request,
                       const http::Respond& respond) {
  if (has_tokens) return false;
  respond(http::error_response(request, bhttp::status::forbidden, "forbidden",
                               "the admin endpoints need auth.tokens_file in ackd.yaml"));
  return true;
}

}  // namespace ackd::api
