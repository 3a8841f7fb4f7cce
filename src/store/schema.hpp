#pragma once

#include <iterator>

namespace ackd::store::schema {

// Migration N brings a database from user_version N-1 to N. Append new ones; never edit
// one that has shipped, since databases in the field already ran it.
struct Migration {
  int version;
  const char* sql;
  const char* then = nullptr;  // runs after `sql`, in the same transaction
};

// case_facts as migration 11 made it, filled from the cases, their handoffs and their
// deliveries.
inline constexpr const char* kFillCaseFacts11 = R"sql(
INSERT INTO case_facts
SELECT c.id, c.received_at, c.channel, c.author_id, c.rule, c.reply_status, c.reason,
  coalesce(h.priority, json_extract(c.decision, '$.priority'), ''),
  coalesce(json_extract(c.decision, '$.handoff.calendar'), ''), coalesce(h.team, ''),
  h.deadline, h.agent, h.claimed_at, h.resolved_at,
  (SELECT delivered_at FROM outbox o WHERE o.complaint_id = c.id AND o.kind = 'reply'
     AND o.state = 'delivered'),
  EXISTS (SELECT 1 FROM outbox o WHERE o.complaint_id = c.id AND o.kind = 'reply'
     AND o.state = 'failed'),
  (SELECT group_concat(level) FROM outbox o WHERE o.complaint_id = c.id
     AND o.kind = 'escalation' AND o.state = 'delivered'),
  (SELECT count(*) FROM outbox o WHERE o.complaint_id = c.id AND o.kind = 'followup'
     AND o.state = 'delivered'),
  (SELECT count(*) FROM outbox o WHERE o.complaint_id = c.id AND o.state = 'failed')
FROM complaints c LEFT JOIN handoffs h ON h.complaint_id = c.id;
)sql";

// case_facts as the cases, their handoffs and their deliveries say it is now: the triggers
// keep it so (tests compare the two).
inline constexpr const char* kFillCaseFacts = R"sql(
INSERT INTO case_facts
  (id, received_at, channel, author_id, rule, reply_status, reason, priority, calendar, team,
   deadline, agent, claimed_at, resolved_at, reply_delivered_at, reply_failed, escalations,
   followups, failed, lists, keywords)
SELECT c.id, c.received_at, c.channel, c.author_id, c.rule, c.reply_status, c.reason,
  coalesce(h.priority, json_extract(c.decision, '$.priority'), ''),
  coalesce(json_extract(c.decision, '$.handoff.calendar'), ''), coalesce(h.team, ''),
  h.deadline, h.agent, h.claimed_at, h.resolved_at,
  (SELECT delivered_at FROM outbox o WHERE o.complaint_id = c.id AND o.kind = 'reply'
     AND o.state = 'delivered'),
  EXISTS (SELECT 1 FROM outbox o WHERE o.complaint_id = c.id AND o.kind = 'reply'
     AND o.state = 'failed'),
  (SELECT group_concat(level) FROM outbox o WHERE o.complaint_id = c.id
     AND o.kind = 'escalation' AND o.state = 'delivered'),
  (SELECT count(*) FROM outbox o WHERE o.complaint_id = c.id AND o.kind = 'followup'
     AND o.state = 'delivered'),
  (SELECT count(*) FROM outbox o WHERE o.complaint_id = c.id AND o.state = 'failed'),
  (SELECT group_concat(value, char(10)) FROM json_each(c.decision, '$.lists')),
  (SELECT group_concat(value, char(10)) FROM json_each(c.decision, '$.keywords'))
FROM complaints c LEFT JOIN handoffs h ON h.complaint_id = c.id;
)sql";

inline constexpr Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE complaints (
  id             TEXT PRIMARY KEY,
  channel        TEXT NOT NULL,
  external_id    TEXT NOT NULL,
  author_id      TEXT NOT NULL,
  received_at    INTEGER NOT NULL,
  accepted_at    INTEGER NOT NULL,
  complaint      TEXT NOT NULL,
  rule           TEXT NOT NULL,
  policy_version TEXT NOT NULL,
  reply_status   TEXT NOT NULL CHECK (reply_status IN ('none', 'queued', 'suppressed')),
  reason         TEXT NOT NULL,
  reply_counts   INTEGER NOT NULL DEFAULT 0 CHECK (reply_counts IN (0, 1)),
  decision       TEXT NOT NULL,
  response       TEXT NOT NULL,
  UNIQUE (channel, external_id)
);
CREATE INDEX complaints_by_author ON complaints (channel, author_id, received_at);

