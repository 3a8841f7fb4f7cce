#include "ackd/http/server.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <deque>

#include "nlohmann/json.hpp"

namespace ackd::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

Response json_response(const Request& request, bhttp::status status, std::string body) {
  return json_response(request.version(), request.keep_alive(), status, std::move(body));
}

Response json_response(unsigned version, bool keep_alive, bhttp::status status, std::string body) {
  Response res{status, version};
  res.set(bhttp::field::server, "ackd");
  res.set(bhttp::field::content_type, "application/json");
  res.keep_alive(keep_alive);
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

Response error_response(const Request& request, bhttp::status status, std::string_view code,
                        std::string_view message) {
  return json_response(request, status, error_body(code, message));
}

std::string error_body(std::string_view code, std::string_view message) {
  nlohmann::json body = {{"error", {{"code", code}, {"message", message}}}};
  // Messages quote what the client sent (a path, a query); bytes that are not UTF-8 are
  // replaced rather than thrown on.
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

class Server::Impl : public std::enable_shared_from_this<Server::Impl> {
 public:
  Impl(asio::io_context& io, tcp::acceptor acceptor, ServerOptions options, Handler handler)
      : io_(io), acceptor_(std::move(acceptor)), options_(options), handler_(std::move(handler)) {}

  void accept() {
    acceptor_.async_accept(asio::make_strand(io_),
                           [self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
                             self->on_accept(ec, std::move(socket));
                           });
  }

  void on_accept(beast::error_code ec, tcp::socket socket);

  asio::io_context& io_;
  tcp::acceptor acceptor_;
  ServerOptions options_;
  Handler handler_;
  std::size_t sessions_ = 0;
  std::size_t refusing_ = 0;                         // connections over the limit, being told so
  std::vector<std::weak_ptr<EventStream>> streams_;  // closed at stop
  std::uint64_t refused_ = 0;
  bool stopped_ = false;
};

namespace {

// One connection: read a request, hand it to the handler, write its response, repeat.
class Session : public std::enable_shared_from_this<Session> {
 public:
  // An `overflow` session only answers 503: the server is at max_connections.
  Session(tcp::socket socket, std::shared_ptr<Server::Impl> server, bool overflow = false)
      : stream_(std::move(socket)), server_(std::move(server)), overflow_(overflow) {
    ++(overflow_ ? server_->refusing_ : server_->sessions_);
  }
  ~Session() { --(overflow_ ? server_->refusing_ : server_->sessions_); }

  void start() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      if (self->overflow_) return self->refuse();
      self->read();
    });
  }

 private:
  void read() {
    if (server_->stopped_) return close();
    parser_.emplace();
    parser_->body_limit(server_->options_.body_limit);
    parser_->header_limit(static_cast<std::uint32_t>(server_->options_.header_limit));
    stream_.expires_after(server_->options_.read_timeout);
    bhttp::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted || ec == asio::error::connection_reset) {
      return close();
    }
    if (ec) return reject(ec);
    stream_.expires_never();  // the handler may wait for a commit
    Request request = parser_->release();
    const unsigned version = request.version();
    const bool keep_alive = request.keep_alive();
    try {
      server_->handler_(
          std::move(request),
          Respond(
              [self = shared_from_this(), version, keep_alive](Response res) {
                res.version(version);
                res.keep_alive(keep_alive && res.keep_alive());
                self->write(std::move(res));
              },
              [self = shared_from_this(), version](Response head, StreamOpened opened) {
                head.version(version);
                self->begin_stream(std::move(head), std::move(opened));
              }));
    } catch (const std::exception& e) {
      // One request's bug must not end the event loop every other request runs on.
      spdlog::error("http: a handler threw: {}", e.what());
      Request failed;
      failed.version(11);
      failed.keep_alive(false);
      write(error_response(failed, bhttp::status::internal_server_error, "internal_error",
                           "the request could not be handled"));
    }
  }

  // A request that could not be read whole: answer why, then close.
  void reject(beast::error_code ec) {
    Request request;
    request.version(11);
    request.keep_alive(false);
    auto status = bhttp::status::bad_request;
    std::string code = "bad_request";
    if (ec == bhttp::error::body_limit) {
      status = bhttp::status::payload_too_large;
      code = "body_too_large";
    } else if (ec == bhttp::error::header_limit) {
      status = bhttp::status::request_header_fields_too_large;
      code = "headers_too_large";
    }
    rejected_ = true;
    write(error_response(request, status, code, "cannot read the request: " + ec.message()));
  }

  void refuse() {
    Request request;
    request.version(11);
    request.keep_alive(false);
    auto res = error_response(request, bhttp::status::service_unavailable, "overloaded",
                              "too many connections; retry later");
    res.set(bhttp::field::retry_after, std::to_string(server_->options_.retry_after.count()));
    rejected_ = true;
    write(std::move(res));
  }

  // After refusing a request whose body is still arriving, reads and drops the rest for a
  // moment before closing: closing at once would reset the connection and the client would
  // see a broken pipe instead of our answer.
  void linger() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(std::chrono::seconds(2));
    stream_.async_read_some(asio::buffer(discard_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->drained_ += n;
                              if (ec || self->drained_ > kMaxDrain) return self->stream_.close();
                              self->linger();
                            });
  }

  void write(Response res) {
    response_ = std::make_shared<Response>(std::move(res));
    stream_.expires_after(server_->options_.write_timeout);
    bhttp::async_write(
        stream_, *response_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_write(ec); });
  }

  void on_write(beast::error_code ec) {
    const bool keep_alive = response_->keep_alive();
    response_.reset();
    if (!ec && rejected_) return linger();
    if (ec || !keep_alive) return close();
    read();
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.close();
  }

 public:
  // An event stream: the head, then each chunk as it is sent, until either side closes.
  // The body has no length: it ends when the connection does.
  void begin_stream(Response head, StreamOpened opened);

  bool send_chunk(std::string chunk) {
    if (stream_closed_) return false;
    if (chunks_.size() >= EventStream::kMaxQueued) {  // a client that does not read
      close_stream();
      return false;
    }
    chunks_.push_back(std::move(chunk));
    if (!writing_chunk_) write_next_chunk();
    return true;
  }

  void close_stream() {
    if (stream_closed_) return;
    stream_closed_ = true;
    chunks_.clear();
    close();
  }

  bool stream_open() const { return !stream_closed_; }

 private:
  void write_next_chunk() {
    if (stream_closed_) return;
    if (chunks_.empty()) {
      writing_chunk_ = false;
      stream_.expires_never();
      return;
    }
    writing_chunk_ = true;
    stream_.expires_after(server_->options_.write_timeout);
    asio::async_write(stream_, asio::buffer(chunks_.front()),
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        if (ec) return self->close_stream();
                        self->chunks_.pop_front();
                        self->write_next_chunk();
                      });
  }

  // Reads only to learn that the client went: it sends nothing on an event stream.
  void watch_for_close() {
    stream_.async_read_some(asio::buffer(discard_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec) return self->close_stream();
                              self->watch_for_close();
                            });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::shared_ptr<Response> response_;
  std::shared_ptr<Server::Impl> server_;
  bool rejected_ = false;
  const bool overflow_;
  std::array<char, 16384> discard_{};
  std::size_t drained_ = 0;
  static constexpr std::size_t kMaxDrain = 16 << 20;
  std::deque<std::string> chunks_;  // an event stream's, waiting to be written
  bool writing_chunk_ = false;
  bool stream_closed_ = false;
};

