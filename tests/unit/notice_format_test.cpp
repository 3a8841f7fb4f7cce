#include <doctest/doctest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "ackd/notice/formats.hpp"
#include "ackd/notice/notice.hpp"
#include "ackd/text/utf8.hpp"

namespace notice_format_test {

// What a team sees in Slack, Teams, Google Chat and Chatwork, from the notice payload the
// case plan writes. A hostile text (markup, mentions, tags, bidi overrides, 10,000
// characters) must read as the customer's words and nothing else. Each format's rendering
// of one breach is checked in as tests/data/notice/<format>.golden; ACKD_UPDATE_GOLDEN=1
// rewrites them after an intended change.

namespace {

using namespace ackd;
using nlohmann::json;
using namespace std::chrono_literals;

const time::Instant kNow = *time::parse_rfc3339("2026-11-24T08:35:00Z");  // 17:35 in Tokyo

const char* kHostile =
    "<!channel> <users/all> [toall][To:123] *bold* _it_ ~s~ `code` & <http://evil|click> "
    "\u202Eevil\u202C";

json case_payload(const std::string& id, const std::string& text) {
  return {{"kind", "breach"},
          {"complaint_id", id},
          {"reference", "AK-7KQ2M9"},
          {"team", "support"},
          {"priority", "P2"},
          {"level", 2},
          {"deadline", "2026-11-24T18:00:00+09:00"},
          {"time_zone", "Asia/Tokyo"},
          {"rule", "late-delivery"},
          {"channel", "x"},
          {"author", {{"id", "42"}, {"name", "山田太郎"}}},
          {"text", text},
          {"reply",
           {{"status", "queued"},
            {"visibility", "public"},
            {"text", "山田太郎様、ご不便をおかけし申し訳ございません。担当者よりご連絡します。"}}}};
}

notice::Notice read(plan::Kind kind, const json& payload) {
  auto n = notice::read_notice(kind, payload.dump());
  if (auto* error = std::get_if<std::string>(&n)) FAIL(*error);
  return std::get<notice::Notice>(n);
}

const notice::View kView{kNow, "https://ackd.example.com/ui/"};

std::string golden(const std::string& name, const std::string& rendered) {
  const std::string path = ACKD_TEST_DATA "/notice/" + name + ".golden";
  if (const char* update = std::getenv("ACKD_UPDATE_GOLDEN"); update && *update == '1') {
    std::ofstream(path, std::ios::binary) << rendered;
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string pretty(const std::string& json_text) {
  return json::parse(json_text).dump(2, ' ', false) + "\n";
}

// Every "text" member anywhere in `j`.
void texts(const json& j, std::vector<std::string>& out) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (it.key() == "text" && it->is_string()) out.push_back(it->get<std::string>());
      texts(*it, out);
    }
  } else if (j.is_array()) {
    for (const auto& e : j) texts(e, out);
  }
}

}  // namespace

TEST_CASE("notice: a breach reads back with its case, deadline and reply") {
  const auto n = read(plan::Kind::breach, case_payload("c-1", "届きません"));
  CHECK(n.team == "support");
  CHECK(n.priority == "P2");
  CHECK(n.count == 1);
  REQUIRE(n.cases.size() == 1);
  CHECK(n.cases[0].id == "c-1");
  CHECK(n.cases[0].reference == "AK-7KQ2M9");
  CHECK(n.cases[0].reply.sent);
  CHECK_FALSE(n.cases[0].reply.direct);
  CHECK(notice::headline(n) == "P2 · BREACHED · support missed the deadline");
  CHECK(notice::severity(n) == 2);
  CHECK(notice::customer(n.cases[0]) == "山田太郎 (42)");
  CHECK(notice::time_left(n.cases[0], kNow) == "due in 25m (Tue, Nov 24, 6:00 PM JST)");
  CHECK(notice::time_left(n.cases[0], kNow + 2h + 10min) ==
        "overdue by 1h 45m (Tue, Nov 24, 6:00 PM JST)");
  // A notice stored before notices named the zone shows the deadline as it was written.
  auto older = n.cases[0];
  older.time_zone.clear();
  CHECK(notice::time_left(older, kNow) == "due in 25m (2026-11-24T18:00:00+09:00)");
  CHECK(notice::case_link("https://ackd.example.com/ui", "c-1") ==
        "https://ackd.example.com/ui/cases/c-1");
  CHECK(notice::case_link("", "c-1").empty());
  // The reference is the first fact, in every format; a notice stored before it has none.
  CHECK(notice::facts(n.cases[0], kNow).front().value == "AK-7KQ2M9");
  CHECK(notice::facts(older, kNow).front().label == "Reference");
  older.reference.clear();
  CHECK(notice::facts(older, kNow).front().label == "Deadline");
}

