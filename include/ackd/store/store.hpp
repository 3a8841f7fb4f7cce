#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ackd/complaint/complaint.hpp"
#include "ackd/time/instant.hpp"
#include "nlohmann/json.hpp"

namespace ackd::store {

// One thing ackd owes someone: a reply to a customer or a notice to a team, due at a time.
// Rows are written in the same transaction as the complaint that owes them (the
// transactional outbox), so what was promised by a 202 survives a crash.
struct OutboxItem {
  std::int64_t id = 0;  // assigned by the store
  std::string complaint_id;
  std::string kind;  // reply | handoff | escalation | breach | followup
  int level = 0;     // escalation level; 0 otherwise
  std::string sink;
  std::string idempotency_key;  // the same on every attempt
  std::string payload;          // the JSON body to send
  time::Instant due_at;
  int attempts = 0;   // attempts already made
  bool held = false;  // a reply kept back while ackd is paused: stored, not sent
};

// The handoff of a case to a team, as stored.
struct HandoffRecord {
  std::string team;
  std::string priority;
  time::Instant deadline;
  std::string deadline_text;
  // The follow-up notice owed after resolution, if the rule asks for one: its sink,
  // delay and payload are fixed at acceptance so a policy reload cannot change them.
  std::optional<time::Seconds> followup_after;
  std::string followup_sink;
  std::string followup_payload;
};

// Everything stored for one newly accepted complaint, in one transaction.
struct CaseRecord {
  std::string id;
  std::string channel;
  std::string external_id;
  std::string author_id;
  time::Instant received_at;  // when the customer posted (or arrival)
  time::Instant accepted_at;
  nlohmann::json complaint;  // as received
  std::string rule;
  std::string policy_version;
  std::string reply_status;  // none | queued | suppressed
  std::string reason;
  bool reply_counts_for_author = false;           // counts towards the per-author reply limit
  std::optional<std::int64_t> reply_fingerprint;  // text::fingerprint of a queued reply
  nlohmann::json decision;
  std::optional<HandoffRecord> handoff;
  std::vector<OutboxItem> outbox;  // ids are filled in by the store
  nlohmann::json response;         // the body answered to the connector
};

// The kill switch: while paused, no reply goes to a customer (handoffs go on).
struct Pause {
  std::string by;
  std::string reason;
  time::Instant since;
};

// Decides what to store for a complaint from what the store knows of its author and the
// pause in force. Runs on the store's writer thread, inside the transaction, so two
// complaints from one author in one batch see each other, and a pause takes effect for
// every complaint stored after it.
using Planner =
    std::function<CaseRecord(const AuthorHistory& history, const std::optional<Pause>& pause)>;

struct IngestResult {
  bool duplicate = false;
  std::string id;
  nlohmann::json response;         // the first acceptance's response for a duplicate
  std::vector<OutboxItem> outbox;  // to deliver now or schedule: empty for duplicates
};

enum class ClaimOutcome { claimed, already_yours, held_by_other, resolved, not_found };

struct ClaimResult {
  ClaimOutcome outcome = ClaimOutcome::not_found;
  std::string agent;                    // who holds the case
  std::vector<std::int64_t> cancelled;  // escalation and breach notices no longer owed
};

enum class ResolveOutcome { resolved, already_resolved, not_found };

struct ResolveResult {
  ResolveOutcome outcome = ResolveOutcome::not_found;
  std::vector<std::int64_t> cancelled;
  std::optional<OutboxItem> followup;  // scheduled after resolution
};

// What happens to the replies held during a pause when it ends.
enum class HeldReplies { send, drop };

struct PauseResult {
  std::optional<Pause> pause;        // in force after the call
  std::vector<std::int64_t> held;    // replies newly held: take them off the queues
  std::vector<OutboxItem> released;  // replies to send now (resume, HeldReplies::send)
  std::int64_t dropped = 0;          // replies never to be sent (HeldReplies::drop)
};

struct StoreOptions {
  std::string directory;        // holds ackd.db (created if missing)
  std::size_t max_batch = 512;  // complaints per group commit
  // Refuse every write as a read-only disk would (PRAGMA query_only), for tests of the
  // failure path; the schema must already be current.
  bool query_only = false;
  // The SQLite VFS to open ackd.db with, by its registered name; empty: SQLite's default.
  // Tests register one that loses what was not synced, to check durability.
  std::string vfs{};
};

// The embedded SQLite store. Every write goes through one writer thread that groups the
// work queued meanwhile into one transaction and one fsync (synchronous=FULL, WAL), then
// calls each callback. Callbacks run on the writer thread: post them to your executor.
class Store {
 public:
  static absl::StatusOr<std::unique_ptr<Store>> open(const StoreOptions& options);
  ~Store();  // drains the queue, then stops the writer

  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Accepts a complaint unless (channel, external_id) is already stored. A non-OK status
  // means nothing was stored (e.g. the disk is full).
  // What the store looks up for the loop guards: whether the thread (may be empty) was
  // already answered, and whether a reply with the text's fingerprint went out lately.
  struct LoopKeys {
    std::string thread_id;
    std::optional<std::int64_t> text_fingerprint;
  };
  void ingest(std::string channel, std::string external_id, std::string author_id, Planner plan,
              std::function<void(absl::StatusOr<IngestResult>)> done, LoopKeys loop = {});
  // Forgets reply fingerprints older than `before` (the loop guard looks back 24 hours).
  void prune_reply_fingerprints(time::Instant before);

  void claim(std::string complaint_id, std::string agent, time::Instant now,
             std::function<void(absl::StatusOr<ClaimResult>)> done);
  void resolve(std::string complaint_id, std::string agent, std::string note, time::Instant now,
               std::function<void(absl::StatusOr<ResolveResult>)> done);

  // Delivery bookkeeping; each also appends to the complaint's timeline.
  void mark_delivered(std::int64_t outbox_id, time::Instant at);
  void mark_attempt_failed(std::int64_t outbox_id, int attempts, time::Instant next_attempt,
                           std::string error);
  void mark_failed(std::int64_t outbox_id, int attempts, std::string error);

  // Pauses replies (holds every pending one) or, with no pause, resumes them. Idempotent:
  // pausing again keeps the first pause; resuming when not paused changes nothing.
  void set_pause(std::optional<Pause> pause, HeldReplies on_resume, time::Instant now,
                 std::function<void(absl::StatusOr<PauseResult>)> done);
  // The pause in force when the store was opened (it survives restarts).
  std::optional<Pause> pause_at_open() const;

  // Everything owed and not yet delivered, failed or cancelled, oldest first (for start-up);
  // held replies are not in it.
  void pending_outbox(std::function<void(absl::StatusOr<std::vector<OutboxItem>>)> done);

  // The complaint, its decision and its timeline; NotFound if unknown.
  void timeline(std::string complaint_id, std::function<void(absl::StatusOr<nlohmann::json>)> done);
  // Cases by state (open | claimed | breached | resolved), soonest deadline first.
  void handoffs(std::string state, time::Instant now,
                std::function<void(absl::StatusOr<nlohmann::json>)> done);

  // Blocks until everything queued so far is committed (for shutdown and tests).
  void flush();
  // Number of outbox rows still pending (for the outbox-depth metric).
  std::int64_t outbox_depth() const;
  // Handed-off cases nobody has claimed or resolved yet.
  std::int64_t open_handoffs() const;
  // Number of write transactions committed since open (group commit shares one per batch).
  std::int64_t commits() const;

 private:
  class Impl;
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ackd::store
