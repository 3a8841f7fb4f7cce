#include "deliver/http_client.hpp"

#include <algorithm>
#include <boost/beast/http/field.hpp>
#include <fstream>
#include <nlohmann/json.hpp>

#include "ackd/json/member.hpp"
#include "ackd/text/ascii.hpp"

namespace ackd::deliver {

namespace http = boost::beast::http;

namespace {

#ifndef ACKD_VERSION
#error "ACKD_VERSION must be defined by the build"
#endif
constexpr const char* user_agent = "ackd/" ACKD_VERSION;

}  // namespace

HttpClient::HttpClient(boost::asio::io_context& io, time::Clock& clock, HttpUrl url,
                       std::shared_ptr<TlsContext> tls, std::chrono::milliseconds timeout,
                       std::size_t max_connections, std::optional<HttpUrl> proxy)
    : io_(io),
      clock_(clock),
      url_(std::move(url)),
      tls_(std::move(tls)),
      proxy_(std::move(proxy)),
      timeout_(timeout),
      max_connections_(std::max<std::size_t>(1, max_connections)) {}

HttpClient::~HttpClient() {
  abort();
}

HttpRequest HttpClient::request(http::verb method, std::string target) const {
  // Through a proxy, plain HTTP names the whole URL (a tunnel carries https unchanged).
  if (proxy_ && !url_.tls) target = "http://" + url_.host_header + target;
  HttpRequest request(method, std::move(target), 11);
  request.set(http::field::host, url_.host_header);
  request.set(http::field::user_agent, user_agent);
  request.keep_alive(true);
  return request;
}

void HttpClient::send(HttpRequest request, Done done) {
  request.prepare_payload();
  std::shared_ptr<HttpConnection> connection;
  if (!idle_.empty()) {
    // The most recently used connection is the likeliest to still be open.
    connection = std::move(idle_.back());
    idle_.pop_back();
  } else {
    connection = std::make_shared<HttpConnection>(io_, clock_, url_, tls_, proxy_);
  }
  busy_.push_back(connection);
  connection->run(std::make_shared<const HttpRequest>(std::move(request)), timeout_,
                  [this, connection, done = std::move(done)](HttpOutcome outcome, bool reusable) {
                    release(connection, reusable);
                    done(std::move(outcome));
                  });
}

void HttpClient::abort() {
  for (auto& connection : busy_) connection->abort();
  for (auto& connection : idle_) connection->abort();
  busy_.clear();
  idle_.clear();
}

void HttpClient::release(const std::shared_ptr<HttpConnection>& connection, bool reusable) {
  std::erase(busy_, connection);
  if (reusable && idle_.size() < max_connections_) idle_.push_back(connection);
}

std::vector<std::string> http_keys(const std::string& url_key) {
  return {url_key, "timeout", "connections", "tls.ca_file", "proxy"};
}

HttpSettings read_http_settings(config::SectionReader& section, const std::string& url_key,
                                const std::string& default_url) {
  HttpSettings settings;
  auto url = default_url.empty() ? section.required(url_key) : section.text(url_key);
  settings.url = url.value_or(default_url);
  if (!settings.url.empty()) {
    if (auto parsed = parse_http_url(settings.url);
        auto* error = std::get_if<std::string>(&parsed)) {
      // A URL that is a secret (a chat tool's webhook) is never quoted.
      section.error(url_key, section.what() + ": " +
                                 (section.is_secret(url_key)
                                      ? url_key + " (a secret) is not an http:// or https:// URL"
                                      : *error));
    } else if (section.text("tls.ca_file") && !std::get<HttpUrl>(parsed).tls) {
      section.error("tls.ca_file", section.what() + ": tls.ca_file is for an https:// " + url_key);
    }
  }
  if (auto ca_file = section.text("tls.ca_file")) {
    if (!std::ifstream(*ca_file)) {
      section.error("tls.ca_file", section.what() + ": tls.ca_file '" + *ca_file +
                                       "' cannot be read (an absolute path, readable by ackd)");
    }
    settings.tls.ca_file = *ca_file;
  }
  if (auto proxy = section.text("proxy")) {
    auto parsed = parse_http_url(*proxy);
    if (auto* error = std::get_if<std::string>(&parsed)) {
      section.error("proxy", section.what() + ": proxy: " + *error);
    } else if (std::get<HttpUrl>(parsed).tls || std::get<HttpUrl>(parsed).target != "/") {
      section.error("proxy",
                    section.what() + ": proxy must be http://host:port, got '" + *proxy + "'");
    }
    settings.proxy = *proxy;
  }
  if (auto timeout = section.duration("timeout")) settings.timeout = *timeout;
  if (auto n = section.integer("connections", 1, 64)) {
    settings.connections = static_cast<std::size_t>(*n);
  }
  return settings;
}

std::variant<std::unique_ptr<HttpClient>, std::string> make_http_client(
    const HttpSettings& settings, const SinkContext& context) {
  auto parsed = parse_http_url(settings.url);
  if (auto* error = std::get_if<std::string>(&parsed)) return *error;
  auto url = std::get<HttpUrl>(std::move(parsed));
  std::shared_ptr<TlsContext> tls;
  if (url.tls) {
    auto made = client_tls(settings.tls);
    if (auto* error = std::get_if<std::string>(&made)) return *error;
    tls = std::get<std::shared_ptr<TlsContext>>(std::move(made));
  }
  std::optional<HttpUrl> proxy;
  if (!settings.proxy.empty()) {
    auto parsed_proxy = parse_http_url(settings.proxy);
    if (auto* error = std::get_if<std::string>(&parsed_proxy)) return "proxy: " + *error;
    proxy = std::get<HttpUrl>(std::move(parsed_proxy));
  }
  return std::make_unique<HttpClient>(
      context.io, context.clock, std::move(url), std::move(tls), settings.timeout,
      context.connections ? context.connections : settings.connections, std::move(proxy));
}

namespace {

// Retry-After in seconds (an HTTP date is left to the usual backoff), capped.
std::optional<std::chrono::milliseconds> retry_after(const HttpResponse& response) {
  auto seconds = header_number(response, "Retry-After");
  if (!seconds || *seconds < 0) return std::nullopt;
  return std::min<std::chrono::milliseconds>(std::chrono::seconds(*seconds), kMaxQuotaWait);
}

}  // namespace

std::string error_message(const HttpResponse& response) {
  auto body = nlohmann::json::parse(response.body(), nullptr, /*allow_exceptions=*/false);
  if (body.is_object()) {
    for (const char* key : {"detail", "message", "title"}) {
      if (auto text = json_text(body, key); !text.empty()) return text;
    }
    if (auto it = body.find("error"); it != body.end()) {
      if (auto text = json_text(*it, "message"); !text.empty()) return text;
      if (it->is_string()) return it->get<std::string>();
    }
    if (auto it = body.find("errors"); it != body.end() && it->is_array() && !it->empty()) {
      if (auto text = json_text(it->front(), "message"); !text.empty()) return text;
    }
  }
  return {};
}

std::optional<std::int64_t> header_number(const HttpResponse& response, std::string_view name) {
  return text::whole_number<std::int64_t>(response[name]);
}

std::string status_error(const HttpResponse& response) {
  std::string error = "HTTP " + std::to_string(response.result_int());
  if (auto message = error_message(response); !message.empty()) error += ": " + message;
  return error;
}

Attempt attempt_of(const HttpOutcome& outcome) {
  Attempt attempt;
  if (!outcome.error.empty()) {
    attempt.error = outcome.error;
    return attempt;
  }
  const unsigned status = outcome.response.result_int();
  if (status >= 200 && status < 300) {
    attempt.delivered = true;
    return attempt;
  }
  attempt.error = status_error(outcome.response);
  attempt.retryable = !(status >= 400 && status < 500) || status == 408 || status == 429;
  if (status == 429) attempt.wait = retry_after(outcome.response);
  return attempt;
}

}  // namespace ackd::deliver
