#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "crypto/hmac.hpp"
#include "platform_api_fake.hpp"
#include "source_fixture.hpp"

namespace helpdesk_source_test {

// The zendesk and zammad sources: each helpdesk's webhook as its documentation gives it,
// signed as it signs, claiming the case of a ticket ackd opened when the ticket is assigned
// and resolving it when the ticket is solved or closed.

namespace {

using namespace ackd;
using nlohmann::json;
using Action = ackd::testing::MadeSource::Action;

constexpr const char* kZendeskSecret = "dGhpcyBpcyBhIHNpZ25pbmcgc2VjcmV0";
constexpr const char* kZammadSecret = "zammad-hmac-token";
constexpr const char* kTimestamp = "2026-11-24T08:40:00Z";

bool operator==(const Action& a, const Action& b) {
  return a.what == b.what && a.case_id == b.case_id && a.agent == b.agent && a.note == b.note;
}

// A Zendesk webhook request of `body`, signed with the secret unless another signature is
// given.
source::Request zendesk_request(const std::string& body,
                                std::optional<std::string> signature = {}) {
  source::Request request{"POST", "/v1/sources/desk-events", {}, body};
  request.headers.emplace_back("X-Zendesk-Webhook-Signature-Timestamp", kTimestamp);
  request.headers.emplace_back("X-Zendesk-Webhook-Signature",
                               signature.value_or(crypto::base64(crypto::hmac_sha256(
                                   kZendeskSecret, std::string(kTimestamp) + body))));
  return request;
}

struct ZendeskEvents : ackd::testing::MadeSource {
  explicit ZendeskEvents(const std::map<std::string, std::string>& settings = {},
                         const std::map<std::string, std::string>& secrets = {})
      : MadeSource("zendesk", with_secret(secrets), settings) {
    tickets["zendesk:35436"] = "case-1";
  }

  static std::map<std::string, std::string> with_secret(std::map<std::string, std::string> s) {
    s["secret"] = kZendeskSecret;
    return s;
  }

  source::Response post(const std::string& body, std::optional<std::string> signature = {}) {
    return call(zendesk_request(body, std::move(signature)));
  }
};

// Zendesk's ticket event: ids as strings, as event subscriptions send them.
std::string zendesk_event(const std::string& type, const std::string& ticket, const json& assignee,
                          const std::string& status) {
  return json{{"type", "zen:event-type:ticket." + type},
              {"account_id", 88888888},
              {"id", "01HNXXXX-CTEXAMPLE"},
              {"time", kTimestamp},
              {"zendesk_event_version", "2022-11-06"},
              {"subject", "zen:ticket:" + ticket},
              {"detail",
               {{"id", ticket},
                {"external_id", "case-1"},
                {"assignee_id", assignee},
                {"status", status},
                {"subject", "P2 · x · 山田太郎"}}},
              {"event", json::object()}}
      .dump();
}

struct ZammadEvents : ackd::testing::MadeSource {
  ZammadEvents() : MadeSource("zammad", {{"secret", kZammadSecret}}) {
    tickets["zammad:81"] = "case-9";
  }

