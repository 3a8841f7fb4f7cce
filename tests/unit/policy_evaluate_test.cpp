#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "ackd/policy/evaluate.hpp"
#include "ackd/policy/load.hpp"

namespace policy_evaluate_test {

using namespace ackd;
using policy::Decision;
using policy::ReplyStatus;

namespace {

constexpr const char* kPolicy = R"(version: 1
default_lang: ja
channels:
  x: {max_chars: 280, counting: twitter}
  chat: {}
calendars:
  office: {timezone: Asia/Tokyo, hours: {mon-fri: "09:00-18:00"}, holidays: ["2026-12-31"]}
lists:
  safety: [煙, ケムリ, fire]
  vip_ids: ["100", "101"]
teams:
  safety: {notify: pager, escalate: [{after: 10m, notify: lead}, {after: 5m, notify: duty}]}
  support: {notify: chat, calendar: office, escalate: [{after: 2h, notify: support-lead}]}
templates:
  ack: {ja: "{{name}}様、{{handoff_by}}までにご連絡いたします。", en: "Thanks {{name}}, by {{handoff_by}}."}
  dm: {ja: "{{name}}様、DMでご連絡いたします。"}
safety:
  replies_per_author: {max: 2, per: 1h}
rules:
  - id: safety
    priority: P1
    when: {text: {any: $safety}}
    reply: {template: dm, visibility: dm}
    handoff: {team: safety, within: 15m, calendar: always}
  - id: vip
    when:
      any_of:
        - {author.id: {in: $vip_ids}}
        - {author.followers: {gte: 10000}}
    reply: {template: ack}
    handoff: {team: support, within: 1h}
  - id: night-en
    when: {lang: en, time: {outside: office}, not: {channel: chat}}
    reply: {template: ack}
    handoff: {team: support, within: 2h}
  - id: all-words
    when: {text: {all: [wifi, broken], none: [solved]}}
    reply: none
    handoff: none
  - id: regex
    when: {author.handle: {regex: "^bot_[0-9]+$"}}
    reply: none
    handoff: none
  - id: repeat
    when: {repeat: {gte: 3, within: 1d}}
    reply: none
    handoff: {team: support, within: 30m}
  - id: default
    reply: {template: ack}
    handoff: {team: support, within: 4h}
    followup: 3d
)";

const policy::Policy& the_policy() {
  static auto result = policy::load_policy({{"p.yaml", kPolicy}});
  if (!result.policy) {
    for (const auto& d : result.diagnostics.items()) MESSAGE(d.to_string());
  }
  REQUIRE(result.policy);
  return *result.policy;
}

time::Instant at(const char* text) {
  return *time::parse_rfc3339(text);
}

Complaint complaint(std::string text, std::string name = "山田") {
  Complaint c;
  c.external_id = "1";
  c.channel = "x";
  c.author.id = "42";
  c.author.name = std::move(name);
  c.text = std::move(text);
  return c;
}

Decision decide(const Complaint& c, const char* when = "2026-11-24T10:00:00+09:00",
                const AuthorHistory& h = {}) {
  return policy::evaluate(the_policy(), c, h, at(when));
}

}  // namespace

TEST_CASE("evaluate: first matching rule wins, with its reply and handoff") {
  auto d = decide(complaint("充電器から煙が出た"));
  CHECK(d.rule_id == "safety");
  CHECK(d.priority == "P1");
  REQUIRE(d.reply);
  CHECK(d.reply->direct_message);
  CHECK(d.reply->text == "山田様、DMでご連絡いたします。");
  CHECK(d.reply_status == ReplyStatus::queued);
  REQUIRE(d.handoff);
  CHECK(d.handoff->team == "safety");
  CHECK(d.handoff->deadline == at("2026-11-24T10:15:00+09:00"));
}

TEST_CASE("evaluate: katakana, half-width and case are folded before matching") {
  CHECK(decide(complaint("ｹﾑﾘが出ています")).rule_id == "safety");
  CHECK(decide(complaint("けむりが出ています")).rule_id == "safety");
  CHECK(decide(complaint("There is a FIRE")).rule_id == "safety");
  CHECK(decide(complaint("my firefox crashed")).rule_id != "safety");
}

