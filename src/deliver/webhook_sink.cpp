#include "deliver/webhook_sink.hpp"

#include <algorithm>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>

namespace ackd::deliver {

namespace http = boost::beast::http;

namespace {

#ifndef ACKD_VERSION
#error "ACKD_VERSION must be defined by the build"
#endif
constexpr const char* user_agent = "ackd/" ACKD_VERSION;

}  // namespace

WebhookSink::WebhookSink(boost::asio::io_context& io, time::Clock& clock, HttpUrl url,
                         std::chrono::milliseconds timeout, std::size_t max_connections)
    : io_(io),
      clock_(clock),
      url_(std::move(url)),
      timeout_(timeout),
      max_connections_(std::max<std::size_t>(1, max_connections)) {}

WebhookSink::~WebhookSink() {
  abort();
}

void WebhookSink::send(const store::OutboxItem& item, Done done) {
  auto request = std::make_shared<HttpRequest>(http::verb::post, url_.target, 11);
  request->set(http::field::host, url_.host_header);
  request->set(http::field::user_agent, user_agent);
  request->set(http::field::content_type, "application/json");
  request->set("Idempotency-Key", item.idempotency_key);
  request->keep_alive(true);
  request->body() = item.payload;
  request->prepare_payload();

  std::shared_ptr<HttpConnection> connection;
  if (!idle_.empty()) {
    // The most recently used connection is the likeliest to still be open.
    connection = std::move(idle_.back());
    idle_.pop_back();
  } else {
    connection = std::make_shared<HttpConnection>(io_, clock_, url_);
  }
  busy_.push_back(connection);
  connection->run(std::move(request), timeout_,
                  [this, connection, done = std::move(done)](Attempt attempt, bool reusable) {
                    release(connection, reusable);
                    done(std::move(attempt));
                  });
}

void WebhookSink::release(const std::shared_ptr<HttpConnection>& connection, bool reusable) {
  std::erase(busy_, connection);
  if (reusable && idle_.size() < max_connections_) idle_.push_back(connection);
}

void WebhookSink::abort() {
  for (auto& connection : busy_) connection->abort();
  for (auto& connection : idle_) connection->abort();
  busy_.clear();
  idle_.clear();
}

}  // namespace ackd::deliver
