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

HttpConnection::HttpConnection(net::io_context& io, time::Clock& clock, const HttpUrl& url)
    : url_(url), resolver_(io), stream_(io), deadline_(clock.timer()) {}

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
  stream_.close();
}

void HttpConnection::on_timeout() {
  timed_out_ = true;
  // The step under way then fails and fail() reports the timeout. Closing (rather than
  // cancelling) also stops a connect from moving on to the host's next address.
  resolver_.cancel();
  beast::error_code ignored;
  stream_.socket().close(ignored);
}

void HttpConnection::resolve() {
  reused_ = false;
  resolver_.async_resolve(
      url_.host, url_.port,
      [self = shared_from_this()](beast::error_code ec, tcp::resolver::results_type results) {
        self->on_resolve(ec, results);
      });
}

void HttpConnection::on_resolve(beast::error_code ec, const tcp::resolver::results_type& results) {
  if (!done_) return;
  if (ec || timed_out_) return fail("resolve", ec);
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
  http::async_write(
      stream_, *request_,
      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_write(ec); });
}

void HttpConnection::on_write(beast::error_code ec) {
  if (!done_) return;
  if (ec) return fail("write", ec);
  response_ = {};
  http::async_read(stream_, buffer_, response_,
                   [self = shared_from_this()](beast::error_code read_ec, std::size_t) {
                     self->on_read(read_ec);
                   });
}

void HttpConnection::on_read(beast::error_code ec) {
  if (!done_) return;
  if (ec) return fail("read", ec);
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
  if (reused_ && stale && !timed_out_) {
    buffer_.clear();
    resolve();
    return;
  }
  Attempt attempt;
  if (timed_out_) {
    attempt.error = "timeout";
  } else if (ec == net::error::connection_refused) {
    attempt.error = "connection refused";
  } else {
    attempt.error = std::string(phase) + ": " + ec.message();
  }
  finish(std::move(attempt), false);
}

void HttpConnection::finish(Attempt attempt, bool reusable) {
  deadline_->cancel();
  request_.reset();
  buffer_.clear();
  auto done = std::move(done_);
  done_ = nullptr;
  if (done) done(std::move(attempt), reusable && connected_);
}

}  // namespace ackd::deliver
