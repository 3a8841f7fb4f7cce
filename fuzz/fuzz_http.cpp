// Raw bytes from a TCP client, to the real ackd::http::Server: it runs once per process
// on 127.0.0.1 (an ephemeral port, its own io thread) with a handler that answers the
// routes as the daemon's API does, without the store: ingest parses and validates the body
// and answers later from the io thread, as after a commit; claim and resolve read their
// JSON body; anything else gets the daemon's 404, which quotes the method and target.
//
// Each input is one connection: the bytes are written, the write side is shut, and the
// server must answer with well-formed HTTP responses only and close the connection in
// time. A crash, an exception out of the handler, a hang or a malformed response traps.
//
// The limits are far below the daemon's so that the fuzzer reaches the 413 and 431 paths
// with inputs of a few kilobytes, and the timeouts short so a stalled session costs
// little; neither changes which code runs.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "ackd/complaint/complaint.hpp"
#include "ackd/http/server.hpp"
#include "nlohmann/json.hpp"

namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using ackd::http::Request;
using ackd::http::Respond;
using tcp = asio::ip::tcp;

constexpr std::size_t kBodyLimit = 2048;
constexpr std::size_t kHeaderLimit = 1024;
constexpr auto kServerTimeout = std::chrono::milliseconds(300);
// Far above anything the server should need for a few kilobytes on loopback.
constexpr int kClientDeadlineMs = 3000;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

// An exception out of a handler ends the daemon's event loop. Trapping where it is caught,
// on the io thread, stops the process before the connection is torn down, so the client
// cannot see a close and go on as if nothing happened.
template <class F>
void guarded(F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz_http: exception out of the handler: %s\n", e.what());
    __builtin_trap();
  }
}

void ingest(asio::io_context& io, const Request& req, const Respond& respond) {
  auto parsed = ackd::parse_complaint(req.body());
  if (!parsed.ok()) {
    return respond(ackd::http::error_response(req, bhttp::status::bad_request, "invalid_complaint",
                                              std::string(parsed.status().message())));
  }
  auto request = std::make_shared<Request>(req);
  auto stored = std::make_shared<nlohmann::json>(ackd::to_json(*parsed));
  asio::post(io, [request, respond, stored] {
    guarded([&] {
      nlohmann::json answer = {
          {"id", ackd::case_reference((*stored)["channel"].get<std::string>(),
                                      (*stored)["external_id"].get<std::string>())},
          {"duplicate", false},
          {"complaint", *stored}};
      respond(ackd::http::json_response(*request, bhttp::status::accepted, answer.dump()));
    });
  });
}

// The daemon's claim and resolve bodies: {"agent": "...", "note": "..."}.
void agent_action(const Request& req, const std::string& id, const Respond& respond) {
  auto body = nlohmann::json::parse(req.body(), nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return respond(ackd::http::error_response(req, bhttp::status::bad_request, "invalid_body",
                                              "body: must be a JSON object"));
  }
  auto agent = body.find("agent");
  if (agent == body.end() || !agent->is_string() || agent->get<std::string>().empty()) {
    return respond(ackd::http::error_response(req, bhttp::status::bad_request, "invalid_body",
                                              "agent: must be a non-empty string"));
  }
  // As the store answers a claim of an unknown case.
  respond(
      ackd::http::error_response(req, bhttp::status::not_found, "not_found", "no complaint " + id));
}

void handle(asio::io_context& io, Request&& req, const Respond& respond) {
  std::string target(req.target());
  if (auto q = target.find('?'); q != std::string::npos) target.resize(q);
  const auto method = req.method();
  if (target == "/healthz") {
    return respond(ackd::http::json_response(req, bhttp::status::ok, R"({"status":"ok"})"));
  }
  if (target == "/v1/complaints" && method == bhttp::verb::post) return ingest(io, req, respond);
  constexpr std::string_view kPrefix = "/v1/complaints/";
  if (target.rfind(kPrefix, 0) == 0) {
    std::string rest = target.substr(kPrefix.size());
    auto slash = rest.find('/');
    std::string id = rest.substr(0, slash);
    std::string action = slash == std::string::npos ? "" : rest.substr(slash + 1);
    if (!id.empty() && (action == "claim" || action == "resolve") && method == bhttp::verb::post) {
      return agent_action(req, id, respond);
    }
  }
  respond(ackd::http::error_response(
      req, bhttp::status::not_found, "not_found",
      "no such endpoint: " + std::string(req.method_string()) + " " + target));
}

