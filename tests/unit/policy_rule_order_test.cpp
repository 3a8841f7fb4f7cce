// A rule above a more urgent one takes the complaints both match: `ackd check` warns of it
// with a complaint that shows it, tried on the real matcher.
#include <doctest/doctest.h>

#include "ackd/policy/load.hpp"

namespace policy_rule_order_test {

using namespace ackd;

const std::string kBase = R"(version: 1
default_lang: ja
channels:
  x: {max_chars: 280, counting: twitter}
  chat: {}
teams:
  support: {notify: chat}
  safety: {notify: pager}
templates:
  ack: {ja: "ご連絡ありがとうございます。"}
lists:
  safety: [発火, 発煙]
  delay: [遅延]
  own: [acme_support]
)";

// One rule as YAML, its id on its first line.
std::string rule(const std::string& id, const std::string& priority, const std::string& when) {
  return "  - id: " + id + "\n    priority: " + priority + "\n    when: " + when +
         "\n    reply: {template: ack}\n    handoff: {team: support, within: 4h}\n";
}

const std::string kDefault =
    "  - id: default\n    reply: {template: ack}\n    handoff: {team: support, within: 4h}\n";
const std::string kSafety = rule("safety-incident", "P1", "{text: {any: $safety}}");
const std::string kDelay = rule("shipping-delay", "P3", "{text: {any: $delay}}");

std::vector<std::string> warnings(const std::vector<yaml::SourceFile>& files) {
  auto result = policy::load_policy(files);
  REQUIRE_MESSAGE(result.policy, result.diagnostics.sorted().front().to_string());
  std::vector<std::string> out;
  for (const auto& w : result.diagnostics.warnings()) out.push_back(w.to_string());
  return out;
}

TEST_CASE("rule order: a file that loads first takes complaints from a more urgent rule") {
  const auto found = warnings({{"00-base.yaml", kBase},
                               {"30-logistics.yaml", "rules:\n" + kDelay},
                               {"50-rules.yaml", "rules:\n" + kSafety + kDefault}});
  REQUIRE(found.size() == 1);
  CHECK(found[0] ==
        "30-logistics.yaml:2:5: warning: rule 'shipping-delay' (P3) comes before the more "
        "urgent rule 'safety-incident' (P1, 50-rules.yaml:2) and takes the complaints both "
        "match, e.g. \"発火、遅延\" on chat: move 'shipping-delay' below 'safety-incident' (rules "
        "run top to bottom, files in name order), or narrow its `when`");
}

TEST_CASE("rule order: placed below, or narrowed, the same rule takes nothing") {
  CHECK(warnings({{"p.yaml", kBase + std::string("rules:\n") + kSafety + kDelay + kDefault}})
            .empty());
  const std::string narrowed =
      rule("shipping-delay", "P3", "{text: {any: $delay}, not: {text: {any: $safety}}}");
  CHECK(warnings({{"a.yaml", kBase},
                  {"b.yaml", "rules:\n" + narrowed},
                  {"c.yaml", "rules:\n" + kSafety + kDefault}})
            .empty());
}

TEST_CASE("rule order: an author rule above it shows the author in the example") {
  const std::string own = "rules:\n" + rule("own-accounts", "P3", "{author.handle: {in: $own}}");
  const auto found =
      warnings({{"a.yaml", kBase}, {"b.yaml", own}, {"c.yaml", "rules:\n" + kSafety + kDefault}});
  REQUIRE(found.size() == 1);
  CHECK(found[0].find("e.g. \"発火\" from @acme_support on chat") != std::string::npos);
}

TEST_CASE("rule order: nothing to say when a rule above both takes those complaints first") {
  const std::string rules = "rules:\n" +
                            rule("fire-and-delay", "P1", "{text: {all: [発火, 遅延]}}") + kDelay +
                            rule("fire", "P1", "{text: {any: [発火]}}") + kDefault;
  CHECK(warnings({{"p.yaml", kBase + rules}}).empty());
}

TEST_CASE("rule order: the same priority, a less urgent rule below, or another channel") {
  const std::string rules = "rules:\n" + rule("delay", "P1", "{text: {any: $delay}}") +
                            rule("fire", "P1", "{text: {any: $safety}}") +
                            rule("delay-again", "P4", "{text: {any: $delay}}") +
                            rule("chat-delay", "P4", "{channel: chat, text: {any: $delay}}") +
                            rule("x-fire", "P2", "{channel: x, text: {any: $safety}}") + kDefault;
  CHECK(warnings({{"p.yaml", kBase + rules}}).empty());
}

}  // namespace policy_rule_order_test
