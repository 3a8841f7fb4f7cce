#include <doctest/doctest.h>

#include <string>

#include "ackd/config/config.hpp"
#include "ackd/policy/load.hpp"

namespace policy_yaml_limits_test {

using ackd::policy::load_policy;

namespace {

constexpr const char* kHeader = R"(version: 1
default_lang: en
channels: {x: {}}
teams: {support: {notify: support-chat}}
templates: {ack: {en: "Thanks, {{name}}."}}
)";

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

std::string only_error(const ackd::policy::Diagnostics& diagnostics) {
  REQUIRE(diagnostics.size() == 1);
  return diagnostics.items().front().to_string();
}

}  // namespace

TEST_CASE("policy: deep nesting is refused with its place, before the YAML parser recurses") {
  const std::string deep = "rules: " + repeat("[", 100000) + repeat("]", 100000) + "\n";
  auto r = load_policy({{"p.yaml", deep}});
  CHECK_FALSE(r.policy);
  // The root mapping is the first level, so the 64th '[' (column 8 + 63) is one too many.
  CHECK(only_error(r.diagnostics) ==
        "p.yaml:1:71: error: lists and mappings nested deeper than 64 levels");

  auto unclosed = load_policy({{"p.yaml", repeat("{a: ", 100000)}});
  CHECK(only_error(unclosed.diagnostics) ==
        "p.yaml:1:253: error: lists and mappings nested deeper than 64 levels");

  auto config = ackd::config::parse_config({"ackd.yaml", deep});
  CHECK_FALSE(config.config);
  CHECK(only_error(config.diagnostics) ==
        "ackd.yaml:1:71: error: lists and mappings nested deeper than 64 levels");
}

TEST_CASE("policy: nesting a policy can use still loads") {
  // Four levels to reach a rule's `when`, then 50 `not`s.
  const std::string nots = repeat("{not: ", 50) + "{text: fire}" + repeat("}", 50);
  auto r =
      load_policy({{"p.yaml", std::string(kHeader) + "rules:\n  - id: deep\n    when: " + nots +
                                  "\n    reply: none\n    handoff: none\n"
                                  "  - id: default\n    reply: none\n    handoff: none\n"}});
  CHECK(r.diagnostics.empty());
  CHECK(r.policy);
}

TEST_CASE("policy: aliases may not stand for more than 100000 nodes (billion laughs)") {
  // Each rule's `when` is ten of the previous one: 10^7 conditions from 600 bytes.
  std::string policy = std::string(kHeader) +
                       "rules:\n  - id: r0\n    when: &a0 {text: fire}\n"
                       "    reply: none\n    handoff: none\n";
  for (int i = 1; i <= 7; ++i) {
    const std::string alias = "*a" + std::to_string(i - 1);
    policy += "  - id: r" + std::to_string(i) + "\n    when: &a" + std::to_string(i) +
              " {any_of: [" + alias + repeat(", " + alias, 9) +
              "]}\n    reply: none\n    handoff: none\n";
  }
  policy += "  - id: default\n    reply: none\n    handoff: none\n";
  auto r = load_policy({{"p.yaml", policy}});
  CHECK_FALSE(r.policy);
  const std::string error = only_error(r.diagnostics);
  CHECK(error.rfind("p.yaml:", 0) == 0);
  CHECK(error.find(": error: aliases (*name) stand for more than 100000 nodes in all") !=
        std::string::npos);
}

TEST_CASE("policy: an alias inside what it names is refused, not walked forever") {
  auto r = load_policy({{"p.yaml", std::string(kHeader) + R"(rules:
  - id: loop
    when: &w {any_of: [{text: fire}, *w]}
    reply: none
    handoff: none
  - id: default
    reply: none
    handoff: none
)"}});
  CHECK_FALSE(r.policy);
  CHECK(only_error(r.diagnostics) ==
        "p.yaml:8:38: error: an alias (*name) inside what it names: the document is infinite");
}

TEST_CASE("policy: aliases in moderation are fine") {
  auto r = load_policy({{"p.yaml", std::string(kHeader) + R"(rules:
  - id: smoke
    when: {text: {any: [fire, smoke]}}
    reply: &ack {template: ack}
    handoff: &support {team: support, within: 1h}
  - id: default
    reply: *ack
    handoff: *support
)"}});
  CHECK(r.diagnostics.empty());
  REQUIRE(r.policy);
  CHECK(r.policy->rule("default")->handoff.has_value());
}

}  // namespace policy_yaml_limits_test
