#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ackd/api/auth.hpp"
#include "ackd/http/server.hpp"

namespace ackd::api {

// What a route's pattern captured ("/v1/complaints/{id}" -> "id") and the query string.
struct Params {
  std::map<std::string, std::string, std::less<>> path;
  std::string query;
  // The scope of the caller's token; none without a valid one. Without tokens configured,
  // admin: everyone may do everything.
  std::optional<Scope> scope;

  const std::string& operator[](std::string_view name) const;
  // A query parameter's value ("state" in "state=open&x=1"), or `fallback` when absent.
  std::string query_value(std::string_view name, std::string fallback) const;
};

using Handler = std::function<void(http::Request&&, const Params&, const http::Respond&)>;

// Who may call a route: anyone (health checks, a platform's webhook, which carries its own
// signature), or, when tokens are configured, a bearer token whose scope allows `scope`.
struct Access {
  std::optional<Scope> scope;  // none: anyone
};
inline constexpr Access kAnyone{};
inline constexpr Access needs(Scope scope) {
  return {scope};
}

// The HTTP API's routes, called with a request and a way to answer it; no socket needed.
// Unknown paths get 404, a known path with another method 405 (with Allow), and a route
// that needs a token gets 401 without a valid one and 403 with one whose scope does not
// allow it, before any handler runs. A request that changes something (not GET or HEAD)
// sent by a page of another site (Sec-Fetch-Site: cross-site, or an Origin that is not
// this host) gets 403: no other site can make a browser act on ackd.
class Router {
 public:
  struct Options {
    // The scope of the request's token (none: no valid token); empty: no tokens are
    // configured, and every request may do everything.
    std::function<std::optional<Scope>(const http::Request&)> scope_of;
    // Told of each request refused, "unauthorized" or "forbidden" (for metrics).
    std::function<void(std::string_view why)> on_refused;
  };

  explicit Router(Options options = {});

  // A pattern is a path whose segments may be "{name}", matching one non-empty segment.
  void add(boost::beast::http::verb method, std::string pattern, Handler handler, Access access);

  void handle(http::Request&& request, const http::Respond& respond) const;

 private:
  struct Route {
    boost::beast::http::verb method;
    std::vector<std::string> segments;
    Handler handler;
    Access access;
  };
  static bool match(const Route& route, const std::vector<std::string_view>& path, Params& params);

  Options options_;
  std::vector<Route> routes_;
};

}  // namespace ackd::api
