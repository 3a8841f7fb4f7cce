#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ackd/complaint/complaint.hpp"
#include "ackd/plan/case_plan.hpp"
#include "ackd/plan/outbox.hpp"
#include "ackd/report/report.hpp"
#include "ackd/store/policy_history.hpp"
#include "ackd/time/instant.hpp"
#include "nlohmann/json.hpp"

namespace ackd::store {

using plan::CasePlan;
using plan::OutboxItem;
using plan::Pause;

// Decides what to store for a complaint from what the store knows of its author and the
// pause in force. Runs on the store's writer thread, inside the transaction, so two
// complaints from one author in one batch see each other, and a pause takes effect for
// every complaint stored after it. The plan counts the complaint towards its rule's storm
// (in memory); `uncount` (may be empty) takes that back if the transaction does not commit.
struct Planner {
  using Plan =
      std::function<CasePlan(const AuthorHistory& history, const std::optional<Pause>& pause)>;
  using Uncount = std::function<void(const plan::StormCount&)>;

  template <class F>
  requires std::is_convertible_v<F, Plan> Planner(F f)
      : plan(std::move(f)) {}  // NOLINT(google-explicit-constructor): a function plans
  Planner(Plan p, Uncount u) : plan(std::move(p)), uncount(std::move(u)) {}

  Plan plan;
  Uncount uncount;
};

struct IngestResult {
  bool duplicate = false;
  std::string id;
  nlohmann::json response;  // the first acceptance's response for a duplicate
  // As stored, the outbox items' ids filled in (to deliver now or schedule); null for a
  // duplicate.
  std::optional<CasePlan> plan;
};

enum class ClaimOutcome { claimed, already_yours, held_by_other, resolved, not_found };

// A handed-off case, for the time it took to claim or resolve (metrics).
struct HandoffOf {
  std::string team, priority;
  time::Instant received_at;
};

struct ClaimResult {
  ClaimOutcome outcome = ClaimOutcome::not_found;
  std::optional<HandoffOf> handoff;     // when it was claimed now
  std::string agent;                    // who holds the case
  std::vector<std::int64_t> cancelled;  // escalation and breach notices no longer owed
};

enum class UnclaimOutcome { released, not_claimed, held_by_other, resolved, not_found };

struct UnclaimResult {
  UnclaimOutcome outcome = UnclaimOutcome::not_found;
  std::string agent;  // who held the case
};

enum class ResolveOutcome { resolved, already_resolved, held_by_other, not_found };

struct ResolveResult {
  ResolveOutcome outcome = ResolveOutcome::not_found;
  std::string agent;  // who resolved it, or (held_by_other) who holds it
  std::vector<std::int64_t> cancelled;
  std::optional<OutboxItem> followup;  // scheduled after resolution
  std::optional<HandoffOf> handoff;    // when it was resolved now
  bool claimed_now = false;            // it was open: resolving it is also its taking over
};

// One case as stored, for its timeline (GET /v1/complaints/{id}). JSON columns are kept as
// the text stored.
struct CaseView {
  std::string id;
  std::string channel;
  std::string external_id;
  time::Instant received_at;
  time::Instant accepted_at;
  std::string complaint;  // JSON, as received
  std::string rule;
  std::string policy_version;
  std::string reply_status;
  std::string reason;
  std::string decision;  // JSON

  struct Handoff {
    std::string team;
    std::string priority;
    time::Instant deadline;
    std::string state;  // open | claimed | resolved
    std::optional<std::string> agent;
    std::optional<time::Instant> claimed_at;
    std::optional<time::Instant> resolved_at;
    std::optional<std::string> note;
  };
  std::optional<Handoff> handoff;

  struct Outbox {
    std::int64_t id = 0;
    std::string kind;
    int level = 0;
    std::string sink;
    std::string state;  // pending | delivered | failed | cancelled
    int attempts = 0;
    time::Instant due_at;
    std::optional<time::Instant> delivered_at;
    std::optional<std::string> last_error;
    std::string idempotency_key;
    bool held = false;
    std::optional<std::string> remote_id;  // what it made at its destination: "zendesk:35436"
  };
  std::vector<Outbox> outbox;  // in the order written

