#pragma once

#include <string>
#include <string_view>
#include <variant>

namespace ackd::deliver {

struct HttpUrl {
  bool tls = false;    // https
  std::string host;    // without brackets for IPv6 literals
  std::string port;    // "80" (https: "443") unless given
  std::string target;  // path and query, at least "/"
  std::string host_header;
};

// Parses "http[s]://host[:port][/path][?query]"; otherwise an error message.
std::variant<HttpUrl, std::string> parse_http_url(std::string_view url);

}  // namespace ackd::deliver