TEST_CASE("evaluate: escalation ladder is ordered and breach goes to the last step") {
  auto d = decide(complaint("煙"));
  REQUIRE(d.handoff);
  REQUIRE(d.handoff->escalations.size() == 2);
  CHECK(d.handoff->escalations[0].sink == "duty");
  CHECK(d.handoff->escalations[0].level == 1);
  CHECK(d.handoff->escalations[0].at == at("2026-11-24T10:05:00+09:00"));
  CHECK(d.handoff->escalations[1].sink == "lead");
  CHECK(d.handoff->breach_sink == "lead");
}

TEST_CASE("evaluate: deadlines and escalations count office hours") {
  auto d = decide(complaint("届きません"), "2026-11-27T17:30:00+09:00");
  CHECK(d.rule_id == "default");
  REQUIRE(d.handoff);
  CHECK(d.handoff->deadline == at("2026-11-30T12:30:00+09:00"));
  CHECK(d.handoff->deadline_text == "2026-11-30T12:30:00+09:00");
  CHECK(d.handoff->escalations.at(0).at == at("2026-11-30T10:30:00+09:00"));
  REQUIRE(d.reply);
  CHECK(d.reply->text == "山田様、11月30日(月) 12:30までにご連絡いたします。");
  CHECK(d.followup == time::Seconds(3 * 86400));
}

TEST_CASE("evaluate: the clock starts when the customer posted") {
  auto c = complaint("届きません");
  c.received_at = at("2026-11-24T09:00:00+09:00");
  auto d = decide(c, "2026-11-24T10:00:00+09:00");
  CHECK(d.handoff->deadline == at("2026-11-24T13:00:00+09:00"));
  // A received_at in the future is not trusted.
  c.received_at = at("2026-11-25T09:00:00+09:00");
  CHECK(decide(c, "2026-11-24T10:00:00+09:00").handoff->deadline ==
        at("2026-11-24T14:00:00+09:00"));
}

TEST_CASE("evaluate: a complaint that arrives past its deadline starts the clock on arrival") {
  auto c = complaint("届きません");
  // Posted on a Saturday; with office hours the 4 h deadline was Monday 13:00.
  c.received_at = at("2026-11-21T10:00:00+09:00");
  auto d = decide(c, "2026-11-30T16:00:00+09:00");
  REQUIRE(d.handoff);
  CHECK(d.received == at("2026-11-21T10:00:00+09:00"));
  CHECK(d.started == at("2026-11-30T16:00:00+09:00"));
  CHECK(d.handoff->deadline == at("2026-12-01T11:00:00+09:00"));
  CHECK(d.handoff->escalations.at(0).at > at("2026-11-30T16:00:00+09:00"));
  CHECK(std::count(d.notes.begin(), d.notes.end(),
                   "posted 1w2d6h before it reached ackd, past its deadline: the handoff clock "
                   "starts at its arrival") == 1);
  // Not past its deadline: the clock stays the customer's.
  c.received_at = at("2026-11-30T13:00:00+09:00");
  d = decide(c, "2026-11-30T16:00:00+09:00");
  CHECK(d.started == at("2026-11-30T13:00:00+09:00"));
  CHECK(d.notes.empty());
}

TEST_CASE("evaluate: past safety.stale_after a complaint gets no automatic reply") {
  auto c = complaint("届きません");
  c.received_at = at("2020-01-01T09:00:00+09:00");
  auto d = decide(c, "2026-11-24T10:00:00+09:00");
  CHECK(d.rule_id == "default");
  CHECK(d.reply_status == ReplyStatus::suppressed);
  CHECK(d.reason.rfind("stale: posted ", 0) == 0);
  CHECK(d.reason.find("(safety.stale_after 1d): no automatic reply") != std::string::npos);
  REQUIRE(d.handoff);  // a person still takes it, from now
  CHECK(d.handoff->deadline == at("2026-11-24T14:00:00+09:00"));
  // Just within the default day it is answered.
  c.received_at = at("2026-11-23T10:00:01+09:00");
  CHECK(decide(c, "2026-11-24T10:00:00+09:00").reply_status == ReplyStatus::queued);

  auto strict = ackd::policy::load_policy(
      {{"p.yaml", std::string(kPolicy).replace(std::string(kPolicy).find("safety:\n  replies"), 8,
                                               "safety:\n  stale_after: 1h\n")}});
  REQUIRE(strict.policy);
  CHECK(strict.policy->safety.stale_after == time::Seconds(3600));
  c.received_at = at("2026-11-24T08:30:00+09:00");
  CHECK(policy::evaluate(*strict.policy, c, {}, at("2026-11-24T10:00:00+09:00")).reply_status ==
        ReplyStatus::suppressed);
}

