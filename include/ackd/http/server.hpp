#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>

namespace ackd::http {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;
// Answers a request; may be called later (after a commit), but on the io_context's thread.
using Respond = std::function<void(Response)>;
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
  // Stops accepting; sessions finish the request they are serving and then close.
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
