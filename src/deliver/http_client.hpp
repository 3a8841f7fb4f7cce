#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "ackd/config/section.hpp"
#include "ackd/deliver/sink.hpp"
#include "ackd/deliver/sink_registry.hpp"
#include "deliver/http_connection.hpp"
#include "deliver/tls.hpp"
#include "deliver/url.hpp"

namespace ackd::deliver {

// Where an HTTP sink calls out: one server (scheme, host and port), over a small pool of
// keep-alive connections, each call within a timeout.
class HttpClient {
 public:
  using Done = std::function<void(HttpOutcome)>;

  HttpClient(boost::asio::io_context& io, time::Clock& clock, HttpUrl url,
             std::shared_ptr<TlsContext> tls, std::chrono::milliseconds timeout,
             std::size_t max_connections, std::optional<HttpUrl> proxy = std::nullopt);
  ~HttpClient();

  // The server's URL as configured (its target is the base path for platform APIs).
  const HttpUrl& url() const { return url_; }
  std::size_t capacity() const { return max_connections_; }

  // A request with `method` for `target` on the server: Host, User-Agent and keep-alive
  // are set here. `done` runs on the io_context thread unless abort() comes first.
  HttpRequest request(boost::beast::http::verb method, std::string target) const;
  void send(HttpRequest request, Done done);
  // Gives up on every call under way; their `done` is never called.
  void abort();

 private:
  void release(const std::shared_ptr<HttpConnection>& connection, bool reusable);

  boost::asio::io_context& io_;
  time::Clock& clock_;
  HttpUrl url_;
  std::shared_ptr<TlsContext> tls_;  // https only
  std::optional<HttpUrl> proxy_;
  std::chrono::milliseconds timeout_;
  std::size_t max_connections_;
  std::vector<std::shared_ptr<HttpConnection>> idle_;
  std::vector<std::shared_ptr<HttpConnection>> busy_;
};

// The settings every HTTP sink has: where it calls (`url`, or a platform's `base_url`),
// `tls.ca_file`, `proxy`, `timeout` and `connections`.
struct HttpSettings {
  std::string url;
  TlsOptions tls;
  std::string proxy;  // http://host:port, or none
  std::chrono::milliseconds timeout{5000};
  // Attempts at once; 1 delivers strictly in order of age, one at a time.
  std::size_t connections = 4;
};

// Reads them from a sink's section, reporting each problem there. `url_key` is "url" (then
// required) or "base_url" (then `default_url` when absent). The caller allows the keys:
// http_keys(url_key) are these.
HttpSettings read_http_settings(config::SectionReader& section, const std::string& url_key,
                                const std::string& default_url = {});
std::vector<std::string> http_keys(const std::string& url_key);

// The client for settings read_http_settings() accepted; otherwise why not (the TLS context
// could not be made).
std::variant<std::unique_ptr<HttpClient>, std::string> make_http_client(
    const HttpSettings& settings, const SinkContext& context);

// How long at most ackd waits for a platform's quota to come back before it tries again.
inline constexpr std::chrono::milliseconds kMaxQuotaWait = std::chrono::hours(1);

// The usual reading of an outcome: a 2xx is delivered; a 408, a 429 or a 5xx is retried,
// a 429 with Retry-After (in seconds) after that long without counting as an attempt; any
// other 4xx fails at once. The error names the status and, when the body says why, that.
Attempt attempt_of(const HttpOutcome& outcome);

// What a server's error body says, from the shapes the platforms use ({"detail"},
// {"title"}, {"error": {"message"}}, {"message"}, {"errors": [{"message"}]}); else "".
std::string error_message(const HttpResponse& response);

// A header that is a whole number (x-rate-limit-reset, Retry-After in seconds), if it is one.
std::optional<std::int64_t> header_number(const HttpResponse& response, std::string_view name);

// "HTTP 403" or "HTTP 403: <the server's message>".
std::string status_error(const HttpResponse& response);

}  // namespace ackd::deliver
