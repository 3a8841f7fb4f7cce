// The HTTP API without a socket: requests in, responses out, the real store underneath.

#include <doctest/doctest.h>

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <variant>

#include "ackd/api/api.hpp"
#include "ackd/api/auth.hpp"
#include "ackd/console/assets.hpp"
#include "ackd/time/clock.hpp"
#include "policy_fixture.hpp"

namespace api_router_test {

using namespace ackd;
namespace bhttp = boost::beast::http;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

http::Request request(bhttp::verb method, std::string target, std::string body = "",
                      std::string token = "") {
  http::Request req{method, target, 11};
  req.body() = std::move(body);
  if (!token.empty()) req.set(bhttp::field::authorization, "Bearer " + token);
  req.prepare_payload();
  return req;
}

// Calls the router and returns what it answered at once, if anything.
std::optional<http::Response> call(const api::Router& router, http::Request req) {
  std::optional<http::Response> answer;
  router.handle(std::move(req), [&](http::Response res) { answer = std::move(res); });
  return answer;
}

json body_of(const http::Response& res) {
  return json::parse(res.body());
}

std::string error_message(const http::Response& res) {
  return body_of(res)["error"]["message"];
}

api::Handler echo(std::string name) {
  return [name](http::Request&& req, const api::Params& p, const http::Respond& respond) {
    json out = {{"route", name}, {"query", p.query}};
    for (const auto& [k, v] : p.path) out["params"][k] = v;
    respond(http::json_response(req, bhttp::status::ok, out.dump()));
  };
}

}  // namespace

TEST_CASE("router: a route is chosen by path and method, with its captures and query") {
  api::Router router;
  router.add(bhttp::verb::get, "/v1/complaints/{id}", echo("timeline"),
             api::needs(api::Scope::read));
  router.add(bhttp::verb::post, "/v1/complaints/{id}/claim", echo("claim"),
             api::needs(api::Scope::agent));
  router.add(bhttp::verb::post, "/v1/complaints", echo("ingest"), api::needs(api::Scope::ingest));

  auto res = call(router, request(bhttp::verb::get, "/v1/complaints/abc?x=1&state=open"));
  REQUIRE(res);
  CHECK(res->result() == bhttp::status::ok);
  CHECK(body_of(*res)["route"] == "timeline");
  CHECK(body_of(*res)["params"]["id"] == "abc");
  CHECK(body_of(*res)["query"] == "x=1&state=open");

  res = call(router, request(bhttp::verb::post, "/v1/complaints/abc/claim"));
  CHECK(body_of(*res)["route"] == "claim");
  CHECK(body_of(*res)["params"]["id"] == "abc");
  res = call(router, request(bhttp::verb::post, "/v1/complaints"));
  CHECK(body_of(*res)["route"] == "ingest");

  api::Params params;
  params.query = "a=1&state=claimed&b";
  CHECK(params.query_value("state", "open") == "claimed");
  CHECK(params.query_value("b", "x").empty());
  CHECK(params.query_value("c", "open") == "open");
}

TEST_CASE("router: an unknown path is 404, a known one with another method 405") {
  api::Router router;
  router.add(bhttp::verb::post, "/v1/complaints", echo("ingest"), api::needs(api::Scope::ingest));
  router.add(bhttp::verb::get, "/v1/complaints/{id}", echo("timeline"),
             api::needs(api::Scope::read));

  auto res = call(router, request(bhttp::verb::get, "/v1/nothing?q=1"));
  REQUIRE(res);
  CHECK(res->result() == bhttp::status::not_found);
  CHECK(error_message(*res) == "no such endpoint: GET /v1/nothing");
  // An empty capture matches nothing.
  CHECK(call(router, request(bhttp::verb::get, "/v1/complaints/"))->result() ==
        bhttp::status::not_found);
  CHECK(call(router, request(bhttp::verb::get, "/v1/complaints/a/b"))->result() ==
        bhttp::status::not_found);

  res = call(router, request(bhttp::verb::get, "/v1/complaints"));
  REQUIRE(res);
  CHECK(res->result() == bhttp::status::method_not_allowed);
  CHECK((*res)[bhttp::field::allow] == "POST");
  CHECK(body_of(*res)["error"]["code"] == "method_not_allowed");
  CHECK(call(router, request(bhttp::verb::delete_, "/v1/complaints/x"))->result() ==
        bhttp::status::method_not_allowed);
}

