#include "ackd/api/auth.hpp"

#include <algorithm>

namespace ackd::api {

bool constant_time_equal(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  const std::size_t n = std::max(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff = static_cast<unsigned char>(diff | (x ^ y));
  }
  return diff == 0;
}

bool has_bearer_token(const http::Request& request, const std::vector<std::string>& tokens) {
  auto header = request[boost::beast::http::field::authorization];
  constexpr std::string_view kBearer = "Bearer ";
  if (header.size() <= kBearer.size() || header.substr(0, kBearer.size()) != kBearer) {
    return false;
  }
  auto token = header.substr(kBearer.size());
  bool ok = false;
  for (const auto& t : tokens) ok = constant_time_equal(token, t) || ok;
  return ok;
}

}  // namespace ackd::api
