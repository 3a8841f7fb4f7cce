#include <doctest/doctest.h>

#include <algorithm>

#include "ackd/policy/load.hpp"

namespace policy_load_test {

using ackd::policy::load_policy;
using ackd::policy::LoadResult;

namespace {

constexpr const char* kHeader = R"(version: 1
default_lang: ja
channels:
  x: {max_chars: 280, counting: twitter}
lists:
  safety: [煙, fire]
teams:
  support: {notify: support-chat}
templates:
  ack: {ja: "{{name}}様、ありがとうございます。", en: "Thanks, {{name}}."}
)";

LoadResult load(const std::string& text) {
  return load_policy({{"p.yaml", text}});
}

// Every diagnostic as "line:col: message", for compact assertions.
std::vector<std::string> errors(const LoadResult& r) {
  std::vector<std::string> out;
  for (const auto& d : r.diagnostics.sorted()) {
    out.push_back(std::to_string(d.where.line) + ":" + std::to_string(d.where.column) + ": " +
                  d.message);
  }
  return out;
}

bool has(const std::vector<std::string>& errs, const std::string& needle) {
  return std::any_of(errs.begin(), errs.end(),
                     [&](const auto& e) { return e.find(needle) != std::string::npos; });
}

}  // namespace

TEST_CASE("policy: a valid policy compiles") {
  auto r = load(std::string(kHeader) + R"(rules:
  - id: smoke
    priority: P1
    when: {text: {any: $safety}}
    reply: {template: ack, visibility: dm}
    handoff: {team: support, within: 15m}
  - id: default
    reply: {template: ack}
    handoff: {team: support, within: 4h}
)");
  REQUIRE(r.diagnostics.empty());
  REQUIRE(r.policy);
  CHECK(r.policy->rules.size() == 2);
  CHECK(r.policy->version.size() == 16);
  CHECK(r.policy->rule("smoke")->priority == "P1");
  CHECK(r.policy->rule("default")->priority == "P3");
}

TEST_CASE("policy: YAML syntax errors carry file:line:col") {
  auto r = load("version: 1\nrules:\n  - id: a\n    when: {text: [a, b}\n");
  REQUIRE(!r.policy);
  auto d = r.diagnostics.sorted().at(0);
  CHECK(d.where.file == "p.yaml");
  CHECK(d.where.line == 4);
  CHECK(d.to_string().rfind("p.yaml:4:", 0) == 0);
  CHECK(d.message.rfind("YAML syntax:", 0) == 0);
}

TEST_CASE("policy: an indentation mistake is one error in words, without what follows from it") {
  // The teams' file does not parse: the rules' file names teams it would have defined.
  auto r = load_policy(
      {{"10-teams.yaml",
        "teams:\n  legal:\n    notify: legal-inbox\n  calendar: office\n"
        "    escalate: [{after: 30m, notify: legal-lead}]\n"},
       {"50-rules.yaml", "rules:\n  - id: a\n    reply: none\n    handoff: {team: legal}\n"}});
  REQUIRE(!r.policy);
  REQUIRE(r.diagnostics.size() == 1);
  const auto d = r.diagnostics.sorted().at(0);
  CHECK(d.to_string() ==
        "10-teams.yaml:4:3: error: `calendar:` is indented less than `notify:` on line 3, so it "
        "left that mapping and `escalate:` (line 5) no longer fits: indent `calendar:` like "
        "`notify:` (4 spaces)");

  r = load("version: 1\nrules:\n  - id: a\n    reply: none\n  handoff: {team: x}\n");
  CHECK(errors(r) == std::vector<std::string>{
                         "5:3: `handoff:` is indented like the items of the list (line 3), so it "
                         "belongs to none of them: indent it like `reply:` on line 4 (4 spaces)"});
}

TEST_CASE("policy: a team's key indented like the team names is named as such") {
  auto r = load(
      "version: 1\nteams:\n  legal:\n    notify: legal-inbox\n"
      "  escalate: [{after: 30m, notify: x}]\nrules:\n  - id: a\n    reply: none\n    handoff: "
      "none\n");
  REQUIRE(!r.policy);
  CHECK(errors(r) == std::vector<std::string>{
                         "5:3: `escalate:` is indented like the team names, so it reads as a "
                         "team of its own: if it belongs to team 'legal', indent it like that "
                         "team's other keys"});
}

