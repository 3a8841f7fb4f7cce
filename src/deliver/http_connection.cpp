#include "deliver/http_connection.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/error.hpp>
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

HttpConnection::HttpConnection(net::io_context& io, const HttpUrl& url)
    : url_(url), resolver_(io), resolve_timer_(io), stream_(io) {}

void HttpConnection::run(std::shared_ptr<const HttpRequest> request,
                         std::chrono::steady_clock::time_point deadline, Done done) {
  request_ = std::move(request);
  deadline_ = deadline;
  done_ = std::move(done);
  reused_ = connected_;
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
  resolve_timer_.cancel();
  stream_.close();
}

void HttpConnection::resolve() {
  reused_ = false;
  resolve_timed_out_ = false;
  // The resolver has no deadline of its own; the timer cancels it.
  resolve_timer_.expires_at(deadline_);
  resolve_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec) return;
    self->resolve_timed_out_ = true;
    self->resolver_.cancel();
  });
  resolver_.async_resolve(
      url_.host, url_.port,
      [self = shared_from_this()](beast::error_code ec, tcp::resolver::results_type results) {
        self->on_resolve(ec, results);
      });
}

void HttpConnection::on_resolve(beast::error_code ec, const tcp::resolver::results_type& results) {
  resolve_timer_.cancel();
  if (!done_) return;
  if (resolve_timed_out_) return fail("resolve", beast::error::timeout);
  if (ec) return fail("resolve", ec);
  stream_.expires_at(deadline_);
  stream_.async_connect(
      results, [self = shared_from_this()](beast::error_code connect_ec, const tcp::endpoint&) {
        self->on_connect(connect_ec);
      });
}

void HttpConnection::on_connect(beast::error_code ec) {
  if (!done_) return;
  if (ec) return fail("connect", ec);
  connected_ = true;
  write();
}

void HttpConnection::write() {
  stream_.expires_at(deadline_);
  http::async_write(
      stream_, *request_,
      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_write(ec); });
}

void HttpConnection::on_write(beast::error_code ec) {
  if (!done_) return;
  if (ec) return fail("write", ec);
  response_ = {};
  stream_.expires_at(deadline_);
  http::async_read(stream_, buffer_, response_,
                   [self = shared_from_this()](beast::error_code read_ec, std::size_t) {
                     self->on_read(read_ec);
                   });
}

void HttpConnection::on_read(beast::error_code ec) {
  if (!done_) return;
  if (ec) return fail("read", ec);
  stream_.expires_never();
  Attempt attempt;
  unsigned status = response_.result_int();
  bool reusable = response_.keep_alive();
  if (status >= 200 && status < 300) {
    attempt.delivered = true;
  } else {
    attempt.error = "HTTP " + std::to_string(status);
    attempt.retryable = !(status >= 400 && status < 500) || status == 408 || status == 429;
  }
  if (!reusable) {
    connected_ = false;
    stream_.close();
  }
  finish(std::move(attempt), reusable);
}

void HttpConnection::fail(const char* phase, beast::error_code ec) {
  connected_ = false;
  beast::error_code ignored;
  stream_.socket().close(ignored);
  // A kept-alive connection the server closed while idle fails on first use: that says
  // nothing about the sink, so try once more on a fresh connection before the deadline.
  bool stale = ec == http::error::end_of_stream || ec == net::error::eof ||
               ec == net::error::connection_reset || ec == net::error::broken_pipe;
  if (reused_ && stale && std::chrono::steady_clock::now() < deadline_) {
    buffer_.clear();
    resolve();
    return;
  }
  Attempt attempt;
  if (ec == beast::error::timeout) {
    attempt.error = "timeout";
  } else if (ec == net::error::connection_refused) {
    attempt.error = "connection refused";
  } else {
    attempt.error = std::string(phase) + ": " + ec.message();
  }
  finish(std::move(attempt), false);
}

void HttpConnection::finish(Attempt attempt, bool reusable) {
  request_.reset();
  buffer_.clear();
  auto done = std::move(done_);
  done_ = nullptr;
  if (done) done(std::move(attempt), reusable && connected_);
}

}  // namespace ackd::deliver