TEST_CASE("notice: each kind has its own headline and marker") {
  auto payload = case_payload("c-1", "x");
  CHECK(notice::headline(read(plan::Kind::handoff, payload)) == "P2 · New case for support");
  payload["level"] = 1;
  const auto escalation = read(plan::Kind::escalation, payload);
  CHECK(notice::headline(escalation) == "P2 · ESCALATION level 1 · support has not claimed it");
  CHECK(notice::headline(read(plan::Kind::followup, payload)) == "P2 · Follow-up due · support");
  CHECK(notice::marker(escalation) != notice::marker(read(plan::Kind::breach, payload)));
  const auto storm = read(plan::Kind::incident, {{"kind", "incident"},
                                                 {"event", "storm"},
                                                 {"rule", "outage"},
                                                 {"threshold", 50},
                                                 {"within", "10m"},
                                                 {"complaint_id", "c-9"},
                                                 {"public_replies", "stopped"}});
  CHECK(notice::headline(storm) == "STORM · rule outage: 50 complaints within 10m");
  CHECK(notice::severity(storm) == 2);
}

TEST_CASE("notice: a reply, a payload that is not JSON and one without a case are refused") {
  CHECK(std::holds_alternative<std::string>(notice::read_notice(plan::Kind::reply, "{}")));
  CHECK(std::holds_alternative<std::string>(notice::read_notice(plan::Kind::handoff, "[1")));
  CHECK(std::holds_alternative<std::string>(
      notice::read_notice(plan::Kind::breach, R"({"team":"s","cases":[]})")));
}

TEST_CASE("notice formats: each platform's rendering of one breach is its golden file") {
  const auto n = read(plan::Kind::breach, case_payload("c-1", kHostile));
  for (const auto& rendered :
       {notice::slack_message(n, kView), notice::teams_message(n, kView),
        notice::google_chat_message(n, kView), notice::chatwork_message(n, kView)}) {
    CHECK(rendered.find("AK-7KQ2M9") != std::string::npos);
  }
  CHECK(pretty(notice::slack_message(n, kView)) ==
        golden("slack", pretty(notice::slack_message(n, kView))));
  CHECK(pretty(notice::teams_message(n, kView)) ==
        golden("teams", pretty(notice::teams_message(n, kView))));
  CHECK(pretty(notice::google_chat_message(n, kView)) ==
        golden("google-chat", pretty(notice::google_chat_message(n, kView))));
  CHECK(notice::chatwork_message(n, kView) + "\n" ==
        golden("chatwork", notice::chatwork_message(n, kView) + "\n"));
}

TEST_CASE("helpdesk format: a handoff's ticket and a breach's note are their golden files") {
  auto handoff_payload = case_payload("c-1", kHostile);
  handoff_payload["kind"] = "handoff";
  const auto handoff = read(plan::Kind::handoff, handoff_payload);
  const std::string ticket = "Subject: " + notice::ticket_subject(handoff.cases.front()) + "\n\n" +
                             notice::ticket_body(handoff, kView);
  CHECK(ticket == golden("helpdesk-ticket", ticket));
  const auto breach = read(plan::Kind::breach, case_payload("c-1", kHostile));
  const std::string note = notice::ticket_note(breach, kView);
  CHECK(note == golden("helpdesk-note", note));
  CHECK(ticket.starts_with("Subject: AK-7KQ2M9 · P2 · x · 山田太郎 (42): "));
  // Plain text: the customer's words as written, but for the controls that reorder text.
  CHECK(ticket.find("<!channel> <users/all> [toall][To:123] *bold*") != std::string::npos);
  CHECK(ticket.find("\u202E") == std::string::npos);
  // The note is about the deadline, not the customer's words.
  CHECK(note.find("<!channel>") == std::string::npos);
  CHECK(note.find("BREACHED") != std::string::npos);
}

TEST_CASE("slack: the customer's markup is escaped: no mention, no link, no raw angle bracket") {
  const auto n = read(plan::Kind::breach, case_payload("c-1", kHostile));
  const auto message = json::parse(notice::slack_message(n, kView));
  std::vector<std::string> all;
  texts(message, all);
  for (const auto& t : all) CHECK(t.find('<') == std::string::npos);
  const std::string dumped = message.dump();
  CHECK(dumped.find("&lt;!channel&gt;") != std::string::npos);
  CHECK(dumped.find("&amp;") != std::string::npos);
  CHECK(dumped.find("\u202E") == std::string::npos);  // the override is dropped
  CHECK(message["blocks"][0]["type"] == "header");
  CHECK(message["blocks"][0]["text"]["text"].get<std::string>().find("BREACHED") !=
        std::string::npos);
  CHECK(dumped.find("https://ackd.example.com/ui/cases/c-1") != std::string::npos);
}

