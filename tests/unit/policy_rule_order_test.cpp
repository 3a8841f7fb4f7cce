// A rule above a more urgent one takes the complaints both match: `ackd check` warns of it
// with a complaint that shows it, tried on the real matcher.
#include <doctest/doctest.h>

#include "ackd/policy/load.hpp"

namespace policy_rule_order_test {

using namespace ackd;

constexpr const char* kBase = R"(version: 1
default_lang: ja
channels:
  x: {max_chars: 280, counting: twitter}
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

constexpr const char* kRules = R"(rules:
  - id: safety-incident
    priority: P1
    when: {text: {any: $safety}}
    reply: {template: ack, visibility: dm}
    handoff: {team: safety, within: 15m}
  - id: default
    reply: {template: ack}
    handoff: {team: support, within: 4h}
)";

std::vector<std::string> warnings(const std::vector<yaml::SourceFile>& files) {
  auto result = policy::load_policy(files);
  REQUIRE_MESSAGE(result.policy, result.diagnostics.sorted().front().to_string());
  std::vector<std::string> out;
  for (const auto& w : result.diagnostics.warnings()) out.push_back(w.to_string());
  return out;
}

TEST_CASE("rule order: a file that loads first takes complaints from a more urgent rule") {
  const auto found = warnings({{"00-base.yaml", kBase},
                               {"30-logistics.yaml", R"(rules:
  - id: shipping-delay
    priority: P3
    when: {text: {any: $delay}}
    reply: {template: ack}
    handoff: {team: support, within: 4h}
)"},
                               {"50-rules.yaml", kRules}});
  REQUIRE(found.size() == 1);
  CHECK(found[0] ==
        "30-logistics.yaml:2:5: warning: rule 'shipping-delay' (P3) comes before the more "
        "urgent rule 'safety-incident' (P1, 50-rules.yaml:2) and takes the complaints both "
        "match, e.g. \"発火、遅延\" on x: move 'shipping-delay' below 'safety-incident' (rules "
        "run top to bottom, files in name order), or narrow its `when`");
}

TEST_CASE("rule order: placed below, or narrowed, the same rule takes nothing") {
  const std::string below = R"(  - id: shipping-delay
    priority: P3
    when: {text: {any: $delay}}
    reply: {template: ack}
    handoff: {team: support, within: 4h}
)";
  std::string rules = kRules;
  rules.insert(rules.find("  - id: default"), below);
  CHECK(warnings({{"p.yaml", std::string(kBase) + rules}}).empty());

  const std::string narrowed = R"(rules:
  - id: shipping-delay
    priority: P3
    when: {text: {any: $delay}, not: {text: {any: $safety}}}
    reply: {template: ack}
    handoff: {team: support, within: 4h}
)";
  CHECK(warnings({{"a.yaml", kBase}, {"b.yaml", narrowed}, {"c.yaml", kRules}}).empty());
}

TEST_CASE("rule order: an author rule above it shows the author in the example") {
  const std::string own = R"(rules:
  - id: own-accounts
    when: {author.handle: {in: $own}}
    reply: none
    handoff: none
)";
  const auto found = warnings({{"a.yaml", kBase}, {"b.yaml", own}, {"c.yaml", kRules}});
  REQUIRE(found.size() == 1);
  CHECK(found[0].find("e.g. \"発火\" from @acme_support on x") != std::string::npos);
}

TEST_CASE("rule order: nothing to say when a rule above both takes those complaints first") {
  const std::string rules = R"(rules:
  - id: fire-and-delay
    priority: P1
    when: {text: {all: [発火, 遅延]}}
    reply: {template: ack, visibility: dm}
    handoff: {team: safety, within: 15m}
  - id: shipping-delay
    priority: P3
    when: {text: {any: $delay}}
    reply: {template: ack}
    handoff: {team: support, within: 4h}
  - id: fire
    priority: P1
    when: {text: {any: [発火]}}
    reply: {template: ack, visibility: dm}
    handoff: {team: safety, within: 15m}
  - id: default
    reply: {template: ack}
    handoff: {team: support, within: 4h}
)";
  CHECK(warnings({{"p.yaml", std::string(kBase) + rules}}).empty());
}

TEST_CASE("rule order: the same priority, or a less urgent rule below, is no hazard") {
  const std::string rules = R"(rules:
  - id: delay
    priority: P1
    when: {text: {any: $delay}}
    reply: {template: ack}
    handoff: {team: support, within: 4h}
  - id: fire
    priority: P1
    when: {text: {any: $safety}}
    reply: {template: ack}
    handoff: {team: safety, within: 15m}
  - id: delay-again
    priority: P4
    when: {text: {any: $delay}}
    reply: {template: ack}
    handoff: {team: support, within: 4h}
  - id: default
    reply: {template: ack}
    handoff: {team: support, within: 4h}
)";
  CHECK(warnings({{"p.yaml", std::string(kBase) + rules}}).empty());
}

}  // namespace policy_rule_order_test