TEST_CASE("policy: every problem is reported, each at its place") {
  auto r = load(std::string(kHeader) + R"(rules:
  - id: a
    when: {text: {any: $safty}, chanel: x}
    reply: {template: akc}
    handoff: {team: support, within: soon}
  - id: a
    when: {text: {regex: "(open"}}
    reply: none
    handoff: none
)");
  auto e = errors(r);
  CHECK_FALSE(r.policy);
  CHECK(has(e, "13:24: unknown list '$safty' (did you mean '$safety'?)"));
  CHECK(has(e, "13:33: unknown condition 'chanel' (did you mean 'channel'?)"));
  CHECK(has(e, "14:23: unknown template 'akc' (did you mean 'ack'?)"));
  CHECK(has(e, "15:38: within must be a duration like 15m, 4h or 3d, got 'soon'"));
  CHECK(has(e, "17:26: invalid regex: missing ): (open"));
}

TEST_CASE("policy: unknown keys get a suggestion") {
  auto r = load(std::string(kHeader) +
                "rulez: []\nrules:\n  - {id: d, reply: none, handoff: none, prority: P1}\n");
  auto e = errors(r);
  CHECK(has(e, "11:1: unknown key 'rulez' in the policy (did you mean 'rules'?)"));
  CHECK(has(e, "unknown key 'prority' in rule 'd' (did you mean 'priority'?)"));
}

TEST_CASE("policy: a catch-all rule with a mistake is named, not the rule above it") {
  auto r = load(std::string(kHeader) +
                "rules:\n  - {id: a, when: {channel: x}, reply: none, handoff: none}\n"
                "  - {id: d, reply: none, handoff: {team: support, within: 4 hours}}\n");
  CHECK(errors(r) == std::vector<std::string>{
                         "13:59: within must be a duration like 15m, 4h or 3d, got '4 hours'"});
}

TEST_CASE("policy: a name far from every known one is answered with the known ones") {
  auto r = load(std::string(kHeader) +
                "rules:\n  - {id: d, when: {sentiment: angry}, reply: none, handoff: none}\n");
  CHECK(has(errors(r),
            "unknown condition 'sentiment' (expected one of: channel, visibility, lang, text, "
            "author.id, author.handle, author.name, author.followers, author.verified, pii, "
            "repeat, time, any_of, not)"));
}

TEST_CASE("policy: wrong types are named") {
  auto r = load(R"(version: 1
default_lang: ja
channels:
  x: {max_chars: many}
teams: [support]
templates:
  ack: {ja: [a, b]}
rules:
  - {id: d, reply: none, handoff: none, followup: 3 days, priority: urgent}
)");
  auto e = errors(r);
  CHECK(has(e, "4:18: max_chars must be a whole number, got 'many'"));
  CHECK(has(e, "5:8: teams must be a mapping (key: value), got a list"));
  CHECK(has(e, "7:13: template text must be a text, got a list"));
  CHECK(has(e, "followup must be a duration like 15m, 4h or 3d, got '3 days'"));
  CHECK(has(e, "priority must be one of P1 (most urgent) to P5, got 'urgent'"));
}

TEST_CASE("policy: calendars are checked") {
  auto r = load(std::string(kHeader) + R"(calendars:
  office: {timezone: Mars/Olympus, hours: {mon-fri: "09:00-18:00"}}
  shop: {timezone: Asia/Tokyo, hours: {funday: "09:00-18:00", sat: "9-18"}, holidays: ["2026-02-30"]}
  always: {timezone: UTC, hours: {daily: "00:00-24:00"}}
rules:
  - {id: d, reply: none, handoff: {team: support, within: 1h, calendar: ofice}}
)");
  auto e = errors(r);
  CHECK(has(e, "unknown time zone 'Mars/Olympus'"));
  CHECK(has(e, "13:40: \"funday\" is not a day"));
  CHECK(has(e, "holiday '2026-02-30' is not a date"));
  CHECK(has(e, "'always' is built in"));
  CHECK(has(e, "unknown calendar 'ofice'"));
}

