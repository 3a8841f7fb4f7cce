// The `zammad` sink: a handoff opens a Zammad ticket in the team's group, later notices add
// internal notes to it. Zammad has no idempotency key: the ticket carries the tag
// "ackd-<case id>", which the sink searches for before it opens one.
#include "ackd/http/query.hpp"
#include "deliver/helpdesk_sink.hpp"
#include "deliver/platform_sink.hpp"

namespace ackd::deliver {
namespace {

namespace http = boost::beast::http;
using nlohmann::json;

std::string case_tag(const std::string& case_id) {
  return "ackd-" + tag_word(case_id);
}

json text_note(const std::string& subject, std::string body) {
  return {{"subject", subject},
          {"body", std::move(body)},
          {"content_type", "text/plain"},
          {"type", "note"},
          {"internal", true}};
}

class ZammadSink final : public HelpdeskSink {
 public:
  ZammadSink(const SinkContext& context, std::unique_ptr<HttpClient> client,
             const std::string& token, std::string group, std::string customer)
      : HelpdeskSink(context, std::move(client), "zammad", "Token token=" + token),
        group_(std::move(group)),
        customer_(std::move(customer)) {}

 protected:
  HttpRequest find_request(const std::string& case_id) const override {
    return request(http::verb::get, "/api/v1/tickets/search",
                   "query=" + ackd::http::percent_encode("tags:" + case_tag(case_id)) + "&limit=1");
  }

  // {"tickets": [81], "tickets_count": 1, "assets": {...}}, or with expand=true a list of
  // tickets.
  std::optional<std::string> found_ticket(const json& answer) const override {
    const json* tickets = &answer;
    if (answer.is_object()) {
      auto it = answer.find("tickets");
      if (it == answer.end()) return std::nullopt;
      tickets = &*it;
    }
    if (!tickets->is_array()) return std::nullopt;
    if (tickets->empty()) return "";
    const json& first = tickets->front();
    return id_text(first.is_object() ? first.value("id", json()) : first);
  }

  HttpRequest open_request(const notice::Notice& notice, const Delivery& delivery,
                           const notice::View& view) const override {
    std::string title = notice::headline(notice);
    json ticket = {{"title", title},
                   {"group", group_.empty() ? notice.team : group_},
                   {"tags", "ackd," + case_tag(delivery.complaint_id)}};
    if (!customer_.empty()) ticket["customer"] = customer_;
    if (!notice.cases.empty()) {
      const auto& c = notice.cases.front();
      title = notice::ticket_subject(c);
      ticket["title"] = title;
      // Zammad finds the customer, or makes one: by e-mail address, else by a login made of
      // the channel and the platform's id, so that a customer's tickets come together.
      if (c.author_id.find('@') != std::string::npos) {
        ticket["customer_id"] = "guess:" + c.author_id;
      } else if (customer_.empty() && !c.author_id.empty()) {
        ticket["customer"] = {{"login", tag_word(c.channel + "-" + c.author_id)},
                              {"firstname", c.author_name.empty() ? c.author_id : c.author_name}};
      }
    }
    ticket["article"] = text_note(title, notice::ticket_body(notice, view));
    if (auto p = priority_name(notice.priority, {"3 high", "3 high", "2 normal", "1 low"});
        !p.empty()) {
      ticket["priority"] = p;
    }
    return request(http::verb::post, "/api/v1/tickets", {}, ticket);
  }

  std::string opened_ticket(const json& answer) const override {
    return answer.is_object() ? id_text(answer.value("id", json())) : "";
  }

  HttpRequest note_request(const std::string& ticket, const notice::Notice& notice,
                           const notice::View& view) const override {
    json article = text_note(notice::headline(notice), notice::ticket_note(notice, view));
    article["ticket_id"] = std::stoll(ticket);
    return request(http::verb::post, "/api/v1/ticket_articles", {}, article);
  }

 private:
  static std::string id_text(const json& id) {
    if (id.is_number_unsigned()) return std::to_string(id.get<std::uint64_t>());
    return "";
  }

  std::string group_;     // "" : the notice's team
  std::string customer_;  // for every customer without an e-mail address; "" : one each
};

struct ZammadSettings {
  PlatformSettings platform;
  std::string group;
  std::string customer;
};

std::optional<ZammadSettings> read_zammad_settings(config::SectionReader& section) {
  auto platform = read_platform_settings(section, "", {"group", "customer"});
  ZammadSettings settings;
  if (auto group = section.text("group")) settings.group = *group;
  if (auto customer = section.text("customer")) settings.customer = *customer;
  if (!platform || !section.ok()) return std::nullopt;
  settings.platform = std::move(*platform);
  return settings;
}

}  // namespace

void register_zammad_sink(SinkRegistry& registry) {
  registry.add(
      "zammad", read_zammad_settings,
      [](const ZammadSettings& settings, const SinkContext& context) {
        return make_http_sink<ZammadSink>(settings.platform.http, context, settings.platform.token,
                                          settings.group, settings.customer);
      },
      config::Takes::notices_only());
}

}  // namespace ackd::deliver
