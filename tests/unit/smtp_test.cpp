#include <doctest/doctest.h>

#include <string>
#include <variant>

#include "ackd/config/config.hpp"
#include "ackd/deliver/sink_registry.hpp"
#include "ackd/source/registry.hpp"
#include "deliver/smtp_client.hpp"

namespace smtp_test {

// The SMTP sink's pieces that need no server (the sessions themselves are tested against a
// real one: tests/integration/mail_test.py).

TEST_CASE("smtp: urls name the server, its port and whether TLS starts at once") {
  using ackd::deliver::parse_smtp_url;
  using ackd::deliver::SmtpServer;
  auto plain = std::get<SmtpServer>(parse_smtp_url("smtp://mail.example.com"));
  CHECK((plain.host == "mail.example.com" && plain.port == "25" && !plain.implicit_tls));
  auto submission = std::get<SmtpServer>(parse_smtp_url("smtp://127.0.0.1:587"));
  CHECK((submission.host == "127.0.0.1" && submission.port == "587"));
  auto tls = std::get<SmtpServer>(parse_smtp_url("smtps://[::1]"));
  CHECK((tls.host == "::1" && tls.port == "465" && tls.implicit_tls));
  CHECK(std::holds_alternative<std::string>(parse_smtp_url("http://mail.example.com")));
  CHECK(std::holds_alternative<std::string>(parse_smtp_url("smtp://host:25x")));
  CHECK(std::holds_alternative<std::string>(parse_smtp_url("smtp://host/path")));
}

TEST_CASE("smtp: DATA is dot-stuffed and ends with a lone dot") {
  using ackd::deliver::smtp_data;
  CHECK(smtp_data("a\r\n.b\r\n..c\r\n") == "a\r\n..b\r\n...c\r\n.\r\n");
  CHECK(smtp_data(".first") == "..first\r\n.\r\n");
}

TEST_CASE("smtp: a sink's settings are checked where they are written") {
  const std::string base = "listen: 127.0.0.1:8080\npolicy: rules\nstate: state\n";
  auto parse = [&](const std::string& more) {
    return ackd::config::parse_config(
        {"ackd.yaml", base + more},
        {&ackd::deliver::builtin_sinks(), &ackd::source::builtin_sources()});
  };
  auto errors = [](const ackd::config::ConfigResult& r) {
    std::vector<std::string> out;
    for (const auto& d : r.diagnostics.sorted()) out.push_back(d.to_string());
    return out;
  };
  auto ok = parse(
      "sinks:\n  mail-out: {type: smtp, url: \"smtp://127.0.0.1:25\","
      " from: \"ACME Support <support@example.com>\"}\n");
  REQUIRE_MESSAGE(ok.config, errors(ok).front());
  auto bad = parse(
      "sinks:\n  mail-out: {type: smtp, url: \"http://x\", from: support, charset: sjis,"
      " user: ackd}\n");
  const auto e = errors(bad);
  CHECK(e == std::vector<std::string>{
                 "ackd.yaml:5:3: error: sink 'mail-out' (smtp) needs a password: {credential: "
                 "NAME}",
                 "ackd.yaml:5:31: error: sink 'mail-out': url must be smtp://host[:port] or "
                 "smtps://host[:port], got 'http://x'",
                 "ackd.yaml:5:49: error: sink 'mail-out': from must hold a mail address, got "
                 "'support'",
                 "ackd.yaml:5:67: error: sink 'mail-out': charset must be utf-8 or iso-2022-jp, "
                 "got 'sjis'"});
}

}  // namespace smtp_test