TEST_CASE("router: with tokens, only public routes answer without one") {
  const std::vector<api::Token> tokens{{"s3cret", api::Scope::admin},
                                       {"other", api::Scope::metrics}};
  std::vector<std::string> refused;
  api::Router router(
      {.scope_of = [&](const http::Request& r) { return api::bearer_scope(r, tokens); },
       .on_refused = [&](std::string_view why) { refused.emplace_back(why); }});
  router.add(bhttp::verb::get, "/healthz", echo("health"), api::kAnyone);
  router.add(bhttp::verb::get, "/metrics", echo("metrics"), api::needs(api::Scope::metrics));

  CHECK(call(router, request(bhttp::verb::get, "/healthz"))->result() == bhttp::status::ok);
  auto res = call(router, request(bhttp::verb::get, "/metrics"));
  CHECK(res->result() == bhttp::status::unauthorized);
  CHECK(body_of(*res)["error"]["code"] == "unauthorized");
  CHECK(call(router, request(bhttp::verb::get, "/metrics", "", "wrong"))->result() ==
        bhttp::status::unauthorized);
  CHECK(call(router, request(bhttp::verb::get, "/metrics", "", "s3cre"))->result() ==
        bhttp::status::unauthorized);
  CHECK(call(router, request(bhttp::verb::get, "/metrics", "", "other"))->result() ==
        bhttp::status::ok);
  // An unknown path tells nothing to a caller without a token.
  CHECK(call(router, request(bhttp::verb::get, "/v1/secret"))->result() ==
        bhttp::status::unauthorized);
  CHECK(call(router, request(bhttp::verb::get, "/v1/secret", "", "s3cret"))->result() ==
        bhttp::status::not_found);
  CHECK(refused == std::vector<std::string>(4, "unauthorized"));
}

TEST_CASE("router: a token's scope decides what it may call") {
  const std::vector<api::Token> tokens{{"m", api::Scope::metrics},
                                       {"r", api::Scope::read},
                                       {"a", api::Scope::agent},
                                       {"root", api::Scope::admin},
                                       {"i", api::Scope::ingest}};
  std::vector<std::string> refused;
  api::Router router(
      {.scope_of = [&](const http::Request& r) { return api::bearer_scope(r, tokens); },
       .on_refused = [&](std::string_view why) { refused.emplace_back(why); }});
  const std::vector<std::pair<api::Scope, std::string>> routes = {
      {api::Scope::metrics, "/metrics"},
      {api::Scope::read, "/v1/handoffs"},
      {api::Scope::agent, "/v1/claim"},
      {api::Scope::admin, "/v1/admin/pause"},
      {api::Scope::ingest, "/v1/complaints"}};
  for (const auto& [scope, path] : routes) {
    router.add(bhttp::verb::post, path, echo(path), api::needs(scope));
  }
  // Who may call what: metrics < read < agent < admin; ingest alone; admin everything.
  const std::map<std::string, std::set<std::string>> allowed = {
      {"m", {"/metrics"}},
      {"r", {"/metrics", "/v1/handoffs"}},
      {"a", {"/metrics", "/v1/handoffs", "/v1/claim"}},
      {"root", {"/metrics", "/v1/handoffs", "/v1/claim", "/v1/admin/pause", "/v1/complaints"}},
      {"i", {"/v1/complaints"}}};
  for (const auto& [token, paths] : allowed) {
    for (const auto& [_, path] : routes) {
      CAPTURE(token);
      CAPTURE(path);
      const auto res = call(router, request(bhttp::verb::post, path, "", token));
      CHECK(res->result() == (paths.contains(path) ? bhttp::status::ok : bhttp::status::forbidden));
    }
  }
  const auto res = call(router, request(bhttp::verb::post, "/v1/admin/pause", "", "a"));
  CHECK(body_of(*res)["error"]["code"] == "forbidden");
  CHECK(body_of(*res)["error"]["message"] ==
        "this token's scope, agent, does not allow POST /v1/admin/pause (it needs admin)");
  CHECK(std::count(refused.begin(), refused.end(), "forbidden") == 14);
}

