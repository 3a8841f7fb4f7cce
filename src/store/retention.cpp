#include "store/retention.hpp"

#include <vector>

#include "ackd/complaint/complaint.hpp"

namespace ackd::store::retention {
namespace {

std::int64_t unix_seconds(time::Instant t) {
  return t.time_since_epoch().count();
}

std::vector<std::string> ids(sqlite::Query& q) {
  std::vector<std::string> out;
  while (q.step()) out.push_back(q.text(0));
  return out;
}

// Gone for good: its rows, not its figures (case_facts stays, without the author).
void delete_case(sqlite::Connection& db, const std::string& id) {
  auto q = db.query("SELECT channel, external_id FROM complaints WHERE id = ?");
  q.bind_all(id);
  if (q.step()) {
    db.query("DELETE FROM case_references WHERE reference = ? AND id = ?")
        .bind_all(case_reference(q.text_view(0), q.text_view(1)), id)
        .run();
  }
  for (const char* sql :
       {"DELETE FROM timeline WHERE complaint_id = ?", "DELETE FROM outbox WHERE complaint_id = ?",
        "DELETE FROM handoffs WHERE complaint_id = ?", "DELETE FROM complaints WHERE id = ?",
        "UPDATE case_facts SET author_id = '' WHERE id = ?"}) {
    db.query(sql).bind_all(id).run();
  }
}

}  // namespace

void erase_case(sqlite::Connection& db, const std::string& id, Why why, time::Instant now) {
  // What stays of the complaint is what says where and when it came, not who or what.
  db.query(
        "UPDATE complaints SET "
        "  complaint = json_object('channel', channel, 'external_id', external_id, "
        "    'received_at', json_extract(complaint, '$.received_at'), "
        "    'lang', json_extract(complaint, '$.lang'), "
        "    'visibility', json_extract(complaint, '$.visibility')), "
        "  author_id = '', decision = json_remove(decision, '$.reply_text'), erased_at = ? "
        "WHERE id = ?")
      .bind_all(unix_seconds(now), id)
      .run();
  db.query("UPDATE case_facts SET author_id = '' WHERE id = ?").bind_all(id).run();
  // A delivery still owed goes out as planned; its payload goes once it is done (the
  // erased_payload_sent trigger).
  db.query("UPDATE outbox SET payload = '{}' WHERE complaint_id = ? AND state <> 'pending'")
      .bind_all(id)
      .run();
  db.query("UPDATE handoffs SET note = NULL, followup_payload = NULL WHERE complaint_id = ?")
      .bind_all(id)
      .run();
  db.query(
        "UPDATE timeline SET detail = json_remove(detail, '$.author', '$.text', '$.reply', "
        "'$.note', '$.subject', '$.metadata') WHERE complaint_id = ?")
      .bind_all(id)
      .run();
  db.query(
        "INSERT INTO timeline (complaint_id, at, event, detail) "
        "VALUES (?, ?, 'personal_data_erased', json_object('why', ?))")
      .bind_all(id, unix_seconds(now), why == Why::retention ? "retention" : "forget")
      .run();
}

Expired expire(sqlite::Connection& db, const ExpireBefore& before, std::size_t limit,
               time::Instant now, const std::function<bool()>& stop) {
  Expired done;
  // Between two cases: whether to leave the rest for the next batch.
  auto enough = [&] {
    if (done.erased + done.deleted < limit && !(stop && stop())) return false;
    done.more = true;
    return true;
  };
  // A case someone still has to take over is kept whole; so is one with a delivery still
  // owed, until it is made, or given up, until ops retry or drop it (ackd queue).
  if (before.cases) {
    auto q = db.query(
        "SELECT c.id FROM complaints c LEFT JOIN handoffs h ON h.complaint_id = c.id "
        "WHERE c.received_at < ? AND (h.state IS NULL OR h.state = 'resolved') "
        "  AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.complaint_id = c.id "
        "                  AND o.state IN ('pending', 'failed')) "
        "ORDER BY c.received_at LIMIT ?");
    q.bind_all(unix_seconds(*before.cases), static_cast<std::int64_t>(limit));
    for (const auto& id : ids(q)) {
      if (enough()) return done;
      delete_case(db, id);
      ++done.deleted;
    }
  }
  if (before.personal_data && !enough()) {
    auto q = db.query(
        "SELECT c.id FROM complaints c LEFT JOIN handoffs h ON h.complaint_id = c.id "
        "WHERE c.erased_at IS NULL AND c.received_at < ? "
        "  AND (h.state IS NULL OR h.state = 'resolved') "
        "ORDER BY c.received_at LIMIT ?");
    q.bind_all(unix_seconds(*before.personal_data),
               static_cast<std::int64_t>(limit - done.deleted));
    for (const auto& id : ids(q)) {
      if (enough()) return done;
      erase_case(db, id, Why::retention, now);
      ++done.erased;
    }
  }
  done.more = done.more || done.erased + done.deleted == limit;
  return done;
}

std::size_t forget_author(sqlite::Connection& db, const std::string& author_id,
                          const std::optional<std::string>& channel, time::Instant now) {
  std::vector<std::string> channels;
  if (channel) {
    channels.push_back(*channel);
  } else {
    // Every channel stored, one index seek each (complaints_by_author leads with it).
    auto q = db.query(
        "WITH RECURSIVE ch (name) AS (SELECT min(channel) FROM complaints UNION ALL "
        "  SELECT (SELECT min(channel) FROM complaints WHERE channel > ch.name) FROM ch "
        "  WHERE ch.name IS NOT NULL) "
        "SELECT name FROM ch WHERE name IS NOT NULL");
    channels = ids(q);
  }
  std::size_t erased = 0;
  for (const auto& name : channels) {
    auto q = db.query("SELECT id FROM complaints WHERE channel = ? AND author_id = ?");
    q.bind_all(name, author_id);
    for (const auto& id : ids(q)) {
      erase_case(db, id, Why::forget, now);
      ++erased;
    }
  }
  return erased;
}

}  // namespace ackd::store::retention
