#include "ackd/source/registry.hpp"

#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <map>
#include <string>
#include <vector>

#include "ackd/config/config.hpp"
#include "ackd/deliver/sink_registry.hpp"

namespace registry_test {

// Sinks and sources are typed sections of ackd.yaml, checked and built by the registry of
// their kind. ackd's own sink types are registered in deliver/; source types are tested here
// with one registered by the test.

using ackd::config::ConfigResult;
using ackd::config::parse_config;
using ackd::config::SectionReader;
using ackd::source::IntakeAnswer;
using ackd::source::Request;
using ackd::source::Response;
using ackd::source::SourceContext;
using ackd::source::SourceRegistry;
using ackd::source::Sources;

namespace {

const std::string kBase =
    "listen: 127.0.0.1:8080\n"
    "policy: rules\n"
    "state: state\n";

ConfigResult parse(const std::string& more,
                   const SourceRegistry& sources = ackd::source::builtin_sources()) {
  return parse_config({"ackd.yaml", kBase + more}, {&ackd::deliver::builtin_sinks(), &sources});
}

std::vector<std::string> errors(const ConfigResult& r) {
  std::vector<std::string> out;
  for (const auto& d : r.diagnostics.sorted()) out.push_back(d.to_string());
  return out;
}

// A source type of the test's own: each POST body is one complaint's text, on the channel
// its section names, with the platform's id in a header.
class LineSource final : public ackd::source::Source {
 public:
  LineSource(std::string channel, ackd::source::Intake intake)
      : channel_(std::move(channel)), intake_(std::move(intake)) {}

  void handle(Request request, ackd::source::Respond respond) override {
    if (request.method != "POST") return respond({405, "text/plain", "POST only"});
    ackd::Complaint complaint;
    complaint.channel = channel_;
    complaint.external_id = std::string(request.header("x-line-id"));
    complaint.author.id = "someone";
    complaint.text = std::move(request.body);
    intake_(std::move(complaint), [respond = std::move(respond)](IntakeAnswer answer) {
      respond({answer.status == 202 ? 200u : answer.status, "application/json", answer.body});
    });
  }

 private:
  std::string channel_;
  ackd::source::Intake intake_;
};

std::string read_channel(SectionReader& section) {
  section.allow({"channel"});
  return section.required("channel").value_or("");
}

SourceRegistry test_registry() {
  SourceRegistry registry("source");
  registry.add(
      {"line",
       [](SectionReader& section) { read_channel(section); },
       [](SectionReader& section, const SourceContext& context) -> SourceRegistry::MadeOrError {
         return std::make_unique<LineSource>(read_channel(section), context.intake);
       },
       {}});
  return registry;
}

struct Intake {
  std::vector<ackd::Complaint> received;
  std::vector<std::function<void(IntakeAnswer)>> unanswered;