TEST_CASE("router: a browser's request from another site cannot change anything") {
  api::Router router;
  router.add(bhttp::verb::post, "/v1/claim", echo("claim"), api::kAnyone);
  router.add(bhttp::verb::get, "/v1/look", echo("look"), api::kAnyone);
  auto with = [](bhttp::verb method, std::string target,
                 std::vector<std::pair<std::string, std::string>> headers) {
    auto req = request(method, std::move(target));
    req.set(bhttp::field::host, "ackd.example.com:8080");
    for (const auto& [name, value] : headers) req.set(name, value);
    return req;
  };
  using Headers = std::vector<std::pair<std::string, std::string>>;
  // Refused: a page of another site (said by Sec-Fetch-Site, or only by Origin).
  for (const auto& headers :
       {Headers{{"Sec-Fetch-Site", "cross-site"}}, Headers{{"Sec-Fetch-Site", "same-site"}},
        Headers{{"Origin", "https://evil.example"}},
        Headers{{"Origin", "https://ackd.example.com.evil.example:8080"}}}) {
    const auto res = call(router, with(bhttp::verb::post, "/v1/claim", headers));
    REQUIRE(res);
    CHECK(res->result() == bhttp::status::forbidden);
    CHECK(body_of(*res)["error"]["code"] == "cross_site");
  }
  // Allowed: the console itself, a user's own navigation, servers and curl (no headers),
  // and reading from anywhere.
  for (const auto& headers :
       {Headers{{"Sec-Fetch-Site", "same-origin"}}, Headers{{"Sec-Fetch-Site", "none"}},
        Headers{{"Origin", "http://ackd.example.com:8080"}}, Headers{}}) {
    CHECK(call(router, with(bhttp::verb::post, "/v1/claim", headers))->result() ==
          bhttp::status::ok);
  }
  CHECK(call(router, with(bhttp::verb::get, "/v1/look", {{"Sec-Fetch-Site", "cross-site"}}))
            ->result() == bhttp::status::ok);
}

TEST_CASE(
    "router: the console's files are served with a strict policy, and /v1/me names the scope") {
  const std::vector<api::Token> tokens{{"r", api::Scope::read}};
  api::Router router(
      {.scope_of = [&](const http::Request& r) { return api::bearer_scope(r, tokens); },
       .on_refused = {}});
  api::add_console_routes(router);
  for (const auto* path : {"/ui/", "/ui/cases/AK-7KQ2M9", "/ui/console.js", "/ui/console.css"}) {
    CAPTURE(path);
    const auto res = call(router, request(bhttp::verb::get, path));
    REQUIRE(res);
    CHECK(res->result() == bhttp::status::ok);  // no token: the files hold no data
    const std::string policy(res->at("Content-Security-Policy"));
    CHECK(policy.find("script-src 'self';") != std::string::npos);
    CHECK(policy.find("unsafe") == std::string::npos);
    CHECK(policy.find("frame-ancestors 'none'") != std::string::npos);
    CHECK(res->at("X-Content-Type-Options") == "nosniff");
  }
  CHECK(call(router, request(bhttp::verb::get, "/ui/cases/x"))->body() ==
        call(router, request(bhttp::verb::get, "/ui/"))->body());
  CHECK(call(router, request(bhttp::verb::get, "/ui/index.html"))->result() ==
        bhttp::status::not_found);
  CHECK(call(router, request(bhttp::verb::get, "/ui/../ackd.db"))->result() != bhttp::status::ok);
  CHECK(call(router, request(bhttp::verb::get, "/ui"))->at(bhttp::field::location) == "/ui/");
  const auto me = call(router, request(bhttp::verb::get, "/v1/me", "", "r"));
  CHECK(body_of(*me)["scope"] == "read");
  CHECK(call(router, request(bhttp::verb::get, "/v1/me", "", "wrong"))->result() ==
        bhttp::status::unauthorized);
  // Without tokens everyone may do everything, and the console is told so.
  api::Router open;
  api::add_console_routes(open);
  CHECK(body_of(*call(open, request(bhttp::verb::get, "/v1/me")))["scope"] == "admin");
}

TEST_CASE("console: every file is compiled in, and the page never parses text as markup") {
  const auto page = ackd::console::find_asset("index.html");
  const auto script = ackd::console::find_asset("console.js");
  const auto style = ackd::console::find_asset("console.css");
  REQUIRE(page);
  REQUIRE(script);
  REQUIRE(style);
  CHECK(page->content_type == "text/html; charset=utf-8");
  CHECK(script->content_type == "text/javascript; charset=utf-8");
  // Its one script is a file (the policy forbids inline ones), and nothing comes from elsewhere.
  CHECK(page->body.find("<script src=\"/ui/console.js\"") != std::string_view::npos);
  CHECK(page->body.find("<script>") == std::string_view::npos);
  for (const auto& file : {*page, *script, *style}) {
    CHECK(file.body.find("http://") == std::string_view::npos);
    CHECK(file.body.find("https://") == std::string_view::npos);
  }
  // What would turn a customer's text into markup or code is not used anywhere.
  for (const auto* sink : {"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write",
                           "eval(", "new Function", "localStorage.setItem"}) {
    CAPTURE(sink);
    CHECK(script->body.find(sink) == std::string_view::npos);
  }
  CHECK(script->body.find("sessionStorage") != std::string_view::npos);
  CHECK_FALSE(ackd::console::find_asset("../CMakeLists.txt"));
}

