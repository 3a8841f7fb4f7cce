#pragma once

#include <iterator>

namespace ackd::store::schema {

// Migration N brings a database from user_version N-1 to N. Append new ones; never edit
// one that has shipped, since databases in the field already ran it.
struct Migration {
  int version;
  const char* sql;
};

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
};

inline constexpr int kLatestVersion = kMigrations[std::size(kMigrations) - 1].version;

}  // namespace ackd::store::schema