TEST_CASE("teams: the customer's words are TextRuns, never markdown, and a breach is red") {
  const auto n = read(plan::Kind::breach, case_payload("c-1", kHostile));
  const auto message = json::parse(notice::teams_message(n, kView));
  CHECK(message["type"] == "message");
  const auto& attachment = message["attachments"][0];
  CHECK(attachment["contentType"] == "application/vnd.microsoft.card.adaptive");
  const auto& card = attachment["content"];
  CHECK(card["type"] == "AdaptiveCard");
  CHECK(card["version"] == "1.4");
  CHECK(card["body"][0]["style"] == "attention");
  CHECK(card["actions"][0]["url"] == "https://ackd.example.com/ui/cases/c-1");
  // No element that Teams reads as markdown: everything shown is a TextRun.
  const std::string dumped = card.dump();
  CHECK(dumped.find("\"TextBlock\"") == std::string::npos);
  CHECK(dumped.find("\"FactSet\"") == std::string::npos);
  CHECK(dumped.find("<!channel>") != std::string::npos);  // shown as written: a TextRun is text
}

TEST_CASE("google chat: no mention or styling survives, the case keeps one thread") {
  const auto n = read(plan::Kind::breach, case_payload("c-1", kHostile));
  const auto message = json::parse(notice::google_chat_message(n, kView));
  CHECK(message["thread"]["threadKey"] == "c-1");
  const auto text = message["text"].get<std::string>();
  CHECK(text.find("<users/all>") == std::string::npos);
  CHECK(text.find("\uFF1Cusers/all\uFF1E") != std::string::npos);
  CHECK(text.find("*bold*") == std::string::npos);
  // The only link is ackd's own.
  CHECK(text.find('<') == text.find("<https://ackd.example.com/ui/cases/c-1|Open case>"));
  CHECK(text.find('<', text.find('<') + 1) == std::string::npos);
}

TEST_CASE("chatwork: the customer's brackets cannot open a tag") {
  const auto n = read(plan::Kind::breach, case_payload("c-1", kHostile));
  const auto body = notice::chatwork_message(n, kView);
  CHECK(body.starts_with("[info][title]"));
  CHECK(body.ends_with("[/info]"));
  CHECK(body.find("[toall]") == std::string::npos);
  CHECK(body.find("[To:123]") == std::string::npos);
  CHECK(body.find("\uFF3Btoall\uFF3D") != std::string::npos);
  CHECK(body.find("[qt]") != std::string::npos);
}

TEST_CASE("notice formats: a 10,000-character text is cut to whole characters with an ellipsis") {
  std::string text;
  for (int i = 0; i < 5000; ++i) text += "あ👍🏽";  // a toned emoji is one character
  const auto n = read(plan::Kind::handoff, case_payload("c-1", text));
  for (const auto& rendered : {notice::slack_message(n, kView), notice::teams_message(n, kView),
                               notice::google_chat_message(n, kView)}) {
    CHECK(rendered.size() < 8000);
    CHECK(rendered.find("\u2026") != std::string::npos);
    CHECK(text::find_invalid_utf8(rendered) == std::nullopt);
  }
  const auto body = notice::chatwork_message(n, kView);
  CHECK(body.size() < 8000);
  // Cut between characters: never half of the toned thumb.
  CHECK(body.find("\U0001F44D\u2026") == std::string::npos);
}

TEST_CASE("notice formats: a group lists its first cases and says how many more") {
  json group{{"kind", "escalation"},
             {"team", "support"},
             {"priority", "P1"},
             {"level", 1},
             {"count", 12},
             {"cases", json::array({case_payload("c-1", "one"), case_payload("c-2", "two")})}};
  const auto n = read(plan::Kind::escalation, group);
  CHECK(n.count == 12);
  CHECK(notice::headline(n) == "P1 · ESCALATION level 1 · support has not claimed 12 cases");
  CHECK(notice::slack_message(n, kView).find("and 10 more in the console") != std::string::npos);
  CHECK(notice::chatwork_message(n, kView).find("[hr]") != std::string::npos);
  CHECK_FALSE(json::parse(notice::google_chat_message(n, kView)).contains("thread"));
}

}  // namespace notice_format_test