TEST_CASE("policy: templates may not hold banned phrases, unknown variables or overflow") {
  auto r = load(R"(version: 1
default_lang: ja
channels:
  x: {max_chars: 30, counting: twitter}
teams:
  support: {notify: chat}
templates:
  money: {ja: "{{name}}様、全額返金いたします。"}
  typo: {ja: "{{nmae}}様"}
  en_only: {en: "Hello"}
safety:
  banned: [返金, Refund]
rules:
  - {id: a, when: {channel: x}, reply: {template: money}, handoff: none}
  - {id: d, reply: {template: typo}, handoff: none}
)");
  auto e = errors(r);
  CHECK(has(e, "8:15: template 'money' (ja) holds the banned phrase '返金'"));
  // 12 characters of fixed text, each counted 2 on X; a name of up to 20, each 2 as well.
  CHECK(has(e,
            "template 'money' (ja) can reach 64 characters on channel 'x' (limit 30) in rule "
            "'a': its fixed text counts 24, {{name}} up to 40 (names are cut at 20 "
            "characters: safety.name.max_chars); X counts CJK, full-width characters and "
            "emoji 2 each; shorten it by 34"));
  CHECK(has(e, "9:15: template 'typo' (ja): unknown variable 'nmae'"));
  CHECK(has(e, "template 'en_only' has no text in the default language 'ja'"));
}

TEST_CASE("policy: banned phrases are compared after normalisation") {
  auto r = load(R"(version: 1
default_lang: en
teams: {support: {notify: chat}}
templates:
  t: {en: "We will ＲＥＦＵＮＤ you"}
safety: {banned: [refund]}
rules:
  - {id: d, reply: {template: t}, handoff: none}
)");
  CHECK(has(errors(r), "holds the banned phrase 'refund'"));
}

TEST_CASE("policy: handoff_by needs a handoff, and rules after a catch-all are unreachable") {
  auto r2 = load(R"(version: 1
default_lang: ja
teams: {support: {notify: chat}}
templates:
  by: {ja: "{{handoff_by}}までにご連絡します"}
rules:
  - {id: first, reply: {template: by}, handoff: none}
  - {id: second, reply: none, handoff: none}
)");
  auto e = errors(r2);
  CHECK(has(
      e, "rule 'first' replies with template 'by', which uses {{handoff_by}}, but has no handoff"));
  CHECK(has(e, "rule 'second' can never match: rule 'first' above it has no `when`"));
}

TEST_CASE("policy: a directory of files loads as one policy, duplicates across files refused") {
  auto r =
      load_policy({{"a.yaml", std::string(kHeader)},
                   {"b.yaml", "rules:\n  - {id: d, reply: {template: ack}, handoff: none}\n"}});
  CHECK(r.diagnostics.empty());
  REQUIRE(r.policy);
  CHECK(r.policy->sources == std::vector<std::string>{"a.yaml", "b.yaml"});

  auto dup = load_policy(
      {{"a.yaml", std::string(kHeader)},
       {"b.yaml",
        "teams:\n  support: {notify: x}\nrules:\n  - {id: d, reply: none, handoff: none}\n"}});
  auto e = errors(dup);
  CHECK(has(e, "2:3: teams 'support' is already defined at a.yaml:8"));
}

TEST_CASE("policy: a policy needs rules and every rule needs reply and handoff") {
  CHECK(has(errors(load(kHeader)), "the policy has no rules"));
  auto e = errors(load(std::string(kHeader) + "rules:\n  - id: d\n"));
  CHECK(has(e, "rule 'd' needs reply: a template, or 'none' to send nothing"));
  CHECK(has(e, "rule 'd' needs handoff: a team, or 'none' to tell no one"));
}

TEST_CASE("policy: a safety section that is not a mapping is reported, not thrown") {
  for (const char* safety : {"storm", "[storm]", "1"}) {
    CAPTURE(safety);
    auto r = load(std::string(kHeader) + "safety: " + safety +
                  "\nrules:\n  - {id: d, reply: none, handoff: none}\n");
    CHECK_FALSE(r.policy);
    CHECK(has(errors(r), "safety must be a mapping (key: value)"));
  }
}

