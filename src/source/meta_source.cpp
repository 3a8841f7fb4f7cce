// The `meta` source: Meta's webhooks for an Instagram account and a Facebook Page. The
// endpoint is verified once with a GET (hub.mode=subscribe, hub.verify_token, answered with
// hub.challenge); each POST is signed with the app secret (X-Hub-Signature-256:
// sha256=hex(HMAC-SHA256(app secret, raw body))). Comments are public complaints, messages
// direct ones; the account's own posts and echoes are not complaints.
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

std::optional<time::Instant> from_millis(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_number_integer()) return std::nullopt;
  return time::Instant(time::Seconds(it->get<std::int64_t>() / 1000));
}

// What one entry of a webhook body carries: a complaint per comment or message, for
// `platform` ("instagram" or "facebook"); `account` is the Page or Instagram account the
// entry is for. Returns how many events (changes and messages) the entry holds.
std::size_t comments_and_messages(const json& entry, const std::string& platform,
                                  std::vector<Complaint>& out) {
  const std::string account = json_text(entry, "id");
  const json none = json::array();
  auto list = [&](const char* key) {
    auto value = entry.value(key, none);
    return value.is_array() ? value : none;
  };
  const json changes = list("changes");
  const json messaging = list("messaging");
  const std::size_t events = changes.size() + messaging.size();
  for (const auto& change : changes) {
    if (!change.is_object()) continue;
    const auto& v = change.value("value", json::object());
    if (!v.is_object()) continue;
    const auto& from = v.value("from", json::object());
    Complaint c;
    c.channel = platform;
    if (platform == "instagram" && json_text(change, "field") == "comments") {
      c.external_id = json_text(v, "id");
      c.text = json_text(v, "text");
      c.author.id = json_text(from, "id");
      c.author.handle = json_text(from, "username");
      c.thread_id = json_text(v.value("media", json::object()), "id");
      c.metadata["meta"] = {{"comment_id", c.external_id}, {"media_id", c.thread_id}};
    } else if (platform == "facebook" && json_text(change, "field") == "feed" &&
               json_text(v, "item") == "comment" && json_text(v, "verb") == "add") {
      c.external_id = json_text(v, "comment_id");
      c.text = json_text(v, "message");
      c.author.id = json_text(from, "id");
      c.author.name = json_text(from, "name");
      c.thread_id = json_text(v, "post_id");
      c.metadata["meta"] = {{"comment_id", c.external_id}, {"post_id", c.thread_id}};
    } else {
      continue;
    }
    if (c.external_id.empty() || c.author.id.empty() || c.author.id == account) continue;
    c.metadata["meta"]["account_id"] = account;
    out.push_back(std::move(c));
  }
  for (const auto& m : messaging) {
    if (!m.is_object()) continue;
    const auto& message = m.value("message", json::object());
    if (!message.is_object() || json_flag(message, "is_echo")) continue;
    Complaint c;
    c.channel = platform;
    c.visibility = Visibility::private_message;
    c.external_id = json_text(message, "mid");
    c.text = json_text(message, "text");
    c.author.id = json_text(m.value("sender", json::object()), "id");
    c.received_at = from_millis(m, "timestamp");
    if (c.external_id.empty() || c.text.empty() || c.author.id.empty() || c.author.id == account) {
      continue;
    }
    c.metadata["meta"] = {{"account_id", account}, {"sender_id", c.author.id}};
    out.push_back(std::move(c));
  }
  return events;
}

class MetaSource final : public Source {
 public:
  MetaSource(std::string app_secret, std::string verify_token, Intake intake)
      : app_secret_(std::move(app_secret)),
        verify_token_(std::move(verify_token)),
        intake_(std::move(intake)) {}

  void handle(Request request, Respond respond) override {
    if (request.method == "GET") return respond(verify(request));
    if (request.method != "POST") {
      return respond(error_response(405, "method_not_allowed", "Meta sends events with POST"));
    }
    if (auto refusal = signature_refusal(
            request, "X-Hub-Signature-256",
            "sha256=" + crypto::hex(crypto::hmac_sha256(app_secret_, request.body)), "meta")) {
      return respond(std::move(*refusal));
    }
    auto body = json::parse(request.body, nullptr, /*allow_exceptions=*/false);
    if (!body.is_object() || !body.contains("entry") || !body["entry"].is_array()) {
      return respond(
          error_response(400, "invalid_event", "a Meta webhook body has an entry array"));
    }
    const auto object = json_text(body, "object");
    std::vector<Complaint> complaints;
    std::size_t events = 0;
    for (const auto& entry : body["entry"]) {
      if ((object == "instagram" || object == "page") && entry.is_object()) {
        events +=
            comments_and_messages(entry, object == "page" ? "facebook" : "instagram", complaints);
      } else {
        ++events;  // an object ackd does not take: each entry counts as one
      }
    }
    const auto skipped = events - complaints.size();
    take_all(intake_, std::move(complaints), skipped, std::move(respond));
  }

 private:
  // Meta's check of the endpoint: the challenge back when the token is ours, else 403.
  Response verify(const Request& request) const {
    const auto mode = request.query("hub.mode");
    const auto token = request.query("hub.verify_token");
    const auto challenge = request.query("hub.challenge");
    if (mode == "subscribe" && token && crypto::same_secret_text(*token, verify_token_) &&
        challenge) {
      return {200, "text/plain", *challenge};
    }
    return error_response(403, "verification_failed", "hub.verify_token does not match");
  }

  std::string app_secret_;
  std::string verify_token_;
  Intake intake_;
};

struct MetaSettings {
  std::string app_secret;
  std::string verify_token;
};

std::optional<MetaSettings> read_meta_settings(config::SectionReader& section) {
  section.allow({"app_secret", "verify_token"});
  MetaSettings settings;
  if (auto secret = section.required_secret("app_secret")) settings.app_secret = *secret;
  if (auto token = section.required_secret("verify_token")) settings.verify_token = *token;
  if (!section.ok()) return std::nullopt;
  return settings;
}

}  // namespace

void register_meta_source(SourceRegistry& registry) {
  registry.add("meta", read_meta_settings,
               [](const MetaSettings& settings, const SourceContext& context) {
                 return SourceRegistry::MadeOrError(std::make_unique<MetaSource>(
                     settings.app_secret, settings.verify_token, context.intake));
               });
}

}  // namespace ackd::source
