#include "ackd/api/router.hpp"

#include <algorithm>

#include "ackd/http/query.hpp"

namespace ackd::api {
namespace {

namespace bhttp = boost::beast::http;

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t start = 1;  // after the leading '/'
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    out.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// Whether a browser sent this on behalf of a page of another site (or another origin of
// this one). Browsers say so in Sec-Fetch-Site; older ones only in Origin, checked against
// the Host the request came to. Servers (platforms, curl, connectors) send neither.
bool cross_site(const http::Request& request) {
  if (const auto site = request["Sec-Fetch-Site"]; !site.empty()) {
    return site != "same-origin" && site != "none";
  }
  const auto origin = request[bhttp::field::origin];
  if (origin.empty()) return false;
  const auto scheme = origin.find("://");
  const auto authority = scheme == std::string_view::npos ? origin : origin.substr(scheme + 3);
  return authority != request[bhttp::field::host];
}

}  // namespace

const std::string& Params::operator[](std::string_view name) const {
  static const std::string kEmpty;
  auto it = path.find(name);
  return it == path.end() ? kEmpty : it->second;
}

std::string Params::query_value(std::string_view name, std::string fallback) const {
  return http::query_value(query, name).value_or(std::move(fallback));
}

Router::Router(Options options) : options_(std::move(options)) {}

void Router::add(bhttp::verb method, std::string pattern, Handler handler, Access access) {
  Route route{method, {}, std::move(handler), access};
  for (auto segment : split_path(pattern)) route.segments.emplace_back(segment);
  routes_.push_back(std::move(route));
}

bool Router::match(const Route& route, const std::vector<std::string_view>& path, Params& params) {
  if (route.segments.size() != path.size()) return false;
  params.path.clear();
  for (std::size_t i = 0; i < path.size(); ++i) {
    const auto& want = route.segments[i];
    if (want.size() > 2 && want.front() == '{' && want.back() == '}') {
      if (path[i].empty()) return false;
      params.path.emplace(want.substr(1, want.size() - 2), path[i]);
    } else if (want != path[i]) {
      return false;
    }
  }
  return true;
}

void Router::handle(http::Request&& request, const http::Respond& respond) const {
  std::string target(request.target());
  Params params;
  if (auto q = target.find('?'); q != std::string::npos) {
    params.query = target.substr(q + 1);
    target.resize(q);
  }
  const auto path = split_path(target);
  const Route* found = nullptr;
  std::vector<std::string> allowed;
  bool public_path = false;
  for (const auto& route : routes_) {
    if (!match(route, path, params)) continue;
    public_path = public_path || !route.access.scope;
    if (route.method == request.method()) {
      found = &route;
      break;
    }
    allowed.emplace_back(bhttp::to_string(route.method));
  }
  const bool changes =
      request.method() != bhttp::verb::get && request.method() != bhttp::verb::head;
  if (changes && cross_site(request)) {
    if (options_.on_refused) options_.on_refused("cross_site");
    return respond(http::error_response(request, bhttp::status::forbidden, "cross_site",
                                        "a page of another site may not send this request"));
  }
  params.scope = options_.scope_of ? options_.scope_of(request) : std::optional(Scope::admin);
  const bool needs_token = found ? found->access.scope.has_value() : !public_path;
  if (needs_token && options_.scope_of) {
    const auto& held = params.scope;
    if (!held) {
      if (options_.on_refused) options_.on_refused("unauthorized");
      return respond(http::error_response(request, bhttp::status::unauthorized, "unauthorized",
                                          "a valid Authorization: Bearer token is required"));
    }
    if (found && !allows(*held, *found->access.scope)) {
      if (options_.on_refused) options_.on_refused("forbidden");
      return respond(http::error_response(
          request, bhttp::status::forbidden, "forbidden",
          "this token's scope, " + std::string(to_string(*held)) + ", does not allow " +
              std::string(request.method_string()) + " " + target + " (it needs " +
              std::string(to_string(*found->access.scope)) + ")"));
    }
  }
  // The loop stopped at the route found, so `params` holds its captures.
  if (found) return found->handler(std::move(request), params, respond);
  const std::string what = std::string(request.method_string()) + " " + target;
  if (!allowed.empty()) {
    std::string allow;
    for (const auto& m : allowed) allow += (allow.empty() ? "" : ", ") + m;
    auto res =
        http::error_response(request, bhttp::status::method_not_allowed, "method_not_allowed",
                             "method not allowed: " + what + " (allowed: " + allow + ")");
    res.set(bhttp::field::allow, allow);
    return respond(std::move(res));
  }
  respond(http::error_response(request, bhttp::status::not_found, "not_found",
                               "no such endpoint: " + what));
}

}  // namespace ackd::api
