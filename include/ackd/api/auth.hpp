#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ackd/http/server.hpp"

namespace ackd::api {

// Whether the request carries "Authorization: Bearer T" with T one of `tokens`. Every
// token is compared in full, so timing tells nothing of a token.
bool has_bearer_token(const http::Request& request, const std::vector<std::string>& tokens);

// Compares every byte whatever the first difference.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace ackd::api