  ackd::source::Intake callback() {
    return [this](ackd::Complaint complaint, std::function<void(IntakeAnswer)> done) {
      received.push_back(std::move(complaint));
      unanswered.push_back(std::move(done));
    };
  }
};

}  // namespace

TEST_CASE(
    "sinks: webhook, file, the platforms, chat tools and helpdesks are the registered types") {
  CHECK(ackd::deliver::builtin_sinks().names() ==
        std::vector<std::string>{"webhook", "file", "x", "meta", "line", "slack", "teams",
                                 "google-chat", "chatwork", "zendesk", "zammad", "smtp"});
  auto r = parse(
      "sinks:\n"
      "  hook: {type: webhook, url: \"http://127.0.0.1:9/x\", timeout: 2s, connections: 1}\n"
      "  audit: {type: file, path: /var/log/ackd/sent.ndjson}\n");
  REQUIRE_MESSAGE(r.config, errors(r).front());
  REQUIRE(r.config->sinks.size() == 2);
  const auto& hook = r.config->sinks.at("hook");
  CHECK(hook.type == "webhook");
  CHECK(hook.settings.at("url").value == "http://127.0.0.1:9/x");
  CHECK(hook.settings.at("timeout").value == "2s");
  CHECK(hook.settings.at("connections").where.line == 5);
  CHECK(r.config->sinks.at("audit").settings.at("path").value == "/var/log/ackd/sent.ndjson");
}

TEST_CASE("sinks: an unknown type names the known ones, with did-you-mean, at its place") {
  auto r = parse(
      "sinks:\n"
      "  a: {type: webhok, url: \"http://x\"}\n"
      "  b: {type: carrier-pigeon}\n"
      "  c: {url: \"http://x\"}\n");
  CHECK(!r.config);
  CHECK(errors(r) ==
        std::vector<std::string>{
            "ackd.yaml:5:13: error: sink 'a': type must be webhook, file, x, "
            "meta, line, slack, teams, google-chat, chatwork, zendesk, zammad or smtp, got "
            "'webhok' (did "
            "you mean 'webhook'?)",
            "ackd.yaml:6:13: error: sink 'b': type must be webhook, file, x, "
            "meta, line, slack, teams, google-chat, chatwork, zendesk, zammad or smtp, got "
            "'carrier-pigeon'",
            "ackd.yaml:7:3: error: sink 'c' needs a type: webhook, file, x, "
            "meta, line, slack, teams, google-chat, chatwork, zendesk, zammad or smtp"});
}

TEST_CASE("sinks: each type checks its own settings, with file:line:col") {
  auto r = parse(
      "sinks:\n"
      "  h: {type: webhook, url: \"ftp://x\", timeout: soon, connections: 65}\n"
      "  n: {type: webhook}\n"
      "  f: {type: file, pth: /tmp/x}\n"
      "  g: {type: file, path: /tmp/x, url: \"http://x\"}\n");
  CHECK(!r.config);
  CHECK(errors(r) ==
        std::vector<std::string>{
            "ackd.yaml:5:27: error: sink 'h': unsupported URL 'ftp://x': need http:// or "
            "https://",
            "ackd.yaml:5:47: error: timeout must be a duration like 15m, 4h or 3d, got 'soon'",
            "ackd.yaml:5:66: error: sink 'h': connections must be between 1 and 64",
            "ackd.yaml:6:3: error: sink 'n' (webhook) needs a url",
            "ackd.yaml:7:3: error: sink 'f' (file) needs a path",
            "ackd.yaml:7:19: error: unknown key 'pth' in sink 'f' (did you mean 'path'?)",
            "ackd.yaml:8:33: error: unknown key 'url' in sink 'g' (expected one of: type, path)"});
}

TEST_CASE("sinks: an https webhook takes tls: {ca_file}, checked before it is needed") {
  auto ok = parse(std::string("sinks:\n  h: {type: webhook, url: \"https://chat.example/hook\", "
                              "tls: {ca_file: ") +
                  ACKD_TEST_DATA + "/tls/ca.pem}}\n");
  REQUIRE_MESSAGE(ok.config, errors(ok).front());
  CHECK(ok.config->sinks.at("h").settings.at("tls.ca_file").value == ACKD_TEST_DATA "/tls/ca.pem");
  auto bad = parse(
      "sinks:\n"
      "  a: {type: webhook, url: \"https://x.example\", tls: {ca_file: /nonexistent.pem}}\n"
      "  b: {type: webhook, url: \"http://x.example\", tls: {ca_file: /etc/hostname}}\n"
      "  c: {type: webhook, url: \"https://x.example\", tls: {ca_fil: /etc/hostname}}\n");
  CHECK(!bad.config);
  CHECK(errors(bad) ==
        std::vector<std::string>{
            "ackd.yaml:5:63: error: sink 'a': tls.ca_file '/nonexistent.pem' cannot be read (an "
            "absolute path, readable by ackd)",
            "ackd.yaml:6:62: error: sink 'b': tls.ca_file is for an https:// url",
            "ackd.yaml:7:54: error: unknown key 'tls.ca_fil' in sink 'c' (did you mean "
            "'tls.ca_file'?)"});
}

TEST_CASE("sinks: settings are single values") {
  auto r = parse("sinks:\n  h: {type: webhook, url: [\"http://x\"]}\n");
  CHECK(!r.config);
  CHECK(errors(r) ==
        std::vector<std::string>{"ackd.yaml:5:3: error: sink 'h' (webhook) needs a url",
                                 "ackd.yaml:5:27: error: url must be a text, got a list"});
}

TEST_CASE("sinks: without a registry (a tool that does not deliver) types are not checked") {
  auto r = parse_config({"ackd.yaml", kBase + "sinks:\n  b: {type: carrier-pigeon}\n"});
  REQUIRE(r.config);
  CHECK(r.config->sinks.at("b").type == "carrier-pigeon");
}

TEST_CASE("sources: the built-in types, and a section of another type refused") {
  CHECK(ackd::source::builtin_sources().names() ==
        std::vector<std::string>{"line", "meta", "x", "zendesk", "zammad", "imap"});
  auto r = parse("sources:\n  tw: {type: twitter, secret_file: /etc/ackd/x}\n");
  CHECK(!r.config);
  CHECK(errors(r) == std::vector<std::string>{"ackd.yaml:5:14: error: source 'tw': type must be "
                                              "line, meta, x, zendesk, zammad or imap, got "
                                              "'twitter'"});
}

TEST_CASE("sources: a line source needs its channel secret, as a secret") {
  auto ok = parse("sources:\n  line-dm: {type: line, channel_secret: {credential: line-secret}}\n");
  REQUIRE_MESSAGE(ok.config, errors(ok).front());
  auto missing = parse("sources:\n  line-dm: {type: line}\n");
  CHECK(errors(missing) == std::vector<std::string>{"ackd.yaml:5:3: error: source 'line-dm' "
                                                    "(line) needs a channel_secret: {credential: "
                                                    "NAME}"});
  auto literal = parse("sources:\n  line-dm: {type: line, channel_secret: abc}\n");
  REQUIRE(errors(literal).size() == 1);
  CHECK(errors(literal)[0].find("channel_secret is a secret and is not written in ackd.yaml") !=
        std::string::npos);
}

TEST_CASE("sources: a mailbox's settings are checked where they are written") {
  auto ok = parse(
      "sources:\n  mail: {type: imap, url: \"imaps://mail.example.com/%E5%8F%97%E4%BF%A1\", "
      "user: support@example.com, password: {credential: imap-password}, move_to: 処理済み}\n");
  REQUIRE_MESSAGE(ok.config, errors(ok).front());
  auto neither = parse("sources:\n  mail: {type: imap, url: \"imaps://h\", user: u}\n");
  CHECK(errors(neither) ==
        std::vector<std::string>{"ackd.yaml:5:3: error: source 'mail' needs a password "
                                 "(AUTHENTICATE PLAIN) or a token (XOAUTH2): {credential: NAME}"});
  auto both = parse(
      "sources:\n  mail: {type: imap, url: \"imaps://h\", user: u, password: {env: P}, "
      "token: {env: T}}\n");
  REQUIRE(errors(both).size() == 1);
  CHECK(errors(both)[0].find("give password or token, not both") != std::string::npos);
  auto bad = parse(
      "sources:\n  mail: {type: imap, url: \"pop3://h\", user: u, password: {env: P}, "
      "move_to: \"a\\nb\", max_size: 10}\n");
  auto messages = errors(bad);
  REQUIRE(messages.size() == 3);
  CHECK(messages[0].find("url unsupported URL 'pop3://h': need imap:// or imaps://") !=
        std::string::npos);
  CHECK(messages[1].find("move_to 'a\nb' is not a mailbox name") != std::string::npos);
  CHECK(messages[2].find("max_size") != std::string::npos);
}

TEST_CASE("helpdesks: sink and source settings are checked where they are written") {
  auto ok = parse(
      "sinks:\n"
      "  desk: {type: zendesk, base_url: \"https://acme.zendesk.com\", user: bot@example.com,"
      " token: {credential: zd}}\n"
      "  zdesk: {type: zammad, base_url: \"https://support.example.com\","
      " token: {credential: zm}, group: Users}\n"
      "sources:\n"
      "  desk-events: {type: zendesk, secret: {credential: zd-hook}}\n"
      "  zdesk-events: {type: zammad, secret: {credential: zm-hook}}\n");
  REQUIRE_MESSAGE(ok.config, errors(ok).front());
  auto bad = parse(
      "sinks:\n"
      "  desk: {type: zendesk, base_url: \"https://acme.zendesk.com\", user: bot,"
      " token: {credential: zd}}\n"
      "  zdesk: {type: zammad, token: {credential: zm}}\n"
      "sources:\n"
      "  desk-events: {type: zendesk, secret: {credential: s}, user: bot@example.com}\n");
  CHECK(errors(bad) == std::vector<std::string>{
                           "ackd.yaml:5:69: error: sink 'desk': user must be the e-mail address of "
                           "the agent whose API token ackd uses, got 'bot'",
                           "ackd.yaml:6:3: error: sink 'zdesk' (zammad) needs a base_url",
                           "ackd.yaml:8:63: error: source 'desk-events': user and token are for "
                           "the API at base_url, which is missing"});
}

TEST_CASE("sources: a registered type checks its section, with did-you-mean and file:line:col") {
  auto registry = test_registry();
  auto ok = parse("sources:\n  line-dm: {type: line, channel: line}\n", registry);
  REQUIRE(ok.config);
  CHECK(ok.config->sources.at("line-dm").type == "line");
  CHECK(ok.config->sources.at("line-dm").settings.at("channel").value == "line");

  auto bad = parse(
      "sources:\n"
      "  a: {type: lin, channel: line}\n"
      "  b: {type: line, chanel: line}\n",
      registry);
  CHECK(!bad.config);
  CHECK(errors(bad) ==
        std::vector<std::string>{
            "ackd.yaml:5:13: error: source 'a': type must be line, got 'lin' (did you mean "
            "'line'?)",
            "ackd.yaml:6:3: error: source 'b' (line) needs a channel",
            "ackd.yaml:6:19: error: unknown key 'chanel' in source 'b' (did you mean 'channel'?)"});
}

TEST_CASE("sources: a request for /v1/sources/{name} reaches the source, which feeds the intake") {
  auto registry = test_registry();
  auto parsed = parse("sources:\n  line-dm: {type: line, channel: line}\n", registry);
  REQUIRE(parsed.config);
  boost::asio::io_context io;
  ackd::time::ManualClock clock;
  Intake intake;
  Sources sources(registry, parsed.config->sources, {io, clock, intake.callback()});
  CHECK(sources.size() == 1);

  std::vector<Response> answers;
  auto respond = [&](Response r) { answers.push_back(std::move(r)); };
  Request request{"POST", "/v1/sources/line-dm", {{"X-Line-Id", "m-1"}}, "the parcel is late"};
  sources.handle("line-dm", request, respond);
  REQUIRE(intake.received.size() == 1);
  CHECK(intake.received[0].channel == "line");
  CHECK(intake.received[0].external_id == "m-1");  // header names compare case-insensitively
  CHECK(intake.received[0].text == "the parcel is late");
  CHECK(answers.empty());  // not before the intake has stored it
  intake.unanswered[0]({202, R"({"id":"c1"})"});
  REQUIRE(answers.size() == 1);
  CHECK(answers[0].status == 200);
  CHECK(answers[0].body == R"({"id":"c1"})");

  sources.handle("nope", request, respond);
  REQUIRE(answers.size() == 2);
  CHECK(answers[1].status == 404);
  CHECK(answers[1].body.find("no such source: 'nope'") != std::string::npos);
  CHECK(intake.received.size() == 1);
}

TEST_CASE("sources: the HTTP server's request goes in and its response comes out") {
  auto registry = test_registry();
  std::map<std::string, ackd::config::Source> sections;
  sections["line-dm"].name = "line-dm";
  sections["line-dm"].type = "line";
  sections["line-dm"].settings["channel"] = {"line", {}, {}, {}};
  sections["broken"].name = "broken";
  sections["broken"].type = "line";  // no channel: cannot be made
  boost::asio::io_context io;
  ackd::time::ManualClock clock;
  Intake intake;
  std::vector<std::pair<std::string, unsigned>> observed;  // what the metrics count
  Sources sources(registry, sections, {io, clock, intake.callback()},
                  [&](const std::string& name, const ackd::source::Response& answer) {
                    observed.emplace_back(name, answer.status);
                  });

  ackd::http::Request request{boost::beast::http::verb::post, "/v1/sources/line-dm", 11};
  request.set("X-Line-Id", "m-2");
  request.body() = "hello";
  request.prepare_payload();
  std::vector<ackd::http::Response> answers;
  auto respond = [&](ackd::http::Response r) { answers.push_back(std::move(r)); };
  sources.serve("line-dm", request, respond);
  REQUIRE(intake.received.size() == 1);
  CHECK(intake.received[0].external_id == "m-2");
  intake.unanswered[0]({400, R"({"error":{"code":"invalid"}})"});
  REQUIRE(answers.size() == 1);
  CHECK(answers[0].result_int() == 400);
  CHECK(answers[0][boost::beast::http::field::content_type] == "application/json");
  CHECK(answers[0].body() == R"({"error":{"code":"invalid"}})");
  CHECK(answers[0].keep_alive());

  sources.serve("broken", request, respond);
  REQUIRE(answers.size() == 2);
  CHECK(answers[1].result_int() == 503);
  CHECK(answers[1].body().find("source 'broken' (line) needs a channel") != std::string::npos);
  // Only configured names are counted: a stranger's path makes no metric label.
  sources.serve("nope", request, respond);
  CHECK(answers.at(2).result_int() == 404);
  CHECK(observed ==
        std::vector<std::pair<std::string, unsigned>>{{"line-dm", 400}, {"broken", 503}});
}

}  // namespace registry_test
