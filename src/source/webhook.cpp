#include "source/webhook.hpp"

#include <spdlog/spdlog.h>

#include <memory>

#include "ackd/http/server.hpp"
#include "crypto/hmac.hpp"

namespace ackd::source {

Response error_response(unsigned status, std::string_view code, const std::string& message) {
  return {status, "application/json", http::error_body(code, message)};
}

std::optional<Response> signature_refusal(const Request& request, std::string_view header,
                                          const std::string& expected, std::string_view kind) {
  if (crypto::same_secret_text(request.header(header), expected)) return std::nullopt;
  spdlog::warn("{} source: a request with a missing or wrong {} refused", kind, header);
  return error_response(401, "bad_signature", std::string(header) + " does not match the body");
}

void take_all(const Intake& intake, std::vector<Complaint> complaints, std::size_t skipped,
              Respond respond) {
  struct Pending {
    std::size_t left;
    std::size_t skipped;
    bool unavailable = false;
    Respond respond;
  };
  if (complaints.empty()) return respond({200, "application/json", "{}", skipped});
  auto pending =
      std::make_shared<Pending>(Pending{complaints.size(), skipped, false, std::move(respond)});
  for (auto& c : complaints) {
    const std::string channel = c.channel;
    intake(std::move(c), [pending, channel](IntakeAnswer a) {
      if (a.status == 503) pending->unavailable = true;
      if (a.status == 400) spdlog::warn("{} source: an event refused: {}", channel, a.body);
      if (--pending->left > 0) return;
      pending->respond(pending->unavailable
                           ? error_response(503, "store_unavailable", "retry later")
                           : Response{200, "application/json", "{}", pending->skipped});
    });
  }
}

}  // namespace ackd::source
