#include "daemon_api.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <chrono>

#include "ackd/api/auth.hpp"
#include "ackd/yaml/files.hpp"

namespace ackd::cli {

namespace beast = boost::beast;
namespace bhttp = beast::http;
using boost::asio::ip::tcp;

absl::StatusOr<DaemonAnswer> call_daemon(const config::Config& config,
                                         const std::string& config_path, bhttp::verb method,
                                         const std::string& target, const nlohmann::json& body) {
  std::string token;
  if (!config.tokens_file.empty()) {
    auto tokens = api::read_tokens_file(yaml::resolve_path(config.tokens_file, config_path));
    if (!tokens.ok()) return tokens.status();
    for (const auto& t : *tokens) {
      if (t.scope == api::Scope::admin) {
        token = t.secret;
        break;
      }
    }
    if (token.empty()) {
      return absl::PermissionDeniedError("auth.tokens_file has no admin token for ackd queue");
    }
  }
  const auto colon = config.listen.rfind(':');
  std::string host = config.listen.substr(0, colon);
  const std::string port = config.listen.substr(colon + 1);
  if (host.size() > 1 && host.front() == '[') host = host.substr(1, host.size() - 2);
  if (host.empty() || host == "0.0.0.0") host = "127.0.0.1";
  if (host == "::") host = "::1";

  boost::asio::io_context io;
  beast::tcp_stream stream(io);
  stream.expires_after(std::chrono::seconds(30));
  beast::error_code ec;
  auto endpoints = tcp::resolver(io).resolve(host, port, ec);
  if (!ec) stream.connect(endpoints, ec);
  if (ec) {
    return absl::UnavailableError("cannot reach ackd at " + host + ":" + port + ": " +
                                  ec.message());
  }
  bhttp::request<bhttp::string_body> request{method, target, 11};
  request.set(bhttp::field::host, host);
  request.set(bhttp::field::user_agent, "ackd-queue");
  if (!token.empty()) request.set(bhttp::field::authorization, "Bearer " + token);
  if (!body.is_null()) {
    request.set(bhttp::field::content_type, "application/json");
    request.body() = body.dump();
  }
  request.prepare_payload();
  bhttp::write(stream, request, ec);
  beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> response;
  if (!ec) bhttp::read(stream, buffer, response, ec);
  if (ec) return absl::UnavailableError("ackd at " + host + ":" + port + ": " + ec.message());
  DaemonAnswer answer;
  answer.status = static_cast<int>(response.result_int());
  answer.body = nlohmann::json::parse(response.body(), nullptr, /*allow_exceptions=*/false);
  if (answer.body.is_discarded()) answer.body = nullptr;
  return answer;
}

}  // namespace ackd::cli
