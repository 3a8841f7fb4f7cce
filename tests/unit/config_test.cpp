#include "ackd/config/config.hpp"

#include <doctest/doctest.h>

#include <string>

#include "ackd/deliver/sink_registry.hpp"
#include "ackd/source/registry.hpp"
#include "policy_fixture.hpp"

namespace config_test {

using namespace ackd::config;

namespace {

const std::string kBase =
    "listen: 127.0.0.1:8080\n"
    "policy: rules\n"
    "state: state\n";

std::string first_error(const ConfigResult& r) {
  return r.diagnostics.empty() ? "" : r.diagnostics.sorted().front().to_string();
}

}  // namespace

TEST_CASE("config: overload limits have defaults and can be set") {
  auto defaults = parse_config({"ackd.yaml", kBase});
  REQUIRE(defaults.config);
  CHECK(defaults.config->overload.max_backlog == 100000);
  CHECK(defaults.config->overload.max_pending == 10000);
  CHECK(defaults.config->overload.retry_after == ackd::time::Seconds(5));

  auto set = parse_config(
      {"ackd.yaml", kBase + "overload: {max_backlog: 50, max_pending: 7, retry_after: 30s}\n"});
  REQUIRE_MESSAGE(set.config, first_error(set));
  CHECK(set.config->overload.max_backlog == 50);
  CHECK(set.config->overload.max_pending == 7);
  CHECK(set.config->overload.retry_after == ackd::time::Seconds(30));
}

TEST_CASE("config: bad overload limits are errors at their place") {
  auto zero = parse_config({"ackd.yaml", kBase + "overload: {max_backlog: 0}\n"});
  CHECK_FALSE(zero.config);
  CHECK(first_error(zero) == "ackd.yaml:4:25: error: max_backlog must be above 0");

  auto short_retry = parse_config({"ackd.yaml", kBase + "overload:\n  retry_after: 0s\n"});
  CHECK_FALSE(short_retry.config);
  CHECK(first_error(short_retry).find("ackd.yaml:5:16: error: retry_after must be a duration") ==
        0);

  auto typo = parse_config({"ackd.yaml", kBase + "overload: {max_backlg: 5}\n"});
  CHECK_FALSE(typo.config);
  CHECK(first_error(typo).find("ackd.yaml:4:12: error:") == 0);
  CHECK(first_error(typo).find("max_backlog") != std::string::npos);
}

TEST_CASE("config: retention keeps everything unless set, and cases outlive personal data") {
  auto unset = parse_config({"ackd.yaml", kBase});
  REQUIRE(unset.config);
  CHECK_FALSE(unset.config->retention.personal_data);
  CHECK_FALSE(unset.config->retention.cases);

  auto set = parse_config({"ackd.yaml", kBase + "retention: {personal_data: 180d, cases: 104w}\n"});
  REQUIRE_MESSAGE(set.config, first_error(set));
  CHECK(set.config->retention.personal_data == ackd::time::Seconds(180 * 86400));
  CHECK(set.config->retention.cases == ackd::time::Seconds(104 * 7 * 86400));

  auto shorter =
      parse_config({"ackd.yaml", kBase + "retention: {personal_data: 30d, cases: 7d}\n"});
  CHECK_FALSE(shorter.config);
  CHECK(first_error(shorter).find("ackd.yaml:4:40: error: retention.cases must not be shorter") ==
        0);
  auto typo = parse_config({"ackd.yaml", kBase + "retention: {personal: 30d}\n"});
  CHECK_FALSE(typo.config);
  CHECK(first_error(typo).find("personal_data") != std::string::npos);
  auto years = parse_config({"ackd.yaml", kBase + "retention: {cases: 2y}\n"});
  CHECK_FALSE(years.config);
  CHECK(first_error(years).find("ackd.yaml:4:20: error: cases must be a duration") == 0);
}

TEST_CASE("config: the weekly report mail goes through a sink that mails reports") {
  const SectionRegistries sinks{&ackd::deliver::builtin_sinks(), nullptr};
  const std::string base = kBase + R"(sinks:
  leads-mail: {type: smtp, url: "smtp://127.0.0.1:25", from: support@example.com}
  team-chat: {type: webhook, url: "http://127.0.0.1:9/team"}
)";
  auto unset = parse_config({"ackd.yaml", base}, sinks);
  REQUIRE_MESSAGE(unset.config, first_error(unset));
  CHECK_FALSE(unset.config->report_mail);

  auto set = parse_config({"ackd.yaml", base + R"(report:
  mail: {sink: leads-mail, to: [lead@example.com, ops@example.com], weekday: Friday, at: "17:30",
         by: rule, lang: en}
)"},
                          sinks);
  REQUIRE_MESSAGE(set.config, first_error(set));
  const auto& mail = *set.config->report_mail;
  CHECK(mail.sink == "leads-mail");
  CHECK(mail.to == std::vector<std::string>{"lead@example.com", "ops@example.com"});
  CHECK(mail.when.weekday == 4);
  CHECK(mail.when.minute_of_day == 17 * 60 + 30);
  CHECK(mail.by == ackd::report::By::rule);
  CHECK(mail.lang == "en");