// Created on first use and never destroyed: the io thread runs until the process exits.
struct Harness {
  asio::io_context io;
  std::unique_ptr<ackd::http::Server> server;
  sockaddr_in address{};

  Harness() {
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    ackd::http::ServerOptions options;
    options.body_limit = kBodyLimit;
    options.header_limit = kHeaderLimit;
    options.read_timeout = kServerTimeout;
    options.write_timeout = kServerTimeout;
    options.max_connections = 64;
    server = std::make_unique<ackd::http::Server>(
        io, std::move(acceptor), options, [this](Request&& req, Respond respond) {
          guarded([&] { handle(io, std::move(req), respond); });
        });
    address.sin_family = AF_INET;
    address.sin_port = htons(server->local_endpoint().port());
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    server->start();
    std::thread([this] {
      guarded([this] { io.run(); });
      __builtin_trap();  // the server stopped by itself
    }).detach();
  }
};

Harness& harness() {
  static Harness* h = new Harness;
  return *h;
}

struct Exchange {
  std::string received;
  bool reset = false;  // the server closed with our requests unread, as after Connection: close
};

// Writes all of `data` (the server may stop reading and close early: that is fine), shuts
// the write side, and returns everything the server sends until it closes.
Exchange exchange(std::string_view data) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  check(fd >= 0);
  const auto& address = harness().address;
  int connected = connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address);
  if (connected != 0 && errno == EINTR) {
    // Interrupted (libFuzzer's timer signal): the connection goes on, so wait for it.
    pollfd p{fd, POLLOUT, 0};
    while (poll(&p, 1, kClientDeadlineMs) < 0 && errno == EINTR) {
    }
    int error = 0;
    socklen_t length = sizeof error;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
    connected = error == 0 ? 0 : -1;
    errno = error;
  }
  if (connected != 0) {
    std::fprintf(stderr, "fuzz_http: cannot connect to the server: %s\n", std::strerror(errno));
    __builtin_trap();
  }
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(kClientDeadlineMs);
  auto remaining_ms = [&] {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    return static_cast<int>(std::max<std::int64_t>(0, left.count()));
  };
  Exchange out;
  char buffer[16384];
  bool writing = true;
  bool open = true;
  while (open) {
    pollfd p{fd, static_cast<short>(POLLIN | (writing ? POLLOUT : 0)), 0};
    const int ready = poll(&p, 1, remaining_ms());
    if (ready < 0 && errno == EINTR) continue;
    check(ready > 0);  // the server neither answered nor closed in time: a hang
    if (writing && (p.revents & (POLLOUT | POLLERR | POLLHUP))) {
      const ssize_t n = data.empty() ? 0 : send(fd, data.data(), data.size(), MSG_NOSIGNAL);
      if (n > 0) data.remove_prefix(static_cast<std::size_t>(n));
      if (data.empty() || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        shutdown(fd, SHUT_WR);
        writing = false;
      }
    }
    if (p.revents & (POLLIN | POLLERR | POLLHUP)) {
      const ssize_t n = recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
      if (n > 0) {
        out.received.append(buffer, static_cast<std::size_t>(n));
      } else if (n == 0) {
        open = false;
      } else if (errno != EAGAIN && errno != EINTR) {
        out.reset = true;
        open = false;
      }
    }
  }
  // Done with it: a reset instead of a FIN leaves no TIME_WAIT behind, which at thousands of
  // connections a second would soon use up the ephemeral ports.
  const linger abort{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
  close(fd);
  return out;
}

// Everything the server sent must be a sequence of complete HTTP/1.x responses; only a
// reset may cut the last one short.
void check_responses(const Exchange& result) {
  const std::string& received = result.received;
  boost::beast::flat_buffer buffer;
  if (!received.empty()) {
    auto space = buffer.prepare(received.size());
    std::memcpy(space.data(), received.data(), received.size());
    buffer.commit(received.size());
  }
  while (buffer.size() > 0) {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(1 << 20);
    parser.eager(true);
    boost::beast::error_code ec;
    while (!parser.is_done()) {
      const std::size_t used = parser.put(buffer.data(), ec);
      buffer.consume(used);
      if (ec == bhttp::error::need_more) {
        check(result.reset);
        return;
      }
      check(!ec);
      if (used == 0) break;
    }
    check(parser.is_done());
    const auto status = parser.get().result_int();
    check(status >= 200 && status < 600);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  check_responses(exchange(std::string_view(reinterpret_cast<const char*>(data), size)));
  return 0;
}
