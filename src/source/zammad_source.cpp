// The `zammad` source: a Zammad trigger's webhook about the tickets ackd opened, signed
// X-Hub-Signature: sha1=hex(HMAC-SHA1(token, raw body)). Zammad sends the whole ticket: one
// with an owner (anyone but Zammad's system user, id 1) claims its case for the owner; one
// closed resolves it.
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "ackd/source/registry.hpp"
#include "crypto/hmac.hpp"
#include "source/helpdesk.hpp"
#include "source/webhook.hpp"

namespace ackd::source {
namespace {

using nlohmann::json;

// Zammad's user for "nobody": a ticket owned by it is unassigned.
constexpr std::uint64_t kZammadNobody = 1;

std::uint64_t zammad_id(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_number_unsigned() ? it->get<std::uint64_t>() : 0;
}

// "Emma Taylor", else the login, else "zammad user <id>".
std::string owner_name(const json& ticket, std::uint64_t owner_id) {
  auto owner = ticket.find("owner");
  if (owner != ticket.end() && owner->is_object()) {
    std::string name = json_text(*owner, "firstname");
    const std::string last = json_text(*owner, "lastname");
    if (!last.empty()) name += (name.empty() ? "" : " ") + last;
    if (name.empty()) name = json_text(*owner, "login");
    if (!name.empty()) return name;
  }
  return "zammad user " + std::to_string(owner_id);
}

class ZammadSource final : public Source {
 public:
  ZammadSource(std::string secret, CaseActions cases)
      : secret_(std::move(secret)), cases_(std::move(cases)) {}

  void handle(Request request, Respond respond) override {
    if (request.method != "POST") {
      return respond(error_response(405, "method_not_allowed", "Zammad sends webhooks with POST"));
    }
    if (auto refusal = signature_refusal(
            request, "X-Hub-Signature",
            "sha1=" + crypto::hex(crypto::hmac_sha1(secret_, request.body)), "zammad")) {
      return respond(std::move(*refusal));
    }
    auto body = json::parse(request.body, nullptr, /*allow_exceptions=*/false);
    if (!body.is_object() || !body.contains("ticket") || !body["ticket"].is_object() ||
        zammad_id(body["ticket"], "id") == 0) {
      return respond(
          error_response(400, "invalid_event", "a Zammad webhook has a ticket with an id"));
    }
    const json& ticket = body["ticket"];
    TicketChange change;
    change.remote_id = "zammad:" + std::to_string(zammad_id(ticket, "id"));
    const std::uint64_t owner_id = zammad_id(ticket, "owner_id");
    const bool owned = owner_id != 0 && owner_id != kZammadNobody;
    if (json_text(ticket, "state") == "closed") {
      change.what = TicketChange::What::solved;
      change.agent = owned ? owner_name(ticket, owner_id) : "zammad";
    } else if (owned) {
      change.what = TicketChange::What::assigned;
      change.agent = owner_name(ticket, owner_id);
    }
    apply(cases_, std::move(change), "zammad", std::move(respond));
  }

 private:
  std::string secret_;
  CaseActions cases_;
};

std::optional<std::string> read_zammad_source_settings(config::SectionReader& section) {
  section.allow({"secret"});
  auto secret = section.required_secret("secret");
  if (!section.ok()) return std::nullopt;
  return secret;
}

}  // namespace

void register_zammad_source(SourceRegistry& registry) {
  registry.add(
      "zammad", read_zammad_source_settings,
      [](const std::string& secret, const SourceContext& context) {
        return SourceRegistry::MadeOrError(std::make_unique<ZammadSource>(secret, context.cases));
      });
}

}  // namespace ackd::source