TEST_CASE("router: a tokens file, with and without scopes") {
  auto read = api::parse_tokens(
      "# who may do what\nmetrics  scrape-1\n\nagent\tdesk-2\r\nold-style-token\n  read r3  \n");
  REQUIRE(std::holds_alternative<std::vector<api::Token>>(read));
  const auto& tokens = std::get<std::vector<api::Token>>(read);
  REQUIRE(tokens.size() == 4);
  CHECK((tokens[0].secret == "scrape-1" && tokens[0].scope == api::Scope::metrics));
  CHECK((tokens[1].secret == "desk-2" && tokens[1].scope == api::Scope::agent));
  // A line without a scope keeps what every token could do before scopes.
  CHECK((tokens[2].secret == "old-style-token" && tokens[2].scope == api::Scope::admin));
  CHECK((tokens[3].secret == "r3" && tokens[3].scope == api::Scope::read));
  // Errors name the line, never the token.
  auto error = [](std::string_view text) {
    auto r = api::parse_tokens(text);
    REQUIRE(std::holds_alternative<std::string>(r));
    return std::get<std::string>(r);
  };
  CHECK(error("admin a\nagnet s3cret\n") ==
        "line 2: unknown scope 'agnet' (metrics, read, agent, admin or ingest); did you mean "
        "'agent'?");
  CHECK(error("read one two\n") == "line 1: expected \"SCOPE TOKEN\" or \"TOKEN\"");
  CHECK(error("# nothing\n\n") == "holds no token");
}

TEST_CASE("router: tokens compared in full") {
  CHECK(api::constant_time_equal("abc", "abc"));
  CHECK_FALSE(api::constant_time_equal("abc", "abd"));
  CHECK_FALSE(api::constant_time_equal("abc", "abcd"));
}

namespace {

constexpr const char* kPolicy = R"(version: 1
default_lang: ja
channels:
  x: {max_chars: 280, counting: twitter}
teams:
  support: {notify: team-chat}
templates:
  ack: {ja: "{{name}}様、{{handoff_by}}までにご連絡いたします。"}
rules:
  - id: default
    reply: {template: ack}
    handoff: {team: support, within: 4h, calendar: always}
)";

// Deliveries are not what these tests are about: nothing is read and outcomes are dropped.
struct NoOutbox final : deliver::Outbox {
  void owed(plan::DueOrder, time::Instant, std::size_t, std::function<void(Rows)> done) override {
    done(std::vector<deliver::Delivery>{});
  }
  void delivered(std::int64_t, time::Instant, std::string) override {}
  void attempt_failed(std::int64_t, int, time::Instant, time::Instant, std::string) override {}
  void failed(std::int64_t, int, time::Instant, std::string) override {}
};

// A source type of the test's own: a POST body is one complaint as POST /v1/complaints takes
// it, answered 200 once stored; a GET is the platform's handshake.
class RelaySource final : public source::Source {
 public:
  explicit RelaySource(source::Intake intake) : intake_(std::move(intake)) {}

  void handle(source::Request request, source::Respond respond) override {
    if (request.method == "GET") return respond({200, "text/plain", "hello"});
    auto complaint = parse_complaint(request.body);
    if (!complaint.ok()) return respond({400, "text/plain", "not a complaint"});
    intake_(std::move(*complaint), [respond](source::IntakeAnswer answer) {
      respond({answer.status == 202 ? 200u : answer.status, "application/json", answer.body});
    });
  }

 private:
  source::Intake intake_;
};

const source::SourceRegistry& test_sources() {
  static const source::SourceRegistry registry = [] {
    source::SourceRegistry r("source");
    r.add({"relay",
           [](config::SectionReader&) {},
           [](config::SectionReader&,
              const source::SourceContext& context) -> source::SourceRegistry::MadeOrError {
             return std::make_unique<RelaySource>(context.intake);
           },
           {}});
    r.add({"broken",
           [](config::SectionReader&) {},
           [](config::SectionReader&, const source::SourceContext&)
               -> source::SourceRegistry::MadeOrError { return std::string("no secret"); },
           {}});
    return r;
  }();
  return registry;
}

std::map<std::string, config::Section> source_sections() {
  std::map<std::string, config::Section> sections;
  sections["relay"] = {"relay", "relay", {}, {}};
  sections["broken"] = {"broken", "broken", {}, {}};
  return sections;
}

// The whole API over a real store in a temporary directory, run by one io_context.
struct Api {
  fs::path dir;
  boost::asio::io_context io{1};
  config::Config config;
  std::unique_ptr<store::Store> store;
  time::ManualClock clock;
  NoOutbox outbox;
  metrics::Metrics metrics;
  api::ServingState state;
  api::Events events{io};
  std::optional<deliver::Dispatcher> dispatcher;
  std::optional<api::Services> services;
  std::optional<source::Sources> sources;
  api::Router router;