  // What happened after acceptance (claimed, resolved, attempt_failed, ...), in order.
  struct Event {
    time::Instant at;
    std::string event;
    std::string detail;  // JSON object
  };
  std::vector<Event> events;
};

// A case in the handoff queue (GET /v1/handoffs).
struct HandoffRow {
  std::string id;
  std::string team;
  std::string priority;
  time::Instant deadline;
  // As asked for (open | claimed | breached | resolved); listing failed, active or all, the row's
  // own (open | claimed | breached | resolved).
  std::string state;
  std::optional<std::string> agent;
  std::string rule;
  std::string channel;
  std::int64_t failed_deliveries = 0;  // given up and not retried or dropped since
  std::string reference{};             // what the customer was given to quote
  struct Author {
    std::string id, name, handle;
  } author{};
  std::string excerpt{};  // the first 140 characters of the customer's text
};

// Which handoffs GET /v1/handoffs lists: one state, of one team and one priority if given,
// a page at a time in deadline order (then case id, so that pages never overlap).
// open | claimed | breached | resolved | failed (a delivery given up, in any state) |
// active (open, claimed or breached: not resolved) | all
inline constexpr std::string_view kHandoffStates[] = {"open",   "claimed", "breached", "resolved",
                                                      "failed", "active",  "all"};
bool is_handoff_state(std::string_view state);

struct HandoffQuery {
  std::string state = "open";  // one of kHandoffStates
  std::optional<std::string> team{}, priority{}, channel{};
  std::optional<std::string> author{};  // an author's id, or handle in any case
  std::size_t limit = 100;
  // The last row of the page before: the next page starts after it.
  std::optional<std::pair<time::Instant, std::string>> after{};
};

// The delivery queue as `ackd queue` and /v1/admin/queue show it: every delivery owed and
// not made, each in one state:
//   due        its time has come and no attempt was made yet
//   retrying   attempts failed and another is coming
//   held       kept back: a reply during a pause, or anything to a sink on hold
//   failed     given up (attempts spent, or a refusal no retry fixes)
//   scheduled  not due yet (an escalation, a breach notice, a follow-up)
inline constexpr std::string_view kQueueStates[] = {"due", "retrying", "held", "failed",
                                                    "scheduled"};
bool is_queue_state(std::string_view state);

struct QueueQuery {
  std::optional<std::string> state{};  // one of kQueueStates; none: all but scheduled
  std::optional<std::string> sink{};
  std::size_t limit = 100;
  // The last row of the page before, by (when it goes next, id).
  std::optional<std::pair<time::Instant, std::int64_t>> after{};
};

struct QueueRow {
  std::int64_t id = 0;
  std::string complaint_id;
  std::string kind;
  int level = 0;
  std::string sink;
  std::string state;  // one of kQueueStates
  int attempts = 0;
  time::Instant due_at{};
  time::Instant next_at{};  // when it goes next: its next attempt, else its due time
  std::optional<std::string> last_error{};
  std::string idempotency_key;
  std::string payload{};  // only for one row (queue_item)
};

// A sink ops have put on hold: nothing goes to it until released; its deliveries wait.
struct SinkHold {
  std::string by;
  std::string reason;
  time::Instant since{};
};
using SinkHolds = std::map<std::string, SinkHold>;

// Which deliveries to try again: one (failed, or retrying: its sink is probed now), a
// sink's whole backlog (its failed ones and a probe now), or every one given up since a
// time (of one sink if given).
struct RetryWhich {
  std::optional<std::int64_t> id{};
  std::optional<std::string> sink{};
  std::optional<time::Instant> failed_since{};
};

struct Retried {
  std::vector<OutboxItem> requeued;  // failed ones made owed again: hand them to delivery
  std::vector<std::string> probe;    // sinks whose retrying deliveries go now
  std::size_t retrying = 0;          // deliveries waiting in those sinks' backoff
};

struct Dropped {
  std::string complaint_id;
  std::string was;  // the state it was dropped from
};

// What happens to the replies held during a pause when it ends.
enum class HeldReplies { send, drop };

// Re-renders a held reply whose promise has passed (the stored complaint, as JSON, and the
// reply), or says why it is dropped: plan::refresh_reply with the policy in force.
using ReplyRefresher = std::function<plan::ReplyRefresh(const std::string& complaint,
                                                        const OutboxItem& held, time::Instant now)>;

struct PauseResult {
  std::optional<Pause> pause;        // in force after the call
  std::vector<std::int64_t> held;    // replies newly held: take them off the queues
  std::vector<OutboxItem> released;  // replies to send now (resume, HeldReplies::send)
  std::int64_t dropped = 0;          // replies never to be sent (HeldReplies::drop)
};

// Retention: cases received before these times lose their personal data, or go (either
// unset: kept).
struct ExpireBefore {
  std::optional<time::Instant> personal_data, cases;
};
struct Expired {
  std::size_t erased = 0, deleted = 0;
  bool more = false;  // stopped at the limit, or to let complaints in: more may be due
};

struct StoreOptions {
  std::string directory;        // holds ackd.db (created if missing)
  std::size_t max_batch = 512;  // complaints per group commit
  // Refuse every write as a read-only disk would (PRAGMA query_only): for the tools that
  // only read, and tests of the failure path. The schema must already be current, and
  // outbox_depth(), failed_cases() and open_handoffs() stay 0 (not counted).
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
  // `now` is the time the complaint was accepted at: the author's history and the echo
  // guard look back from it.
  void ingest(std::string channel, std::string external_id, std::string author_id,
              time::Instant now, Planner plan,
              std::function<void(absl::StatusOr<IngestResult>)> done, LoopKeys loop = {});
  // Forgets reply fingerprints older than `before` (the loop guard looks back 24 hours).
  void prune_reply_fingerprints(time::Instant before);

