#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "ackd/time/clock.hpp"
#include "deliver/tls.hpp"
#include "deliver/url.hpp"

namespace ackd::deliver {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

// What one call out came to: the server's response, or why there is none.
struct HttpOutcome {
  std::string error;      // "timeout", "connection refused", "tls: ...": no response
  HttpResponse response;  // when `error` is empty
};

// One keep-alive HTTP/1.1 connection to a server: resolve, connect (through a proxy's
// CONNECT tunnel for https when there is a proxy; and for https, the TLS handshake) when not
// open, then write one request and read its response, all within a timeout on the clock.
class HttpConnection : public std::enable_shared_from_this<HttpConnection> {
 public:
  // `reusable`: the connection may carry another request.
  using Done = std::function<void(HttpOutcome, bool reusable)>;

  // `tls` is needed for an https url, and shared by the sink's connections. With a `proxy`
  // (an http:// url), an https url is reached through a CONNECT tunnel and an http one by
  // sending the proxy the request (whose target is then the absolute URL).
  HttpConnection(boost::asio::io_context& io, time::Clock& clock, const HttpUrl& url,
                 std::shared_ptr<TlsContext> tls = nullptr,
                 std::optional<HttpUrl> proxy = std::nullopt);

  void run(std::shared_ptr<const HttpRequest> request, std::chrono::milliseconds timeout,
           Done done);
  // Closes the socket and drops the pending `done`.
  void abort();

 private:
  void resolve();
  void on_resolve(boost::beast::error_code ec,
                  const boost::asio::ip::tcp::resolver::results_type& results);
  void on_connect(boost::beast::error_code ec);
  void on_tunnel(boost::beast::error_code ec);
  void handshake();
  void on_handshake(boost::beast::error_code ec);
  void write();
  void on_write(boost::beast::error_code ec);
  void on_read(boost::beast::error_code ec);
  void on_timeout();
  void fail(const char* phase, boost::beast::error_code ec);
  void fail_with(std::string error);
  void finish(HttpOutcome outcome, bool reusable);
  // The socket, under TLS or not.
  boost::beast::tcp_stream& tcp();
  // Runs `op` on the stream HTTP is written to and read from.
  template <class Op>
  void on_stream(Op&& op) {
    if (tls_stream_) {
      op(*tls_stream_);
    } else {
      op(plain_);
    }
  }

  using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

  boost::asio::io_context& io_;
  const HttpUrl url_;  // a copy: the connection can outlive its sink while closing
  const std::optional<HttpUrl> proxy_;
  std::shared_ptr<TlsContext> tls_;
  boost::asio::ip::tcp::resolver resolver_;
  boost::beast::tcp_stream plain_;
  std::unique_ptr<TlsStream> tls_stream_;  // made afresh for each connection
  boost::beast::flat_buffer buffer_;
  std::shared_ptr<const HttpRequest> request_;
  HttpResponse response_;
  // The proxy's CONNECT, and its answer (no body: a tunnel follows).
  boost::beast::http::request<boost::beast::http::empty_body> connect_;
  std::optional<boost::beast::http::response_parser<boost::beast::http::empty_body>> tunnel_;
  // Closes the socket when the attempt's time is up, whatever step it is at.
  std::unique_ptr<time::Timer> deadline_;
  Done done_;
  bool connected_ = false;
  bool reused_ = false;  // this attempt started on a connection that had served before
  bool timed_out_ = false;
};

}  // namespace ackd::deliver