  explicit Api(bool has_tokens = false)
      : router({.scope_of = has_tokens ? std::function([](const http::Request& r) {
                  return api::bearer_scope(r, {{"s3cret", api::Scope::admin}});
                })
                                       : nullptr,
                .on_refused = {}}) {
    std::random_device rd;
    dir = fs::temp_directory_path() / ("ackd-api-test-" + std::to_string(rd()));
    auto opened = store::Store::open({dir.string()});
    REQUIRE(opened.ok());
    store = std::move(*opened);
    // No sinks: nothing owed is delivered while a test runs.
    dispatcher.emplace(io, clock, deliver::Sinks{}, outbox, deliver::RetryPolicy{});
    state.policy = ackd::testing::compile_policy(kPolicy);
    config.channels["x"] = {"x", "x-reply", {}};
    services.emplace(api::Services{io, config, *store, *dispatcher, metrics, state,
                                   [] { return *time::parse_rfc3339("2026-11-24T10:00:00Z"); },
                                   events});
    sources.emplace(test_sources(), source_sections(),
                    source::SourceContext{io, clock, api::intake(*services)});
    api::add_routes(router, *services, has_tokens, *sources);
  }
  ~Api() {
    dispatcher.reset();
    store.reset();
    std::error_code ec;
    fs::remove_all(dir, ec);
  }

  // The answer, waiting (a bounded number of turns of the io loop) for one that comes
  // after the store's commit.
  http::Response send(http::Request req) {
    std::optional<http::Response> answer;
    router.handle(std::move(req), [&](http::Response res) { answer = std::move(res); });
    // Keeps run_for waiting for the store's callbacks rather than returning at once.
    auto work = boost::asio::make_work_guard(io);
    for (int turn = 0; !answer && turn < 1000; ++turn) {
      io.restart();
      io.run_for(std::chrono::milliseconds(10));
    }
    REQUIRE_MESSAGE(answer, "no answer after 1000 turns of the io loop");
    return std::move(*answer);
  }

  // POST /v1/complaints without a token.
  http::Response post_complaint(std::string body) {
    return send(request(bhttp::verb::post, "/v1/complaints", std::move(body)));
  }
};

}  // namespace

TEST_CASE("api: a bad body is refused with the field it got wrong, before the store") {
  Api api;
  auto res = api.send(request(bhttp::verb::post, "/v1/complaints", R"({"channel": "x"})"));
  CHECK(res.result() == bhttp::status::bad_request);
  CHECK(body_of(res)["error"]["code"] == "invalid_complaint");
  CHECK(error_message(res).rfind("external_id:", 0) == 0);
  res = api.send(request(bhttp::verb::post, "/v1/complaints", "{not json"));
  CHECK(res.result() == bhttp::status::bad_request);

  res = api.send(request(bhttp::verb::post, "/v1/complaints/c1/claim", "[]"));
  CHECK(res.result() == bhttp::status::bad_request);
  CHECK(error_message(res) == "body: must be a JSON object");
  res = api.send(request(bhttp::verb::post, "/v1/complaints/c1/claim", R"({"agent": ""})"));
  CHECK(error_message(res) == "agent: must be a non-empty string");
  res = api.send(
      request(bhttp::verb::post, "/v1/complaints/c1/resolve", R"({"agent": "a", "note": 5})"));
  CHECK(error_message(res) == "note: must be a string");
  res = api.send(request(bhttp::verb::get, "/v1/handoffs?state=closed"));
  CHECK(res.result() == bhttp::status::bad_request);
  CHECK(error_message(res) ==
        "state: must be open, claimed, breached, resolved, failed, active or all");
  CHECK(api.metrics.rejected.with({"invalid"}).value() == 2);
}

TEST_CASE("api: a first post without thread_id is its own thread, so answers to it get no reply") {
  Api api;
  auto res = api.post_complaint(R"({"external_id": "p1", "channel": "x", "author": {"id": "1"},
                                  "text": "届きません"})");
  REQUIRE(res.result() == bhttp::status::accepted);
  CHECK(body_of(res)["reply"] == "queued");
  // Another customer answers in that thread: the thread already had its automatic reply.
  res = api.post_complaint(R"({"external_id": "p2", "channel": "x", "author": {"id": "2"},
                             "thread_id": "p1", "text": "私も届きません"})");
  REQUIRE(res.result() == bhttp::status::accepted);
  CHECK(body_of(res)["reply"] == "suppressed");
  CHECK(body_of(res)["reason"] == "loop guard: this thread already had its automatic reply");
  // A post in another thread is answered.
  res = api.post_complaint(R"({"external_id": "p3", "channel": "x", "author": {"id": "3"},
                             "text": "届きません"})");
  CHECK(body_of(res)["reply"] == "queued");
}