  // Monday at nine, by team, in the policy's language, unless set.
  auto defaults =
      parse_config({"ackd.yaml", base + "report: {mail: {sink: leads-mail, to: a@b.jp}}\n"}, sinks);
  REQUIRE_MESSAGE(defaults.config, first_error(defaults));
  CHECK(defaults.config->report_mail->when.weekday == 0);
  CHECK(defaults.config->report_mail->when.minute_of_day == 9 * 60);
  CHECK(defaults.config->report_mail->by == ackd::report::By::team);
  CHECK(defaults.config->report_mail->lang.empty());

  auto error_of = [&](const std::string& report) {
    return first_error(parse_config({"ackd.yaml", base + report}, sinks));
  };
  CHECK(error_of("report: {mail: {sink: leads-mial, to: a@b.jp}}\n") ==
        "ackd.yaml:7:23: error: report.mail: unknown sink 'leads-mial' (did you mean "
        "'leads-mail'?)");
  CHECK(error_of("report: {mail: {sink: team-chat, to: a@b.jp}}\n") ==
        "ackd.yaml:7:23: error: report.mail: sink 'team-chat' (type webhook) cannot mail "
        "reports; an smtp sink can");
  CHECK(error_of("report: {mail: {sink: leads-mail, to: [a@b.jp, \"x>\\r\\nRCPT TO:<y@z\"]}}\n") ==
        "ackd.yaml:7:39: error: report.mail.to: 'x>\r\nRCPT TO:<y@z' is not a mail address");
  CHECK(error_of("report: {mail: {sink: leads-mail, to: a@b.jp, weekday: mondays}}\n") ==
        "ackd.yaml:7:56: error: report.mail.weekday must be monday ... sunday, got 'mondays'");
  CHECK(error_of("report: {mail: {sink: leads-mail, to: a@b.jp, at: \"9am\"}}\n") ==
        "ackd.yaml:7:51: error: report.mail.at must be a time of day as HH:MM (\"09:00\"), got "
        "'9am'");
  CHECK(error_of("report: {mail: {sink: leads-mail}}\n") ==
        "ackd.yaml:7:16: error: report.mail needs to: who gets the report");
  CHECK(error_of("report: {mail: {sink: leads-mail, to: a@b.jp, every: week}}\n")
            .find("ackd.yaml:7:47: error:") == 0);
}

TEST_CASE("config: delivery retry") {
  auto set = parse_config(
      {"ackd.yaml", kBase + "delivery: {max_attempts: 9, initial_backoff: 2s, max_backoff: 5m}\n"});
  REQUIRE_MESSAGE(set.config, first_error(set));
  CHECK(set.config->delivery.max_attempts == 9);
  CHECK(set.config->delivery.initial_backoff == std::chrono::seconds(2));
  CHECK(set.config->delivery.max_backoff == std::chrono::minutes(5));

  auto inverted =
      parse_config({"ackd.yaml", kBase + "delivery:\n  initial_backoff: 1h\n  max_backoff: 1m\n"});
  CHECK(first_error(inverted) ==
        "ackd.yaml:5:3: error: delivery: max_backoff must not be below initial_backoff");
  auto zero = parse_config({"ackd.yaml", kBase + "delivery: {max_attempts: 0}\n"});
  CHECK(first_error(zero) == "ackd.yaml:4:26: error: max_attempts must be between 1 and 1000000");
}

TEST_CASE("config: delivery lookahead, a minute unless set") {
  auto unset = parse_config({"ackd.yaml", kBase});
  REQUIRE_MESSAGE(unset.config, first_error(unset));
  CHECK(unset.config->delivery.lookahead == std::chrono::minutes(1));
  auto set = parse_config({"ackd.yaml", kBase + "delivery: {lookahead: 5m}\n"});
  REQUIRE_MESSAGE(set.config, first_error(set));
  CHECK(set.config->delivery.lookahead == std::chrono::minutes(5));
  auto none = parse_config({"ackd.yaml", kBase + "delivery: {lookahead: 0s}\n"});
  CHECK(first_error(none) ==
        "ackd.yaml:4:23: error: lookahead must be a duration like 15m, 4h or 3d, got '0s'");
}

