#include "ackd/store/store.hpp"

#include <doctest/doctest.h>
#include <sqlite3.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <future>
#include <limits>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <stdexcept>
#include <thread>

#include "ackd/report/report.hpp"
#include "api/case_json.hpp"
#include "store/checkpointer.hpp"
#include "store/schema.hpp"
#include "temp_dir.hpp"

namespace store_test {

using namespace ackd::store;
using ackd::AuthorHistory;
using ackd::plan::Kind;
using nlohmann::json;
namespace fs = std::filesystem;
namespace t = ackd::time;

namespace {

struct TempDir : ackd::testing::TempDir {
  TempDir() : ackd::testing::TempDir("ackd-store-test-") {}
};

t::Instant now() {
  return std::chrono::floor<t::Seconds>(std::chrono::system_clock::now());
}

std::unique_ptr<Store> open_store(const fs::path& dir, bool query_only = false) {
  StoreOptions options;
  options.directory = dir.string();
  options.query_only = query_only;
  auto store = Store::open(options);
  REQUIRE_MESSAGE(store.ok(), store.status().ToString());
  return std::move(*store);
}

template <class T, class Call>
absl::StatusOr<T> wait_for(Call call) {
  std::promise<absl::StatusOr<T>> p;
  auto f = p.get_future();
  call([&p](absl::StatusOr<T> r) { p.set_value(std::move(r)); });
  return f.get();
}

// A single number from the database through a connection of its own.
std::int64_t query_int(const fs::path& dir, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2((dir / "ackd.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr) ==
          SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
  auto v = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return v;
}

OutboxItem owed(const std::string& id, Kind kind, int level, const std::string& sink,
                const std::string& payload, t::Instant due) {
  OutboxItem item;
  item.complaint_id = id;
  item.kind = kind;
  item.level = level;
  item.sink = sink;
  item.idempotency_key = ackd::plan::idempotency_key(id, kind, level);
  item.payload = payload;
  item.due_at = due;
  return item;
}

CasePlan make_case(const std::string& ext, const std::string& author = "42",
                   t::Instant at = now()) {
  CasePlan r;
  r.id = "c-" + ext;
  r.channel = "x";
  r.external_id = ext;
  r.author_id = author;
  r.received_at = at;
  r.accepted_at = at;
  r.complaint = {{"external_id", ext}, {"text", "注文した商品がまだ届きません。"}};
  r.policy_version = "v1";
  r.decision.rule_id = "default";
  r.decision.priority = "P3";
  r.decision.reply_status = ackd::policy::ReplyStatus::queued;
  r.decision.reason = "matched";
  r.outbox.push_back(owed(r.id, Kind::reply, 0, "x-reply", R"({"kind":"reply"})", at));
  return r;
}

// A case handed to "support", with a handoff notice, one escalation and a breach notice.
CasePlan make_handoff_case(const std::string& ext, t::Instant at = now(),
                           std::optional<t::Seconds> followup = std::nullopt) {
  auto r = make_case(ext, "42", at);
  ackd::plan::Handoff h;
  h.team = "support";
  h.priority = "P3";
  h.deadline = at + std::chrono::hours(4);
  h.deadline_text = "4h";
  if (followup) {
    h.followup_after = followup;
    h.followup = owed(r.id, Kind::followup, 0, "support-followup", R"({"kind":"followup"})", {});
  }
  r.handoff = h;
  r.outbox.push_back(owed(r.id, Kind::handoff, 0, "support", "{}", at));
  r.outbox.push_back(
      owed(r.id, Kind::escalation, 1, "support-lead", "{}", at + std::chrono::hours(1)));
  r.outbox.push_back(owed(r.id, Kind::breach, 2, "support-lead", "{}", h.deadline));
  return r;
}

absl::StatusOr<IngestResult> ingest(Store& s, const std::string& ext, Planner plan,
                                    const std::string& author = "42") {
  return wait_for<IngestResult>(
      [&](auto done) { s.ingest("x", ext, author, now(), std::move(plan), std::move(done)); });
}

absl::StatusOr<IngestResult> ingest_case(Store& s, CasePlan rec) {
  auto ext = rec.external_id;
  auto author = rec.author_id;
  return ingest(
      s, ext,
      [rec = std::move(rec)](const AuthorHistory&, const std::optional<Pause>&) { return rec; },
      author);
}

// The case as GET /v1/complaints/{id} shows it.
absl::StatusOr<json> timeline_of(Store& s, const std::string& id) {
  auto view = wait_for<CaseView>([&](auto done) { s.timeline(id, std::move(done)); });
  if (!view.ok()) return view.status();
  return ackd::api::case_json(*view);
}

// The list GET /v1/handoffs shows.
absl::StatusOr<json> handoffs_of(Store& s, const std::string& state, t::Instant at) {
  auto rows = wait_for<std::vector<HandoffRow>>(
      [&](auto done) { s.handoffs({.state = state}, at, std::move(done)); });
  if (!rows.ok()) return rows.status();
  return ackd::api::handoffs_json(*rows)["handoffs"];
}

// What the dispatcher's reads find in the outbox, `limit` rows at a time after `after`.
absl::StatusOr<std::vector<OutboxItem>> owed_after(
    Store& s, ackd::plan::DueOrder after, t::Instant until = t::Instant::max(),
    std::size_t limit = std::numeric_limits<std::size_t>::max()) {
  return wait_for<std::vector<OutboxItem>>(
      [&](auto done) { s.owed(after, until, limit, std::move(done)); });
}

absl::StatusOr<std::vector<OutboxItem>> all_owed(Store& s) {
  return owed_after(s, {});
}

// Holds the writer inside a transaction until release(), so that the jobs queued meanwhile
// are all taken together as the next batch.
class WriterGate {
 public:
  explicit WriterGate(Store& s) {
    auto open = gate_.get_future().share();
    auto inside = std::make_shared<std::promise<void>>();
    auto entered = inside->get_future();
    s.ingest(
        "x", "gate", "gate", now(),
        [open, inside](const AuthorHistory&, const std::optional<Pause>&) {
          inside->set_value();
          open.wait();
          return make_case("gate", "gate");
        },
        [this](absl::StatusOr<IngestResult> r) { ok_ = r.ok(); });
    entered.wait();
  }
  void release() { gate_.set_value(); }
  bool ok() const { return ok_; }

 private:
  std::promise<void> gate_;
  std::atomic<bool> ok_{false};
};

}  // namespace

TEST_CASE("store: open creates the directory and sets the schema version") {
  TempDir tmp;
  auto dir = tmp.path / "nested" / "data";
  {
    auto s = open_store(dir);
    CHECK(fs::exists(dir / "ackd.db"));
    CHECK(s->outbox_depth() == 0);
  }
  CHECK(query_int(dir, "PRAGMA user_version") == schema::kLatestVersion);
  CHECK(query_int(dir,
                  "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
                  "('complaints', 'handoffs', 'outbox', 'timeline')") == 4);
  // Reopening a current database migrates nothing and keeps the version.
  open_store(dir).reset();
  CHECK(query_int(dir, "PRAGMA user_version") == schema::kLatestVersion);
}

TEST_CASE("store: a version 1 database is migrated with its cases, deliveries and timers") {
  TempDir tmp;
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open((tmp.path / "ackd.db").c_str(), &db) == SQLITE_OK);
    auto exec = [db](const char* sql) {
      char* err = nullptr;
      const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &err);
      INFO((err ? err : ""));
      sqlite3_free(err);
      REQUIRE(rc == SQLITE_OK);
    };
    exec(schema::kMigrations[0].sql);
    exec("PRAGMA user_version = 1");
    exec(R"sql(
INSERT INTO complaints VALUES ('c-old', 'x', 'old', '42', 1700000000, 1700000001, '{}',
  'default', 'v0', 'queued', '', 1, '{"template": "ack"}', '{"id": "c-old"}');
INSERT INTO handoffs (complaint_id, team, priority, deadline, deadline_text)
  VALUES ('c-old', 'support', 'P3', 1700003600, 'soon');
INSERT INTO outbox (complaint_id, kind, level, sink, idempotency_key, payload, due_at, state,
  delivered_at) VALUES ('c-old', 'reply', 0, 'replies', 'c-old:reply', '{}', 1700000001,
  'delivered', 1700000002);
INSERT INTO outbox (complaint_id, kind, level, sink, idempotency_key, payload, due_at)
  VALUES ('c-old', 'escalation', 1, 'lead', 'c-old:escalation:1', '{}', 1700001800);
INSERT INTO timeline (complaint_id, at, event, detail) VALUES
  ('c-old', 1700000000, 'received', '{}'), ('c-old', 1700000001, 'decided', '{}'),
  ('c-old', 1700000100, 'claimed', '{"agent": "sato"}');
)sql");
    sqlite3_close(db);
  }
  auto s = open_store(tmp.path);
  CHECK(query_int(tmp.path, "PRAGMA user_version") == schema::kLatestVersion);
  CHECK(s->outbox_depth() == 1);
  auto pending = all_owed(*s);
  REQUIRE(pending.ok());
  REQUIRE(pending->size() == 1);
  CHECK((*pending)[0].idempotency_key == "c-old:escalation:1");
  CHECK((*pending)[0].id == 2);
  // The facts reports read are filled from the cases already there.
  CHECK(query_int(tmp.path,
                  "SELECT count(*) FROM case_facts WHERE id = 'c-old' AND team = 'support' AND "
                  "reply_delivered_at = 1700000002 AND escalations IS NULL") == 1);

  auto tl = timeline_of(*s, "c-old");
  REQUIRE(tl.ok());
  std::vector<std::string> events;
  for (const auto& e : (*tl)["timeline"]) events.push_back(e["event"]);
  // The stored received/decided rows are replaced by ones read from the complaint row.
  CHECK(events == std::vector<std::string>{"received", "decided", "delivered", "claimed"});
  CHECK((*tl)["timeline"][1]["reply_sink"] == "replies");
  CHECK((*tl)["timeline"][1]["handoff"]["team"] == "support");

  // The reference its customer was given finds it (migration 16 stored them).
  auto by_reference = timeline_of(*s, ackd::case_reference("x", "old"));
  REQUIRE(by_reference.ok());
  CHECK((*by_reference)["id"] == "c-old");

  // New rows continue the ids after the migrated ones.
  auto fresh = ingest_case(*s, make_case("new"));
  REQUIRE(fresh.ok());
  REQUIRE_FALSE(fresh->plan->outbox.empty());
  CHECK(fresh->plan->outbox[0].id == 3);
}