TEST_CASE("api: a channel is named in any case: one nobody configured is refused") {
  Api api;
  auto res = api.post_complaint(R"({"external_id": "c1", "channel": "X", "author": {"id": "42"},
                                  "text": "届きません"})");
  REQUIRE(res.result() == bhttp::status::accepted);
  CHECK(body_of(res)["reply"] == "queued");
  CHECK(api.metrics.complaints.with({"x", "default"}).value() == 1);

  api.config.channels["chat"] = {"chat", "chat-reply", {}};
  res = api.post_complaint(R"({"external_id": "c2", "channel": "tiktok", "author": {"id": "42"},
                             "text": "届きません"})");
  CHECK(res.result() == bhttp::status::bad_request);
  CHECK(body_of(res)["error"]["code"] == "invalid_complaint");
  CHECK(error_message(res) == "channel: unknown channel 'tiktok' (known: chat, x)");
  CHECK(api.state.accepted == 1);
}

TEST_CASE("api: a received_at beyond a few minutes in the future is refused") {
  Api api;  // its clock says 2026-11-24T10:00:00Z
  auto posted_at = [&](const std::string& id, const std::string& when) {
    return api.post_complaint(R"({"external_id": ")" + id +
                              R"(", "channel": "x", "author": {"id": "42"}, "text": "a",
                                    "received_at": ")" +
                              when + R"("})");
  };
  auto res = posted_at("f1", "2026-11-24T10:05:01Z");
  CHECK(res.result() == bhttp::status::bad_request);
  CHECK(error_message(res) ==
        "received_at: 2026-11-24T10:05:01Z is in the future (ackd's clock "
        "says 2026-11-24T10:00:00Z)");
  CHECK(posted_at("f2", "2026-11-24T10:05:00Z").result() == bhttp::status::accepted);
  CHECK(posted_at("f3", "2020-01-01T00:00:00Z").result() == bhttp::status::accepted);
}