TEST_CASE("config: a key given twice is an error at the second, naming the first") {
  auto twice = parse_config({"ackd.yaml", kBase + "mode: live\nmode: shadow\n"});
  CHECK_FALSE(twice.config);
  CHECK(twice.diagnostics.size() == 1);
  CHECK(first_error(twice) == "ackd.yaml:5:1: error: duplicate key 'mode' (first at line 4)");

  auto nested = parse_config({"ackd.yaml", kBase + "http:\n  body_limit: 10\n  body_limit: 20\n"});
  CHECK_FALSE(nested.config);
  CHECK(first_error(nested) ==
        "ackd.yaml:6:3: error: duplicate key 'body_limit' (first at line 5)");

  // The same key in two mappings is no repeat.
  auto apart = parse_config(
      {"ackd.yaml",
       kBase + "sinks:\n  a: {type: file, path: a.log}\n  b: {type: file, path: b.log}\n"});
  CHECK_MESSAGE(apart.config, first_error(apart));
}

TEST_CASE("config: a sink no team, escalation or channel uses is a warning") {
  auto config = parse_config({"ackd.yaml", kBase + R"(sinks:
  team-chat: {type: webhook, url: "http://127.0.0.1:9/team"}
  lead-chat: {type: webhook, url: "http://127.0.0.1:9/lead"}
  x-reply: {type: webhook, url: "http://127.0.0.1:9/x"}
  audit: {type: file, path: /tmp/sent.ndjson}
channels:
  x: {reply_sink: x-reply}
)"},
                             {&ackd::deliver::builtin_sinks(), &ackd::source::builtin_sources()});
  REQUIRE(config.config);
  const auto policy = ackd::testing::compile_policy(R"(version: 1
channels:
  x: {}
teams:
  support: {notify: team-chat, escalate: [{after: 1h, notify: lead-chat}]}
templates:
  ack: {en: "Thanks."}
rules:
  - {id: d, reply: {template: ack}, handoff: {team: support, within: 1h}}
)");
  ackd::yaml::Diagnostics diagnostics;
  check_references(*config.config, *policy, diagnostics);
  CHECK(diagnostics.empty());
  const auto warnings = diagnostics.warnings();
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].to_string() ==
        "ackd.yaml:8:3: warning: sink 'audit' is used by no team, "
        "escalation, storm notice or channel of this policy");
}

TEST_CASE("config: a platform's sink takes no notices, and only its own channels' replies") {
  auto config = parse_config({"ackd.yaml", kBase + R"(sinks:
  x-out: {type: x, token: {env: X_TOKEN}}
  line-out: {type: line, token: {env: LINE_TOKEN}}
  lead-chat: {type: webhook, url: "http://127.0.0.1:9/lead"}
channels:
  x: {reply_sink: x-out}
  chat: {reply_sink: line-out}
)"});
  REQUIRE(config.config);
  const auto policy = ackd::testing::compile_policy(R"(version: 1
channels:
  x: {}
  chat: {}
teams:
  support: {notify: x-out, escalate: [{after: 1h, notify: lead-chat}]}
templates:
  ack: {en: "Thanks."}
rules:
  - {id: d, reply: {template: ack}, handoff: {team: support, within: 1h}}
)");
  ackd::yaml::Diagnostics diagnostics;
  check_references(*config.config, *policy, diagnostics, &ackd::deliver::builtin_sinks());
  std::vector<std::string> errors;
  for (const auto& d : diagnostics.sorted()) errors.push_back(d.message);
  CHECK(errors == std::vector<std::string>{
                      "channel 'chat': sink 'line-out' answers only on line",
                      "team 'support' sends notices to sink 'x-out' (type x), which sends only "
                      "replies (on x)"});
  // Without the sink types (a tool that delivers nothing), only the names are checked.
  ackd::yaml::Diagnostics names_only;
  check_references(*config.config, *policy, names_only);
  CHECK(names_only.empty());
}

TEST_CASE(
    "config: a chat sink takes notices, never a channel's replies, and console_url is a URL") {
  auto config = parse_config({"ackd.yaml", kBase + R"(console_url: https://ackd.example.com/ui/
sinks:
  support: {type: slack, url: {env: SLACK_URL}}
channels:
  x: {reply_sink: support}
)"});
  REQUIRE(config.config);
  CHECK(config.config->console_url == "https://ackd.example.com/ui/");
  const auto policy = ackd::testing::compile_policy(R"(version: 1
channels:
  x: {}
teams:
  support: {notify: support}
templates:
  ack: {en: "Thanks."}
rules:
  - {id: d, reply: {template: ack}, handoff: {team: support, within: 1h}}
)");
  ackd::yaml::Diagnostics diagnostics;
  check_references(*config.config, *policy, diagnostics, &ackd::deliver::builtin_sinks());
  std::vector<std::string> errors;
  for (const auto& d : diagnostics.sorted()) errors.push_back(d.message);
  CHECK(errors == std::vector<std::string>{"channel 'x': sink 'support' (type slack) sends "
                                           "notices to teams, not replies to customers"});

  auto bad = parse_config({"ackd.yaml", kBase + "console_url: ackd.example.com/ui\n"});
  REQUIRE_FALSE(bad.config);
  CHECK(bad.diagnostics.sorted().front().message.find("console_url must be") != std::string::npos);
}

}  // namespace config_test
