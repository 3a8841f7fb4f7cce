// The `line` source: the LINE Messaging API's webhook. Each request is signed with the
// channel secret (x-line-signature: base64(HMAC-SHA256(channel secret, raw body))); each text
// message from a user becomes one complaint, its webhookEventId the external id (a
// redelivery is then a duplicate), its replyToken kept for the reply.
#include <spdlog/spdlog.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ackd/source/registry.hpp"
#include "crypto/hmac.hpp"
#include "source/webhook.hpp"

namespace ackd::source {
namespace {

using nlohmann::json;

// The complaint a LINE event carries, if it is one: a text message from a user, not in
// standby mode (another channel answers then).
std::optional<Complaint> complaint_of(const json& event, const std::string& channel) {
  if (!event.is_object() || json_text(event, "type") != "message") return std::nullopt;
  if (json_text(event, "mode") == "standby") return std::nullopt;
  const auto& message = event.value("message", json::object());
  const auto& from = event.value("source", json::object());
  if (!message.is_object() || json_text(message, "type") != "text") return std::nullopt;
  if (!from.is_object()) return std::nullopt;
  Complaint c;
  c.channel = channel;
  c.external_id = json_text(event, "webhookEventId");
  c.author.id = json_text(from, "userId");
  c.text = json_text(message, "text");
  c.visibility = Visibility::private_message;
  std::int64_t millis = 0;
  if (auto at = event.find("timestamp"); at != event.end() && at->is_number_integer()) {
    millis = at->get<std::int64_t>();
    c.received_at = time::Instant(time::Seconds(millis / 1000));
  }
  // What the reply needs: the token is good for about a minute from the event.
  c.metadata["line"] = {{"reply_token", json_text(event, "replyToken")},
                        {"message_id", json_text(message, "id")},
                        {"timestamp", millis}};
  if (c.external_id.empty() || c.author.id.empty()) return std::nullopt;
  return c;
}

class LineSource final : public Source {
 public:
  LineSource(std::string secret, std::string channel, Intake intake)
      : secret_(std::move(secret)), channel_(std::move(channel)), intake_(std::move(intake)) {}

  void handle(Request request, Respond respond) override {
    if (request.method != "POST") {
      return respond(error_response(405, "method_not_allowed", "LINE sends events with POST"));
    }
    if (auto refusal =
            signature_refusal(request, "x-line-signature",
                              crypto::base64(crypto::hmac_sha256(secret_, request.body)), "line")) {
      return respond(std::move(*refusal));
    }
    auto body = json::parse(request.body, nullptr, /*allow_exceptions=*/false);
    if (!body.is_object() || !body.contains("events") || !body["events"].is_array()) {
      return respond(
          error_response(400, "invalid_event", "a LINE webhook body has an events array"));
    }
    std::vector<Complaint> complaints;
    std::size_t ignored = 0;
    for (const auto& event : body["events"]) {
      if (auto c = complaint_of(event, channel_)) {
        complaints.push_back(std::move(*c));
      } else {
        ++ignored;
      }
    }
    if (ignored > 0) spdlog::debug("line source: {} event(s) not a complaint", ignored);
    take_all(intake_, std::move(complaints), ignored, std::move(respond));
  }

 private:
  std::string secret_;
  std::string channel_;
  Intake intake_;
};

struct LineSettings {
  std::string secret;
  std::string channel = "line";
};

std::optional<LineSettings> read_line_settings(config::SectionReader& section) {
  section.allow({"channel_secret", "channel"});
  LineSettings settings;
  if (auto secret = section.required_secret("channel_secret")) settings.secret = *secret;
  if (auto channel = section.text("channel")) settings.channel = *channel;
  if (!section.ok()) return std::nullopt;
  return settings;
}

}  // namespace

void register_line_source(SourceRegistry& registry) {
  registry.add(
      "line", read_line_settings, [](const LineSettings& settings, const SourceContext& context) {
        return SourceRegistry::MadeOrError(
            std::make_unique<LineSource>(settings.secret, settings.channel, context.intake));
      });
}

}  // namespace ackd::source
