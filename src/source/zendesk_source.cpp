// The `zendesk` source: Zendesk's event-subscription webhook about the tickets ackd opened.
// Each request is signed (X-Zendesk-Webhook-Signature: base64(HMAC-SHA256(signing secret,
// X-Zendesk-Webhook-Signature-Timestamp + raw body))). An agent assigned to the ticket claims
// its case; a ticket solved or closed resolves it. With the API's base_url, user and token,
// the assignee's name is looked up (GET /api/v2/users/{id}); without, the agent is named by
// the id.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/beast/http/field.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "ackd/source/registry.hpp"
#include "ackd/text/ascii.hpp"
#include "crypto/hmac.hpp"
#include "deliver/helpdesk_sink.hpp"
#include "deliver/http_client.hpp"
#include "source/helpdesk.hpp"
#include "source/webhook.hpp"

namespace ackd::source {
namespace {

namespace bhttp = boost::beast::http;
using nlohmann::json;

// Zendesk writes ids as numbers in its API and as strings in event payloads.
std::string zendesk_id(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_unsigned()) return std::to_string(it->get<std::uint64_t>());
  return "";
}

// The Zendesk API as the source uses it: who a user is.
struct ZendeskApi {
  std::unique_ptr<deliver::HttpClient> client;
  std::string authorization;
};

class ZendeskSource final : public Source {
 public:
  ZendeskSource(std::string secret, std::optional<ZendeskApi> api, CaseActions cases)
      : secret_(std::move(secret)), api_(std::move(api)), cases_(std::move(cases)) {}

  ~ZendeskSource() override {
    if (api_) api_->client->abort();
  }

  void handle(Request request, Respond respond) override {
    if (request.method != "POST") {
      return respond(error_response(405, "method_not_allowed", "Zendesk sends events with POST"));
    }
    const std::string signed_text =
        std::string(request.header("X-Zendesk-Webhook-Signature-Timestamp")) + request.body;
    if (auto refusal = signature_refusal(request, "X-Zendesk-Webhook-Signature",
                                         crypto::base64(crypto::hmac_sha256(secret_, signed_text)),
                                         "zendesk")) {
      return respond(std::move(*refusal));
    }
    auto body = json::parse(request.body, nullptr, /*allow_exceptions=*/false);
    if (!body.is_object() || !body.contains("detail") || !body["detail"].is_object()) {
      return respond(
          error_response(400, "invalid_event", "a Zendesk ticket event has a detail object"));
    }
    const json& detail = body["detail"];
    const std::string type = json_text(body, "type");
    const std::string status = text::ascii_lower(json_text(detail, "status"));
    const std::string assignee = zendesk_id(detail, "assignee_id");
    TicketChange change;
    change.remote_id = "zendesk:" + zendesk_id(detail, "id");
    if (type == "zen:event-type:ticket.agent_assignment_changed" && !assignee.empty()) {
      change.what = TicketChange::What::assigned;
    } else if (type == "zen:event-type:ticket.status_changed" &&
               (status == "solved" || status == "closed")) {
      change.what = TicketChange::What::solved;
    }
    if (change.what == TicketChange::What::none || assignee.empty()) {
      change.agent = "zendesk";
      return apply(cases_, std::move(change), "zendesk", std::move(respond));
    }
    with_name(assignee, [this, change, respond = std::move(respond)](std::string name) mutable {
      change.agent = std::move(name);
      apply(cases_, std::move(change), "zendesk", std::move(respond));
    });
  }

 private:
  // The user's name as Zendesk has it, else "zendesk user <id>".
  void with_name(const std::string& user_id, std::function<void(std::string)> then) {
    std::string fallback = "zendesk user " + user_id;
    if (!api_) return then(std::move(fallback));
    std::string path = api_->client->url().target;
    if (path.ends_with('/')) path.pop_back();
    auto request =
        api_->client->request(bhttp::verb::get, path + "/api/v2/users/" + user_id + ".json");
    request.set(bhttp::field::authorization, api_->authorization);
    request.set(bhttp::field::accept, "application/json");
    api_->client->send(std::move(request), [fallback,
                                            then = std::move(then)](deliver::HttpOutcome outcome) {
      if (outcome.error.empty() && outcome.response.result_int() == 200) {
        auto body = json::parse(outcome.response.body(), nullptr, false);
        if (body.is_object() && body.contains("user") && body["user"].is_object()) {
          if (auto name = json_text(body["user"], "name"); !name.empty()) return then(name);
        }
      }
      spdlog::warn("zendesk source: the name of {} not found ({}); named by id", fallback,
                   outcome.error.empty() ? deliver::status_error(outcome.response) : outcome.error);
      then(fallback);
    });
  }

  std::string secret_;
  std::optional<ZendeskApi> api_;
  CaseActions cases_;
};

struct ZendeskSourceSettings {
  std::string secret;
  std::optional<deliver::HttpSettings> api;
  std::string user;
  std::string token;
};

std::optional<ZendeskSourceSettings> read_zendesk_source_settings(config::SectionReader& section) {
  auto keys = deliver::http_keys("base_url");
  keys.insert(keys.end(), {"secret", "user", "token"});
  section.allow(keys);
  ZendeskSourceSettings settings;
  if (auto secret = section.required_secret("secret")) settings.secret = *secret;
  if (section.text("base_url")) {
    settings.api = deliver::read_http_settings(section, "base_url");
    if (auto user = section.required("user")) settings.user = *user;
    if (auto token = section.required_secret("token")) settings.token = *token;
  } else if (section.text("user") || section.text("token")) {
    section.error(section.text("user") ? "user" : "token",
                  section.what() +
                      ": user and token are for the API at base_url, which is "
                      "missing");
  }
  if (!section.ok()) return std::nullopt;
  return settings;
}

}  // namespace

void register_zendesk_source(SourceRegistry& registry) {
  registry.add("zendesk", read_zendesk_source_settings,
               [](const ZendeskSourceSettings& settings, const SourceContext& context) {
                 std::optional<ZendeskApi> api;
                 if (settings.api) {
                   auto client =
                       deliver::make_http_client(*settings.api, {context.io, context.clock, 1, {}});
                   if (auto* error = std::get_if<std::string>(&client)) {
                     return SourceRegistry::MadeOrError(*error);
                   }
                   api =
                       ZendeskApi{std::get<std::unique_ptr<deliver::HttpClient>>(std::move(client)),
                                  deliver::zendesk_authorization(settings.user, settings.token)};
                 }
                 return SourceRegistry::MadeOrError(std::make_unique<ZendeskSource>(
                     settings.secret, std::move(api), context.cases));
               });
}

}  // namespace ackd::source
