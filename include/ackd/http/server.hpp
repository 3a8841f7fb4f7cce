#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>

namespace ackd::http {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;

// A response whose body goes out as it comes (Server-Sent Events), on a connection of its
// own that closes with it. Used on the io_context's thread.
class EventStream {
 public:
  virtual ~EventStream() = default;
  // Queues `chunk` behind those before it. False once the stream is closed: the client
  // went, the server stops, or the client fell too far behind (kMaxQueued chunks waiting).
  virtual bool send(std::string chunk) = 0;
  virtual void close() = 0;
  virtual bool open() const = 0;

  static constexpr std::size_t kMaxQueued = 256;
};
using StreamOpened = std::function<void(std::shared_ptr<EventStream>)>;

// Answers a request, once; may be called later (after a commit), but on the io_context's
// thread. Made from any callable taking a Response; the server's also streams: `stream`
// writes `head` (without a length) and hands the body's stream to `opened`.
class Respond {
 public:
  Respond() = default;
  template <class F>
  requires(std::is_invocable_v<F&, Response> && !std::is_same_v<std::decay_t<F>, Respond>)
      Respond(F f)
      : respond_(std::move(f)) {}  // NOLINT: any responder converts
  Respond(std::function<void(Response)> respond, std::function<void(Response, StreamOpened)> stream)
      : respond_(std::move(respond)), stream_(std::move(stream)) {}

  void operator()(Response response) const { respond_(std::move(response)); }
  bool can_stream() const { return static_cast<bool>(stream_); }
  void stream(Response head, StreamOpened opened) const {
    stream_(std::move(head), std::move(opened));
  }

 private:
  std::function<void(Response)> respond_;
  std::function<void(Response, StreamOpened)> stream_;
};
using Handler = std::function<void(Request&&, Respond)>;

struct ServerOptions {
  std::size_t body_limit = 1 << 20;     // larger bodies get 413
  std::size_t header_limit = 16 << 10;  // larger headers get 431
  // A client has this long to send a whole request (headers and body), and an idle
  // keep-alive connection is closed after it: a slow or silent client holds nothing long.
  std::chrono::milliseconds read_timeout{10000};
  std::chrono::milliseconds write_timeout{10000};
  // Past this many connections a new one is answered 503 with Retry-After and closed.
  std::size_t max_connections = 4096;
  std::chrono::seconds retry_after{5};
};

// An HTTP/1.1 server with keep-alive in the style of the Beast examples: one small async
// session per connection, one request at a time, all on one io_context thread.
class Server {
 public:
  Server(boost::asio::io_context& io, boost::asio::ip::tcp::acceptor acceptor,
         ServerOptions options, Handler handler);
  ~Server();

  void start();
  // Stops accepting; sessions finish the request they are serving and then close, and
  // event streams close.
  void stop();
  std::size_t active_sessions() const;
  // Connections refused for being over max_connections, since start.
  std::uint64_t refused_connections() const;
  boost::asio::ip::tcp::endpoint local_endpoint() const;

  class Impl;  // shared with the sessions, which may outlive a stopped server

 private:
  std::shared_ptr<Impl> impl_;
};

// A JSON response with the given status, in the request's HTTP version and keep-alive.
Response json_response(const Request& request, boost::beast::http::status status, std::string body);
Response json_response(unsigned version, bool keep_alive, boost::beast::http::status status,
                       std::string body);
// The contract's error shape: {"error": {"code": ..., "message": ...}}.
std::string error_body(std::string_view code, std::string_view message);
Response error_response(const Request& request, boost::beast::http::status status,
                        std::string_view code, std::string_view message);

}  // namespace ackd::http