// What a handler holds of a streaming session: nothing once the connection is gone.
class SessionStream final : public EventStream {
 public:
  explicit SessionStream(std::weak_ptr<Session> session) : session_(std::move(session)) {}
  bool send(std::string chunk) override {
    auto s = session_.lock();
    return s && s->send_chunk(std::move(chunk));
  }
  void close() override {
    if (auto s = session_.lock()) s->close_stream();
  }
  bool open() const override {
    auto s = session_.lock();
    return s && s->stream_open();
  }

 private:
  std::weak_ptr<Session> session_;
};

void Session::begin_stream(Response head, StreamOpened opened) {
  head.keep_alive(false);
  head.erase(bhttp::field::content_length);
  auto stream = std::make_shared<SessionStream>(weak_from_this());
  auto& streams = server_->streams_;
  std::erase_if(streams, [](const auto& s) { return s.expired(); });
  streams.push_back(stream);
  response_ = std::make_shared<Response>(std::move(head));
  stream_.expires_after(server_->options_.write_timeout);
  bhttp::async_write(stream_, *response_,
                     [self = shared_from_this(), stream, opened = std::move(opened)](
                         beast::error_code ec, std::size_t) {
                       self->response_.reset();
                       if (ec) return self->close_stream();
                       self->stream_.expires_never();
                       self->watch_for_close();
                       opened(stream);
                     });
}

}  // namespace

constexpr std::size_t kMaxRefusing = 256;

void Server::Impl::on_accept(beast::error_code ec, tcp::socket socket) {
  if (stopped_) return;
  if (!ec) {
    // Over the limit: refuse fast rather than slow everyone. Answering takes a session
    // too, so past a further bound the connection is just closed.
    if (sessions_ >= options_.max_connections) {
      ++refused_;
      if (refusing_ < kMaxRefusing) {
        std::make_shared<Session>(std::move(socket), shared_from_this(), true)->start();
      } else {
        beast::error_code ignored;
        socket.close(ignored);
      }
    } else {
      std::make_shared<Session>(std::move(socket), shared_from_this())->start();
    }
  }
  accept();
}

Server::Server(asio::io_context& io, tcp::acceptor acceptor, ServerOptions options, Handler handler)
    : impl_(std::make_shared<Impl>(io, std::move(acceptor), options, std::move(handler))) {}

Server::~Server() {
  stop();
}

void Server::start() {
  impl_->accept();
}

void Server::stop() {
  if (impl_->stopped_) return;
  impl_->stopped_ = true;
  beast::error_code ignored;
  impl_->acceptor_.close(ignored);
  for (const auto& weak : impl_->streams_) {
    if (auto stream = weak.lock()) stream->close();
  }
  impl_->streams_.clear();
}

std::size_t Server::active_sessions() const {
  return impl_->sessions_;
}

std::uint64_t Server::refused_connections() const {
  return impl_->refused_;
}

tcp::endpoint Server::local_endpoint() const {
  beast::error_code ec;
  return impl_->acceptor_.local_endpoint(ec);
}

}  // namespace ackd::http
