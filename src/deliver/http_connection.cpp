#include "deliver/http_connection.hpp"

#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <string>

namespace ackd::deliver {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

HttpConnection::HttpConnection(net::io_context& io, time::Clock& clock, const HttpUrl& url,
                               std::shared_ptr<TlsContext> tls, std::optional<HttpUrl> proxy)
    : io_(io),
      url_(url),
      proxy_(std::move(proxy)),
      tls_(std::move(tls)),
      resolver_(io),
      plain_(io),
      deadline_(clock.timer()) {}

beast::tcp_stream& HttpConnection::tcp() {
  return tls_stream_ ? beast::get_lowest_layer(*tls_stream_) : plain_;
}

void HttpConnection::run(std::shared_ptr<const HttpRequest> request,
                         std::chrono::milliseconds timeout, Done done) {
  request_ = std::move(request);
  done_ = std::move(done);
  reused_ = connected_;
  timed_out_ = false;
  // The timer belongs to this connection, so it never fires into a destroyed one.
  deadline_->start(timeout, [this] { on_timeout(); });
  if (connected_) {
    write();
  } else {
    resolve();
  }
}

void HttpConnection::abort() {
  done_ = nullptr;
  connected_ = false;
  resolver_.cancel();
  deadline_->cancel();
  tcp().close();
}

void HttpConnection::on_timeout() {
  timed_out_ = true;
  // The step under way then fails and fail() reports the timeout. Closing (rather than
  // cancelling) also stops a connect from moving on to the host's next address.
  resolver_.cancel();
  beast::error_code ignored;
  tcp().socket().close(ignored);
}

void HttpConnection::resolve() {
  reused_ = false;
  // A TLS session cannot be taken up again on a new socket: each connection gets its own.
  if (url_.tls) tls_stream_ = std::make_unique<TlsStream>(io_, *tls_);
  const HttpUrl& to = proxy_ ? *proxy_ : url_;
  resolver_.async_resolve(
      to.host, to.port,
      [self = shared_from_this()](beast::error_code ec, tcp::resolver::results_type results) {
        self->on_resolve(ec, results);
      });
}

void HttpConnection::on_resolve(beast::error_code ec, const tcp::resolver::results_type& results) {
  if (!done_) return;
  if (ec || timed_out_) return fail("resolve", ec);
  tcp().async_connect(
      results, [self = shared_from_this()](beast::error_code connect_ec, const tcp::endpoint&) {
        self->on_connect(connect_ec);
      });
}

void HttpConnection::on_connect(beast::error_code ec) {
  if (!done_) return;
  if (ec) return fail("connect", ec);
  if (!tls_stream_) {
    connected_ = true;
    return write();
  }
  if (!proxy_) return handshake();
  // A tunnel through the proxy to the server, then TLS with the server inside it.
  const bool ipv6 = url_.host.find(':') != std::string::npos;
  const std::string authority = (ipv6 ? "[" + url_.host + "]" : url_.host) + ":" + url_.port;
  connect_ = {http::verb::connect, authority, 11};
  connect_.set(http::field::host, authority);
  tunnel_.emplace();
  tunnel_->skip(true);  // a 2xx to CONNECT has no body
  http::async_write(
      tcp(), connect_, [self = shared_from_this()](beast::error_code write_ec, std::size_t) {
        if (!self->done_) return;
        if (write_ec) return self->fail("proxy", write_ec);
        http::async_read(
            self->tcp(), self->buffer_, *self->tunnel_,
            [self](beast::error_code read_ec, std::size_t) { self->on_tunnel(read_ec); });
      });
}

void HttpConnection::on_tunnel(beast::error_code ec) {
  if (!done_) return;
  if (ec) return fail("proxy", ec);
  const unsigned status = tunnel_->get().result_int();
  if (status < 200 || status >= 300) {
    return fail_with("proxy refused the tunnel: HTTP " + std::to_string(status));
  }
  handshake();
}

void HttpConnection::handshake() {
  expect_server(*tls_stream_, url_.host);
  tls_stream_->async_handshake(net::ssl::stream_base::client,
                               [self = shared_from_this()](beast::error_code handshake_ec) {
                                 self->on_handshake(handshake_ec);
                               });
}

void HttpConnection::on_handshake(beast::error_code ec) {
  if (!done_) return;
  if (ec) return fail("tls", ec);
  connected_ = true;
  write();
}

void HttpConnection::write() {
  on_stream([this](auto& stream) {
    http::async_write(
        stream, *request_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_write(ec); });
  });
}

void HttpConnection::on_write(beast::error_code ec) {
  if (!done_) return;
  if (ec) return fail("write", ec);
  response_ = {};
  on_stream([this](auto& stream) {
    http::async_read(stream, buffer_, response_,
                     [self = shared_from_this()](beast::error_code read_ec, std::size_t) {
                       self->on_read(read_ec);
                     });
  });
}

void HttpConnection::on_read(beast::error_code ec) {
  if (!done_) return;
  if (ec) return fail("read", ec);
  const bool reusable = response_.keep_alive();
  if (!reusable) {
    connected_ = false;
    tcp().close();
  }
  finish({{}, std::move(response_)}, reusable);
}

void HttpConnection::fail(const char* phase, beast::error_code ec) {
  connected_ = false;
  beast::error_code ignored;
  tcp().socket().close(ignored);
  // A kept-alive connection the server closed while idle fails on first use: that says
  // nothing about the sink, so try once more on a fresh connection before the deadline.
  bool stale = ec == http::error::end_of_stream || ec == net::error::eof ||
               ec == net::error::connection_reset || ec == net::error::broken_pipe ||
               ec == net::ssl::error::stream_truncated;
  if (reused_ && stale && !timed_out_) {
    buffer_.clear();
    resolve();
    return;
  }
  if (timed_out_) return fail_with("timeout");
  if (ec == net::error::connection_refused) return fail_with("connection refused");
  fail_with(std::string(phase) + ": " + ec.message());
}

void HttpConnection::fail_with(std::string error) {
  connected_ = false;
  beast::error_code ignored;
  tcp().socket().close(ignored);
  finish({std::move(error), {}}, false);
}

void HttpConnection::finish(HttpOutcome outcome, bool reusable) {
  deadline_->cancel();
  request_.reset();
  buffer_.clear();
  auto done = std::move(done_);
  done_ = nullptr;
  if (done) done(std::move(outcome), reusable && connected_);
}

}  // namespace ackd::deliver