TEST_CASE(
    "policy: a rule whose template or team is not a name is dropped, not kept with the first") {
  // With no team and no template defined, keeping such a rule made the checks that follow
  // read past the end of the (empty) lists.
  auto r = load_policy({{"p.yaml", R"(version: 1
channels: {x: {max_chars: 10}}
rules:
  - id: d
    reply: {template: [ack]}
    handoff: {team: {name: support}, within: 1h}
)"}});
  CHECK_FALSE(r.policy);
  auto e = errors(r);
  CHECK(has(e, "template must be a text, got a list"));
  CHECK(has(e, "team must be a text, got a mapping"));
}

TEST_CASE("policy: invalid UTF-8 in a file is refused") {
  auto r = load("version: 1\nrules: \xff\n");
  CHECK(has(errors(r), "not valid UTF-8"));
}

TEST_CASE("policy: a warning for a reply that replies_per_author always suppresses") {
  auto policy_with = [](const std::string& limit, const std::string& rule) {
    return load(std::string(kHeader) + "safety:\n  replies_per_author: " + limit + "\nrules:\n" +
                rule + "  - {id: d, reply: none, handoff: none}\n");
  };
  const std::string third =
      "  - {id: third, when: {repeat: {gte: 3, within: 24h}}, "
      "reply: {template: ack}, handoff: none}\n";
  auto r = policy_with("{max: 1, per: 24h}", third);
  REQUIRE(r.policy);  // a warning: the policy still loads
  CHECK(r.diagnostics.empty());
  const auto warnings = r.diagnostics.warnings();
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].to_string() ==
        "p.yaml:14:5: warning: rule 'third' replies only to an author's complaint number 3 "
        "within 1d, but safety.replies_per_author allows 1 automatic reply per 1d: its reply "
        "is suppressed whenever the earlier complaints were answered (use `reply: none`, or "
        "raise the limit)");
  // Two earlier replies already reach a limit of 2.
  CHECK(policy_with("{max: 2, per: 24h}", third).diagnostics.warnings().size() == 1);
  CHECK(policy_with("{max: 2, per: 48h}",
                    "  - {id: t, when: {repeat: {gt: 2, within: 1d}}, "
                    "reply: {template: ack}, handoff: none}\n")
            .diagnostics.warnings()
            .size() == 1);
  // A limit it fits under, a window longer than the limit's, no reply, no repeat: no warning.
  for (const auto& [limit, rule] : std::vector<std::pair<std::string, std::string>>{
           {"{max: 3, per: 24h}", third},
           {"{max: 1, per: 1h}", third},
           {"{max: 1, per: 24h}",
            "  - {id: t, when: {repeat: {gte: 3, within: 24h}}, reply: none, "
            "handoff: none}\n"},
           {"{max: 1, per: 24h}",
            "  - {id: t, when: {repeat: {lte: 3, within: 24h}}, "
            "reply: {template: ack}, handoff: none}\n"},
           {"{max: 1, per: 24h}",
            "  - {id: t, when: {channel: x}, reply: {template: ack}, "
            "handoff: none}\n"}}) {
    CAPTURE(rule);
    auto ok = policy_with(limit, rule);
    REQUIRE(ok.policy);
    CHECK(ok.diagnostics.warnings().empty());
  }
}

TEST_CASE("policy: a one-character keyword is a warning") {
  auto r = load(std::string(kHeader) + R"(rules:
  - {id: late, when: {text: {any: [遅, 遅延]}}, reply: none, handoff: none}
  - {id: d, reply: none, handoff: none}
)");
  REQUIRE(r.policy);
  const auto warnings = r.diagnostics.warnings();
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].message ==
        "keyword '遅' is one character: it matches inside every word that holds it; use a word "
        "of two or more characters");
  CHECK(load(std::string(kHeader) + "rules:\n  - {id: d, reply: none, handoff: none}\n")
            .diagnostics.warnings()
            .empty());
}

