// The `webhook` sink: an HTTP(S) POST of each payload, over a small pool of keep-alive
// connections.
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <memory>
#include <string>

#include "ackd/deliver/sink_registry.hpp"
#include "deliver/http_client.hpp"

namespace ackd::deliver {

namespace http = boost::beast::http;

namespace {

class WebhookSink final : public Sink {
 public:
  WebhookSink(std::unique_ptr<HttpClient> client, std::string authorization)
      : client_(std::move(client)), authorization_(std::move(authorization)) {}

  std::size_t capacity() const override { return client_->capacity(); }

  void send(const Delivery& delivery, Done done) override {
    auto request = client_->request(http::verb::post, client_->url().target);
    request.set(http::field::content_type, "application/json");
    request.set("Idempotency-Key", delivery.idempotency_key);
    if (!authorization_.empty()) request.set(http::field::authorization, authorization_);
    request.body() = delivery.payload;
    client_->send(std::move(request),
                  [done = std::move(done)](HttpOutcome outcome) { done(attempt_of(outcome)); });
  }

  void abort() override { client_->abort(); }

 private:
  std::unique_ptr<HttpClient> client_;
  std::string authorization_;  // "Bearer <token>", or none
};

struct WebhookSettings {
  HttpSettings http;
  std::string token;  // a secret: sent as a bearer token
};

std::optional<WebhookSettings> read_webhook_settings(config::SectionReader& section) {
  auto keys = http_keys("url");
  keys.push_back("token");
  section.allow(keys);
  WebhookSettings settings{read_http_settings(section, "url"), {}};
  if (auto token = section.secret("token")) settings.token = *token;
  if (!section.ok()) return std::nullopt;
  return settings;
}

}  // namespace

void register_webhook_sink(SinkRegistry& registry) {
  registry.add("webhook", read_webhook_settings,
               [](const WebhookSettings& settings, const SinkContext& context) {
                 auto client = make_http_client(settings.http, context);
                 if (auto* error = std::get_if<std::string>(&client)) return SinkOrError(*error);
                 return SinkOrError(std::make_unique<WebhookSink>(
                     std::get<std::unique_ptr<HttpClient>>(std::move(client)),
                     settings.token.empty() ? "" : "Bearer " + settings.token));
               });
}

}  // namespace ackd::deliver
