// GET /v1/reports: `ackd report` over HTTP, computed on the store's reader (it never waits
// behind the writer nor holds it up).

#include "ackd/api/api.hpp"
#include "ackd/report/period.hpp"
#include "ackd/report/report.hpp"
#include "answer.hpp"

namespace ackd::api {
namespace {

std::optional<std::string> query_option(const Params& params, std::string_view name) {
  auto value = params.query_value(name, "\n");  // a value no query can hold
  if (value == "\n") return std::nullopt;
  return value;
}

void reports(Services& s, const http::Request& req, const Params& params,
             const http::Respond& respond) {
  auto bad = [&](const std::string& message) {
    respond(http::error_response(req, bhttp::status::bad_request, "invalid_query", message));
  };
  const auto by = report::by_from_string(params.query_value("by", "team"));
  if (!by) return bad("by: must be team, rule, channel, day, hour or agent");
  const auto format = params.query_value("format", "json");
  if (format != "json" && format != "csv" && format != "html") {
    return bad("format: must be json, csv or html");
  }
  auto lang = params.query_value("lang", s.state.policy->default_lang);
  if (lang != "ja" && lang != "en") return bad("lang: must be ja or en");
  std::optional<report::Drill> drill;
  if (auto figure_name = query_option(params, "cases")) {
    const auto figure = report::figure_from_string(*figure_name);
    if (!figure) return bad("cases: must be one of " + report::figure_names());
    if (format == "html") return bad("cases: listed as json or csv");
    drill = report::Drill{.figure = *figure,
                          .group = query_option(params, "group"),
                          .list = query_option(params, "list"),
                          .keyword = query_option(params, "keyword")};
  }
  auto since = query_option(params, "since");
  auto from = query_option(params, "from");
  if (!since && !from) since = "7d";
  const auto now = s.now();
  auto period = report::period_of(since, from, query_option(params, "to"), now);
  if (auto* error = std::get_if<std::string>(&period)) return bad(*error);
  const auto [begin, end] = std::get<report::Period>(period);

  // The policy in force gives the calendars and the customers' zone.
  auto builder = std::make_shared<report::Builder>(
      begin, end, *by, report::calendars_of(s.state.policy), s.state.policy->timezone, now);
  if (drill) builder->drill(*drill);
  from_store<report::Report>(
      s, req, respond,
      [&store = s.store, builder, begin, end](auto done) {
        store.report(begin, end, builder, std::move(done));
      },
      [format, lang](const http::Request& rq, const http::Respond& rs, const report::Report& r) {
        if (r.cases && format == "csv") {
          auto res =
              http::json_response(rq, bhttp::status::ok, report::cases_to_csv(*r.cases, r.zone));
          res.set(bhttp::field::content_type, "text/csv; charset=utf-8");
          return rs(std::move(res));
        }
        if (r.cases) {
          return rs(http::json_response(rq, bhttp::status::ok,
                                        report::cases_to_json(*r.cases, r.zone).dump()));
        }
        if (format == "html") {
          auto res = http::json_response(rq, bhttp::status::ok, report::to_html(r, lang));
          res.set(bhttp::field::content_type, "text/html; charset=utf-8");
          // The page carries customers' names: nothing in it may run or load.
          res.set("Content-Security-Policy",
                  "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
          res.set("X-Content-Type-Options", "nosniff");
          return rs(std::move(res));
        }
        if (format == "csv") {
          auto res = http::json_response(rq, bhttp::status::ok, report::to_csv(r));
          res.set(bhttp::field::content_type, "text/csv; charset=utf-8");
          return rs(std::move(res));
        }
        rs(http::json_response(rq, bhttp::status::ok, report::to_json(r).dump()));
      });
}

}  // namespace

void add_report_routes(Router& router, Services& services) {
  router.add(
      bhttp::verb::get, "/v1/reports",
      [&services](http::Request&& req, const Params& p, const http::Respond& respond) {
        reports(services, req, p, respond);
      },
      needs(Scope::read));
}

}  // namespace ackd::api