  void claim(std::string complaint_id, std::string agent, time::Instant now,
             std::function<void(absl::StatusOr<ClaimResult>)> done);
  // Gives a claimed case back to the queue; only its holder may. Escalations already
  // cancelled by the claim stay cancelled; the breach notice is still owed.
  void unclaim(std::string complaint_id, std::string agent, time::Instant now,
               std::function<void(absl::StatusOr<UnclaimResult>)> done);
  // A case claimed by another agent is resolved only with `force` (recorded as such).
  void resolve(std::string complaint_id, std::string agent, std::string note, bool force,
               time::Instant now, std::function<void(absl::StatusOr<ResolveResult>)> done);

  // Delivery bookkeeping, each outcome at the time `at` it happened; each also appends to
  // the complaint's timeline. `remote_id` is what the delivery made at its destination, if
  // the sink says ("zendesk:35436", the ticket it opened).
  void mark_delivered(std::int64_t outbox_id, time::Instant at, std::string remote_id = {});
  void mark_attempt_failed(std::int64_t outbox_id, int attempts, time::Instant at,
                           time::Instant next_attempt, std::string error);
  void mark_failed(std::int64_t outbox_id, int attempts, time::Instant at, std::string error);

  // Pauses replies (holds every pending one) or, with no pause, resumes them. Idempotent:
  // pausing again keeps the first pause; resuming when not paused changes nothing. At a
  // resume that sends the held replies, those of cases resolved meanwhile are dropped, and
  // those whose case's deadline has passed go through `refresh` (on the writer thread).
  void set_pause(std::optional<Pause> pause, HeldReplies on_resume, time::Instant now,
                 std::function<void(absl::StatusOr<PauseResult>)> done,
                 ReplyRefresher refresh = {});
  // The pause in force when the store was opened (it survives restarts).
  std::optional<Pause> pause_at_open() const;

  // The policy history (policy_history.hpp). The last version that served, as it was when
  // the store was opened: what ackd serves at boot if the policy on disk does not load.
  std::optional<StoredPolicy> last_served_policy() const;
  // Records that `policy` serves from `at` on.
  void policy_served(StoredPolicy policy, Served how, time::Instant at,
                     std::function<void(absl::Status)> done);
  // Every time a version started to serve, oldest first.
  void policy_history(std::function<void(absl::StatusOr<std::vector<PolicyServed>>)> done);
  // Each complaint received in [from, to) whose personal data is still there, oldest first:
  // its JSON as stored and when it was received. `each` runs on the store's reader thread,
  // over read transactions of 20,000 complaints each.
  void complaints_received(
      time::Instant from, time::Instant to,
      std::function<void(const std::string& complaint, time::Instant received_at)> each,
      std::function<void(absl::Status)> done);

  // The report of the cases received in [from, to): each is added to `builder` oldest
  // first (read 20,000 at a time, each slice in a read transaction of its own), then each
  // rule's complaints of the period as long before it; `builder` finishes it there, off the
  // caller's thread.
  void report(time::Instant from, time::Instant to, std::shared_ptr<report::Builder> builder,
              std::function<void(absl::StatusOr<report::Report>)> done);

  // The versions whose hash starts with `prefix` (at most two).
  void policy_versions(std::string prefix,
                       std::function<void(absl::StatusOr<std::vector<StoredPolicy>>)> done);

  // What is owed (not yet delivered, failed or cancelled) after `after` in due order and
  // due by `until`, at most `limit` rows: the dispatcher reads ahead with it. Held replies
  // are not owed; a row being retried is due at its next attempt.
  void owed(plan::DueOrder after, time::Instant until, std::size_t limit,
            std::function<void(absl::StatusOr<std::vector<OutboxItem>>)> done);

