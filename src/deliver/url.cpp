#include "deliver/url.hpp"

#include <algorithm>
#include <cctype>

namespace ackd::deliver {

std::variant<HttpUrl, std::string> parse_http_url(std::string_view url) {
  constexpr std::string_view http = "http://";
  constexpr std::string_view https = "https://";
  auto starts_with_nocase = [&](std::string_view prefix) {
    return url.size() >= prefix.size() &&
           std::equal(prefix.begin(), prefix.end(), url.begin(), [](char a, char b) {
             return std::tolower(static_cast<unsigned char>(a)) == b;
           });
  };
  const bool tls = starts_with_nocase(https);
  if (!tls && !starts_with_nocase(http)) {
    return "unsupported URL '" + std::string(url) + "': need http:// or https://";
  }

  std::string_view rest = url.substr(tls ? https.size() : http.size());
  auto slash = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, slash);
  std::string_view target = slash == std::string_view::npos ? "" : rest.substr(slash);
  if (auto hash = target.find('#'); hash != std::string_view::npos) target = target.substr(0, hash);
  if (authority.find('@') != std::string_view::npos)
    return "unsupported URL '" + std::string(url) + "': credentials in URLs are not supported";

  HttpUrl out;
  std::string_view host = authority;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return "invalid URL '" + std::string(url) + "'";
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return "invalid URL '" + std::string(url) + "'";
      port = after.substr(1);
    }
  } else if (auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return "invalid URL '" + std::string(url) + "': no host";
  if (!port.empty()) {
    bool digits = std::all_of(port.begin(), port.end(),
                              [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
    if (!digits || port.size() > 5 || std::stoi(std::string(port)) > 65535 ||
        std::stoi(std::string(port)) == 0)
      return "invalid URL '" + std::string(url) + "': bad port";
  }
  out.tls = tls;
  out.host = std::string(host);
  const std::string default_port = tls ? "443" : "80";
  out.port = port.empty() ? default_port : std::string(port);
  if (target.empty()) {
    out.target = "/";
  } else if (target.front() == '?') {
    out.target = "/" + std::string(target);
  } else {
    out.target = std::string(target);
  }
  std::string bracketed = host.find(':') != std::string_view::npos
                              ? "[" + out.host + "]"
                              : out.host;  // IPv6 literals keep their brackets in Host
  out.host_header = out.port == default_port ? bracketed : bracketed + ":" + out.port;
  return out;
}

}  // namespace ackd::deliver