  source::Response post(const std::string& body, std::optional<std::string> signature = {}) {
    return MadeSource::post(
        body, "X-Hub-Signature",
        signature.value_or("sha1=" + crypto::hex(crypto::hmac_sha1(kZammadSecret, body))));
  }
};

// Zammad's default webhook payload, the fields that matter and a few around them.
std::string zammad_ticket(int id, int owner_id, const std::string& state) {
  json ticket = {{"id", id},
                 {"number", "100" + std::to_string(id)},
                 {"title", "P2 · x · 山田太郎"},
                 {"group", {{"id", 3}, {"name", "Users"}}},
                 {"owner_id", owner_id},
                 {"state", state},
                 {"state_id", 2}};
  if (owner_id != 1) {
    ticket["owner"] = {{"id", owner_id},
                       {"firstname", "Emma"},
                       {"lastname", "Taylor"},
                       {"login", "emma@example.com"}};
  }
  return json{{"ticket", ticket}, {"article", {{"id", 104}, {"ticket_id", id}}}}.dump();
}

}  // namespace

TEST_CASE("zendesk source: assigning the ticket claims its case, named by the user id") {
  ZendeskEvents desk;
  auto answer =
      desk.post(zendesk_event("agent_assignment_changed", "35436", "7350047052159", "OPEN"));
  CHECK(answer.status == 200);
  CHECK(answer.skipped == 0);
  REQUIRE(desk.actions.size() == 1);
  CHECK(desk.actions[0] == Action{"claim", "case-1", "zendesk user 7350047052159", ""});
}

TEST_CASE("zendesk source: with the API, the assignee's name is looked up") {
  struct WithApi : ackd::testing::MadeSource {
    ackd::testing::PlatformApi api{io};
    WithApi() {
      make("zendesk", {{"secret", kZendeskSecret}, {"token", "zd-token"}},
           {{"base_url", api.url()},
            {"user", "bot@example.com"},
            {"tls.ca_file", ACKD_TEST_DATA "/tls/ca.pem"}});
      tickets["zendesk:35436"] = "case-1";
    }
    source::Response post(const std::string& body) { return call(zendesk_request(body)); }
  } desk;
  desk.api.answers.push_back(
      {200, {}, R"({"user": {"id": 7350047052159, "name": "Emma Taylor"}})"});
  desk.api.answers.push_back({404, {}, R"({"error": "RecordNotFound"})"});
  CHECK(desk.post(zendesk_event("agent_assignment_changed", "35436", "7350047052159", "open"))
            .status == 200);
  // A user Zendesk cannot find: the case is claimed all the same, named by the id.
  CHECK(desk.post(zendesk_event("status_changed", "35436", "8", "solved")).status == 200);
  REQUIRE(desk.api.calls.size() == 2);
  CHECK(desk.api.calls[0].method == "GET");
  CHECK(desk.api.calls[0].target == "/api/v2/users/7350047052159.json");
  CHECK(desk.api.calls[0].header("authorization") ==
        "Basic " + crypto::base64("bot@example.com/token:zd-token"));
  REQUIRE(desk.actions.size() == 2);
  CHECK(desk.actions[0] == Action{"claim", "case-1", "Emma Taylor", ""});
  CHECK(desk.actions[1] ==
        Action{"resolve", "case-1", "zendesk user 8", "ticket zendesk:35436 solved"});
}

TEST_CASE("zendesk source: a solved or closed ticket resolves its case") {
  ZendeskEvents desk;
  CHECK(desk.post(zendesk_event("status_changed", "35436", nullptr, "SOLVED")).status == 200);
  CHECK(desk.post(zendesk_event("status_changed", "35436", "12", "closed")).status == 200);
  // Only solved and closed do.
  CHECK(desk.post(zendesk_event("status_changed", "35436", "12", "PENDING")).skipped == 1);
  REQUIRE(desk.actions.size() == 2);
  CHECK(desk.actions[0] == Action{"resolve", "case-1", "zendesk", "ticket zendesk:35436 solved"});
  CHECK(desk.actions[1] ==
        Action{"resolve", "case-1", "zendesk user 12", "ticket zendesk:35436 solved"});
}

TEST_CASE("zendesk source: a bad signature changes nothing") {
  ZendeskEvents desk;
  const auto body = zendesk_event("agent_assignment_changed", "35436", "5", "OPEN");
  CHECK(desk.post(body, "").status == 401);
  CHECK(desk.post(body, crypto::base64(crypto::hmac_sha256("another", kTimestamp + body))).status ==
        401);
  // Signed without the timestamp.
  CHECK(desk.post(body, crypto::base64(crypto::hmac_sha256(kZendeskSecret, body))).status == 401);
  CHECK(desk.actions.empty());
}

TEST_CASE("zendesk source: a ticket ackd did not open, an unassignment, other events: skipped") {
  ZendeskEvents desk;
  auto other = desk.post(zendesk_event("agent_assignment_changed", "99", "5", "OPEN"));
  CHECK(other.status == 200);
  CHECK(other.skipped == 1);
  CHECK(desk.post(zendesk_event("agent_assignment_changed", "35436", nullptr, "OPEN")).skipped ==
        1);
  CHECK(desk.post(zendesk_event("comment_added", "35436", "5", "OPEN")).skipped == 1);
  CHECK(desk.actions.empty());
  CHECK(desk.post("{\"type\": 1}").status == 400);
}

TEST_CASE("helpdesk sources: a store that cannot answer is 503, so the helpdesk sends again") {
  ZendeskEvents desk;
  desk.store_down = true;
  CHECK(desk.post(zendesk_event("status_changed", "35436", "5", "solved")).status == 503);
  desk.store_down = false;
  desk.action_status = 503;
  CHECK(desk.post(zendesk_event("status_changed", "35436", "5", "solved")).status == 503);
  // A case already resolved, or held by someone else, is not worth sending again.
  desk.action_status = 409;
  auto held = desk.post(zendesk_event("agent_assignment_changed", "35436", "5", "open"));
  CHECK(held.status == 200);
  CHECK(held.skipped == 1);
}

TEST_CASE("zammad source: an owner claims, closed resolves, signed sha1=hex(HMAC-SHA1)") {
  ZammadEvents desk;
  CHECK(desk.post(zammad_ticket(81, 1, "new")).skipped == 1);  // owned by nobody
  CHECK(desk.post(zammad_ticket(81, 5, "open")).status == 200);
  CHECK(desk.post(zammad_ticket(81, 5, "closed")).status == 200);
  CHECK(desk.post(zammad_ticket(82, 5, "closed")).skipped == 1);  // not ackd's
  REQUIRE(desk.actions.size() == 2);
  CHECK(desk.actions[0] == Action{"claim", "case-9", "Emma Taylor", ""});
  CHECK(desk.actions[1] == Action{"resolve", "case-9", "Emma Taylor", "ticket zammad:81 solved"});
}

TEST_CASE("zammad source: a bad signature or a body without a ticket changes nothing") {
  ZammadEvents desk;
  const auto body = zammad_ticket(81, 5, "closed");
  CHECK(desk.post(body, "").status == 401);
  CHECK(desk.post(body, crypto::hex(crypto::hmac_sha1(kZammadSecret, body))).status == 401);
  CHECK(desk.post(body, "sha1=" + crypto::hex(crypto::hmac_sha1("other", body))).status == 401);
  CHECK(desk.post(R"({"ticket": {"title": "no id"}})").status == 400);
  CHECK(desk.actions.empty());
}

}  // namespace helpdesk_source_test
