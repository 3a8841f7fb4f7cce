#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "ackd/deliver/sink.hpp"
#include "ackd/deliver/sink_registry.hpp"
#include "deliver/http_client.hpp"

namespace ackd::deliver {

// What the sinks that call one HTTP API share (the platforms' own, the chat tools): the
// client, and answers given without a call (a delivery the sink cannot send, a quota known
// to be spent).
class HttpSink : public Sink {
 public:
  HttpSink(const SinkContext& context, std::unique_ptr<HttpClient> client);

  std::size_t capacity() const override { return client_->capacity(); }
  void abort() override;

 protected:
  // Answers an attempt without calling the API: soon, on the io_context thread, as the
  // dispatcher expects (never within send()), and not after abort().
  void answer(Done done, Attempt attempt);
  // The configured URL's path, then `path` ("https://graph.facebook.com/v21.0" and
  // "/123/comments"), with `query` after the URL's own ("?key=K&token=T" and "requestId=R").
  std::string target(std::string_view path = {}, std::string_view query = {}) const;

  boost::asio::io_context& io_;
  time::Clock& clock_;
  std::unique_ptr<HttpClient> client_;

 private:
  std::shared_ptr<char> life_ = std::make_shared<char>();  // replaced by abort()
};

// Builds a sink of type T from its HTTP settings, passing `args` after the client.
template <class T, class... Args>
SinkOrError make_http_sink(const HttpSettings& settings, const SinkContext& context,
                           Args&&... args) {
  auto client = make_http_client(settings, context);
  if (auto* error = std::get_if<std::string>(&client)) return *error;
  return std::make_unique<T>(context, std::get<std::unique_ptr<HttpClient>>(std::move(client)),
                             std::forward<Args>(args)...);
}

// A UUID that stands for an idempotency key where an API wants one (LINE's X-Line-Retry-Key,
// Google Chat's requestId): the same on every attempt. RFC 9562's version 8, from SHA-256.
std::string key_uuid(std::string_view idempotency_key);

// A final failure: a delivery this sink can never send.
Attempt cannot_send(std::string error);

// The API's quota, as a time before which a sink sends nothing.
struct QuotaWait {
  time::WallTime until{};
  // An Attempt that waits for it, when it is still ahead of `now`.
  std::optional<Attempt> check(time::WallTime now, std::string_view api) const;
  // Reads an answer of an API that counts calls down to a reset at a Unix second (X's
  // x-rate-limit-remaining and -reset, Chatwork's X-RateLimit-*): none left, or a 429,
  // waits until the reset (at most kMaxQuotaWait).
  Attempt read(const HttpOutcome& outcome, time::WallTime now, std::string_view remaining_header,
               std::string_view reset_header);
};

}  // namespace ackd::deliver
