#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "deliver/channel.hpp"
#include "deliver/http_connection.hpp"
#include "deliver/url.hpp"

namespace ackd::deliver {

// A webhook: HTTP POSTs over a small pool of keep-alive connections.
class WebhookSink final : public Channel {
 public:
  WebhookSink(boost::asio::io_context& io, time::Clock& clock, HttpUrl url,
              std::chrono::milliseconds timeout, std::size_t max_connections);
  ~WebhookSink() override;

  std::size_t capacity() const override { return max_connections_; }
  void send(const store::OutboxItem& item, Done done) override;
  void abort() override;

 private:
  void release(const std::shared_ptr<HttpConnection>& connection, bool reusable);

  boost::asio::io_context& io_;
  time::Clock& clock_;
  HttpUrl url_;
  std::chrono::milliseconds timeout_;
  std::size_t max_connections_;
  std::vector<std::shared_ptr<HttpConnection>> idle_;
  std::vector<std::shared_ptr<HttpConnection>> busy_;
};

}  // namespace ackd::deliver