TEST_CASE("api: a complaint is answered 202 after the commit, then claimed and resolved") {
  Api api;
  const std::string complaint =
      R"({"external_id": "1", "channel": "x", "author": {"id": "42", "name": "山田"},
          "text": "届きません", "received_at": "2026-11-24T10:00:00Z"})";
  auto res = api.send(request(bhttp::verb::post, "/v1/complaints", complaint));
  REQUIRE(res.result() == bhttp::status::accepted);
  auto accepted = body_of(res);
  const std::string id = accepted["id"];
  CHECK(accepted["rule"] == "default");
  CHECK(accepted["reply"] == "queued");
  CHECK(accepted["handoff"]["team"] == "support");
  CHECK(api.state.accepted == 1);
  CHECK(api.state.pending == 0);
  CHECK(api.metrics.complaints.with({"x", "default"}).value() == 1);
  CHECK(api.metrics.replies.with({"queued"}).value() == 1);

  res = api.send(request(bhttp::verb::post, "/v1/complaints", complaint));
  CHECK(res.result() == bhttp::status::ok);
  CHECK(body_of(res)["duplicate"] == true);
  CHECK(body_of(res)["id"] == id);

  res = api.send(request(bhttp::verb::get, "/v1/complaints/" + id));
  REQUIRE(res.result() == bhttp::status::ok);
  CHECK(body_of(res)["decision"]["rule"] == "default");
  CHECK(body_of(res)["handoff"]["state"] == "open");

  res = api.send(request(bhttp::verb::get, "/v1/handoffs"));
  REQUIRE(res.result() == bhttp::status::ok);
  REQUIRE(body_of(res)["handoffs"].size() == 1);
  CHECK(body_of(res)["handoffs"][0]["id"] == id);
  CHECK_FALSE(body_of(res).contains("next_cursor"));
  // Narrowed to a team and a priority, a page at a time.
  CHECK(body_of(api.send(request(bhttp::verb::get, "/v1/handoffs?team=billing")))["handoffs"]
            .empty());
  res = api.send(request(bhttp::verb::get, "/v1/handoffs?team=support&priority=P3&limit=1"));
  REQUIRE(body_of(res)["handoffs"].size() == 1);
  const auto deadline = body_of(res)["handoffs"][0]["deadline"].get<std::string>();
  // Past the only case: an empty page.
  const auto after = *ackd::time::parse_rfc3339(deadline);
  res = api.send(request(
      bhttp::verb::get,
      "/v1/handoffs?cursor=" + std::to_string(after.time_since_epoch().count()) + "-" + id));
  CHECK(body_of(res)["handoffs"].empty());
  for (const char* bad : {"limit=0", "limit=1001", "limit=x", "limit=-1", "limit=2x"}) {
    CAPTURE(std::string(bad));
    res = api.send(request(bhttp::verb::get, std::string("/v1/handoffs?") + bad));
    CHECK(res.result() == bhttp::status::bad_request);
    CHECK(error_message(res) == "limit: must be a whole number from 1 to 1000");
  }
  for (const char* bad : {"cursor=abc", "cursor=-x", "cursor=12-", "cursor=1x-c"}) {
    CAPTURE(std::string(bad));
    res = api.send(request(bhttp::verb::get, std::string("/v1/handoffs?") + bad));
    CHECK(error_message(res) == "cursor: not one that /v1/handoffs gave");
  }

  res = api.send(
      request(bhttp::verb::post, "/v1/complaints/" + id + "/claim", R"({"agent": "sato"})"));
  CHECK(res.result() == bhttp::status::ok);
  CHECK(body_of(res) == json{{"id", id}, {"state", "claimed"}, {"agent", "sato"}});
  res = api.send(
      request(bhttp::verb::post, "/v1/complaints/" + id + "/claim", R"({"agent": "kato"})"));
  CHECK(res.result() == bhttp::status::conflict);
  CHECK(error_message(res) == "the case is held by sato");
  res = api.send(
      request(bhttp::verb::post, "/v1/complaints/" + id + "/unclaim", R"({"agent": "kato"})"));
  CHECK(res.result() == bhttp::status::conflict);
  CHECK(error_message(res) == "the case is held by sato; only they can release it");
  res = api.send(
      request(bhttp::verb::post, "/v1/complaints/" + id + "/resolve", R"({"agent": "kato"})"));
  CHECK(res.result() == bhttp::status::conflict);
  CHECK(error_message(res) ==
        R"(the case is held by sato; resolve with "force": true to close it anyway)");
  res = api.send(request(bhttp::verb::post, "/v1/complaints/" + id + "/resolve",
                         R"({"agent": "kato", "force": "yes"})"));
  CHECK(res.result() == bhttp::status::bad_request);
  CHECK(error_message(res) == "force: must be true or false");
  res = api.send(request(bhttp::verb::post, "/v1/complaints/" + id + "/resolve",
                         R"({"agent": "sato", "note": "sent"})"));
  CHECK(res.result() == bhttp::status::ok);
  res = api.send(
      request(bhttp::verb::post, "/v1/complaints/" + id + "/unclaim", R"({"agent": "sato"})"));
  CHECK(error_message(res) == "the case is already resolved");
  CHECK(body_of(res)["followup"].is_null());

  res = api.send(request(bhttp::verb::post, "/v1/complaints/nope/claim", R"({"agent": "a"})"));
  CHECK(res.result() == bhttp::status::not_found);
  CHECK(error_message(res) == "no complaint nope");
  res = api.send(request(bhttp::verb::get, "/v1/complaints/nope"));
  CHECK(res.result() == bhttp::status::not_found);
}

TEST_CASE("api: the admin endpoints need tokens: with them a pause shows, who and why to a token") {
  {
    Api api(/*has_tokens=*/false);
    auto res = api.send(request(bhttp::verb::post, "/v1/admin/pause", R"({"by": "sato"})"));
    CHECK(res.result() == bhttp::status::forbidden);
  }
  Api api(/*has_tokens=*/true);
  auto res =
      api.send(request(bhttp::verb::post, "/v1/admin/pause", R"({"reason": "x"})", "s3cret"));
  CHECK(res.result() == bhttp::status::bad_request);
  CHECK(error_message(res) == "by: must be a non-empty string (who pauses the replies)");
  res = api.send(
      request(bhttp::verb::post, "/v1/admin/pause", R"({"by": "sato", "reason": 1})", "s3cret"));
  CHECK(error_message(res) == "reason: must be a string");

  CHECK(api.send(request(bhttp::verb::post, "/v1/admin/pause", R"({"by": "sato"})")).result() ==
        bhttp::status::unauthorized);
  res = api.send(request(bhttp::verb::post, "/v1/admin/pause",
                         R"({"by": "sato", "reason": "flame"})", "s3cret"));
  REQUIRE(res.result() == bhttp::status::ok);
  CHECK(body_of(res)["paused"]["by"] == "sato");
  REQUIRE(api.state.pause);
  res = api.send(request(bhttp::verb::get, "/readyz"));
  CHECK(res.result() == bhttp::status::ok);
  CHECK(body_of(res)["paused"] == true);
  CHECK(body_of(res)["status"] == "ready");
  CHECK(api.send(request(bhttp::verb::get, "/v1/admin/pause")).result() ==
        bhttp::status::unauthorized);
  res = api.send(request(bhttp::verb::get, "/v1/admin/pause", "", "s3cret"));
  CHECK(body_of(res)["paused"]["reason"] == "flame");
  CHECK(body_of(res)["paused"]["by"] == "sato");

  res = api.send(request(bhttp::verb::post, "/v1/admin/resume", "", "s3cret"));
  REQUIRE(res.result() == bhttp::status::ok);
  CHECK(body_of(res)["paused"] == false);
  CHECK_FALSE(api.state.pause);
}