TEST_CASE("policy: the version hash follows the content") {
  std::string base = std::string(kHeader) + "rules:\n  - {id: d, reply: none, handoff: none}\n";
  auto a = load(base);
  auto b = load(base);
  auto c = load(base + "# changed\n");
  REQUIRE(a.policy);
  REQUIRE(c.policy);
  CHECK(a.policy->version == b.policy->version);
  CHECK(a.policy->version != c.policy->version);

  // The same files however the root is written; another name or order is another policy.
  const std::string rules = "rules:\n  - {id: d, reply: none, handoff: none}\n";
  auto version_of = [&](std::vector<ackd::policy::SourceFile> files) {
    auto r = load_policy(files);
    REQUIRE(r.policy);
    return r.policy->version;
  };
  const auto v = version_of({{"rules/00-base.yaml", kHeader}, {"rules/50-rules.yaml", rules}});
  CHECK(version_of({{"./rules//00-base.yaml", kHeader}, {"./rules//50-rules.yaml", rules}}) == v);
  CHECK(version_of({{"/etc/ackd/rules.d/00-base.yaml", kHeader},
                    {"/etc/ackd/rules.d/50-rules.yaml", rules}}) == v);
  CHECK(version_of({{"rules/00-base.yaml", kHeader}, {"rules/60-rules.yaml", rules}}) != v);
}

TEST_CASE("policy: safety.name.deny is normalized, may name a list, and must hold texts") {
  auto r = load(std::string(kHeader) + R"(safety:
  name: {deny: [ＡＣＭＥ, サポート, $safety]}
rules:
  - {id: d, reply: {template: ack}, handoff: none}
)");
  REQUIRE(r.diagnostics.empty());
  REQUIRE(r.policy);
  CHECK(r.policy->safety.name.deny == std::vector<std::string>{"acme", "さぽーと", "煙", "fire"});

  auto bad = load(std::string(kHeader) + R"(safety:
  name: {deny: [{a: 1}]}
rules:
  - {id: d, reply: none, handoff: none}
)");
  CHECK_FALSE(bad.policy);
  CHECK(has(errors(bad), "deny items must be texts"));
}

TEST_CASE("policy: a key given twice in one mapping is an error at the second, naming the first") {
  // The first was read and the second ignored, or two sections merged, without a word.
  auto reply = load(std::string(kHeader) + R"(rules:
  - id: d
    reply: none
    handoff: none
    reply: {template: ack}
)");
  CHECK_FALSE(reply.policy);
  CHECK(errors(reply) ==
        std::vector<std::string>{"15:5: duplicate key 'reply' (first at line 13)"});

  auto teams = load(std::string(kHeader) + R"(teams:
  billing: {notify: billing-chat}
rules:
  - {id: d, reply: none, handoff: {team: billing, within: 1h}}
)");
  CHECK_FALSE(teams.policy);
  CHECK(errors(teams) == std::vector<std::string>{"11:1: duplicate key 'teams' (first at line 7)"});

  auto version =
      load(std::string(kHeader) + "version: 1\nrules:\n  - {id: d, reply: none, handoff: none}\n");
  CHECK(errors(version) ==
        std::vector<std::string>{"11:1: duplicate key 'version' (first at line 1)"});

  auto flow = load(std::string(kHeader) +
                   "rules:\n  - {id: d, reply: none, handoff: none, when: {text: a, text: b}}\n");
  CHECK(has(errors(flow), "12:57: duplicate key 'text' (first at line 12)"));
}

TEST_CASE("policy: a key in two mappings, or a section in two files, is no duplicate") {
  auto r = load_policy({{"a.yaml", std::string(kHeader) + R"(rules:
  - {id: first, when: {text: fire}, reply: none, handoff: none}
  - {id: second, when: {text: smoke}, reply: none, handoff: none}
)"},
                        {"b.yaml",
                         "teams:\n  billing: {notify: billing-chat}\nrules:\n"
                         "  - {id: d, reply: none, handoff: {team: billing, within: 1h}}\n"}});
  CHECK(errors(r).empty());
  CHECK(r.policy);
}

}  // namespace policy_load_test
