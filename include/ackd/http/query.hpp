#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ackd::http {

// A parameter of a URL's query ("state" in "state=open&x=1"), percent-decoded ('+' is a
// space); nullopt when absent. The first one of that name counts.
std::optional<std::string> query_value(std::string_view query, std::string_view name);

}  // namespace ackd::http