CREATE TABLE handoffs (
  complaint_id     TEXT PRIMARY KEY REFERENCES complaints (id),
  team             TEXT NOT NULL,
  priority         TEXT NOT NULL,
  deadline         INTEGER NOT NULL,
  deadline_text    TEXT NOT NULL,
  state            TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'claimed', 'resolved')),
  agent            TEXT,
  claimed_at       INTEGER,
  resolved_at      INTEGER,
  note             TEXT,
  followup_after   INTEGER,
  followup_sink    TEXT,
  followup_payload TEXT
);
CREATE INDEX handoffs_by_state ON handoffs (state, deadline);

CREATE TABLE outbox (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  complaint_id    TEXT NOT NULL REFERENCES complaints (id),
  kind            TEXT NOT NULL
                  CHECK (kind IN ('reply', 'handoff', 'escalation', 'breach', 'followup')),
  level           INTEGER NOT NULL DEFAULT 0,
  sink            TEXT NOT NULL,
  idempotency_key TEXT NOT NULL UNIQUE,
  payload         TEXT NOT NULL,
  due_at          INTEGER NOT NULL,
  state           TEXT NOT NULL DEFAULT 'pending'
                  CHECK (state IN ('pending', 'delivered', 'failed', 'cancelled')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER,
  last_error      TEXT,
  delivered_at    INTEGER
);
CREATE INDEX outbox_by_state ON outbox (state, due_at);
CREATE INDEX outbox_by_complaint ON outbox (complaint_id);

CREATE TABLE timeline (
  id           INTEGER PRIMARY KEY,
  complaint_id TEXT NOT NULL REFERENCES complaints (id),
  at           INTEGER NOT NULL,
  event        TEXT NOT NULL,
  detail       TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX timeline_by_complaint ON timeline (complaint_id, id);
)sql"},
    // Fewer B-trees written per complaint, for ingest throughput (bench/README.md):
    // - the timeline shows "received" and "decided" from the complaint row itself;
    // - an outbox row is unique by (complaint, kind, level), which its idempotency key is
    //   made of, and that one index also serves the lookups by complaint;
    // - only pending rows are indexed by due time (delivered ones leave the index);
    // - no AUTOINCREMENT: rows are never deleted, so ids never repeat anyway, and the
    //   sqlite_sequence update it costs per insert is saved.
    {2, R"sql(
DELETE FROM timeline WHERE event IN ('received', 'decided');
CREATE TABLE outbox_v2 (
  id              INTEGER PRIMARY KEY,
  complaint_id    TEXT NOT NULL REFERENCES complaints (id),
  kind            TEXT NOT NULL
                  CHECK (kind IN ('reply', 'handoff', 'escalation', 'breach', 'followup')),
  level           INTEGER NOT NULL DEFAULT 0,
  sink            TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  payload         TEXT NOT NULL,
  due_at          INTEGER NOT NULL,
  state           TEXT NOT NULL DEFAULT 'pending'
                  CHECK (state IN ('pending', 'delivered', 'failed', 'cancelled')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER,
  last_error      TEXT,
  delivered_at    INTEGER,
  UNIQUE (complaint_id, kind, level)
);
INSERT INTO outbox_v2 SELECT * FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_v2 RENAME TO outbox;
CREATE INDEX outbox_pending ON outbox (due_at) WHERE state = 'pending';
)sql"},
    // The kill switch: replies held while ackd is paused (held = 1 stays pending but is not
    // handed to the dispatcher), and the pause itself, which survives restarts.
    {3, R"sql(
ALTER TABLE outbox ADD COLUMN held INTEGER NOT NULL DEFAULT 0 CHECK (held IN (0, 1));
CREATE TABLE settings (
  name  TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
)sql"},
    // One automatic reply per thread: the threads already answered, found by an index that
    // holds only them.
    {4, R"sql(
ALTER TABLE complaints ADD COLUMN thread_id TEXT;
CREATE INDEX complaints_answered_threads ON complaints (channel, thread_id)
  WHERE thread_id IS NOT NULL AND reply_counts = 1;
)sql"},
    // Storm mode's incident notice is an outbox row like the others (kind 'incident').
    {5, R"sql(
CREATE TABLE outbox_v5 (
  id              INTEGER PRIMARY KEY,
  complaint_id    TEXT NOT NULL REFERENCES complaints (id),
  kind            TEXT NOT NULL CHECK (kind IN ('reply', 'handoff', 'escalation', 'breach',
                                                'followup', 'incident')),
  level           INTEGER NOT NULL DEFAULT 0,
  sink            TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  payload         TEXT NOT NULL,
  due_at          INTEGER NOT NULL,
  state           TEXT NOT NULL DEFAULT 'pending'
                  CHECK (state IN ('pending', 'delivered', 'failed', 'cancelled')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER,
  last_error      TEXT,
  delivered_at    INTEGER,
  held            INTEGER NOT NULL DEFAULT 0 CHECK (held IN (0, 1)),
  UNIQUE (complaint_id, kind, level)
);
INSERT INTO outbox_v5 SELECT * FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_v5 RENAME TO outbox;
CREATE INDEX outbox_pending ON outbox (due_at) WHERE state = 'pending';
)sql"},
    // Loop protection: the fingerprints of the replies sent lately, so that a complaint
    // repeating one of them (a bot quoting us back) gets no reply.
    {6, R"sql(
CREATE TABLE reply_fingerprints (
  fingerprint INTEGER PRIMARY KEY,
  at          INTEGER NOT NULL
);
)sql"},
    // The dispatcher reads the outbox ahead of time in order of (due, id), where a row
    // being retried is due at its next attempt.
    {7, R"sql(
DROP INDEX outbox_pending;
CREATE INDEX outbox_owed ON outbox (coalesce(next_attempt_at, due_at)) WHERE state = 'pending';
)sql"},
    // What a delivery made at its destination ("zendesk:35436", a ticket ackd opened), so
    // that the helpdesk's webhook about that ticket finds its case.
    {8, R"sql(
ALTER TABLE outbox ADD COLUMN remote_id TEXT;
CREATE INDEX outbox_by_remote_id ON outbox (remote_id) WHERE remote_id IS NOT NULL;
)sql"},
    // Where a source that reads from elsewhere stands (a mailbox's UIDVALIDITY and the last
    // UID taken), so that a restart neither loses nor repeats a message.
    {9, R"sql(
CREATE TABLE source_state (
  source     TEXT PRIMARY KEY,
  state      TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
)sql"},
    // Every policy version that served (its files, to roll back to or to serve at boot when
    // the policy on disk does not load), and each time one started to serve.
    {10, R"sql(
CREATE TABLE policy_versions (
  version         TEXT PRIMARY KEY,
  root            TEXT NOT NULL,
  files           TEXT NOT NULL,
  first_served_at INTEGER NOT NULL
);
CREATE TABLE policy_served (
  id      INTEGER PRIMARY KEY,
  at      INTEGER NOT NULL,
  version TEXT NOT NULL REFERENCES policy_versions (version),
  how     TEXT NOT NULL CHECK (how IN ('start', 'reload', 'fallback')),
  root    TEXT NOT NULL
);
)sql"},
    // What reports read: one narrow row a complaint, kept by triggers as its case moves
    // (handed off, claimed, resolved; replies and notices delivered or given up), so that a
    // month of a million complaints is one scan of ~100 MB instead of the complaints' texts
    // and the outbox's payloads. A migration that rebuilds complaints, handoffs or outbox
    // must create these triggers again.
    {11, R"sql(
CREATE TABLE case_facts (
  id                 TEXT PRIMARY KEY,  -- no foreign key: figures may outlive the case
  received_at        INTEGER NOT NULL,
  channel            TEXT NOT NULL,
  author_id          TEXT NOT NULL,
  rule               TEXT NOT NULL,
  reply_status       TEXT NOT NULL,
  reason             TEXT NOT NULL,
  priority           TEXT NOT NULL,
  calendar           TEXT NOT NULL,
  team               TEXT NOT NULL DEFAULT '',
  deadline           INTEGER,
  agent              TEXT,
  claimed_at         INTEGER,
  resolved_at        INTEGER,
  reply_delivered_at INTEGER,
  reply_failed       INTEGER NOT NULL DEFAULT 0,
  escalations        TEXT,  -- the levels delivered: "1,2"
  followups          INTEGER NOT NULL DEFAULT 0,
  failed             INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX case_facts_by_received ON case_facts (received_at);
CREATE TRIGGER case_facts_received AFTER INSERT ON complaints BEGIN
  INSERT INTO case_facts (id, received_at, channel, author_id, rule, reply_status, reason,
                          priority, calendar)
  VALUES (new.id, new.received_at, new.channel, new.author_id, new.rule, new.reply_status,
          new.reason, coalesce(json_extract(new.decision, '$.priority'), ''),
          coalesce(json_extract(new.decision, '$.handoff.calendar'), ''));
END;
CREATE TRIGGER case_facts_handed_off AFTER INSERT ON handoffs BEGIN
  UPDATE case_facts SET team = new.team, priority = new.priority, deadline = new.deadline
  WHERE id = new.complaint_id;
END;
CREATE TRIGGER case_facts_taken AFTER UPDATE OF state ON handoffs BEGIN
  UPDATE case_facts
  SET agent = new.agent, claimed_at = new.claimed_at, resolved_at = new.resolved_at
  WHERE id = new.complaint_id;
END;
CREATE TRIGGER case_facts_delivered AFTER UPDATE OF state ON outbox
WHEN new.state = 'delivered' AND old.state <> 'delivered' BEGIN
  UPDATE case_facts
  SET reply_delivered_at = CASE new.kind WHEN 'reply' THEN new.delivered_at
                           ELSE reply_delivered_at END,
      escalations = CASE new.kind WHEN 'escalation'
                    THEN coalesce(escalations || ',', '') || new.level ELSE escalations END,
      followups = followups + (new.kind = 'followup')
  WHERE id = new.complaint_id;
END;
CREATE TRIGGER case_facts_failed AFTER UPDATE OF state ON outbox
WHEN new.state = 'failed' AND old.state <> 'failed' BEGIN
  UPDATE case_facts
  SET reply_failed = reply_failed OR new.kind = 'reply', failed = failed + 1
  WHERE id = new.complaint_id;
END;
)sql",
     kFillCaseFacts11},
    // Retention (store/retention.cpp): when a case's personal data was erased, the cases
    // still to erase and all cases by age, and no payload kept for an erased case once its
    // delivery is done (one still owed at the erasure goes out as it was).
    {12, R"sql(
ALTER TABLE complaints ADD COLUMN erased_at INTEGER;
CREATE INDEX complaints_unerased ON complaints (received_at) WHERE erased_at IS NULL;
CREATE INDEX complaints_by_received ON complaints (received_at);
CREATE TRIGGER erased_payload_sent AFTER UPDATE OF state ON outbox
WHEN new.state <> 'pending' AND new.payload <> '{}'
  AND EXISTS (SELECT 1 FROM complaints WHERE id = new.complaint_id AND erased_at IS NOT NULL)
BEGIN
  UPDATE outbox SET payload = '{}' WHERE id = new.id;
END;
)sql"},
    // The open handoffs by team (the ackd_handoffs_open gauge), counted when the store opens
    // from this small index alone rather than from every open handoff's row (state in it
    // makes it covering for SQLite 3.40).
    {13, R"sql(
CREATE INDEX handoffs_open_by_team ON handoffs (team, state) WHERE state = 'open';
)sql"},
    // case_facts kept in the order reports read it, by received time (WITHOUT ROWID), so a
    // month is a run of adjacent pages rather than an index walk that visits the table once
    // a row (and one b-tree less to keep); the triggers find a row through its id's index.
    // Plus what the text was about in the policy's words, for the recurring topics: the
    // decision's `lists` and `keywords`, one per line (older rows have none).
    // legacy_alter_table: the rename must leave the triggers' "case_facts" as they are.
    {14, R"sql(
PRAGMA legacy_alter_table = ON;
CREATE TABLE case_facts_by_time (
  id                 TEXT NOT NULL,
  received_at        INTEGER NOT NULL,
  channel            TEXT NOT NULL,
  author_id          TEXT NOT NULL,
  rule               TEXT NOT NULL,
  reply_status       TEXT NOT NULL,
  reason             TEXT NOT NULL,
  priority           TEXT NOT NULL,
  calendar           TEXT NOT NULL,
  team               TEXT NOT NULL DEFAULT '',
  deadline           INTEGER,
  agent              TEXT,
  claimed_at         INTEGER,
  resolved_at        INTEGER,
  reply_delivered_at INTEGER,
  reply_failed       INTEGER NOT NULL DEFAULT 0,
  escalations        TEXT,
  followups          INTEGER NOT NULL DEFAULT 0,
  failed             INTEGER NOT NULL DEFAULT 0,
  lists              TEXT,
  keywords           TEXT,
  PRIMARY KEY (received_at, id)
) WITHOUT ROWID;
INSERT INTO case_facts_by_time
  (id, received_at, channel, author_id, rule, reply_status, reason, priority, calendar, team,
   deadline, agent, claimed_at, resolved_at, reply_delivered_at, reply_failed, escalations,
   followups, failed)
SELECT id, received_at, channel, author_id, rule, reply_status, reason, priority, calendar,
  team, deadline, agent, claimed_at, resolved_at, reply_delivered_at, reply_failed,
  escalations, followups, failed
FROM case_facts;
DROP TABLE case_facts;
ALTER TABLE case_facts_by_time RENAME TO case_facts;
PRAGMA legacy_alter_table = OFF;
CREATE UNIQUE INDEX case_facts_by_id ON case_facts (id);
DROP TRIGGER case_facts_received;
CREATE TRIGGER case_facts_received AFTER INSERT ON complaints BEGIN
  INSERT INTO case_facts (id, received_at, channel, author_id, rule, reply_status, reason,
                          priority, calendar, lists, keywords)
  VALUES (new.id, new.received_at, new.channel, new.author_id, new.rule, new.reply_status,
          new.reason, coalesce(json_extract(new.decision, '$.priority'), ''),
          coalesce(json_extract(new.decision, '$.handoff.calendar'), ''),
          (SELECT group_concat(value, char(10)) FROM json_each(new.decision, '$.lists')),
          (SELECT group_concat(value, char(10)) FROM json_each(new.decision, '$.keywords')));
END;
)sql"},
    // The weekly report mails: each due time once, whatever restarts come between.
    {15, R"sql(
CREATE TABLE report_mailings (
  due_at  INTEGER PRIMARY KEY,
  outcome TEXT NOT NULL CHECK (outcome IN ('sent', 'failed')),
  at      INTEGER NOT NULL,
  error   TEXT
);
)sql"},
    // The reference each customer was given (AK-…, complaint/complaint.hpp), to find a case
    // by it. Two cases may share one (30 bits): keyed with the id. ackd_case_reference is the
    // writer's own SQL function (store.cpp), needed only to fill this once.
    {16, R"sql(
CREATE TABLE case_references (
  reference TEXT NOT NULL,
  id        TEXT NOT NULL,
  PRIMARY KEY (reference, id)
) WITHOUT ROWID;
INSERT INTO case_references (reference, id)
SELECT ackd_case_reference(channel, external_id), id FROM complaints;
)sql"},
    // A delivery given up shows its case as failed (/v1/handoffs?state=failed, the
    // ackd_cases_failed gauge) until it is retried or dropped: few rows, looked up by case.
    {17, R"sql(
CREATE INDEX outbox_failed ON outbox (complaint_id) WHERE state = 'failed';
)sql"},
    // A page of /v1/handoffs is read in index order, never sorted: a business-hours
    // calendar gives every case of a night the same deadline, and sorting thousands of
    // rows that share one to return the first hundred took 10 ms at 10,000 open cases.
    // The id completes the order; the cases still to do (open or claimed) have one of
    // their own, which also serves the breached ones.
    {18, R"sql(
DROP INDEX handoffs_by_state;
CREATE INDEX handoffs_by_state ON handoffs (state, deadline, complaint_id);
CREATE INDEX handoffs_active ON handoffs (deadline, complaint_id) WHERE state IN ('open', 'claimed');
)sql"},
    // The console finds a customer's cases by their handle (any case); by their id through
    // complaints_by_author, channel by channel.
    {19, R"sql(
CREATE INDEX complaints_by_handle ON complaints (lower(json_extract(complaint, '$.author.handle')));
)sql"},
};

inline constexpr int kLatestVersion = kMigrations[std::size(kMigrations) - 1].version;

}  // namespace ackd::store::schema
