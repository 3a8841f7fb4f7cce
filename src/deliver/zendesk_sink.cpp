// The `zendesk` sink: a handoff opens a Zendesk Support ticket (its external_id the case id,
// its Idempotency-Key the delivery's), later notices add private comments to it.
#include "ackd/http/query.hpp"
#include "crypto/hmac.hpp"
#include "deliver/helpdesk_sink.hpp"
#include "deliver/platform_sink.hpp"

namespace ackd::deliver {

std::string zendesk_authorization(const std::string& user, const std::string& token) {
  // An API token goes as the user "{email}/token" with the token as the password.
  return "Basic " + crypto::base64(user + "/token:" + token);
}

namespace {

namespace http = boost::beast::http;
using nlohmann::json;

class ZendeskSink final : public HelpdeskSink {
 public:
  ZendeskSink(const SinkContext& context, std::unique_ptr<HttpClient> client,
              const std::string& token, const std::string& user)
      : HelpdeskSink(context, std::move(client), "zendesk", zendesk_authorization(user, token)) {}

 protected:
  HttpRequest find_request(const std::string& case_id) const override {
    return request(http::verb::get, "/api/v2/tickets.json",
                   "external_id=" + ackd::http::percent_encode(case_id));
  }

  std::optional<std::string> found_ticket(const json& answer) const override {
    auto tickets = answer.find("tickets");
    if (tickets == answer.end() || !tickets->is_array()) return std::nullopt;
    if (tickets->empty()) return "";
    return id_text(tickets->front());
  }

  HttpRequest open_request(const notice::Notice& notice, const Delivery& delivery,
                           const notice::View& view) const override {
    json ticket = {{"subject", "Complaint"},
                   {"comment", {{"body", notice::ticket_body(notice, view)}, {"public", false}}},
                   {"external_id", delivery.complaint_id},
                   {"tags", json::array({"ackd"})}};
    if (!notice.cases.empty()) {
      const auto& c = notice.cases.front();
      ticket["subject"] = notice::ticket_subject(c);
      json requester = {{"name", notice::customer(c)}};
      // An e-mail address lets Zendesk find the customer it already knows.
      if (c.author_id.find('@') != std::string::npos) requester["email"] = c.author_id;
      ticket["requester"] = std::move(requester);
      for (const auto& tag : {c.rule, c.channel}) {
        if (!tag.empty()) ticket["tags"].push_back(tag_word(tag));
      }
    }
    if (!notice.team.empty()) ticket["tags"].push_back(tag_word(notice.team));
    if (auto p = priority_name(notice.priority, {"urgent", "high", "normal", "low"}); !p.empty()) {
      ticket["priority"] = p;
    }
    auto out = request(http::verb::post, "/api/v2/tickets.json", {}, json{{"ticket", ticket}});
    out.set("Idempotency-Key", delivery.idempotency_key);
    return out;
  }

  std::string opened_ticket(const json& answer) const override {
    auto ticket = answer.find("ticket");
    if (ticket == answer.end() || !ticket->is_object()) return "";
    return id_text(*ticket);
  }

  HttpRequest note_request(const std::string& ticket, const notice::Notice& notice,
                           const notice::View& view) const override {
    return request(
        http::verb::put, "/api/v2/tickets/" + ticket + ".json", {},
        json{{"ticket",
              {{"comment", {{"body", notice::ticket_note(notice, view)}, {"public", false}}}}}});
  }

 private:
  // A ticket's id, a number in Zendesk's JSON, as text; "" without one.
  static std::string id_text(const json& ticket) {
    auto id = ticket.find("id");
    if (id == ticket.end()) return "";
    if (id->is_number_unsigned()) return std::to_string(id->get<std::uint64_t>());
    if (id->is_string()) return id->get<std::string>();
    return "";
  }
};

struct ZendeskSettings {
  PlatformSettings platform;
  std::string user;
};

std::optional<ZendeskSettings> read_zendesk_settings(config::SectionReader& section) {
  auto platform = read_platform_settings(section, "", {"user"});
  auto user = section.required("user");
  if (user && user->find('@') == std::string::npos) {
    section.error("user", section.what() +
                              ": user must be the e-mail address of the agent whose API token "
                              "ackd uses, got '" +
                              *user + "'");
  }
  if (!platform || !user || !section.ok()) return std::nullopt;
  return ZendeskSettings{std::move(*platform), std::move(*user)};
}

}  // namespace

void register_zendesk_sink(SinkRegistry& registry) {
  registry.add(
      "zendesk", read_zendesk_settings,
      [](const ZendeskSettings& settings, const SinkContext& context) {
        return make_http_sink<ZendeskSink>(settings.platform.http, context, settings.platform.token,
                                           settings.user);
      },
      config::Takes::notices_only());
}

}  // namespace ackd::deliver
