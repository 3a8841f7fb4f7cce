#pragma once

#include <boost/asio/io_context.hpp>
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

namespace ackd::deliver {

// What the sinks that answer on a platform (x, meta, line) share: a reply read from its
// payload, a token, calls to the platform's API under `base_url`, and answers given without
// a call (a delivery that is not a reply, a quota known to be spent).

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

class PlatformSink : public Sink {
 public:
  PlatformSink(const SinkContext& context, std::unique_ptr<HttpClient> client, std::string token);

  std::size_t capacity() const override { return client_->capacity(); }
  void abort() override;

 protected:
  // A request for `path` under base_url, with the token as a bearer token; with a JSON
  // body when `body` is not null.
  HttpRequest request(std::string_view path, const nlohmann::json& body = nullptr) const;
  // Answers an attempt without calling the platform: soon, on the io_context thread, as
  // the dispatcher expects (never within send()), and not after abort().
  void answer(Done done, Attempt attempt);

  boost::asio::io_context& io_;
  time::Clock& clock_;
  std::unique_ptr<HttpClient> client_;

 private:
  std::string authorization_;
  std::shared_ptr<char> life_ = std::make_shared<char>();  // replaced by abort()
};

// Builds a platform sink of type T from its settings, passing `args` after the token.
template <class T, class... Args>
SinkOrError make_platform_sink(const PlatformSettings& settings, const SinkContext& context,
                               Args&&... args) {
  auto client = make_http_client(settings.http, context);
  if (auto* error = std::get_if<std::string>(&client)) return *error;
  return std::make_unique<T>(context, std::get<std::unique_ptr<HttpClient>>(std::move(client)),
                             settings.token, std::forward<Args>(args)...);
}

// A final failure: a delivery this sink can never send.
Attempt cannot_send(std::string error);

// The platform's quota, as a time before which a sink sends nothing.
struct QuotaWait {
  time::WallTime until{};
  // An Attempt that waits for it, when it is still ahead of `now`.
  std::optional<Attempt> check(time::WallTime now, std::string_view platform) const;
};

}  // namespace ackd::deliver
