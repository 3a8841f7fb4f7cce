#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "ackd/config/section.hpp"
#include "ackd/deliver/sink.hpp"
#include "ackd/deliver/sink_registry.hpp"
#include "deliver/http_client.hpp"
#include "deliver/http_sink.hpp"

namespace ackd::deliver {

// What the sinks that answer on a platform (x, meta, line) share: a reply read from its
// payload, a token, calls to the platform's API under `base_url`.

// A reply delivery as a platform sink reads it (CONTRACT.md, "What ackd sends").
struct Reply {
  std::string channel;
  std::string external_id;
  std::string thread_id;
  std::string author_id;
  std::string text;
  bool direct = false;                                 // "visibility": "dm"
  nlohmann::json metadata = nlohmann::json::object();  // what the source kept for the reply

  // metadata.<platform>.<name> as text ("" when absent or not text).
  std::string platform_text(const char* platform, const char* name) const;
};

// The reply a delivery carries; otherwise why a `type` sink cannot send it (a notice, a
// payload without the ids a reply needs).
std::variant<Reply, std::string> read_reply(const Delivery& delivery, std::string_view type);

struct PlatformSettings {
  HttpSettings http;
  std::string token;  // a secret
};

// base_url (default `default_base_url`), tls.ca_file, timeout, connections and the
// required `token`, and `extra` keys the type reads itself.
std::optional<PlatformSettings> read_platform_settings(config::SectionReader& section,
                                                       const std::string& default_base_url,
                                                       std::vector<std::string> extra = {});

class PlatformSink : public HttpSink {
 public:
  PlatformSink(const SinkContext& context, std::unique_ptr<HttpClient> client, std::string token);

 protected:
  // A request for `path` under base_url, with the token as a bearer token; with a JSON
  // body when `body` is not null.
  HttpRequest request(std::string_view path, const nlohmann::json& body = nullptr) const;

 private:
  std::string authorization_;
};

// Builds a platform sink of type T from its settings, passing `args` after the token.
template <class T, class... Args>
SinkOrError make_platform_sink(const PlatformSettings& settings, const SinkContext& context,
                               Args&&... args) {
  return make_http_sink<T>(settings.http, context, settings.token, std::forward<Args>(args)...);
}

}  // namespace ackd::deliver