// The rows of case_facts that the triggers kept and the migration's fill would not have
// written (and the other way round): none when the triggers follow every change.
std::int64_t facts_disagreeing(const fs::path& dir) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open((dir / "ackd.db").c_str(), &db) == SQLITE_OK);
  auto exec = [db](const std::string& sql) {
    char* err = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
    INFO((err ? err : ""));
    sqlite3_free(err);
    REQUIRE(rc == SQLITE_OK);
  };
  exec("BEGIN; CREATE TEMP TABLE kept AS SELECT * FROM case_facts; DELETE FROM case_facts");
  exec(schema::kFillCaseFacts);
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(db,
                             "SELECT (SELECT count(*) FROM (SELECT * FROM case_facts EXCEPT "
                             "SELECT * FROM kept)) + (SELECT count(*) FROM (SELECT * FROM kept "
                             "EXCEPT SELECT * FROM case_facts)) + (SELECT count(*) = 0 FROM kept)",
                             -1, &stmt, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
  const auto disagreeing = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  exec("ROLLBACK");
  sqlite3_close(db);
  return disagreeing;
}

TEST_CASE("store: the facts reports read follow every change of a case") {
  TempDir tmp;
  const auto at = now() - std::chrono::hours(2);
  {
    auto s = open_store(tmp.path);
    auto a = ingest_case(*s, make_handoff_case("a", at, std::chrono::hours(1)));
    auto b = ingest_case(*s, make_handoff_case("b", at + std::chrono::seconds(5)));
    auto on_topics = make_case("c", "7", at + std::chrono::seconds(9));
    on_topics.decision.lists = {"billing", "safety"};
    on_topics.decision.keywords = {"refund", "発火"};
    REQUIRE(ingest_case(*s, on_topics).ok());
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    auto item = [](const IngestResult& r, Kind kind) {
      for (const auto& i : r.plan->outbox) {
        if (i.kind == kind) return i.id;
      }
      FAIL("no such item");
      return std::int64_t{0};
    };
    s->mark_delivered(item(*a, Kind::reply), at + std::chrono::seconds(2));
    s->mark_attempt_failed(item(*b, Kind::reply), 1, at, at + std::chrono::seconds(30), "500");
    s->mark_failed(item(*b, Kind::reply), 2, at + std::chrono::seconds(30), "500");
    s->mark_delivered(item(*a, Kind::escalation), at + std::chrono::hours(1));
    s->mark_failed(item(*b, Kind::handoff), 3, at + std::chrono::minutes(1), "404");
    auto claim = [&](const std::string& id, const std::string& agent, t::Instant when) {
      return wait_for<ClaimResult>([&](auto done) { s->claim(id, agent, when, std::move(done)); });
    };
    REQUIRE(claim("c-a", "sato", at + std::chrono::minutes(70)).ok());
    REQUIRE(wait_for<UnclaimResult>([&](auto done) {
              s->unclaim("c-b", "nobody", at, std::move(done));
            }).ok());
    REQUIRE(claim("c-b", "kato", at + std::chrono::minutes(3)).ok());
    REQUIRE(wait_for<UnclaimResult>([&](auto done) {
              s->unclaim("c-b", "kato", at + std::chrono::minutes(4), std::move(done));
            }).ok());
    auto resolved = wait_for<ResolveResult>([&](auto done) {
      s->resolve("c-a", "sato", "done", false, at + std::chrono::minutes(80), std::move(done));
    });
    REQUIRE(resolved.ok());
    REQUIRE(resolved->followup);
    s->mark_delivered(resolved->followup->id, at + std::chrono::minutes(140));
    s->flush();
  }
  CHECK(facts_disagreeing(tmp.path) == 0);
  // What they hold, as a report reads it.
  CHECK(query_int(tmp.path,
                  "SELECT count(*) FROM case_facts WHERE id = 'c-a' AND team = 'support' AND "
                  "agent = 'sato' AND resolved_at IS NOT NULL AND escalations = '1' AND "
                  "followups = 1 AND reply_delivered_at IS NOT NULL AND failed = 0") == 1);
  CHECK(query_int(tmp.path,
                  "SELECT count(*) FROM case_facts WHERE id = 'c-b' AND claimed_at IS NULL AND "
                  "agent IS NULL AND reply_failed = 1 AND failed = 2") == 1);
  CHECK(query_int(tmp.path,
                  "SELECT count(*) FROM case_facts WHERE id = 'c-c' AND team = '' AND "
                  "author_id = '7' AND priority = 'P3' AND lists = 'billing' || char(10) || "
                  "'safety' AND keywords = 'refund' || char(10) || '発火'") == 1);
  CHECK(query_int(tmp.path,
                  "SELECT count(*) FROM case_facts WHERE lists IS NULL AND keywords IS NULL") == 2);
}