  // The complaint, its decision and its timeline; NotFound if unknown.
  void timeline(std::string complaint_id, std::function<void(absl::StatusOr<CaseView>)> done);
  // The case one of whose deliveries made `remote_id` (a helpdesk's ticket ackd opened);
  // nullopt when none did.
  void case_of_remote(std::string remote_id,
                      std::function<void(absl::StatusOr<std::optional<std::string>>)> done);
  // Where a source that reads from elsewhere stands (a mailbox's UIDVALIDITY and last UID
  // taken), as it saved it; nullopt when it saved nothing yet.
  void source_state(std::string source,
                    std::function<void(absl::StatusOr<std::optional<std::string>>)> done);
  // Replaces it; `done` runs once that is committed.
  void save_source_state(std::string source, std::string state, time::Instant at,
                         std::function<void(absl::Status)> done);
  // Appends an event to a case's timeline (a bounce of its reply, say); NotFound when no
  // such case.
  void add_event(std::string complaint_id, std::string event, nlohmann::json detail,
                 time::Instant at, std::function<void(absl::Status)> done);
  // Cases by state (open | claimed | breached | resolved), soonest deadline first, as the
  // query narrows and pages them; a case is breached when open past its deadline at `now`.
  void handoffs(HandoffQuery query, time::Instant now,
                std::function<void(absl::StatusOr<std::vector<HandoffRow>>)> done);

  // One batch of retention (store/retention.hpp), at most `limit` cases, oldest first: a
  // case nobody still has to take over (resolved, or never handed off) loses its personal
  // data past `before.personal_data`; past `before.cases` it goes, its figures staying for
  // the reports. It runs when the writer has nothing else queued, in a transaction of its
  // own whose commit does not wait for the disk (a power cut only makes it run again), and
  // stops between two cases when a job arrives, so a complaint waits for one case at most:
  // call again while the result says `more`. Frees the pages it emptied, so the file
  // shrinks.
  void expire(ExpireBefore before, std::size_t limit, time::Instant now,
              std::function<void(absl::StatusOr<Expired>)> done);
  // Erases the personal data of every stored case of the author, on `channel` or on every
  // channel (the right to deletion): how many cases.
  void forget_author(std::string author_id, std::optional<std::string> channel, time::Instant now,
                     std::function<void(absl::StatusOr<std::size_t>)> done);

  // The delivery queue (see QueueQuery): a page in the order they go next, oldest first;
  // one delivery with its payload (nullopt: no such id).
  void queue(QueueQuery query, time::Instant now,
             std::function<void(absl::StatusOr<std::vector<QueueRow>>)> done);
  void queue_item(std::int64_t id, time::Instant now,
                  std::function<void(absl::StatusOr<std::optional<QueueRow>>)> done);
  // Makes failed deliveries owed again (attempts start over, the key stays), each with a
  // `delivery_retried` event naming `by`. NotFound: no such id; FailedPrecondition: the
  // delivery is neither failed nor retrying (made, dropped, or not due yet), or its payload
  // was erased by retention.
  void retry(RetryWhich which, std::string by, time::Instant now,
             std::function<void(absl::StatusOr<Retried>)> done);
  // Takes a delivery that is owed or failed out for good (state cancelled), with a
  // `delivery_dropped` event naming who and why. NotFound / FailedPrecondition as retry.
  void drop(std::int64_t id, std::string by, std::string reason, time::Instant now,
            std::function<void(absl::StatusOr<Dropped>)> done);
  // Puts a sink on hold (a hold) or releases it (nullopt), kept across restarts: the holds
  // after the change.
  void hold_sink(std::string sink, std::optional<SinkHold> hold,
                 std::function<void(absl::StatusOr<SinkHolds>)> done);
  // The holds when the store was opened, for the dispatcher's start.
  const SinkHolds& sink_holds_at_open() const;

  // The weekly report mail: the latest due time already mailed (or given up on), and an
  // outcome to record ("sent", or "failed" with why).
  void last_report_mailing(std::function<void(absl::StatusOr<std::optional<time::Instant>>)> done);
  void report_mailed(time::Instant due, bool sent, time::Instant at, std::string error,
                     std::function<void(absl::Status)> done);

  // Blocks until everything queued so far is committed (for shutdown and tests).
  void flush();
  // Number of outbox rows still pending (for the outbox-depth metric).
  std::int64_t outbox_depth() const;
  // Cases with a delivery given up and not retried or dropped since.
  std::int64_t failed_cases() const;
  // Handed-off cases nobody has claimed or resolved yet.
  std::int64_t open_handoffs() const;
  // The same by team, with every team that had one since the store opened (also at 0).
  std::vector<std::pair<std::string, std::int64_t>> open_handoffs_by_team() const;
  // Number of write transactions committed since open (group commit shares one per batch).
  std::int64_t commits() const;

 private:
  class Impl;
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ackd::store
