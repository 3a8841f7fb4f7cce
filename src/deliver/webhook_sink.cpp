// The `webhook` sink: an HTTP(S) POST of each payload, over a small pool of keep-alive
// connections.
#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "ackd/deliver/sink_registry.hpp"
#include "deliver/http_connection.hpp"
#include "deliver/tls.hpp"
#include "deliver/url.hpp"

namespace ackd::deliver {

namespace http = boost::beast::http;

namespace {

#ifndef ACKD_VERSION
#error "ACKD_VERSION must be defined by the build"
#endif
constexpr const char* user_agent = "ackd/" ACKD_VERSION;

class WebhookSink final : public Sink {
 public:
  WebhookSink(boost::asio::io_context& io, time::Clock& clock, HttpUrl url,
              std::shared_ptr<TlsContext> tls, std::string authorization,
              std::chrono::milliseconds timeout, std::size_t max_connections)
      : io_(io),
        clock_(clock),
        url_(std::move(url)),
        tls_(std::move(tls)),
        authorization_(std::move(authorization)),
        timeout_(timeout),
        max_connections_(std::max<std::size_t>(1, max_connections)) {}

  ~WebhookSink() override { abort(); }

  std::size_t capacity() const override { return max_connections_; }

  void send(const Delivery& delivery, Done done) override {
    auto request = std::make_shared<HttpRequest>(http::verb::post, url_.target, 11);
    request->set(http::field::host, url_.host_header);
    request->set(http::field::user_agent, user_agent);
    request->set(http::field::content_type, "application/json");
    request->set("Idempotency-Key", delivery.idempotency_key);
    if (!authorization_.empty()) request->set(http::field::authorization, authorization_);
    request->keep_alive(true);
    request->body() = delivery.payload;
    request->prepare_payload();

    std::shared_ptr<HttpConnection> connection;
    if (!idle_.empty()) {
      // The most recently used connection is the likeliest to still be open.
      connection = std::move(idle_.back());
      idle_.pop_back();
    } else {
      connection = std::make_shared<HttpConnection>(io_, clock_, url_, tls_);
    }
    busy_.push_back(connection);
    connection->run(std::move(request), timeout_,
                    [this, connection, done = std::move(done)](Attempt attempt, bool reusable) {
                      release(connection, reusable);
                      done(std::move(attempt));
                    });
  }

  void abort() override {
    for (auto& connection : busy_) connection->abort();
    for (auto& connection : idle_) connection->abort();
    busy_.clear();
    idle_.clear();
  }

 private:
  void release(const std::shared_ptr<HttpConnection>& connection, bool reusable) {
    std::erase(busy_, connection);
    if (reusable && idle_.size() < max_connections_) idle_.push_back(connection);
  }

  boost::asio::io_context& io_;
  time::Clock& clock_;
  HttpUrl url_;
  std::shared_ptr<TlsContext> tls_;  // https only
  std::string authorization_;        // "Bearer <token>", or none
  std::chrono::milliseconds timeout_;
  std::size_t max_connections_;
  std::vector<std::shared_ptr<HttpConnection>> idle_;
  std::vector<std::shared_ptr<HttpConnection>> busy_;
};

struct Settings {
  std::string url;
  TlsOptions tls;
  std::string token;  // a secret: sent as a bearer token
  std::chrono::milliseconds timeout{5000};
  // Attempts at once; 1 delivers strictly in order of age, one at a time.
  std::size_t connections = 4;
};

std::optional<Settings> read_settings(config::SectionReader& section) {
  section.allow({"url", "timeout", "connections", "tls.ca_file", "token"});
  Settings settings;
  if (auto url = section.required("url")) {
    if (auto parsed = parse_http_url(*url); auto* error = std::get_if<std::string>(&parsed)) {
      section.error("url", section.what() + ": " + *error);
    } else if (section.text("tls.ca_file") && !std::get<HttpUrl>(parsed).tls) {
      section.error("tls.ca_file", section.what() + ": tls.ca_file is for an https:// url");
    }
    settings.url = *url;
  }
  if (auto ca_file = section.text("tls.ca_file")) {
    if (!std::ifstream(*ca_file)) {
      section.error("tls.ca_file", section.what() + ": tls.ca_file '" + *ca_file +
                                       "' cannot be read (an absolute path, readable by ackd)");
    }
    settings.tls.ca_file = *ca_file;
  }
  if (auto token = section.secret("token")) settings.token = *token;
  if (auto timeout = section.duration("timeout")) settings.timeout = *timeout;
  if (auto n = section.integer("connections", 1, 64)) {
    settings.connections = static_cast<std::size_t>(*n);
  }
  if (!section.ok()) return std::nullopt;
  return settings;
}

}  // namespace

void register_webhook_sink(SinkRegistry& registry) {
  registry.add("webhook", read_settings, [](const Settings& settings, const SinkContext& context) {
    auto url = std::get<HttpUrl>(parse_http_url(settings.url));  // read_settings checked it
    std::shared_ptr<TlsContext> tls;
    if (url.tls) {
      auto made = client_tls(settings.tls);
      if (auto* error = std::get_if<std::string>(&made)) return SinkOrError(*error);
      tls = std::get<std::shared_ptr<TlsContext>>(std::move(made));
    }
    return SinkOrError(std::make_unique<WebhookSink>(
        context.io, context.clock, std::move(url), std::move(tls),
        settings.token.empty() ? "" : "Bearer " + settings.token, settings.timeout,
        context.connections ? context.connections : settings.connections));
  });
}

}  // namespace ackd::deliver
