#pragma once

#include <doctest/doctest.h>
#include <openssl/ssl.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ackd/config/section.hpp"
#include "ackd/deliver/sink_registry.hpp"
#include "ackd/time/clock.hpp"

namespace ackd::testing {

// A platform's API, or any HTTPS server, as a fake on 127.0.0.1 (serving `cert` from
// tests/data/tls, signed by the test CA): it notes each handshake with the name the client
// asked for (SNI) and each call, and answers the next scripted answer, then 200 "{}".
class PlatformApi {
 public:
  struct Call {
    std::string method;
    std::string target;
    std::map<std::string, std::string> headers;  // names in lower case
    std::string body;

    std::string header(const std::string& name) const {
      auto it = headers.find(name);
      return it == headers.end() ? "" : it->second;
    }
  };
  struct Answer {
    unsigned status = 200;
    std::map<std::string, std::string> headers;
    std::string body = "{}";
  };

  std::vector<Call> calls;
  std::deque<Answer> answers;
  int handshakes = 0;
  std::vector<std::string> server_names;  // per handshake, "" without SNI

  explicit PlatformApi(boost::asio::io_context& io, const std::string& cert = "server")
      : context_(boost::asio::ssl::context::tls_server),
        acceptor_(io, {boost::asio::ip::address_v4::loopback(), 0}) {
    const std::string dir = ACKD_TEST_DATA "/tls/";
    context_.use_certificate_chain_file(dir + cert + ".pem");
    context_.use_private_key_file(dir + cert + "-key.pem", boost::asio::ssl::context::pem);
    accept();
  }

  unsigned short port() const { return acceptor_.local_endpoint().port(); }
  // "https://127.0.0.1:<port>" and `path`.
  std::string url(const std::string& path = "") const {
    return "https://127.0.0.1:" + std::to_string(port()) + path;
  }

 private:
  using Stream = boost::beast::ssl_stream<boost::beast::tcp_stream>;
  struct Session {
    Session(boost::asio::ip::tcp::socket s, boost::asio::ssl::context& c)
        : stream(std::move(s), c) {}
    Stream stream;
    boost::beast::flat_buffer buffer;
    boost::beast::http::request<boost::beast::http::string_body> request;
    boost::beast::http::response<boost::beast::http::string_body> response;
  };

  void accept() {
    acceptor_.async_accept(
        [this](boost::beast::error_code ec, boost::asio::ip::tcp::socket socket) {
          if (ec) return;
          auto s = std::make_shared<Session>(std::move(socket), context_);
          s->stream.async_handshake(
              boost::asio::ssl::stream_base::server, [this, s](boost::beast::error_code hec) {
                if (hec) return;  // the client refused us: nothing to read
                ++handshakes;
                const char* name =
                    SSL_get_servername(s->stream.native_handle(), TLSEXT_NAMETYPE_host_name);
                server_names.emplace_back(name ? name : "");
                read(s);
              });
          accept();
        });
  }

  void read(std::shared_ptr<Session> s) {
    s->request = {};
    boost::beast::http::async_read(
        s->stream, s->buffer, s->request, [this, s](boost::beast::error_code ec, std::size_t) {
          if (ec) return;
          Call call{std::string(s->request.method_string()),
                    std::string(s->request.target()),
                    {},
                    s->request.body()};
          for (const auto& field : s->request) {
            std::string name(field.name_string());
            for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            call.headers[name] = std::string(field.value());
          }
          calls.push_back(std::move(call));
          Answer answer;
          if (!answers.empty()) {
            answer = std::move(answers.front());
            answers.pop_front();
          }
          s->response = {};
          s->response.version(11);
          s->response.result(answer.status);
          for (const auto& [name, value] : answer.headers) s->response.set(name, value);
          s->response.set(boost::beast::http::field::content_type, "application/json");
          s->response.keep_alive(s->request.keep_alive());
          s->response.body() = answer.body;
          s->response.prepare_payload();
          boost::beast::http::async_write(s->stream, s->response,
                                          [this, s](boost::beast::error_code wec, std::size_t) {
                                            if (!wec) read(s);
                                          });
        });
  }

  boost::asio::ssl::context context_;
  boost::asio::ip::tcp::acceptor acceptor_;
};

// A sink of a built-in type made as the daemon makes it, calling `api` (base_url, the test
// CA) with the token "tok", on a manual clock; send() runs one attempt to its end.
struct MadeSink {
  boost::asio::io_context io;
  time::ManualClock clock;
  PlatformApi api{io};
  std::unique_ptr<deliver::Sink> sink;

  // A platform's sink: its API's base_url under `base_path`, token "tok".
  MadeSink(const std::string& type, const std::string& base_path, time::Instant start,
           std::map<std::string, std::string> settings = {})
      : clock(start) {
    settings["base_url"] = api.url(base_path);
    make(type, std::move(settings), {{"token", "tok"}});
  }

  // A sink made later, by make().
  explicit MadeSink(time::Instant start) : clock(start) {}

  // One attempt at `delivery`, waited for (at most 20 s of real time).
  deliver::Attempt send(const deliver::Delivery& delivery) {
    std::optional<deliver::Attempt> out;
    sink->send(delivery, [&](deliver::Attempt attempt) { out = std::move(attempt); });
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!out && std::chrono::steady_clock::now() < end) {
      io.restart();
      io.run_for(std::chrono::milliseconds(5));
    }
    REQUIRE(out);
    return *out;
  }

  // Makes the sink: `settings` as written and `secrets` as {credential: ...}, trusting the
  // test CA; notices link to `console_url`.
  void make(const std::string& type, std::map<std::string, std::string> settings,
            const std::map<std::string, std::string>& secrets, std::string console_url = "") {
    config::Section section{type, type, {}, {}};
    settings["tls.ca_file"] = ACKD_TEST_DATA "/tls/ca.pem";
    for (const auto& [key, value] : settings) section.settings[key] = {value, {}, {}, {}};
    for (const auto& [key, value] : secrets) {
      section.settings[key] = {value, {}, {}, config::SecretRef{"credential", key}};
    }
    auto made = deliver::builtin_sinks().make(section, {io, clock, 0, std::move(console_url)});
    if (auto* error = std::get_if<std::string>(&made)) FAIL(*error);
    sink = std::get<std::unique_ptr<deliver::Sink>>(std::move(made));
  }
};

}  // namespace ackd::testing