TEST_CASE("evaluate: {{handoff_by}} is written in the policy's time zone, with the year when far") {
  // The first calendar's zone by default: a 24/7 deadline still reads in Tokyo time.
  CHECK(the_policy().timezone.name() == "Asia/Tokyo");
  auto d = decide(complaint("届きません", "山田"), "2026-11-24T10:00:00+09:00");
  REQUIRE(d.reply);
  CHECK(d.reply->text == "山田様、11月24日(火) 14:00までにご連絡いたします。");

  auto utc_only = ackd::policy::load_policy({{"p.yaml", R"(version: 1
default_lang: ja
templates:
  ack: {ja: "{{handoff_by}}まで", en: "by {{handoff_by}}"}
teams:
  support: {notify: chat}
rules:
  - {id: d, reply: {template: ack}, handoff: {team: support, within: 9d}}
)"}});
  REQUIRE(utc_only.policy);
  CHECK(utc_only.policy->timezone.name() == "UTC");
  auto c = complaint("届きません");
  const auto now = at("2026-11-26T19:43:00+09:00");
  // More than a week away: the year; not Japan's time: the zone.
  CHECK(policy::evaluate(*utc_only.policy, c, {}, now).reply->text ==
        "2026年12月5日(土) 10:43 UTCまで");

  auto tokyo = ackd::policy::load_policy({{"p.yaml", R"(version: 1
default_lang: ja
timezone: Asia/Tokyo
templates:
  ack: {ja: "{{handoff_by}}まで"}
teams:
  support: {notify: chat}
rules:
  - {id: d, reply: {template: ack}, handoff: {team: support, within: 1h, calendar: always}}
)"}});
  REQUIRE(tokyo.policy);
  CHECK(policy::evaluate(*tokyo.policy, c, {}, now).reply->text == "11月26日(木) 20:43まで");

  auto bad = ackd::policy::load_policy({{"p.yaml",
                                         "version: 1\ntimezone: Asia/Tokio\nrules:\n"
                                         "  - {id: d, reply: none, handoff: none}\n"}});
  CHECK_FALSE(bad.policy);
  REQUIRE(bad.diagnostics.size() == 1);
  CHECK(bad.diagnostics.items()[0].to_string() ==
        "p.yaml:2:11: error: unknown time zone 'Asia/Tokio' (use an IANA name like Asia/Tokyo)");
}

TEST_CASE("evaluate: any_of, in lists and numeric comparisons") {
  auto c = complaint("届きません");
  c.author.id = "101";
  CHECK(decide(c).rule_id == "vip");
  c.author.id = "7";
  c.author.followers = 9999;
  CHECK(decide(c).rule_id == "default");
  c.author.followers = 10000;
  CHECK(decide(c).rule_id == "vip");
}

TEST_CASE("evaluate: lang, time and not") {
  auto c = complaint("my parcel is late", "John");
  CHECK(decide(c, "2026-11-24T10:00:00+09:00").rule_id == "default");
  auto night = decide(c, "2026-11-24T23:00:00+09:00");
  CHECK(night.rule_id == "night-en");
  CHECK(night.lang == "en");
  REQUIRE(night.reply);
  CHECK(night.reply->text.rfind("Thanks John, by ", 0) == 0);
  c.channel = "chat";
  CHECK(decide(c, "2026-11-24T23:00:00+09:00").rule_id == "default");
  c.lang = "ja-JP";
  CHECK(decide(c, "2026-11-24T23:00:00+09:00").lang == "ja");
}

TEST_CASE("evaluate: all and none keyword modes") {
  CHECK(decide(complaint("wifi is broken again")).rule_id == "all-words");
  CHECK(decide(complaint("wifi is fine")).rule_id == "default");
  CHECK(decide(complaint("wifi broken but solved")).rule_id == "default");
}

TEST_CASE("evaluate: the decision names the policy lists and keywords the text holds") {
  // Whichever rule matched: a list a text condition names is a topic of every complaint
  // whose text holds one of its terms; vip_ids (matched against the author) is no topic.
  auto d = decide(complaint("wifi broken and some ｹﾑﾘ too"));
  CHECK(d.rule_id == "safety");
  CHECK(d.lists == std::vector<std::string>{"safety"});
  std::sort(d.keywords.begin(), d.keywords.end());
  INFO(nlohmann::json(d.keywords).dump());
  CHECK(d.keywords == std::vector<std::string>{"broken", "wifi", "けむり"});  // normalized
  auto words = decide(complaint("wifi is broken again"));
  CHECK(words.rule_id == "all-words");
  CHECK(words.lists.empty());
  CHECK(words.keywords.size() == 2);
  auto plain = decide(complaint("届きません", "100"));
  CHECK(plain.lists.empty());
  CHECK(plain.keywords.empty());
  auto j = policy::to_json(d);
  CHECK(j["lists"] == nlohmann::json::array({"safety"}));
  CHECK(j["keywords"].size() == 3);
  CHECK_FALSE(policy::to_json(plain).contains("lists"));
}

TEST_CASE("evaluate: regex on a field") {
  auto c = complaint("hello");
  c.author.handle = "BOT_123";  // handles are compared case-folded
  CHECK(decide(c).rule_id == "regex");
  c.author.handle = "bot_12a";
  CHECK(decide(c).rule_id == "default");
}

TEST_CASE("evaluate: repeat counts this author's complaints in the window") {
  AuthorHistory h;
  h.complaints = {at("2026-11-24T08:00:00+09:00"), at("2026-11-23T09:00:00+09:00")};
  CHECK(decide(complaint("届きません"), "2026-11-24T10:00:00+09:00", h).rule_id == "default");
  h.complaints.push_back(at("2026-11-23T12:00:00+09:00"));
  CHECK(decide(complaint("届きません"), "2026-11-24T10:00:00+09:00", h).rule_id == "repeat");
}

TEST_CASE("evaluate: replies per author are limited, the handoff still happens") {
  AuthorHistory h;
  h.replies = {at("2026-11-24T09:30:00+09:00")};
  CHECK(decide(complaint("届きません"), "2026-11-24T10:00:00+09:00", h).reply_status ==
        ReplyStatus::queued);
  h.replies.push_back(at("2026-11-24T09:40:00+09:00"));
  auto d = decide(complaint("届きません"), "2026-11-24T10:00:00+09:00", h);
  CHECK(d.reply_status == ReplyStatus::suppressed);
  CHECK(d.reason.find("replies_per_author") != std::string::npos);
  CHECK(d.handoff);
  // Older than the window: no longer counted.
  CHECK(decide(complaint("届きません"), "2026-11-24T11:00:00+09:00", h).reply_status ==
        ReplyStatus::queued);
}

TEST_CASE("evaluate: private complaints and personal data are answered by DM") {
  auto c = complaint("届きません");
  CHECK_FALSE(decide(c).reply->direct_message);
  c.visibility = Visibility::private_message;
  CHECK(decide(c).reply->direct_message);
  auto with_phone = complaint("電話は090-1234-5678です。届きません");
  auto d = decide(with_phone);
  CHECK(d.pii_kind == "phone");
  CHECK(d.reply->direct_message);
  CHECK_FALSE(d.notes.empty());
}

TEST_CASE("evaluate: every kind of personal data moves a public reply to a DM") {
  for (const auto& [text, kind] : std::vector<std::pair<const char*, const char*>>{
           {"4111 1111 1111 1111 のカードで払いました。届きません", "card"},
           {"東京都千代田区丸の内1-1-1 に届きません", "address"},
           {"〒100-0005 に届きません", "postal_code"},
           {"マイナンバー 1234 5678 9012 を送りました", "my_number"},
           {"振込先 普通 1234567 に届きません", "bank_account"},
       }) {
    CAPTURE(text);
    const auto d = decide(complaint(text));
    CHECK(d.pii_kind == kind);
    REQUIRE(d.reply);
    CHECK(d.reply->direct_message);
    CHECK(policy::to_json(d)["visibility"] == "dm");
  }
  for (const char* text :
       {"4111 1111 1111 1112 が届きません", "1,980円の商品が2026-11-26に届きません"}) {
    CAPTURE(text);
    const auto d = decide(complaint(text));
    CHECK_FALSE(d.pii_kind.has_value());
    REQUIRE(d.reply);
    CHECK_FALSE(d.reply->direct_message);
  }
}

namespace {

bool has_note(const Decision& d, const std::string& part) {
  return std::any_of(d.notes.begin(), d.notes.end(),
                     [&](const std::string& n) { return n.find(part) != std::string::npos; });
}

}  // namespace

TEST_CASE("evaluate: the reply's language is the text's, detected") {
  auto mixed = decide(complaint("The 抹茶 set I ordered never arrived", "Emma"));
  CHECK(mixed.lang == "en");
  REQUIRE(mixed.reply);
  CHECK(mixed.reply->text.rfind("Thanks Emma, by ", 0) == 0);
  CHECK(mixed.notes.empty());
  // The detected language is what `lang` conditions see.
  CHECK(
      decide(complaint("The 抹茶 set I ordered never arrived", "Emma"), "2026-11-24T23:00:00+09:00")
          .rule_id == "night-en");
}

TEST_CASE("evaluate: a language without a template gets default_lang, and the decision says so") {
  for (const auto& [text, lang] : std::vector<std::pair<const char*, const char*>>{
           {"Ma commande n'est jamais arrivée, pouvez-vous m'aider ?", "fr"},
           {"我订购的商品还没有到，请尽快处理", "zh"},
           {"주문한 상품이 아직 도착하지 않았습니다", "ko"},
       }) {
    CAPTURE(text);
    const auto d = decide(complaint(text, "Claire"));
    CHECK(d.lang == "ja");
    REQUIRE(d.reply);
    CHECK(d.reply->lang == "ja");
    CHECK(has_note(d, std::string("language '") + lang + "' (detected in the text)"));
    CHECK(has_note(d, "default_lang 'ja'"));
    const auto json = policy::to_json(d);
    REQUIRE(json.contains("notes"));
    CHECK(json["notes"].dump().find(std::string("'") + lang + "'") != std::string::npos);
  }
  // Too short to tell: the default, said as such.
  const auto d = decide(complaint("最悪"));
  CHECK(d.lang == "ja");
  CHECK(has_note(d, "could not be told"));
  // Given with the complaint, it is not second-guessed.
  auto given = complaint("Ma commande n'est jamais arrivée");
  given.lang = "en-GB";
  CHECK(decide(given).lang == "en");
}

TEST_CASE("evaluate: bots get no reply") {
  auto c = complaint("届きません");
  c.author.bot = true;
  auto d = decide(c);
  CHECK(d.reply_status == ReplyStatus::suppressed);
  CHECK(d.handoff);
}

TEST_CASE("evaluate: the trace explains every rule") {
  auto d = policy::evaluate(the_policy(), complaint("wifi broken"), {},
                            at("2026-11-24T10:00:00+09:00"), {.trace = true});
  REQUIRE(d.trace.size() == the_policy().rules.size());
  CHECK_FALSE(d.trace[0].matched);
  CHECK(d.trace[0].reasons.at(0) == "no   text any $safety: found none");
  CHECK(d.trace[3].matched);
  CHECK(d.trace[3].reasons.at(0) == "yes  text all [wifi, broken]: found 'wifi', 'broken'");
  CHECK(d.rule_id == "all-words");
  // The indexed path and the traced path agree.
  CHECK(decide(complaint("wifi broken")).rule_id == d.rule_id);
}

TEST_CASE("evaluate: the decision serialises for replay") {
  auto j = policy::to_json(decide(complaint("煙")));
  CHECK(j["rule"] == "safety");
  CHECK(j["reply"] == "queued");
  CHECK(j["visibility"] == "dm");
  CHECK(j["handoff"]["team"] == "safety");
  CHECK(j["handoff"]["deadline"] == "2026-11-24T01:15:00Z");
}

TEST_CASE("evaluate: what one policy found is not used with the next (reload, replay --compare)") {
  // The same thread decides with a policy that has text keywords, then with one that has
  // none: the keyword hits of the first must not index the rules of the second.
  CHECK(decide(complaint("充電器から煙が出た")).rule_id == "safety");
  auto other = policy::load_policy({{"q.yaml", R"(version: 1
default_lang: ja
channels: {x: {}}
teams: {support: {notify: chat}}
templates: {ack: {ja: "{{name}}様"}}
rules:
  - id: vip
    when: {author.followers: {gte: 10000}}
    reply: none
    handoff: none
  - id: default
    reply: {template: ack}
    handoff: none
)"}});
  REQUIRE(other.policy);
  auto d = policy::evaluate(*other.policy, complaint("充電器から煙が出た"), {},
                            at("2026-11-24T10:00:00+09:00"));
  CHECK(d.rule_id == "default");
}

}  // namespace policy_evaluate_test
