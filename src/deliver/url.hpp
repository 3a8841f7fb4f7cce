#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>

namespace ackd::deliver {

// A server's address as a URL: "scheme://host[:port][/path][?query]".
struct ServerUrl {
  std::string scheme;  // lower case, one of those asked for
  std::string host;    // without brackets for IPv6 literals
  std::string port;    // "" unless given (then 1-65535)
  std::string rest;    // path and query, "" when none; never a fragment
};

// Parses a URL of one of `schemes` (lower case); otherwise an error message.
std::variant<ServerUrl, std::string> parse_server_url(
    std::string_view url, std::initializer_list<std::string_view> schemes);

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
