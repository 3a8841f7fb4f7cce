// The `x` source: X's Account Activity webhooks. X checks the endpoint with a GET carrying
// crc_token (answered {"response_token": "sha256=" + base64(HMAC-SHA256(consumer secret,
// token))}) and signs each POST (x-twitter-webhooks-signature: sha256=base64(HMAC-SHA256(
// consumer secret, raw body))). Mentions and replies (tweet_create_events) are public
// complaints, direct messages (direct_message_events) direct ones; the account's own posts
// and messages, and retweets, are not complaints.
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

// X gives milliseconds since the epoch as a string ("1692251666727").
std::optional<time::Instant> from_millis_text(const std::string& millis) {
  if (millis.empty() || millis.find_first_not_of("0123456789") != std::string::npos ||
      millis.size() > 15) {
    return std::nullopt;
  }
  return time::Instant(time::Seconds(std::stoll(millis) / 1000));
}

std::optional<Complaint> from_tweet(const json& tweet, const std::string& account) {
  if (!tweet.is_object() || tweet.contains("retweeted_status")) return std::nullopt;
  const auto& user = tweet.value("user", json::object());
  Complaint c;
  c.channel = "x";
  c.external_id = json_text(tweet, "id_str");
  c.author.id = json_text(user, "id_str");
  if (c.external_id.empty() || c.author.id.empty() || c.author.id == account) return std::nullopt;
  c.author.handle = json_text(user, "screen_name");
  c.author.name = json_text(user, "name");
  if (auto f = user.find("followers_count"); f != user.end() && f->is_number_integer()) {
    c.author.followers = f->get<std::int64_t>();
  }
  c.author.verified = json_flag(user, "verified");
  // A long post's whole text is in extended_tweet.
  const auto& extended = tweet.value("extended_tweet", json::object());
  c.text = extended.is_object() && extended.contains("full_text") ? json_text(extended, "full_text")
                                                                  : json_text(tweet, "text");
  const auto parent = json_text(tweet, "in_reply_to_status_id_str");
  c.thread_id = parent.empty() ? c.external_id : parent;
  c.received_at = from_millis_text(json_text(tweet, "timestamp_ms"));
  c.metadata["x"] = {{"tweet_id", c.external_id}};
  return c;
}

std::optional<Complaint> from_message(const json& event, const json& users,
                                      const std::string& account) {
  if (!event.is_object() || json_text(event, "type") != "message_create") return std::nullopt;
  const auto& create = event.value("message_create", json::object());
  if (!create.is_object()) return std::nullopt;
  Complaint c;
  c.channel = "x";
  c.visibility = Visibility::private_message;
  c.external_id = json_text(event, "id");
  c.author.id = json_text(create, "sender_id");
  c.text = json_text(create.value("message_data", json::object()), "text");
  if (c.external_id.empty() || c.author.id.empty() || c.author.id == account || c.text.empty()) {
    return std::nullopt;
  }
  if (users.is_object() && users.contains(c.author.id) && users[c.author.id].is_object()) {
    c.author.handle = json_text(users[c.author.id], "screen_name");
    c.author.name = json_text(users[c.author.id], "name");
  }
  c.received_at = from_millis_text(json_text(event, "created_timestamp"));
  c.metadata["x"] = {{"participant_id", c.author.id}};
  return c;
}

class XSource final : public Source {
 public:
  XSource(std::string consumer_secret, std::string user_id, Intake intake)
      : secret_(std::move(consumer_secret)),
        user_id_(std::move(user_id)),
        intake_(std::move(intake)) {}

  void handle(Request request, Respond respond) override {
    if (request.method == "GET") return respond(challenge_response(request));
    if (request.method != "POST") {
      return respond(error_response(405, "method_not_allowed", "X sends events with POST"));
    }
    if (auto refusal = signature_refusal(
            request, "x-twitter-webhooks-signature",
            "sha256=" + crypto::base64(crypto::hmac_sha256(secret_, request.body)), "x")) {
      return respond(std::move(*refusal));
    }
    auto body = json::parse(request.body, nullptr, /*allow_exceptions=*/false);
    if (!body.is_object()) {
      return respond(error_response(400, "invalid_event", "an X webhook body is a JSON object"));
    }
    const auto account = json_text(body, "for_user_id");
    // Every "*_events" array is events; those not taken (likes, follows, typing, reads,
    // deletions, our own) are skipped.
    std::size_t events = 0;
    for (const auto& [key, list] : body.items()) {
      if (key.ends_with("_events") && list.is_array()) events += list.size();
    }
    if (!user_id_.empty() && account != user_id_) {
      // Another account the app subscribed: not this source's to take.
      return respond({200, "application/json", "{}", events});
    }
    const json& users = body.value("users", json::object());
    const json none = json::array();
    std::vector<Complaint> complaints;
    for (const auto& tweet : body.value("tweet_create_events", none)) {
      if (auto c = from_tweet(tweet, account)) complaints.push_back(std::move(*c));
    }
    for (const auto& event : body.value("direct_message_events", none)) {
      if (auto c = from_message(event, users, account)) complaints.push_back(std::move(*c));
    }
    const auto skipped = events - std::min(events, complaints.size());
    take_all(intake_, std::move(complaints), skipped, std::move(respond));
  }

 private:
  // The CRC check X makes of the endpoint, when it is registered and then hourly.
  Response challenge_response(const Request& request) const {
    const auto token = request.query("crc_token");
    if (!token) return error_response(400, "invalid_request", "a GET needs crc_token");
    return {
        200, "application/json",
        json{{"response_token", "sha256=" + crypto::base64(crypto::hmac_sha256(secret_, *token))}}
            .dump()};
  }

  std::string secret_;
  std::string user_id_;  // the account this source answers for; empty: any
  Intake intake_;
};

struct XSettings {
  std::string consumer_secret;
  std::string user_id;
};

std::optional<XSettings> read_x_settings(config::SectionReader& section) {
  section.allow({"consumer_secret", "user_id"});
  XSettings settings;
  if (auto secret = section.required_secret("consumer_secret")) settings.consumer_secret = *secret;
  if (auto user_id = section.text("user_id")) {
    if (user_id->empty() || user_id->find_first_not_of("0123456789") != std::string::npos) {
      section.error("user_id", section.what() + ": user_id is the account's numeric id, got '" +
                                   *user_id + "'");
    }
    settings.user_id = *user_id;
  }
  if (!section.ok()) return std::nullopt;
  return settings;
}

}  // namespace

void register_x_source(SourceRegistry& registry) {
  registry.add("x", read_x_settings, [](const XSettings& settings, const SourceContext& context) {
    return SourceRegistry::MadeOrError(
        std::make_unique<XSource>(settings.consumer_secret, settings.user_id, context.intake));
  });
}

}  // namespace ackd::source
