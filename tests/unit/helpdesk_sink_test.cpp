#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "crypto/hmac.hpp"
#include "platform_api_fake.hpp"

namespace helpdesk_sink_test {

// The zendesk and zammad sinks against local HTTPS fakes of each API: the exact requests each
// documents, one ticket per case (found before one is opened, so a retry or a restart never
// opens a second), notes on it afterwards, and the ticket reported as the delivery's remote id.

namespace {

using ackd::testing::MadeSink;
using nlohmann::json;

const ackd::time::Instant kNow = *ackd::time::parse_rfc3339("2026-11-24T08:35:00Z");
const std::string kConsole = "https://ackd.example.com/ui/";

ackd::deliver::Delivery notice(ackd::plan::Kind kind, std::string text = "届きません <b>",
                               std::string author_id = "42") {
  ackd::deliver::Delivery d;
  d.id = kind == ackd::plan::Kind::handoff ? 3 : 4;
  d.complaint_id = "0193f0a1b2c3d4e5f60718293a4b5c6d";
  d.kind = kind;
  d.level = kind == ackd::plan::Kind::escalation ? 1 : 0;
  d.sink = "desk";
  d.idempotency_key = ackd::plan::idempotency_key(d.complaint_id, kind, d.level);
  d.payload = json{{"kind", std::string(ackd::plan::to_string(kind))},
                   {"complaint_id", d.complaint_id},
                   {"team", "support"},
                   {"priority", "P2"},
                   {"level", d.level},
                   {"deadline", "2026-11-24T18:00:00+09:00"},
                   {"time_zone", "Asia/Tokyo"},
                   {"rule", "late delivery"},
                   {"channel", "x"},
                   {"author", {{"id", std::move(author_id)}, {"name", "山田太郎"}}},
                   {"text", std::move(text)},
                   {"reply", {{"status", "queued"}, {"visibility", "public"}, {"text", "ok"}}}}
                  .dump();
  return d;
}

struct Zendesk : MadeSink {
  Zendesk() : MadeSink(kNow) {
    make("zendesk", {{"base_url", api.url()}, {"user", "bot@example.com"}}, {{"token", "zd-token"}},
         kConsole);
  }
};

struct Zammad : MadeSink {
  Zammad() : MadeSink(kNow) {
    make("zammad", {{"base_url", api.url()}, {"group", "Users"}}, {{"token", "zm-token"}},
         kConsole);
  }
};

std::size_t count_calls(const MadeSink& s, const std::string& method, const std::string& path) {
  std::size_t n = 0;
  for (const auto& c : s.api.calls) n += c.method == method && c.target == path ? 1 : 0;
  return n;
}

}  // namespace

TEST_CASE("zendesk sink: a handoff opens a ticket for the case, Idempotency-Key and all") {
  Zendesk desk;
  desk.api.answers.push_back({200, {}, R"({"tickets": [], "count": 0})"});
  desk.api.answers.push_back({201, {}, R"({"ticket": {"id": 35436, "status": "new"}})"});
  auto attempt = desk.send(notice(ackd::plan::Kind::handoff));
  CHECK(attempt.delivered);
  CHECK(attempt.remote_id == "zendesk:35436");
  REQUIRE(desk.api.calls.size() == 2);
  const auto& find = desk.api.calls[0];
  CHECK(find.method == "GET");
  CHECK(find.target == "/api/v2/tickets.json?external_id=0193f0a1b2c3d4e5f60718293a4b5c6d");
  const auto& open = desk.api.calls[1];
  CHECK(open.method == "POST");
  CHECK(open.target == "/api/v2/tickets.json");
  CHECK(open.header("authorization") ==
        "Basic " + ackd::crypto::base64("bot@example.com/token:zd-token"));
  CHECK(find.header("authorization") == open.header("authorization"));
  CHECK(open.header("idempotency-key") == "0193f0a1b2c3d4e5f60718293a4b5c6d:handoff");
  CHECK(open.header("content-type") == "application/json");
  const auto ticket = json::parse(open.body)["ticket"];
  CHECK(ticket["external_id"] == "0193f0a1b2c3d4e5f60718293a4b5c6d");
  CHECK(ticket["priority"] == "high");
  CHECK(ticket["tags"] == json::array({"ackd", "late_delivery", "x", "support"}));
  CHECK(ticket["requester"] == json{{"name", "山田太郎 (42)"}});
  CHECK(ticket["subject"] == "P2 · x · 山田太郎 (42): 届きません <b>");
  CHECK(ticket["comment"]["public"] == false);
  const std::string body = ticket["comment"]["body"];
  CHECK(body.starts_with("山田太郎 (42) wrote on x, public:\n\n届きません <b>\n\n"));
  CHECK(body.find("ackd answered in public: “ok”") != std::string::npos);
  CHECK(body.find("In ackd: " + kConsole + "cases/0193f0a1b2c3d4e5f60718293a4b5c6d") !=
        std::string::npos);
}

TEST_CASE("zendesk sink: later notices are private comments on the case's ticket") {
  Zendesk desk;
  desk.api.answers.push_back({200, {}, R"({"tickets": []})"});
  desk.api.answers.push_back({201, {}, R"({"ticket": {"id": 35436}})"});
  desk.api.answers.push_back({200, {}, R"({"ticket": {"id": 35436}})"});
  REQUIRE(desk.send(notice(ackd::plan::Kind::handoff)).delivered);
  auto note = desk.send(notice(ackd::plan::Kind::escalation));
  CHECK(note.delivered);
  CHECK(note.remote_id.empty());        // the ticket is the handoff's
  REQUIRE(desk.api.calls.size() == 3);  // the ticket was remembered: no second search
  const auto& put = desk.api.calls[2];
  CHECK(put.method == "PUT");
  CHECK(put.target == "/api/v2/tickets/35436.json");
  const auto comment = json::parse(put.body)["ticket"]["comment"];
  CHECK(comment["public"] == false);
  CHECK(comment["body"].get<std::string>().starts_with(
      "⚠️ P2 · ESCALATION level 1 · support has not claimed it\n"));
}

TEST_CASE("zendesk sink: after a restart the ticket is found by the case id, not opened again") {
  Zendesk desk;
  desk.api.answers.push_back({200, {}, R"({"tickets": [{"id": 77, "external_id": "x"}]})"});
  auto handoff = desk.send(notice(ackd::plan::Kind::handoff));
  CHECK(handoff.delivered);
  CHECK(handoff.remote_id == "zendesk:77");
  CHECK(desk.api.calls.size() == 1);
  desk.api.answers.push_back({200, {}, "{}"});
  CHECK(desk.send(notice(ackd::plan::Kind::breach)).delivered);
  CHECK(count_calls(desk, "PUT", "/api/v2/tickets/77.json") == 1);
  CHECK(count_calls(desk, "POST", "/api/v2/tickets.json") == 0);
}

TEST_CASE("zendesk sink: an e-mail customer is the requester, and a failed search is retried") {
  Zendesk desk;
  desk.api.answers.push_back({503, {}, R"({"error": "unavailable"})"});
  auto failed = desk.send(notice(ackd::plan::Kind::handoff, "hi", "emily@example.com"));
  CHECK_FALSE(failed.delivered);
  CHECK(failed.retryable);
  desk.api.answers.push_back({200, {}, R"({"tickets": []})"});
  desk.api.answers.push_back({201, {}, R"({"ticket": {"id": 5}})"});
  CHECK(desk.send(notice(ackd::plan::Kind::handoff, "hi", "emily@example.com")).delivered);
  const auto ticket = json::parse(desk.api.calls.back().body)["ticket"];
  CHECK(ticket["requester"]["email"] == "emily@example.com");
}

TEST_CASE(
    "zendesk sink: the customer's text is quoted as plain text, cut, its bidi controls "
    "dropped") {
  Zendesk desk;
  const std::string rtl = "\u202E";
  const std::string text =
      "<script>alert(1)</script> & *bold* <!channel> " + rtl + "gnp.exe " + std::string(10000, 'a');
  desk.api.answers.push_back({200, {}, R"({"tickets": []})"});
  desk.api.answers.push_back({201, {}, R"({"ticket": {"id": 1}})"});
  REQUIRE(desk.send(notice(ackd::plan::Kind::handoff, text)).delivered);
  const std::string body = json::parse(desk.api.calls[1].body)["ticket"]["comment"]["body"];
  CHECK(body.find("<script>alert(1)</script> & *bold* <!channel> gnp.exe aaa") !=
        std::string::npos);
  CHECK(body.find(rtl) == std::string::npos);
  CHECK(body.find(std::string(4900, 'a') + "…\n") != std::string::npos);
  CHECK(body.find(std::string(5000, 'a')) == std::string::npos);
}

TEST_CASE("zammad sink: a handoff opens a ticket in the group, tagged with the case") {
  Zammad desk;
  desk.api.answers.push_back({200, {}, R"({"tickets": [], "tickets_count": 0, "assets": {}})"});
  desk.api.answers.push_back({201, {}, R"({"id": 81, "number": "10081"})"});
  auto attempt = desk.send(notice(ackd::plan::Kind::handoff));
  CHECK(attempt.delivered);
  CHECK(attempt.remote_id == "zammad:81");
  REQUIRE(desk.api.calls.size() == 2);
  const auto& find = desk.api.calls[0];
  CHECK(find.target ==
        "/api/v1/tickets/search?query=tags%3Aackd-0193f0a1b2c3d4e5f60718293a4b5c6d&limit=1");
  CHECK(find.header("authorization") == "Token token=zm-token");
  const auto& open = desk.api.calls[1];
  CHECK(open.method == "POST");
  CHECK(open.target == "/api/v1/tickets");
  const auto ticket = json::parse(open.body);
  CHECK(ticket["group"] == "Users");
  CHECK(ticket["priority"] == "3 high");
  CHECK(ticket["tags"] == "ackd,ackd-0193f0a1b2c3d4e5f60718293a4b5c6d");
  CHECK(ticket["title"] == "P2 · x · 山田太郎 (42): 届きません <b>");
  CHECK_FALSE(ticket.contains("customer_id"));
  // A customer without an e-mail address is one Zammad finds or makes by login.
  CHECK(ticket["customer"] == json{{"login", "x-42"}, {"firstname", "山田太郎"}});
  const auto& article = ticket["article"];
  CHECK(article["type"] == "note");
  CHECK(article["internal"] == true);
  CHECK(article["content_type"] == "text/plain");
  CHECK(article["body"].get<std::string>().find("届きません <b>") != std::string::npos);
}

TEST_CASE("zammad sink: a retry after an answer that was lost finds the ticket, opens no other") {
  Zammad desk;
  desk.api.answers.push_back({200, {}, R"({"tickets": []})"});
  // Zammad opened the ticket, but the answer ackd got was an error.
  desk.api.answers.push_back({502, {}, R"({"error": "bad gateway"})"});
  auto first = desk.send(notice(ackd::plan::Kind::handoff, "hi", "emily@example.com"));
  CHECK_FALSE(first.delivered);
  CHECK(first.retryable);
  desk.api.answers.push_back({200, {}, R"({"tickets": [81], "tickets_count": 1})"});
  auto retry = desk.send(notice(ackd::plan::Kind::handoff, "hi", "emily@example.com"));
  CHECK(retry.delivered);
  CHECK(retry.remote_id == "zammad:81");
  CHECK(count_calls(desk, "POST", "/api/v1/tickets") == 1);
  CHECK(json::parse(desk.api.calls[1].body)["customer_id"] == "guess:emily@example.com");

  desk.api.answers.push_back({201, {}, R"({"id": 300, "ticket_id": 81})"});
  CHECK(desk.send(notice(ackd::plan::Kind::followup)).delivered);
  const auto& note = desk.api.calls.back();
  CHECK(note.method == "POST");
  CHECK(note.target == "/api/v1/ticket_articles");
  const auto article = json::parse(note.body);
  CHECK(article["ticket_id"] == 81);
  CHECK(article["type"] == "note");
  CHECK(article["internal"] == true);
  CHECK(count_calls(desk, "POST", "/api/v1/tickets") == 1);
}

TEST_CASE("helpdesk sinks: two notices of a case at once open one ticket, then note it") {
  Zendesk desk;
  desk.api.answers.push_back({200, {}, R"({"tickets": []})"});
  desk.api.answers.push_back({201, {}, R"({"ticket": {"id": 9}})"});
  desk.api.answers.push_back({200, {}, R"({"ticket": {"id": 9}})"});
  std::vector<ackd::deliver::Attempt> done;
  for (auto kind : {ackd::plan::Kind::handoff, ackd::plan::Kind::escalation}) {
    desk.sink->send(notice(kind), [&](ackd::deliver::Attempt a) { done.push_back(std::move(a)); });
  }
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (done.size() < 2 && std::chrono::steady_clock::now() < end) {
    desk.io.restart();
    desk.io.run_for(std::chrono::milliseconds(5));
  }
  REQUIRE(done.size() == 2);
  CHECK(done[0].delivered);
  CHECK(done[0].remote_id == "zendesk:9");
  CHECK(done[1].delivered);
  REQUIRE(desk.api.calls.size() == 3);
  CHECK(count_calls(desk, "POST", "/api/v2/tickets.json") == 1);
  CHECK(desk.api.calls[2].target == "/api/v2/tickets/9.json");
}

TEST_CASE("helpdesk sinks: an answer that is not JSON is retried, a reply is refused") {
  Zammad desk;
  desk.api.answers.push_back({200, {}, "<html>maintenance</html>"});
  auto attempt = desk.send(notice(ackd::plan::Kind::handoff));
  CHECK_FALSE(attempt.delivered);
  CHECK(attempt.retryable);
  auto reply = notice(ackd::plan::Kind::reply);
  reply.payload = R"({"kind": "reply", "text": "hello"})";
  auto refused = desk.send(reply);
  CHECK_FALSE(refused.delivered);
  CHECK_FALSE(refused.retryable);
}

}  // namespace helpdesk_sink_test