// A text column of one row through a connection of its own ("" when no row).
std::string query_text(const fs::path& dir, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2((dir / "ackd.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr) ==
          SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK);
  std::string out;
  if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0)) {
    out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

// A case with the customer's name and text everywhere a real one has them.
CasePlan personal_case(const std::string& ext, const std::string& author, t::Instant at) {
  auto r = make_handoff_case(ext, at, std::chrono::hours(1));
  r.author_id = author;
  r.complaint = {{"external_id", ext},
                 {"channel", "x"},
                 {"text", "山田です。注文が届きません"},
                 {"author", {{"id", author}, {"name", "山田太郎"}}},
                 {"lang", "ja"}};
  r.decision.reply =
      ackd::policy::Reply{"ack", "ja", false, "山田太郎様、ご連絡ありがとうございます。"};
  for (auto& item : r.outbox) item.payload = R"({"author":{"name":"山田太郎"},"text":"山田です"})";
  return r;
}

TEST_CASE("store: retention erases personal data in batches and keeps the figures") {
  TempDir tmp;
  const auto now_ = now();
  const auto old = now_ - std::chrono::hours(24 * 200);
  {
    auto s = open_store(tmp.path);
    std::map<std::string, IngestResult> cases;
    for (const auto* ext : {"a", "b", "c", "open"}) {
      auto r = ingest_case(*s, personal_case(ext, std::string("author-") + ext, old));
      REQUIRE(r.ok());
      cases[ext] = *r;
    }
    REQUIRE(ingest_case(*s, personal_case("new", "author-new", now_)).ok());
    for (const auto& item : cases["a"].plan->outbox) {
      if (item.kind == Kind::reply) s->mark_delivered(item.id, old + std::chrono::seconds(2));
    }
    for (const auto* id : {"c-a", "c-b", "c-c", "c-new"}) {
      REQUIRE(wait_for<ResolveResult>([&](auto done) {
                s->resolve(id, "sato", "called 山田さん back", false, old + std::chrono::hours(1),
                           std::move(done));
              }).ok());
    }
    const ExpireBefore before{now_ - std::chrono::hours(24 * 180), std::nullopt};
    auto first = wait_for<Expired>([&](auto done) { s->expire(before, 2, now_, std::move(done)); });
    REQUIRE(first.ok());
    CHECK(first->erased == 2);  // a full batch: call again
    CHECK(first->more);
    auto second =
        wait_for<Expired>([&](auto done) { s->expire(before, 2, now_, std::move(done)); });
    REQUIRE(second.ok());
    CHECK(second->erased == 1);  // c; "open" is still someone's to take over, "new" is young
    CHECK(second->deleted == 0);
    CHECK_FALSE(second->more);
    auto third = wait_for<Expired>([&](auto done) { s->expire(before, 2, now_, std::move(done)); });
    REQUIRE(third.ok());
    CHECK(third->erased == 0);
    // A reply owed at the erasure went out with its payload; nothing of it is kept after.
    for (const auto& item : cases["b"].plan->outbox) {
      if (item.kind == Kind::reply) s->mark_delivered(item.id, now_);
    }
    s->flush();
  }
  for (const auto* name : {"山田", "author-a", "author-b", "author-c"}) {
    INFO(name);
    const std::string like = std::string("'%") + name + "%'";
    CHECK(query_int(tmp.path,
                    "SELECT count(*) FROM complaints WHERE id IN ('c-a','c-b','c-c') "
                    "AND (complaint LIKE " +
                        like + " OR decision LIKE " + like + " OR author_id LIKE " + like + ")") ==
          0);
    CHECK(query_int(tmp.path,
                    "SELECT count(*) FROM outbox WHERE complaint_id IN "
                    "('c-a','c-b','c-c') AND state <> 'pending' AND payload LIKE " +
                        like) == 0);
    CHECK(query_int(tmp.path,
                    "SELECT count(*) FROM timeline WHERE complaint_id IN "
                    "('c-a','c-b','c-c') AND detail LIKE " +
                        like) == 0);
    CHECK(query_int(tmp.path,
                    "SELECT count(*) FROM handoffs WHERE complaint_id IN "
                    "('c-a','c-b','c-c') AND (note LIKE " +
                        like + " OR followup_payload LIKE " + like + ")") == 0);
    CHECK(query_int(tmp.path, "SELECT count(*) FROM case_facts WHERE author_id LIKE " + like) == 0);
  }
  // The open case and the young one keep everything.
  CHECK(query_int(tmp.path,
                  "SELECT count(*) FROM complaints WHERE id IN ('c-open', 'c-new') AND "
                  "complaint LIKE '%山田%' AND erased_at IS NULL") == 2);
  // What is left says where, when and what happened to the case, and that the data went.
  CHECK(query_text(tmp.path, "SELECT complaint FROM complaints WHERE id = 'c-a'") ==
        R"({"channel":"x","external_id":"a","received_at":null,"lang":"ja","visibility":null})");
  CHECK(query_text(tmp.path,
                   "SELECT json_extract(detail, '$.why') FROM timeline WHERE "
                   "complaint_id = 'c-a' AND event = 'personal_data_erased'") == "retention");
  CHECK(query_int(tmp.path,
                  "SELECT count(*) FROM timeline WHERE complaint_id = 'c-a' AND "
                  "event = 'resolved' AND json_extract(detail, '$.agent') = 'sato'") == 1);
  CHECK(query_int(tmp.path,
                  "SELECT count(*) FROM case_facts WHERE id = 'c-a' AND "
                  "rule = 'default' AND team = 'support' AND resolved_at IS NOT NULL "
                  "AND reply_delivered_at IS NOT NULL") == 1);
  CHECK(facts_disagreeing(tmp.path) == 0);
}

TEST_CASE("store: retention deletes old cases nobody owes anything, and keeps their figures") {
  TempDir tmp;
  const auto now_ = now();
  const auto old = now_ - std::chrono::hours(24 * 800);
  {
    auto s = open_store(tmp.path);
    auto done_case = ingest_case(*s, make_case("done", "1", old));
    auto owed_case = ingest_case(*s, make_case("owed", "2", old));
    REQUIRE(done_case.ok());
    REQUIRE(owed_case.ok());
    s->mark_delivered(done_case->plan->outbox[0].id, old + std::chrono::seconds(1));
    // Given up and not yet retried or dropped: ops have still to see it.
    auto failed_case = ingest_case(*s, make_case("failed", "3", old));
    REQUIRE(failed_case.ok());
    s->mark_failed(failed_case->plan->outbox[0].id, 8, old + std::chrono::seconds(1), "HTTP 500");
    REQUIRE(ingest_case(*s, make_handoff_case("unresolved", old)).ok());
    const ExpireBefore before{std::nullopt, now_ - std::chrono::hours(24 * 730)};
    auto expired =
        wait_for<Expired>([&](auto done) { s->expire(before, 10, now_, std::move(done)); });
    REQUIRE(expired.ok());
    CHECK(expired->deleted == 1);
    CHECK(expired->erased == 0);
  }
  for (const auto* table : {"complaints WHERE id", "outbox WHERE complaint_id",
                            "timeline WHERE complaint_id", "case_references WHERE id"}) {
    CHECK(query_int(tmp.path, std::string("SELECT count(*) FROM ") + table + " = 'c-done'") == 0);
  }
  CHECK(query_int(tmp.path, "SELECT count(*) FROM case_references WHERE id = 'c-owed'") == 1);
  CHECK(query_int(tmp.path,
                  "SELECT count(*) FROM complaints WHERE id IN ('c-owed', "
                  "'c-unresolved', 'c-failed')") == 3);
  CHECK(query_int(tmp.path,
                  "SELECT count(*) FROM case_facts WHERE id = 'c-done' AND "
                  "reply_delivered_at IS NOT NULL") == 1);
  CHECK(query_text(tmp.path, "PRAGMA auto_vacuum") == "2");  // incremental: the file shrinks
}

TEST_CASE("store: forgetting an author erases every case of theirs, on one channel or all") {
  TempDir tmp;
  const auto at = now();
  auto s = open_store(tmp.path);
  auto on = [&](const std::string& channel, const std::string& ext, const std::string& author) {
    auto r = personal_case(ext, author, at);
    r.channel = channel;
    return wait_for<IngestResult>([&](auto done) {
      s->ingest(
          channel, ext, author, at,
          [r](const AuthorHistory&, const std::optional<Pause>&) { return r; }, std::move(done));
    });
  };
  REQUIRE(on("x", "1", "yamada").ok());
  REQUIRE(on("line", "2", "yamada").ok());
  REQUIRE(on("x", "3", "tanaka").ok());
  auto forget = [&](const std::string& author, std::optional<std::string> channel) {
    auto n = wait_for<std::size_t>(
        [&](auto done) { s->forget_author(author, channel, at, std::move(done)); });
    REQUIRE(n.ok());
    return *n;
  };
  CHECK(forget("yamada", "line") == 1);
  CHECK(forget("yamada", std::nullopt) == 1);  // the one on x; the one on line is done
  CHECK(forget("yamada", std::nullopt) == 0);
  CHECK(forget("nobody", std::nullopt) == 0);
  s->flush();
  CHECK(query_int(tmp.path, "SELECT count(*) FROM complaints WHERE erased_at IS NOT NULL") == 2);
  CHECK(query_int(tmp.path,
                  "SELECT count(*) FROM timeline WHERE event = 'personal_data_erased' "
                  "AND json_extract(detail, '$.why') = 'forget'") == 2);
  CHECK(query_int(tmp.path,
                  "SELECT count(*) FROM complaints WHERE author_id = 'tanaka' AND "
                  "complaint LIKE '%山田%'") == 1);
}

TEST_CASE("store: a report counts every case of its period, across the slices it reads in") {
  TempDir tmp;
  auto s = open_store(tmp.path);
  const auto from = now() - std::chrono::hours(24);
  // More than one slice of cases inside the period, and one on each side of it.
  constexpr int kInside = 20'003;
  std::atomic<int> failed{0};  // counted on the writer thread
  auto take = [&](const std::string& ext, t::Instant at) {
    auto rec = make_case(ext, "author-" + std::to_string(std::hash<std::string>{}(ext) % 500), at);
    s->ingest(
        "x", ext, rec.author_id, at,
        [rec](const AuthorHistory&, const std::optional<Pause>&) { return rec; },
        [&failed](const absl::StatusOr<IngestResult>& r) { failed += r.ok() ? 0 : 1; });
  };
  take("before", from - std::chrono::seconds(1));
  for (int i = 0; i < kInside; ++i) take(std::to_string(i), from + std::chrono::seconds(i / 7));
  take("after", from + std::chrono::hours(24));
  s->flush();
  REQUIRE(failed == 0);
  const auto to = from + std::chrono::hours(24);
  auto report = wait_for<ackd::report::Report>([&](auto done) {
    s->report(from, to,
              std::make_shared<ackd::report::Builder>(
                  from, to, ackd::report::By::rule,
                  [](const std::string&) -> const t::Calendar* { return nullptr; }, t::Zone::utc(),
                  now()),
              std::move(done));
  });
  REQUIRE(report.ok());
  CHECK(report->total.complaints == kInside);
  REQUIRE(report->groups.size() == 1);
  CHECK(report->groups[0].figures.complaints == kInside);
  REQUIRE_FALSE(report->repeat_complainants.empty());
  CHECK(report->repeat_complainants.size() == ackd::report::kRepeatComplainantsShown);
}

TEST_CASE("store: a case is found by its reference, and a reference two cases share says so") {
  TempDir tmp;
  auto s = open_store(tmp.path);
  REQUIRE(ingest_case(*s, make_case("first")).ok());
  const auto reference = ackd::case_reference("x", "first");
  auto found = timeline_of(*s, reference);
  REQUIRE(found.ok());
  CHECK((*found)["id"] == "c-first");
  const std::string other = reference == "AK-000000" ? "AK-000001" : "AK-000000";
  CHECK(absl::IsNotFound(timeline_of(*s, other).status()));
  CHECK(absl::IsNotFound(timeline_of(*s, "c-none").status()));

  // References have 30 bits: two external ids that share one, found by trying.
  std::map<std::string, std::string> seen;
  std::string a, b;
  for (int i = 0; a.empty(); ++i) {
    const auto ext = "m" + std::to_string(i);
    if (auto [it, fresh] = seen.emplace(ackd::case_reference("x", ext), ext); !fresh) {
      a = it->second;
      b = ext;
    }
  }
  REQUIRE(ingest_case(*s, make_case(a)).ok());
  REQUIRE(ingest_case(*s, make_case(b)).ok());
  const auto shared = timeline_of(*s, ackd::case_reference("x", a));
  REQUIRE(absl::IsFailedPrecondition(shared.status()));
  const std::string message(shared.status().message());
  CHECK(message.find("names 2 cases") != std::string::npos);
  CHECK(message.find("c-" + a) != std::string::npos);
  CHECK(message.find("c-" + b) != std::string::npos);
  // Either is still found by its id.
  CHECK(timeline_of(*s, "c-" + b).ok());
}

TEST_CASE("store: open reports an unusable directory and a corrupt file") {
  TempDir tmp;
  {
    std::ofstream(tmp.path / "file") << "not a directory";
    StoreOptions options;
    options.directory = (tmp.path / "file" / "db").string();
    auto s = Store::open(options);
    REQUIRE_FALSE(s.ok());
    CHECK(std::string(s.status().message()).find("cannot create directory") != std::string::npos);
  }
  {
    auto dir = tmp.path / "corrupt";
    fs::create_directories(dir);
    std::ofstream out(dir / "ackd.db", std::ios::binary);
    for (int i = 0; i < 512; ++i) out << "garbage!";
    out.close();
    StoreOptions options;
    options.directory = dir.string();
    auto s = Store::open(options);
    REQUIRE_FALSE(s.ok());
    CHECK(s.status().code() == absl::StatusCode::kUnavailable);
    CHECK(std::string(s.status().message()).find("not a database") != std::string::npos);
  }
}

TEST_CASE("store: ingest stores a case and a duplicate returns the first id and response") {
  TempDir tmp;
  auto s = open_store(tmp.path);
  auto first = ingest_case(*s, make_handoff_case("1790"));
  REQUIRE(first.ok());
  CHECK_FALSE(first->duplicate);
  CHECK(first->id == "c-1790");
  REQUIRE(first->plan->outbox.size() == 4);
  std::set<std::int64_t> ids;
  for (const auto& item : first->plan->outbox) {
    CHECK(item.id > 0);
    CHECK(item.complaint_id == "c-1790");
    ids.insert(item.id);
  }
  CHECK(ids.size() == 4);
  CHECK(s->outbox_depth() == 4);

  bool planned = false;
  auto again = ingest(*s, "1790", [&](const AuthorHistory&, const std::optional<Pause>&) {
    planned = true;
    return make_case("1790");
  });
  REQUIRE(again.ok());
  CHECK_FALSE(planned);
  CHECK(again->duplicate);
  CHECK(again->id == "c-1790");
  CHECK(!again->plan);
  CHECK(again->response["duplicate"] == true);
  CHECK(again->response["rule"] == "default");
  CHECK(s->outbox_depth() == 4);

  auto tl = timeline_of(*s, "c-1790");
  REQUIRE(tl.ok());
  CHECK((*tl)["channel"] == "x");
  CHECK((*tl)["external_id"] == "1790");
  CHECK((*tl)["complaint"]["text"] == "注文した商品がまだ届きません。");
  CHECK((*tl)["decision"]["rule"] == "default");
  CHECK((*tl)["decision"]["policy_version"] == "v1");
  CHECK((*tl)["decision"]["reply"] == "queued");
  CHECK((*tl)["decision"]["priority"] == "P3");
  CHECK((*tl)["decision"]["shadow"] == false);
  CHECK((*tl)["handoff"]["team"] == "support");
  CHECK((*tl)["handoff"]["state"] == "open");
  CHECK((*tl)["outbox"].size() == 4);
  std::vector<std::string> events;
  for (const auto& e : (*tl)["timeline"]) events.push_back(e["event"]);
  CHECK(events == std::vector<std::string>{"received", "decided"});
  CHECK((*tl)["timeline"][1]["handoff"]["team"] == "support");
  CHECK((*tl)["timeline"][1]["reply"] == "queued");

  auto missing = timeline_of(*s, "nope");
  CHECK(missing.status().code() == absl::StatusCode::kNotFound);
}

TEST_CASE("store: nothing is stored when the planner throws") {
  TempDir tmp;
  auto s = open_store(tmp.path);
  auto r = ingest(*s, "boom", [](const AuthorHistory&, const std::optional<Pause>&) -> CasePlan {
    throw std::runtime_error("policy exploded");
  });
  REQUIRE_FALSE(r.ok());
  CHECK(std::string(r.status().message()).find("policy exploded") != std::string::npos);

  // In a shared batch only the throwing job fails.
  WriterGate gate(*s);
  std::promise<absl::StatusOr<IngestResult>> a, b, c;
  auto fa = a.get_future(), fb = b.get_future(), fc = c.get_future();
  auto commits_before = s->commits();
  s->ingest(
      "x", "a", "1", now(),
      [](const AuthorHistory&, const std::optional<Pause>&) { return make_case("a", "1"); },
      [&](auto res) { a.set_value(std::move(res)); });
  s->ingest(
      "x", "b", "1", now(),
      [](const AuthorHistory&, const std::optional<Pause>&) -> CasePlan {
        throw std::runtime_error("no");
      },
      [&](auto res) { b.set_value(std::move(res)); });
  s->ingest(
      "x", "c", "1", now(),
      [](const AuthorHistory&, const std::optional<Pause>&) { return make_case("c", "1"); },
      [&](auto res) { c.set_value(std::move(res)); });
  gate.release();
  CHECK(fa.get().ok());
  CHECK_FALSE(fb.get().ok());
  CHECK(fc.get().ok());
  CHECK(gate.ok());
  CHECK(s->commits() - commits_before == 2);  // the gate's batch, then a, b and c together
  s.reset();
  CHECK(query_int(tmp.path, "SELECT count(*) FROM complaints WHERE external_id IN ('boom', 'b')") ==
        0);
  CHECK(query_int(tmp.path, "SELECT count(*) FROM complaints") == 3);
  CHECK(query_int(tmp.path,
                  "SELECT count(*) FROM timeline WHERE complaint_id IN ('c-boom', "
                  "'c-b')") == 0);
}

TEST_CASE("store: a constraint failure undoes only its own job") {
  TempDir tmp;
  auto s = open_store(tmp.path);
  WriterGate gate(*s);
  std::promise<absl::StatusOr<IngestResult>> a, b;
  auto fa = a.get_future(), fb = b.get_future();
  // Each counts towards a storm; only the rolled-back one is taken back.
  std::vector<std::string> uncounted;
  auto uncount = [&](const ackd::plan::StormCount& c) { uncounted.push_back(c.rule); };
  s->ingest("x", "a", "1", now(),
            {[](const AuthorHistory&, const std::optional<Pause>&) {
               auto r = make_case("a", "1");
               r.storm_count = ackd::plan::StormCount{"rule-a", now(), false};
               return r;
             },
             uncount},
            [&](auto res) { a.set_value(std::move(res)); });
  // Its complaint row goes in, then its outbox row collides with a's idempotency key.
  s->ingest("x", "b", "1", now(),
            {[](const AuthorHistory&, const std::optional<Pause>&) {
               auto r = make_case("b", "1");
               r.outbox.push_back(owed(r.id, Kind::reply, 0, "x-reply", "{}", now()));
               r.outbox.back().idempotency_key = "c-a:reply";
               r.storm_count = ackd::plan::StormCount{"rule-b", now(), true};
               return r;
             },
             uncount},
            [&](auto res) { b.set_value(std::move(res)); });
  gate.release();
  CHECK(fa.get().ok());
  auto rb = fb.get();
  REQUIRE_FALSE(rb.ok());
  CHECK(std::string(rb.status().message()).find("UNIQUE") != std::string::npos);
  s->flush();
  CHECK(uncounted == std::vector<std::string>{"rule-b"});
  CHECK(s->outbox_depth() == 2);  // the gate's reply and a's
  s.reset();
  CHECK(query_int(tmp.path, "SELECT count(*) FROM complaints WHERE id = 'c-b'") == 0);
  CHECK(query_int(tmp.path, "SELECT count(*) FROM outbox WHERE complaint_id = 'c-b'") == 0);
  CHECK(query_int(tmp.path, "SELECT count(*) FROM outbox") == 2);
}

TEST_CASE("store: concurrent ingests share transactions") {
  TempDir tmp;
  auto s = open_store(tmp.path);
  constexpr int kThreads = 4, kPerThread = 50;
  std::mutex mu;
  std::set<std::string> ids;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  auto commits_before = s->commits();
  for (int th = 0; th < kThreads; ++th) {
    threads.emplace_back([&, th] {
      for (int i = 0; i < kPerThread; ++i) {
        auto ext = std::to_string(th) + "-" + std::to_string(i);
        s->ingest(
            "x", ext, std::to_string(th), now(),
            [ext, th](const AuthorHistory&, const std::optional<Pause>&) {
              return make_case(ext, std::to_string(th));
            },
            [&](absl::StatusOr<IngestResult> r) {
              std::lock_guard lock(mu);
              if (r.ok()) {
                ids.insert(r->id);
              } else {
                ++failures;
              }
            });
      }
    });
  }
  for (auto& th : threads) th.join();
  s->flush();
  auto commits = s->commits() - commits_before;
  CHECK(failures == 0);
  CHECK(ids.size() == kThreads * kPerThread);
  CHECK(s->outbox_depth() == kThreads * kPerThread);
  MESSAGE("200 ingests in " << commits << " transactions");
  CHECK(commits < kThreads * kPerThread / 2);
  s.reset();
  CHECK(query_int(tmp.path, "SELECT count(*) FROM complaints") == kThreads * kPerThread);
}

TEST_CASE("store: the planner sees the author's history, including earlier jobs in the batch") {
  TempDir tmp;
  auto s = open_store(tmp.path);
  auto t0 = now() - std::chrono::hours(2);
  auto old = now() - std::chrono::days(40);
  REQUIRE(ingest_case(*s, make_case("old", "7", old)).ok());  // outside the 30 days
  REQUIRE(ingest_case(*s, make_case("earlier", "7", t0)).ok());
  auto quiet = make_case("quiet", "7", t0 + std::chrono::minutes(30));
  quiet.decision.reply_status = ackd::policy::ReplyStatus::suppressed;
  REQUIRE(ingest_case(*s, quiet).ok());
  REQUIRE(ingest_case(*s, make_case("someone-else", "8", t0)).ok());

  WriterGate gate(*s);
  auto commits_before = s->commits();
  AuthorHistory seen_a, seen_b;
  std::promise<void> a_done, b_done;
  auto fa = a_done.get_future(), fb = b_done.get_future();
  auto t1 = t0 + std::chrono::hours(1);
  s->ingest(
      "x", "a", "7", now(),
      [&](const AuthorHistory& h, const std::optional<Pause>&) {
        seen_a = h;
        return make_case("a", "7", t1);
      },
      [&](auto) { a_done.set_value(); });
  s->ingest(
      "x", "b", "7", now(),
      [&](const AuthorHistory& h, const std::optional<Pause>&) {
        seen_b = h;
        return make_case("b", "7", t1 + std::chrono::minutes(1));
      },
      [&](auto) { b_done.set_value(); });
  gate.release();
  fa.wait();
  fb.wait();
  CHECK(s->commits() - commits_before == 2);
  CHECK(seen_a.complaints == std::vector<t::Instant>{t0, t0 + std::chrono::minutes(30)});
  CHECK(seen_a.replies == std::vector<t::Instant>{t0});
  CHECK(seen_b.complaints == std::vector<t::Instant>{t0, t0 + std::chrono::minutes(30), t1});
  CHECK(seen_b.replies == std::vector<t::Instant>{t0, t1});
}

TEST_CASE("store: open handoffs by team, and what a claim or resolve tells of the wait") {
  TempDir tmp;
  using ByTeam = std::vector<std::pair<std::string, std::int64_t>>;
  const auto at = now();
  {
    auto s = open_store(tmp.path);
    REQUIRE(ingest_case(*s, make_handoff_case("s1", at)).ok());
    REQUIRE(ingest_case(*s, make_handoff_case("s2", at)).ok());
    auto billing = make_handoff_case("b1", at);
    billing.handoff->team = "billing";
    billing.handoff->priority = "P1";
    REQUIRE(ingest_case(*s, billing).ok());
    CHECK(s->open_handoffs_by_team() == ByTeam{{"billing", 1}, {"support", 2}});
    CHECK(s->open_handoffs() == 3);

    const auto c = wait_for<ClaimResult>(
        [&](auto done) { s->claim("c-b1", "sato", at + t::Seconds(90), std::move(done)); });
    REQUIRE(c.ok());
    REQUIRE(c->handoff);
    CHECK(c->handoff->team == "billing");
    CHECK(c->handoff->priority == "P1");
    CHECK(c->handoff->received_at == at);
    CHECK(s->open_handoffs_by_team() == ByTeam{{"billing", 0}, {"support", 2}});
    // Claimed again: nothing is taken over now.
    const auto again = wait_for<ClaimResult>(
        [&](auto done) { s->claim("c-b1", "sato", at + t::Seconds(95), std::move(done)); });
    CHECK_FALSE(again->handoff);

    // Resolved unclaimed: also taken over now. Resolved after a claim: only resolved.
    auto r = wait_for<ResolveResult>([&](auto done) {
      s->resolve("c-s1", "sato", "done", false, at + t::Seconds(60), std::move(done));
    });
    REQUIRE(r->handoff);
    CHECK(r->handoff->team == "support");
    CHECK(r->claimed_now);
    r = wait_for<ResolveResult>([&](auto done) {
      s->resolve("c-b1", "sato", "done", false, at + t::Seconds(120), std::move(done));
    });
    REQUIRE(r->handoff);
    CHECK_FALSE(r->claimed_now);
    CHECK(s->open_handoffs_by_team() == ByTeam{{"billing", 0}, {"support", 1}});
    // An unknown case changes no count.
    const auto unknown = wait_for<ClaimResult>(
        [&](auto done) { s->claim("c-nobody", "sato", at, std::move(done)); });
    CHECK(unknown->outcome == ClaimOutcome::not_found);
    CHECK(s->open_handoffs() == 1);
  }
  // Counted again from the handoffs when the store opens.
  auto s = open_store(tmp.path);
  CHECK(s->open_handoffs_by_team() == ByTeam{{"support", 1}});
}

TEST_CASE("store: a claim stops the escalations: the breach stays owed until resolved") {
  TempDir tmp;
  auto s = open_store(tmp.path);
  auto at = now();
  auto r = ingest_case(*s, make_handoff_case("1", at));
  REQUIRE(r.ok());
  std::set<std::int64_t> escalations;
  for (const auto& item : r->plan->outbox) {
    if (item.kind == Kind::escalation) escalations.insert(item.id);
  }
  REQUIRE(escalations.size() == 1);
  REQUIRE(ingest_case(*s, make_case("no-handoff")).ok());
  CHECK(s->outbox_depth() == 5);
  CHECK(s->open_handoffs() == 1);

  auto claim = [&](const std::string& id, const std::string& agent) {
    return wait_for<ClaimResult>(
        [&](auto done) { s->claim(id, agent, at + std::chrono::minutes(5), std::move(done)); });
  };
  auto c = claim("c-1", "sato");
  REQUIRE(c.ok());
  CHECK(c->outcome == ClaimOutcome::claimed);
  CHECK(c->agent == "sato");
  CHECK(std::set<std::int64_t>(c->cancelled.begin(), c->cancelled.end()) == escalations);
  CHECK(s->outbox_depth() == 4);  // the breach is still owed
  CHECK(s->open_handoffs() == 0);

  c = claim("c-1", "sato");
  REQUIRE(c.ok());
  CHECK(c->outcome == ClaimOutcome::already_yours);
  CHECK(c->cancelled.empty());

  c = claim("c-1", "suzuki");
  REQUIRE(c.ok());
  CHECK(c->outcome == ClaimOutcome::held_by_other);
  CHECK(c->agent == "sato");

  c = claim("nope", "sato");
  REQUIRE(c.ok());
  CHECK(c->outcome == ClaimOutcome::not_found);
  c = claim("c-no-handoff", "sato");
  REQUIRE(c.ok());
  CHECK(c->outcome == ClaimOutcome::not_found);

  auto res = wait_for<ResolveResult>(
      [&](auto done) { s->resolve("c-1", "sato", "refunded", false, at, std::move(done)); });
  REQUIRE(res.ok());
  CHECK(res->outcome == ResolveOutcome::resolved);
  CHECK(res->cancelled.size() == 1);  // the breach
  CHECK(s->outbox_depth() == 3);
  c = claim("c-1", "suzuki");
  REQUIRE(c.ok());
  CHECK(c->outcome == ClaimOutcome::resolved);

  auto tl = timeline_of(*s, "c-1");
  REQUIRE(tl.ok());
  CHECK((*tl)["handoff"]["state"] == "resolved");
  CHECK((*tl)["handoff"]["agent"] == "sato");
  CHECK((*tl)["handoff"]["claimed_at"] == t::format_rfc3339_utc(at + std::chrono::minutes(5)));
  int cancelled = 0;
  for (const auto& o : (*tl)["outbox"]) cancelled += o["state"] == "cancelled";
  CHECK(cancelled == 2);
  bool claimed_event = false;
  for (const auto& e : (*tl)["timeline"]) {
    if (e["event"] == "claimed") claimed_event = e["agent"] == "sato";
  }
  CHECK(claimed_event);
}

TEST_CASE("store: resolve cancels timers, schedules the follow-up, and refuses a second time") {
  TempDir tmp;
  auto s = open_store(tmp.path);
  auto at = now();
  REQUIRE(ingest_case(*s, make_handoff_case("f", at, std::chrono::hours(24))).ok());
  REQUIRE(ingest_case(*s, make_handoff_case("n", at)).ok());
  CHECK(s->outbox_depth() == 8);
  CHECK(s->open_handoffs() == 2);

  auto resolve = [&](const std::string& id) {
    return wait_for<ResolveResult>(
        [&](auto done) { s->resolve(id, "sato", "sent a new one", false, at, std::move(done)); });
  };
  auto r = resolve("c-f");
  REQUIRE(r.ok());
  CHECK(r->outcome == ResolveOutcome::resolved);
  CHECK(r->cancelled.size() == 2);
  REQUIRE(r->followup);
  CHECK(r->followup->id > 0);
  CHECK(r->followup->kind == Kind::followup);
  CHECK(r->followup->sink == "support-followup");
  CHECK(r->followup->payload == R"({"kind":"followup"})");
  CHECK(r->followup->idempotency_key == "c-f:followup");
  CHECK(r->followup->due_at == at + std::chrono::hours(24));
  CHECK(s->outbox_depth() == 7);   // 8 - 2 cancelled + 1 follow-up
  CHECK(s->open_handoffs() == 1);  // resolved without a claim

  r = resolve("c-f");
  REQUIRE(r.ok());
  CHECK(r->outcome == ResolveOutcome::already_resolved);
  CHECK_FALSE(r->followup);

  r = resolve("c-n");
  REQUIRE(r.ok());
  CHECK(r->outcome == ResolveOutcome::resolved);
  CHECK_FALSE(r->followup);

  r = resolve("nope");
  REQUIRE(r.ok());
  CHECK(r->outcome == ResolveOutcome::not_found);

  auto tl = timeline_of(*s, "c-f");
  REQUIRE(tl.ok());
  CHECK((*tl)["handoff"]["note"] == "sent a new one");
  CHECK((*tl)["timeline"].back()["event"] == "resolved");
  CHECK((*tl)["timeline"].back()["note"] == "sent a new one");
}

TEST_CASE("store: delivery bookkeeping updates rows and the timeline") {
  TempDir tmp;
  auto s = open_store(tmp.path);
  auto at = now();
  auto r = ingest_case(*s, make_handoff_case("d", at));
  REQUIRE(r.ok());
  auto id_of = [&](const std::string& kind) {
    for (const auto& item : r->plan->outbox) {
      if (ackd::plan::to_string(item.kind) == kind) return item.id;
    }
    FAIL("no " << kind);
    return std::int64_t{0};
  };
  auto retry_at = at + std::chrono::seconds(30);
  s->mark_attempt_failed(id_of("reply"), 1, at, retry_at, "HTTP 500");
  s->mark_delivered(id_of("reply"), at + std::chrono::seconds(31));
  s->mark_attempt_failed(id_of("handoff"), 1, at + std::chrono::seconds(1), retry_at, "timeout");
  s->mark_failed(id_of("escalation"), 8, at + std::chrono::seconds(2), "HTTP 404");
  s->flush();
  CHECK(s->outbox_depth() == 2);  // handoff (to retry) and breach

  auto pending = all_owed(*s);
  REQUIRE(pending.ok());
  REQUIRE(pending->size() == 2);
  CHECK((*pending)[0].kind == Kind::handoff);
  CHECK((*pending)[0].attempts == 1);
  CHECK((*pending)[0].due_at == retry_at);  // its retry time, not its first due time
  CHECK((*pending)[1].kind == Kind::breach);

  auto tl = timeline_of(*s, "c-d");
  REQUIRE(tl.ok());
  std::map<std::string, json> outbox;
  for (const auto& o : (*tl)["outbox"]) outbox[o["kind"]] = o;
  CHECK(outbox["reply"]["state"] == "delivered");
  CHECK(outbox["reply"]["attempts"] == 2);
  CHECK(outbox["reply"]["delivered_at"] == t::format_rfc3339_utc(at + std::chrono::seconds(31)));
  CHECK(outbox["handoff"]["state"] == "pending");
  CHECK(outbox["handoff"]["last_error"] == "timeout");
  CHECK(outbox["escalation"]["state"] == "failed");
  CHECK(outbox["escalation"]["attempts"] == 8);
  CHECK(outbox["escalation"]["last_error"] == "HTTP 404");
  CHECK(outbox["breach"]["delivered_at"].is_null());

  std::vector<std::string> events;
  for (const auto& e : (*tl)["timeline"]) events.push_back(e["event"]);
  // In time order: the delivery was recorded as happening 31 s after the failures.
  CHECK(events == std::vector<std::string>{"received", "decided", "attempt_failed",
                                           "attempt_failed", "delivery_failed", "delivered"});
  const auto& first_failure = (*tl)["timeline"][2];
  CHECK(first_failure["error"] == "HTTP 500");
  CHECK(first_failure["kind"] == "reply");
  CHECK(first_failure["next_attempt_at"] == t::format_rfc3339_utc(retry_at));
  CHECK(first_failure["at"] == t::format_rfc3339_utc(at));
  CHECK((*tl)["timeline"][4]["error"] == "HTTP 404");
  CHECK((*tl)["timeline"][4]["at"] == t::format_rfc3339_utc(at + std::chrono::seconds(2)));
  const auto& delivered = (*tl)["timeline"][5];
  CHECK(delivered["kind"] == "reply");
  CHECK(delivered["attempts"] == 2);
  CHECK(delivered["at"] == t::format_rfc3339_utc(at + std::chrono::seconds(31)));
}

TEST_CASE("store: the ticket a delivery opened is kept with the case and finds it again") {
  TempDir tmp;
  auto at = now();
  {
    auto s = open_store(tmp.path);
    auto r = ingest_case(*s, make_handoff_case("tk", at));
    REQUIRE(r.ok());
    for (const auto& item : r->plan->outbox) {
      if (item.kind == Kind::handoff) s->mark_delivered(item.id, at, "zendesk:35436");
      if (item.kind == Kind::reply) s->mark_delivered(item.id, at);
    }
  }
  auto s = open_store(tmp.path);  // and across a restart
  auto find = [&](const std::string& remote_id) {
    return wait_for<std::optional<std::string>>(
        [&](auto done) { s->case_of_remote(remote_id, std::move(done)); });
  };
  auto found = find("zendesk:35436");
  REQUIRE(found.ok());
  CHECK(*found == std::optional<std::string>("c-tk"));
  auto other = find("zammad:35436");
  REQUIRE(other.ok());
  CHECK_FALSE(other->has_value());

  auto tl = timeline_of(*s, "c-tk");
  REQUIRE(tl.ok());
  CHECK((*tl)["handoff"]["tickets"] ==
        json::array({{{"sink", "support"}, {"ticket", "zendesk:35436"}}}));
  for (const auto& o : (*tl)["outbox"]) {
    if (o["kind"] == "handoff") CHECK(o["remote_id"] == "zendesk:35436");
    if (o["kind"] == "reply") CHECK(o["remote_id"].is_null());
  }
  bool shown = false;
  for (const auto& e : (*tl)["timeline"]) {
    if (e["event"] == "delivered" && e["kind"] == "handoff") {
      shown = e["remote_id"] == "zendesk:35436";
    }
  }
  CHECK(shown);
}

// How often the write-ahead log has started over: its header's checkpoint sequence number
// (big-endian, at byte 12 of the -wal file).
std::uint32_t log_restarts(const fs::path& dir) {
  std::ifstream in(dir / "ackd.db-wal", std::ios::binary);
  unsigned char header[16] = {};
  in.read(reinterpret_cast<char*>(header), sizeof header);
  REQUIRE(in.gcount() == sizeof header);
  return (std::uint32_t{header[12]} << 24) | (std::uint32_t{header[13]} << 16) |
         (std::uint32_t{header[14]} << 8) | header[15];
}

TEST_CASE("store: the log is copied back and starts over while complaints keep coming") {
  TempDir tmp;
  auto s = open_store(tmp.path);
  REQUIRE(ingest_case(*s, make_handoff_case("0")).ok());
  const auto first = log_restarts(tmp.path);
  const auto frame = 4096 + 24;  // a page and its frame header
  // One complaint at a time, as a quiet day brings them; bounded, but it takes some 70.
  int n = 1;
  for (; n < 3000 && log_restarts(tmp.path) == first; ++n) {
    REQUIRE(ingest_case(*s, make_handoff_case(std::to_string(n))).ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  MESSAGE("the log started over after " << n << " complaints");
  CHECK(log_restarts(tmp.path) != first);
  // Copied in the background soon after a copy was asked for: the writer's own copy, the
  // fallback for a load that never pauses, was not needed.
  CHECK(fs::file_size(tmp.path / "ackd.db-wal") <
        static_cast<std::uintmax_t>(ackd::store::Checkpointer::kWriterPages) * frame);
  s.reset();
  CHECK(query_int(tmp.path, "SELECT count(*) FROM complaints") == n);
}

TEST_CASE("store: pending outbox survives reopening") {
  TempDir tmp;
  auto at = now();
  {
    auto s = open_store(tmp.path);
    REQUIRE(ingest_case(*s, make_handoff_case("p", at)).ok());
    REQUIRE(ingest_case(*s, make_case("q", "9", at - std::chrono::minutes(1))).ok());
  }
  auto s = open_store(tmp.path);
  CHECK(s->outbox_depth() == 5);
  auto pending = all_owed(*s);
  REQUIRE(pending.ok());
  REQUIRE(pending->size() == 5);
  std::vector<std::string> kinds;
  for (const auto& item : *pending) kinds.emplace_back(ackd::plan::to_string(item.kind));
  // Due first is q's reply; then p's reply and handoff (same time, by id), escalation, breach.
  CHECK(kinds == std::vector<std::string>{"reply", "reply", "handoff", "escalation", "breach"});
  CHECK((*pending)[0].complaint_id == "c-q");
  CHECK((*pending)[3].level == 1);
  CHECK((*pending)[3].idempotency_key == "c-p:escalation:1");
  CHECK((*pending)[4].due_at == at + std::chrono::hours(4));
  // Ingesting the same complaint after a restart is still a duplicate.
  auto again = ingest_case(*s, make_case("q", "9"));
  REQUIRE(again.ok());
  CHECK(again->duplicate);
}

TEST_CASE("store: the outbox is read ahead in due order, a page at a time, from an index") {
  TempDir tmp;
  auto s = open_store(tmp.path);
  auto at = now();
  REQUIRE(ingest_case(*s, make_handoff_case("a", at)).ok());                          // ids 1-4
  REQUIRE(ingest_case(*s, make_handoff_case("b", at - std::chrono::hours(2))).ok());  // 5-8
  auto all = all_owed(*s);
  REQUIRE(all.ok());
  REQUIRE(all->size() == 8);
  std::vector<std::int64_t> ids;
  for (const auto& item : *all) ids.push_back(item.id);
  // b's reply, handoff and escalation come due before a's; a's breach after b's.
  CHECK(ids == std::vector<std::int64_t>{5, 6, 7, 1, 2, 3, 8, 4});

  // Page by page, each going on after the last row of the one before.
  std::vector<std::int64_t> paged;
  ackd::plan::DueOrder after;
  for (int pages = 0; pages < 10; ++pages) {
    auto page = owed_after(*s, after, t::Instant::max(), 3);
    REQUIRE(page.ok());
    for (const auto& item : *page) paged.push_back(item.id);
    if (page->size() < 3) break;
    after = ackd::plan::due_order(page->back());
  }
  CHECK(paged == ids);

  // Only what is due by `until`; a retried row is due at its next attempt.
  auto soon = owed_after(*s, {}, at + std::chrono::minutes(5));
  REQUIRE(soon.ok());
  CHECK(soon->size() == 5);  // b's three, a's reply and handoff
  s->mark_attempt_failed(1, 1, at, at + std::chrono::hours(3), "HTTP 500");
  s->mark_delivered(2, at);
  s->flush();
  soon = owed_after(*s, {}, at + std::chrono::minutes(5));
  REQUIRE(soon.ok());
  CHECK(soon->size() == 3);
  auto later = owed_after(*s, ackd::plan::DueOrder::through(at + std::chrono::hours(1)),
                          at + std::chrono::hours(3));
  REQUIRE(later.ok());
  REQUIRE(later->size() == 2);
  CHECK((*later)[0].id == 8);  // b's breach, 2 h from now
  CHECK((*later)[1].id == 1);  // a's reply, retried 3 h from now

  // The read is served by the index, not a scan of every row ever written.
  std::string plan;
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open_v2((tmp.path / "ackd.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr) ==
            SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    REQUIRE(sqlite3_prepare_v2(
                db,
                "EXPLAIN QUERY PLAN SELECT id FROM outbox WHERE state = 'pending' AND held = 0 "
                "AND (coalesce(next_attempt_at, due_at), id) > (?, ?) "
                "AND coalesce(next_attempt_at, due_at) <= ? "
                "ORDER BY coalesce(next_attempt_at, due_at), id LIMIT ?",
                -1, &stmt, nullptr) == SQLITE_OK);
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      plan += reinterpret_cast<const char*>(sqlite3_column_text(stmt, 3));
      plan += "\n";
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
  }
  CHECK_MESSAGE(plan.find("USING INDEX outbox_owed") != std::string::npos, plan);
  CHECK_MESSAGE(plan.find("TEMP B-TREE") == std::string::npos, plan);
}

TEST_CASE("store: unclaim gives the case back: another agent resolves it only with force") {
  TempDir tmp;
  auto s = open_store(tmp.path);
  auto at = now();
  REQUIRE(ingest_case(*s, make_handoff_case("u", at)).ok());
  auto unclaim = [&](const std::string& agent) {
    return wait_for<UnclaimResult>(
        [&](auto done) { s->unclaim("c-u", agent, at, std::move(done)); });
  };
  auto resolve = [&](const std::string& agent, bool force) {
    return wait_for<ResolveResult>(
        [&](auto done) { s->resolve("c-u", agent, "done", force, at, std::move(done)); });
  };
  CHECK(unclaim("sato")->outcome == UnclaimOutcome::not_claimed);
  REQUIRE(wait_for<ClaimResult>([&](auto done) {
            s->claim("c-u", "sato", at, std::move(done));
          })->outcome == ClaimOutcome::claimed);
  CHECK(s->open_handoffs() == 0);
  auto u = unclaim("suzuki");
  CHECK(u->outcome == UnclaimOutcome::held_by_other);
  CHECK(u->agent == "sato");
  CHECK(unclaim("sato")->outcome == UnclaimOutcome::released);
  CHECK(s->open_handoffs() == 1);
  REQUIRE(wait_for<ClaimResult>([&](auto done) {
            s->claim("c-u", "suzuki", at, std::move(done));
          })->outcome == ClaimOutcome::claimed);

  auto r = resolve("sato", false);
  CHECK(r->outcome == ResolveOutcome::held_by_other);
  CHECK(r->agent == "suzuki");
  CHECK(r->cancelled.empty());
  r = resolve("sato", true);
  CHECK(r->outcome == ResolveOutcome::resolved);
  CHECK(unclaim("suzuki")->outcome == UnclaimOutcome::resolved);
  CHECK(wait_for<UnclaimResult>([&](auto done) {
          s->unclaim("nope", "a", at, std::move(done));
        })->outcome == UnclaimOutcome::not_found);

  auto tl = timeline_of(*s, "c-u");
  REQUIRE(tl.ok());
  CHECK((*tl)["handoff"]["agent"] == "sato");
  std::vector<std::string> events;
  json resolved;
  for (const auto& e : (*tl)["timeline"]) {
    events.push_back(e["event"]);
    if (e["event"] == "resolved") resolved = e;
  }
  CHECK(events == std::vector<std::string>{"received", "decided", "claimed", "unclaimed", "claimed",
                                           "resolved"});
  CHECK(resolved["forced"] == true);
  CHECK(resolved["claimed_by"] == "suzuki");
}

TEST_CASE("store: handoffs by state, soonest deadline first") {
  TempDir tmp;
  auto s = open_store(tmp.path);
  auto at = now();
  REQUIRE(ingest_case(*s, make_handoff_case("late", at - std::chrono::hours(6))).ok());
  REQUIRE(ingest_case(*s, make_handoff_case("later", at)).ok());
  REQUIRE(ingest_case(*s, make_handoff_case("soon", at - std::chrono::hours(1))).ok());
  REQUIRE(ingest_case(*s, make_handoff_case("mine", at)).ok());
  REQUIRE(wait_for<ClaimResult>([&](auto done) {
            s->claim("c-mine", "sato", at, std::move(done));
          }).ok());

  auto list = [&](const std::string& state) {
    auto r = handoffs_of(*s, state, at);
    REQUIRE(r.ok());
    std::vector<std::string> ids;
    for (const auto& h : *r) ids.push_back(h["id"]);
    return ids;
  };
  CHECK(list("open") == std::vector<std::string>{"c-soon", "c-later"});
  CHECK(list("breached") == std::vector<std::string>{"c-late"});
  CHECK(list("claimed") == std::vector<std::string>{"c-mine"});
  // Claimed and past its deadline: the promise to the customer was not kept either.
  REQUIRE(wait_for<ClaimResult>([&](auto done) {
            s->claim("c-late", "kato", at, std::move(done));
          }).ok());
  CHECK(list("breached") == std::vector<std::string>{"c-late"});
  CHECK(list("claimed") == std::vector<std::string>{"c-late", "c-mine"});
  CHECK(list("resolved").empty());

  auto open = handoffs_of(*s, "open", at);
  REQUIRE(open.ok());
  CHECK((*open)[0]["team"] == "support");
  CHECK((*open)[0]["priority"] == "P3");
  CHECK((*open)[0]["rule"] == "default");
  CHECK((*open)[0]["channel"] == "x");
  CHECK((*open)[0]["deadline"] == t::format_rfc3339_utc(at + std::chrono::hours(3)));

  auto bad = handoffs_of(*s, "closed", at);
  CHECK(bad.status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("store: handoffs of one team and priority, a page at a time without overlap") {
  TempDir tmp;
  auto s = open_store(tmp.path);
  const auto at = now();
  // Ten support P3 cases, two sharing each deadline (the id breaks the tie), and one
  // billing P1 case among them.
  for (int i = 0; i < 10; ++i) {
    REQUIRE(ingest_case(
                *s, make_handoff_case("s" + std::to_string(i), at + std::chrono::minutes(i / 2)))
                .ok());
  }
  auto billing = make_handoff_case("b0", at + std::chrono::minutes(1));
  billing.handoff->team = "billing";
  billing.handoff->priority = "P1";
  billing.author_id = "7";
  billing.complaint["author"] = {{"id", "7"}, {"name", "山田太郎"}, {"handle", "Taro_Y"}};
  REQUIRE(ingest_case(*s, std::move(billing)).ok());

  auto page = [&](HandoffQuery query) {
    auto rows = wait_for<std::vector<HandoffRow>>(
        [&](auto done) { s->handoffs(query, at, std::move(done)); });
    REQUIRE(rows.ok());
    return *rows;
  };
  auto ids = [](const std::vector<HandoffRow>& rows) {
    std::vector<std::string> out;
    for (const auto& r : rows) out.push_back(r.id);
    return out;
  };
  CHECK(ids(page({.state = "open", .team = "billing"})) == std::vector<std::string>{"c-b0"});
  CHECK(ids(page({.state = "open", .priority = "P1"})) == std::vector<std::string>{"c-b0"});
  CHECK(page({.state = "open", .team = "billing", .priority = "P3"}).empty());
  // Found by the author's id or handle (any case), with what the console shows of it.
  for (const auto* author : {"7", "taro_y", "TARO_Y"}) {
    const auto rows = page({.state = "open", .author = author});
    REQUIRE(ids(rows) == std::vector<std::string>{"c-b0"});
    CHECK(rows[0].author.name == "山田太郎");
    CHECK(rows[0].author.handle == "Taro_Y");
    CHECK(rows[0].reference == ackd::case_reference("x", "b0"));
    CHECK(rows[0].excerpt == "注文した商品がまだ届きません。");
  }
  CHECK(page({.state = "open", .channel = "line"}).empty());
  CHECK(page({.state = "open", .channel = "x"}).size() == 11);
  // Pages of three of support's: every case once, in deadline then id order.
  std::vector<std::string> all;
  HandoffQuery query{.state = "open", .team = "support", .limit = 3};
  for (int pages = 0; pages < 10; ++pages) {
    const auto rows = page(query);
    for (const auto& id : ids(rows)) all.push_back(id);
    if (rows.size() < 3) break;
    query.after = std::pair{rows.back().deadline, rows.back().id};
  }
  CHECK(all == std::vector<std::string>{"c-s0", "c-s1", "c-s2", "c-s3", "c-s4", "c-s5", "c-s6",
                                        "c-s7", "c-s8", "c-s9"});
  // Every state at once, each row with its own; past the deadlines, breached.
  REQUIRE(wait_for<ClaimResult>([&](auto done) {
            s->claim("c-s9", "sato", at, std::move(done));
          }).ok());
  const auto every = page({.state = "all", .limit = 100});
  CHECK(every.size() == 11);
  CHECK(std::count_if(every.begin(), every.end(),
                      [](const HandoffRow& r) { return r.state == "claimed"; }) == 1);
  auto later = wait_for<std::vector<HandoffRow>>([&](auto done) {
    s->handoffs({.state = "all", .limit = 100}, at + std::chrono::hours(5), std::move(done));
  });
  REQUIRE(later.ok());
  CHECK(std::all_of(later->begin(), later->end(),
                    [](const HandoffRow& r) { return r.state == "breached"; }));
}

TEST_CASE("store: a read-only database refuses ingest and stores nothing") {
  // Root ignores file permissions, so the database is made read-only the way SQLite sees
  // it: PRAGMA query_only, which fails writes as SQLITE_READONLY does.
  TempDir tmp;
  REQUIRE(ingest_case(*open_store(tmp.path), make_case("before")).ok());
  {
    auto s = open_store(tmp.path, /*query_only=*/true);
    auto r = ingest_case(*s, make_handoff_case("refused"));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == absl::StatusCode::kUnavailable);
    CHECK(std::string(r.status().message()).find("readonly") != std::string::npos);
    CHECK(s->outbox_depth() == 0);  // a store that only reads does not count
    // Reads still work.
    auto tl = timeline_of(*s, "c-before");
    CHECK_MESSAGE(tl.ok(), tl.status().ToString());
  }
  CHECK(query_int(tmp.path, "SELECT count(*) FROM complaints") == 1);
  CHECK(query_int(tmp.path, "SELECT count(*) FROM outbox WHERE state = 'pending'") == 1);
  CHECK(query_int(tmp.path, "SELECT count(*) FROM outbox") == 1);
  CHECK(query_int(tmp.path, "SELECT count(*) FROM timeline WHERE complaint_id = 'c-refused'") == 0);
}

TEST_CASE("store: a pause holds pending replies, survives a restart, and resume releases them") {
  TempDir tmp;
  auto at = now();
  {
    auto s = open_store(tmp.path);
    CHECK_FALSE(s->pause_at_open());
    REQUIRE(ingest_case(*s, make_handoff_case("p1", at)).ok());
    auto late = make_case("p2", "43", at);
    late.outbox[0].held = true;  // planned while paused
    REQUIRE(ingest_case(*s, late).ok());
    auto paused = wait_for<PauseResult>([&](auto done) {
      s->set_pause(Pause{"sato", "flame on X", at}, HeldReplies::send, at, std::move(done));
    });
    REQUIRE(paused.ok());
    REQUIRE(paused->pause);
    CHECK(paused->held.size() == 1);  // p1's reply; p2's was held from the start
    auto again = wait_for<PauseResult>([&](auto done) {
      s->set_pause(Pause{"kato", "later", at + std::chrono::seconds(60)}, HeldReplies::send, at,
                   std::move(done));
    });
    REQUIRE(again.ok());
    CHECK(again->pause->by == "sato");  // the first pause stands
    CHECK(again->held.empty());
  }
  auto s = open_store(tmp.path);
  REQUIRE(s->pause_at_open());
  CHECK(s->pause_at_open()->by == "sato");
  CHECK(s->pause_at_open()->reason == "flame on X");
  auto pending = all_owed(*s);
  REQUIRE(pending.ok());
  for (const auto& item : *pending) CHECK(item.kind != Kind::reply);  // notices go on
  CHECK(pending->size() == 3);

  auto resumed = wait_for<PauseResult>(
      [&](auto done) { s->set_pause(std::nullopt, HeldReplies::send, at, std::move(done)); });
  REQUIRE(resumed.ok());
  CHECK_FALSE(resumed->pause);
  REQUIRE(resumed->released.size() == 2);
  CHECK(resumed->released[0].idempotency_key == "c-p1:reply");
  CHECK(resumed->released[1].idempotency_key == "c-p2:reply");
  auto tl = timeline_of(*s, "c-p1");
  REQUIRE(tl.ok());
  std::vector<std::string> events;
  for (const auto& e : (*tl)["timeline"]) events.push_back(e["event"]);
  CHECK(std::find(events.begin(), events.end(), "reply_held") != events.end());
  CHECK(std::find(events.begin(), events.end(), "reply_released") != events.end());
}

TEST_CASE("store: at resume a resolved case's reply is dropped and a missed promise rewritten") {
  TempDir tmp;
  auto s = open_store(tmp.path);
  auto at = now();
  // Deadlines at +4 h; the pause ends 5 h later for all but "fresh".
  for (const auto* ext : {"resolved", "missed", "gone"}) {
    REQUIRE(ingest_case(*s, make_handoff_case(ext, at)).ok());
  }
  REQUIRE(ingest_case(*s, make_handoff_case("fresh", at + std::chrono::hours(4))).ok());
  REQUIRE(wait_for<PauseResult>([&](auto done) {
            s->set_pause(Pause{"sato", "", at}, HeldReplies::send, at, std::move(done));
          })->held.size() == 4);
  REQUIRE(wait_for<ResolveResult>([&](auto done) {
            s->resolve("c-resolved", "kato", "", false, at, std::move(done));
          })->outcome == ResolveOutcome::resolved);

  std::vector<std::string> refreshed;
  auto refresh = [&](const std::string& complaint, const OutboxItem& held,
                     t::Instant when) -> ackd::plan::ReplyRefresh {
    refreshed.push_back(held.complaint_id);
    CHECK(json::parse(complaint)["text"] == "注文した商品がまだ届きません。");
    CHECK(when == at + std::chrono::hours(5));
    if (held.complaint_id == "c-gone") return {std::nullopt, "the rule has no reply"};
    return {R"({"kind":"reply","text":"new deadline"})", {}};
  };
  const auto end = at + std::chrono::hours(5);
  auto resumed = wait_for<PauseResult>([&](auto done) {
    s->set_pause(std::nullopt, HeldReplies::send, end, std::move(done), refresh);
  });
  REQUIRE(resumed.ok());
  CHECK(refreshed == std::vector<std::string>{"c-missed", "c-gone"});  // not "fresh"
  CHECK(resumed->dropped == 2);
  REQUIRE(resumed->released.size() == 2);
  CHECK(resumed->released[0].complaint_id == "c-missed");
  CHECK(resumed->released[0].payload == R"({"kind":"reply","text":"new deadline"})");
  CHECK(resumed->released[0].idempotency_key == "c-missed:reply");
  CHECK(resumed->released[1].complaint_id == "c-fresh");
  CHECK(resumed->released[1].payload == R"({"kind":"reply"})");

  auto reason_of = [&](const std::string& id) {
    auto tl = timeline_of(*s, id);
    REQUIRE(tl.ok());
    for (const auto& e : (*tl)["timeline"]) {
      if (e["event"] == "reply_suppressed") return e["reason"].get<std::string>();
      if (e["event"] == "reply_released") return std::string(e.value("refreshed", "released"));
    }
    return std::string("none");
  };
  CHECK(reason_of("c-resolved") ==
        "held during a pause; the case was resolved before the pause ended");
  CHECK(reason_of("c-gone") ==
        "held during a pause past the case's deadline; the rule has no reply");
  CHECK(reason_of("c-missed") ==
        "the deadline it promised had passed: written again with a new one");
  CHECK(reason_of("c-fresh") == "released");
  auto pending = all_owed(*s);
  REQUIRE(pending.ok());
  for (const auto& item : *pending) {
    if (item.complaint_id == "c-missed" && item.kind == Kind::reply) {
      CHECK(item.payload == R"({"kind":"reply","text":"new deadline"})");  // stored, too
    }
  }
}

TEST_CASE("store: resuming with drop cancels what the pause held") {
  TempDir tmp;
  auto s = open_store(tmp.path);
  auto at = now();
  REQUIRE(ingest_case(*s, make_case("d1", "42", at)).ok());
  CHECK(s->outbox_depth() == 1);
  REQUIRE(wait_for<PauseResult>([&](auto done) {
            s->set_pause(Pause{"sato", "", at}, HeldReplies::drop, at, std::move(done));
          }).ok());
  auto resumed = wait_for<PauseResult>(
      [&](auto done) { s->set_pause(std::nullopt, HeldReplies::drop, at, std::move(done)); });
  REQUIRE(resumed.ok());
  CHECK(resumed->dropped == 1);
  CHECK(resumed->released.empty());
  CHECK(s->outbox_depth() == 0);
  auto tl = timeline_of(*s, "c-d1");
  REQUIRE(tl.ok());
  CHECK((*tl)["outbox"][0]["state"] == "cancelled");
}

TEST_CASE(
    "store: every policy version that served is kept, and the last is there at the next open") {
  TempDir tmp;
  const StoredPolicy first{"aaaa1111",
                           "/etc/ackd/rules.d",
                           {{"/etc/ackd/rules.d/00-base.yaml", "version: 1\n"},
                            {"/etc/ackd/rules.d/50-rules.yaml", "rules: []\n"}}};
  StoredPolicy second = first;
  second.version = "aaaa2222";
  second.files[1].content = "rules: [x]\n";
  const auto at = now();
  {
    auto s = open_store(tmp.path);
    CHECK_FALSE(s->last_served_policy());
    auto record = [&](const StoredPolicy& p, Served how, t::Instant when) {
      REQUIRE(wait_for<bool>([&](auto done) {
                s->policy_served(p, how, when, [done](absl::Status st) {
                  done(st.ok() ? absl::StatusOr<bool>(true) : absl::StatusOr<bool>(st));
                });
              }).ok());
    };
    record(first, Served::start, at);
    record(second, Served::reload, at + t::Seconds(60));
    record(first, Served::fallback, at + t::Seconds(120));  // the same files: kept once
  }
  CHECK(query_int(tmp.path, "SELECT count(*) FROM policy_versions") == 2);
  auto s = open_store(tmp.path, /*query_only=*/true);
  auto last = s->last_served_policy();
  REQUIRE(last);
  CHECK(last->version == "aaaa1111");
  REQUIRE(last->files.size() == 2);
  CHECK(last->files[1].path == "/etc/ackd/rules.d/50-rules.yaml");
  CHECK(last->files[1].content == "rules: []\n");

  auto history =
      wait_for<std::vector<PolicyServed>>([&](auto done) { s->policy_history(std::move(done)); });
  REQUIRE(history.ok());
  REQUIRE(history->size() == 3);
  CHECK((*history)[1].version == "aaaa2222");
  CHECK((*history)[1].how == Served::reload);
  CHECK((*history)[1].at == at + t::Seconds(60));
  CHECK((*history)[2].how == Served::fallback);
  CHECK((*history)[2].files == 2);

  auto versions = [&](std::string prefix) {
    auto found = wait_for<std::vector<StoredPolicy>>(
        [&](auto done) { s->policy_versions(prefix, std::move(done)); });
    REQUIRE(found.ok());
    return *found;
  };
  CHECK(versions("aaaa").size() == 2);  // ambiguous
  REQUIRE(versions("aaaa2").size() == 1);
  CHECK(versions("aaaa2")[0].files[1].content == "rules: [x]\n");
  CHECK(versions("b").empty());
  CHECK(versions("%").empty());  // a prefix is not a pattern
}

// The delivery queue as ackd queue lists it, one row.
std::vector<QueueRow> queue_of(Store& s, t::Instant at, QueueQuery query = {}) {
  auto rows = wait_for<std::vector<QueueRow>>(
      [&](auto done) { s.queue(std::move(query), at, std::move(done)); });
  REQUIRE_MESSAGE(rows.ok(), rows.status().ToString());
  return *rows;
}

// The last event of that name in the case's timeline.
json event_named(Store& s, const std::string& id, const std::string& name) {
  auto timeline = timeline_of(s, id);
  REQUIRE(timeline.ok());
  json found;
  for (const auto& e : (*timeline)["timeline"]) {
    if (e["event"] == name) found = e;
  }
  return found;
}

std::vector<std::string> states_of(const std::vector<QueueRow>& rows) {
  std::vector<std::string> out;
  for (const auto& r : rows) out.push_back(r.complaint_id + " " + r.kind + " " + r.state);
  return out;
}

TEST_CASE("store: the queue shows each delivery's state, and a failed one marks its case") {
  TempDir tmp;
  const auto at = now();
  auto s = open_store(tmp.path);
  auto one = ingest_case(*s, make_handoff_case("q1", at));
  auto two = ingest_case(*s, make_handoff_case("q2", at));
  REQUIRE(one.ok());
  REQUIRE(two.ok());
  const auto& q1 = one->plan->outbox;  // reply, handoff, escalation, breach
  const auto& q2 = two->plan->outbox;
  s->mark_attempt_failed(q1[0].id, 1, at, at + std::chrono::minutes(1), "HTTP 503");
  s->mark_failed(q1[1].id, 8, at + std::chrono::seconds(5), "HTTP 404");
  s->flush();
  CHECK(s->failed_cases() == 1);

  // Owed now, retrying and failed; what is not due yet only when asked for.
  CHECK(states_of(queue_of(*s, at)) ==
        std::vector<std::string>{"c-q1 handoff failed", "c-q2 reply due", "c-q2 handoff due",
                                 "c-q1 reply retrying"});
  CHECK(queue_of(*s, at, {.state = "scheduled"}).size() == 4);
  CHECK(states_of(queue_of(*s, at, {.state = "failed"})) ==
        std::vector<std::string>{"c-q1 handoff failed"});
  const auto failed = queue_of(*s, at, {.state = "failed"}).front();
  CHECK(failed.attempts == 8);
  CHECK(failed.last_error == "HTTP 404");
  CHECK(failed.sink == "support");
  // A page, then the next after it, never overlapping.
  const auto first = queue_of(*s, at, {.limit = 2});
  REQUIRE(first.size() == 2);
  const auto rest =
      queue_of(*s, at, {.limit = 10, .after = std::pair{first.back().next_at, first.back().id}});
  CHECK(states_of(rest) == std::vector<std::string>{"c-q2 handoff due", "c-q1 reply retrying"});

  // The case shows as failed until its delivery is retried or dropped.
  auto failed_handoffs = handoffs_of(*s, "failed", at);
  REQUIRE(failed_handoffs.ok());
  REQUIRE(failed_handoffs->size() == 1);
  CHECK((*failed_handoffs)[0]["id"] == "c-q1");
  CHECK((*failed_handoffs)[0]["failed_deliveries"] == 1);
  auto open = handoffs_of(*s, "open", at);
  REQUIRE(open.ok());
  CHECK((*open)[0]["failed_deliveries"] == ((*open)[0]["id"] == "c-q1" ? 1 : 0));
  CHECK((*timeline_of(*s, "c-q1"))["failed_deliveries"] == 1);

  // A sink on hold: its deliveries are held, and the hold outlives a restart.
  auto holds = wait_for<SinkHolds>([&](auto done) {
    s->hold_sink("support", SinkHold{"ops-sato", "helpdesk migration", at}, std::move(done));
  });
  REQUIRE(holds.ok());
  CHECK(holds->contains("support"));
  CHECK(states_of(queue_of(*s, at, {.state = "held"})) ==
        std::vector<std::string>{"c-q2 handoff held"});
  s.reset();
  s = open_store(tmp.path);
  REQUIRE(s->sink_holds_at_open().contains("support"));
  CHECK(s->sink_holds_at_open().at("support").reason == "helpdesk migration");
  CHECK(s->failed_cases() == 1);  // counted again at open
  holds = wait_for<SinkHolds>(
      [&](auto done) { s->hold_sink("support", std::nullopt, std::move(done)); });
  REQUIRE(holds.ok());
  CHECK(holds->empty());

  // Retry: the failed one is owed again with its key, attempts start over.
  auto retried = wait_for<Retried>(
      [&](auto done) { s->retry({.id = q1[1].id}, "ops-sato", at, std::move(done)); });
  REQUIRE(retried.ok());
  REQUIRE(retried->requeued.size() == 1);
  CHECK(retried->requeued[0].idempotency_key == q1[1].idempotency_key);
  CHECK(retried->requeued[0].payload == "{}");
  CHECK(s->failed_cases() == 0);
  CHECK(handoffs_of(*s, "failed", at)->empty());
  auto again = queue_of(*s, at, {.state = "due"});
  CHECK(std::any_of(again.begin(), again.end(),
                    [&](const QueueRow& r) { return r.id == q1[1].id && r.attempts == 0; }));
  CHECK((*timeline_of(*s, "c-q1"))["failed_deliveries"] == 0);
  const auto retried_event = event_named(*s, "c-q1", "delivery_retried");
  CHECK(retried_event["outbox_id"] == q1[1].id);
  CHECK(retried_event["by"] == "ops-sato");
  CHECK(retried_event["attempts_before"] == 8);
  CHECK(retried_event["last_error"] == "HTTP 404");
  // Nothing to retry in something owed and never tried; a retrying one probes its sink.
  auto not_failed = wait_for<Retried>(
      [&](auto done) { s->retry({.id = q1[1].id}, "ops-sato", at, std::move(done)); });
  CHECK(absl::IsFailedPrecondition(not_failed.status()));
  auto probe = wait_for<Retried>(
      [&](auto done) { s->retry({.id = q1[0].id}, "ops-sato", at, std::move(done)); });
  REQUIRE(probe.ok());
  CHECK(probe->requeued.empty());
  CHECK(probe->probe == std::vector<std::string>{"x-reply"});
  CHECK(absl::IsNotFound(wait_for<Retried>([&](auto done) {
                           s->retry({.id = 999999}, "x", at, std::move(done));
                         }).status()));

  // Everything given up since a time, of one sink or all.
  s->mark_failed(q2[1].id, 8, at + std::chrono::seconds(30), "HTTP 410");
  s->flush();
  CHECK(s->failed_cases() == 1);
  auto none = wait_for<Retried>([&](auto done) {
    s->retry({.failed_since = at + std::chrono::minutes(1)}, "ops", at, std::move(done));
  });
  REQUIRE(none.ok());
  CHECK(none->requeued.empty());
  auto other_sink = wait_for<Retried>([&](auto done) {
    s->retry({.sink = "x-reply", .failed_since = at}, "ops", at, std::move(done));
  });
  REQUIRE(other_sink.ok());
  CHECK(other_sink->requeued.empty());
  auto since = wait_for<Retried>([&](auto done) {
    s->retry({.failed_since = at + std::chrono::seconds(30)}, "ops", at, std::move(done));
  });
  REQUIRE(since.ok());
  REQUIRE(since->requeued.size() == 1);
  CHECK(since->requeued[0].id == q2[1].id);
  CHECK(s->failed_cases() == 0);

  // Drop: never sent, with who and why in the timeline; not twice.
  const auto depth = s->outbox_depth();
  auto dropped = wait_for<Dropped>(
      [&](auto done) { s->drop(q2[0].id, "ops-sato", "answered by phone", at, std::move(done)); });
  REQUIRE(dropped.ok());
  CHECK(dropped->was == "due");
  CHECK(s->outbox_depth() == depth - 1);
  auto item = wait_for<std::optional<QueueRow>>(
      [&](auto done) { s->queue_item(q2[0].id, at, std::move(done)); });
  REQUIRE(item.ok());
  REQUIRE(item->has_value());
  CHECK((*item)->state == "dropped");
  CHECK((*item)->payload == R"({"kind":"reply"})");
  const auto drop_event = event_named(*s, "c-q2", "delivery_dropped");
  CHECK(drop_event["by"] == "ops-sato");
  CHECK(drop_event["reason"] == "answered by phone");
  CHECK(drop_event["was"] == "due");
  CHECK(absl::IsFailedPrecondition(wait_for<Dropped>([&](auto done) {
                                     s->drop(q2[0].id, "x", "again", at, std::move(done));
                                   }).status()));
  CHECK(states_of(queue_of(*s, at, {.sink = "x-reply"})) ==
        std::vector<std::string>{"c-q1 reply retrying"});
}

}  // namespace store_test