TEST_CASE("api: health and metrics") {
  Api api;
  auto res = api.send(request(bhttp::verb::get, "/healthz"));
  CHECK(body_of(res) == json{{"status", "ok"}});
  api.state.stopping = true;
  res = api.send(request(bhttp::verb::get, "/readyz"));
  CHECK(res.result() == bhttp::status::service_unavailable);
  CHECK(body_of(res)["status"] == "not ready");
  res = api.send(request(bhttp::verb::get, "/metrics"));
  CHECK(res.result() == bhttp::status::ok);
  CHECK(res.body().find("ackd_complaints_total") != std::string::npos);
}

TEST_CASE("api: a source's webhook takes complaints through the same intake, without a token") {
  Api api(/*has_tokens=*/true);
  const std::string complaint =
      R"({"external_id": "s1", "channel": "x", "author": {"id": "42", "name": "山田"},
          "text": "届きません", "received_at": "2026-11-24T10:00:00Z"})";
  // The platform's handshake and its POST reach the source; the source answers.
  auto res = api.send(request(bhttp::verb::get, "/v1/sources/relay?crc_token=abc"));
  CHECK(res.result() == bhttp::status::ok);
  CHECK(res.body() == "hello");
  CHECK(res[bhttp::field::content_type] == "text/plain");

  res = api.send(request(bhttp::verb::post, "/v1/sources/relay", complaint));
  REQUIRE(res.result() == bhttp::status::ok);
  const std::string id = body_of(res)["id"];
  CHECK(body_of(res)["rule"] == "default");
  CHECK(api.state.accepted == 1);
  CHECK(api.metrics.complaints.with({"x", "default"}).value() == 1);
  // Stored as if posted to /v1/complaints: the case is there, and a redelivery is a duplicate.
  res = api.send(request(bhttp::verb::get, "/v1/complaints/" + id, "", "s3cret"));
  REQUIRE(res.result() == bhttp::status::ok);
  CHECK(body_of(res)["decision"]["rule"] == "default");
  res = api.send(request(bhttp::verb::post, "/v1/complaints", complaint, "s3cret"));
  CHECK(res.result() == bhttp::status::ok);
  CHECK(body_of(res)["duplicate"] == true);
  res = api.send(request(bhttp::verb::post, "/v1/sources/relay", complaint));
  CHECK(body_of(res)["duplicate"] == true);
  CHECK(api.state.accepted == 1);

  // The intake refuses as POST /v1/complaints does, and the source passes that on.
  api.state.pending = api.config.overload.max_pending;
  res = api.send(request(bhttp::verb::post, "/v1/sources/relay",
                         R"({"external_id": "s2", "channel": "x", "author": {"id": "42"},
                             "text": "a", "received_at": "2026-11-24T10:00:00Z"})"));
  CHECK(res.result() == bhttp::status::service_unavailable);
  CHECK(body_of(res)["error"]["code"] == "overloaded");
  res = api.send(request(bhttp::verb::post, "/v1/complaints", "{}", "s3cret"));
  CHECK(res.result() == bhttp::status::bad_request);
  res = api.send(request(bhttp::verb::post, "/v1/complaints", complaint, "s3cret"));
  CHECK(res.result() == bhttp::status::service_unavailable);
  CHECK(res[bhttp::field::retry_after] == std::to_string(api.config.overload.retry_after.count()));
  api.state.pending = 0;

  res = api.send(request(bhttp::verb::post, "/v1/sources/line", "{}"));
  CHECK(res.result() == bhttp::status::not_found);
  CHECK(error_message(res) == "no such source: 'line'");
  res = api.send(request(bhttp::verb::post, "/v1/sources/broken", "{}"));
  CHECK(res.result() == bhttp::status::service_unavailable);
  CHECK(error_message(res) == "source 'broken': no secret");
  CHECK(api.send(request(bhttp::verb::delete_, "/v1/sources/relay", "", "s3cret")).result() ==
        bhttp::status::method_not_allowed);
}

}  // namespace api_router_test
