#include "deliver/url.hpp"

#include <algorithm>
#include <cctype>

namespace ackd::deliver {

std::variant<ServerUrl, std::string> parse_server_url(
    std::string_view url, std::initializer_list<std::string_view> schemes) {
  ServerUrl out;
  const auto separator = url.find("://");
  if (separator != std::string_view::npos) {
    out.scheme = std::string(url.substr(0, separator));
    for (auto& c : out.scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (separator == std::string_view::npos ||
      std::find(schemes.begin(), schemes.end(), out.scheme) == schemes.end()) {
    std::string wanted;
    for (auto s : schemes) wanted += (wanted.empty() ? "" : " or ") + std::string(s) + "://";
    return "unsupported URL '" + std::string(url) + "': need " + wanted;
  }
  std::string_view rest = url.substr(separator + 3);
  const auto slash = rest.find_first_of("/?#");
  const std::string_view authority = rest.substr(0, slash);
  std::string_view after = slash == std::string_view::npos ? "" : rest.substr(slash);
  if (auto hash = after.find('#'); hash != std::string_view::npos) after = after.substr(0, hash);
  if (authority.find('@') != std::string_view::npos) {
    return "unsupported URL '" + std::string(url) + "': credentials in URLs are not supported";
  }
  std::string_view host = authority;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return "invalid URL '" + std::string(url) + "'";
    host = authority.substr(1, close - 1);
    const std::string_view tail = authority.substr(close + 1);
    if (!tail.empty()) {
      if (tail.front() != ':') return "invalid URL '" + std::string(url) + "'";
      port = tail.substr(1);
    }
  } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return "invalid URL '" + std::string(url) + "': no host";
  if (!port.empty()) {
    const bool digits = std::all_of(port.begin(), port.end(), [](char c) {
      return std::isdigit(static_cast<unsigned char>(c));
    });
    if (!digits || port.size() > 5 || std::stoi(std::string(port)) > 65535 ||
        std::stoi(std::string(port)) == 0) {
      return "invalid URL '" + std::string(url) + "': bad port";
    }
  }
  out.host = std::string(host);
  out.port = std::string(port);
  out.rest = std::string(after);
  return out;
}

std::variant<HttpUrl, std::string> parse_http_url(std::string_view url) {
  auto parsed = parse_server_url(url, {"http", "https"});
  if (auto* error = std::get_if<std::string>(&parsed)) return *error;
  auto& server = std::get<ServerUrl>(parsed);
  HttpUrl out;
  out.tls = server.scheme == "https";
  out.host = std::move(server.host);
  const std::string default_port = out.tls ? "443" : "80";
  out.port = server.port.empty() ? default_port : server.port;
  if (server.rest.empty()) {
    out.target = "/";
  } else if (server.rest.front() == '?') {
    out.target = "/" + server.rest;
  } else {
    out.target = std::move(server.rest);
  }
  std::string bracketed = out.host.find(':') != std::string::npos
                              ? "[" + out.host + "]"
                              : out.host;  // IPv6 literals keep their brackets in Host
  out.host_header = out.port == default_port ? bracketed : bracketed + ":" + out.port;
  return out;
}

}  // namespace ackd::deliver
