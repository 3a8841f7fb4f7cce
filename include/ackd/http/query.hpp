#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ackd::http {

// A parameter of a URL's query ("state" in "state=open&x=1"), percent-decoded ('+' is a
// space); nullopt when absent. The first one of that name counts.
std::optional<std::string> query_value(std::string_view query, std::string_view name);

// A URL's path segment with its %XX decoded ('+' stays a plus).
std::string percent_decode(std::string_view text);

// `text` safe in a URL's path segment or query value: every byte but RFC 3986's unreserved
// ones (letters, digits, "-._~") as %XX.
std::string percent_encode(std::string_view text);

}  // namespace ackd::http
