// The console's files at /ui/ (compiled in: console/assets.hpp), and GET /v1/me, which tells
// the console what its token may do.

#include "ackd/api/api.hpp"
#include "ackd/console/assets.hpp"
#include "answer.hpp"

namespace ackd::api {
namespace {

// The page runs only its own script and style, talks only to ackd, and is never framed:
// a customer's text that slipped into markup could still run nothing.
constexpr const char* kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

http::Response asset_response(const http::Request& req, const console::Asset& asset) {
  http::Response res{bhttp::status::ok, req.version()};
  res.set(bhttp::field::server, "ackd");
  res.set(bhttp::field::content_type, asset.content_type);
  res.set(bhttp::field::cache_control, "no-cache");
  res.set("Content-Security-Policy", kContentSecurityPolicy);
  res.set("X-Content-Type-Options", "nosniff");
  res.set("X-Frame-Options", "DENY");
  res.set("Referrer-Policy", "no-referrer");
  res.keep_alive(req.keep_alive());
  res.body() = std::string(asset.body);
  res.prepare_payload();
  return res;
}

// Every page of the console is index.html: the script reads the path (/ui/cases/ID).
void page(const http::Request& req, const http::Respond& respond) {
  respond(asset_response(req, *console::find_asset("index.html")));
}

}  // namespace

void add_console_routes(Router& router) {
  router.add(
      bhttp::verb::get, "/ui",
      [](http::Request&& req, const Params&, const http::Respond& respond) {
        http::Response res{bhttp::status::moved_permanently, req.version()};
        res.set(bhttp::field::location, "/ui/");
        res.keep_alive(req.keep_alive());
        res.prepare_payload();
        respond(std::move(res));
      },
      kAnyone);
  router.add(
      bhttp::verb::get, "/ui/",
      [](http::Request&& req, const Params&, const http::Respond& respond) { page(req, respond); },
      kAnyone);
  router.add(
      bhttp::verb::get, "/ui/cases/{id}",
      [](http::Request&& req, const Params&, const http::Respond& respond) { page(req, respond); },
      kAnyone);
  router.add(
      bhttp::verb::get, "/ui/{file}",
      [](http::Request&& req, const Params& p, const http::Respond& respond) {
        const auto asset = console::find_asset(p["file"]);
        if (!asset || p["file"] == "index.html") {
          return respond(http::error_response(req, bhttp::status::not_found, "not_found",
                                              "no such file in the console"));
        }
        respond(asset_response(req, *asset));
      },
      kAnyone);
  // Anyone may ask; the answer is 401 without a valid token, as the console needs to know.
  router.add(
      bhttp::verb::get, "/v1/me",
      [](http::Request&& req, const Params& p, const http::Respond& respond) {
        if (!p.scope) {
          return respond(http::error_response(req, bhttp::status::unauthorized, "unauthorized",
                                              "a valid Authorization: Bearer token is required"));
        }
        respond(http::json_response(req, bhttp::status::ok,
                                    nlohmann::json{{"scope", to_string(*p.scope)}}.dump()));
      },
      kAnyone);
}

}  // namespace ackd::api
