#include "ackd/store/store.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <future>
#include <limits>
#include <map>
#include <mutex>
#include <system_error>
#include <thread>
#include <tuple>
#include <utility>

#include "ackd/complaint/complaint.hpp"
#include "ackd/policy/evaluate.hpp"
#include "ackd/time/instant.hpp"
#include "store/batch_pipe.hpp"
#include "store/checkpointer.hpp"
#include "store/policy_history.hpp"
#include "store/queue.hpp"
#include "store/reader.hpp"
#include "store/retention.hpp"
#include "store/schema.hpp"
#include "store/sqlite.hpp"
#include "store/tx.hpp"

namespace ackd::store {
namespace {

using sqlite::Error;
using json = nlohmann::json;

constexpr auto kHistoryWindow = std::chrono::days(30);
constexpr auto kEchoWindow = std::chrono::hours(24);

// Reads what was received in [from, to) in the order of a key that begins with received_at,
// a slice at a time, each slice in a read transaction of its own: one transaction over a
// month would keep the log from starting over for seconds, and the writer would then copy
// all of it back at once between two complaints (ingest p99 went from 2 to 24 ms while
// reports ran). A row that changes meanwhile is read as its slice saw it. `select` (a
// literal: statements are cached by it) takes (received_at, key) > (?1, ?2) AND
// received_at < ?3 ... LIMIT ?4, and its columns `cursor` and `cursor + 1` are received_at
// and the key: a rowid (Key = std::int64_t) or a text id (std::string).
template <class Key, class Each>
void read_received(sqlite::Connection& db, const char* select, int cursor, time::Instant from,
                   time::Instant to, Each&& each) {
  constexpr std::int64_t kSlice = 20'000;
  std::int64_t after_received = to_unix(from);
  Key after_key{};  // before every key: rowids start at 1, ids are not empty
  for (std::int64_t read = kSlice; read == kSlice;) {
    read = 0;
    {
      auto q = db.query(select);
      q.bind_all(after_received, after_key, to_unix(to), kSlice);
      while (q.step()) {
        ++read;
        after_received = q.integer(cursor);
        if constexpr (std::is_same_v<Key, std::string>) {
          after_key.assign(q.text_view(cursor + 1));
        } else {
          after_key = q.integer(cursor + 1);
        }
        each(q);
      }
    }
    db.exec_script("COMMIT; BEGIN");
  }
}

// Errors that are about the database or the disk rather than the job's data: the whole
// batch is rolled back and every job in it gets the error.
bool is_batch_error(const Error& e) {
  switch (e.primary()) {
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_TOOBIG:
    case SQLITE_RANGE:
      return false;
    default:
      return true;
  }
}

std::optional<Pause> read_pause(sqlite::Connection& db) {
  auto q = db.query("SELECT value FROM settings WHERE name = 'pause'");
  if (!q.step()) return std::nullopt;
  auto j = json::parse(q.text(0), nullptr, false);
  Pause p;
  if (j.is_object()) {
    p.by = j.value("by", "");
    p.reason = j.value("reason", "");
    p.since = from_unix(j.value("since", std::int64_t{0}));
  }
  return p;
}

struct Job {
  bool writes = true;  // false: a read, which works on a read-only disk too
  // false: bookkeeping whose loss to a power cut only repeats work (a delivery made again
  // with its key); its commit does not wait for the disk. Committed after it, anything
  // durable makes it durable too, since the log is written in order.
  bool durable = true;
  std::function<void(Tx&)> run;                // inside the transaction; throws on failure
  std::function<void(absl::Status)> complete;  // after COMMIT (or the failure)
};

// When the writer runs a job: with the next batch, or when nothing else waits.
enum class When { next, idle };

}  // namespace

class Store::Impl {
 public:
  explicit Impl(StoreOptions options) : options_(std::move(options)) {
    if (options_.max_batch == 0) options_.max_batch = 1;
  }

  ~Impl() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (writer_.joinable()) writer_.join();
    checkpointer_.stop();
    reader_.stop();
    db_.close();
  }

  absl::Status open() {
    std::error_code ec;
    std::filesystem::create_directories(options_.directory, ec);
    if (ec) {
      return absl::UnavailableError("store: cannot create directory " + options_.directory + ": " +
                                    ec.message());
    }
    path_ = (std::filesystem::path(options_.directory) / "ackd.db").string();
    try {
      db_.open(path_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
               options_.vfs.empty() ? nullptr : options_.vfs.c_str());
      sqlite3_create_function_v2(db_.get(), "ackd_case_reference", 2,
                                 SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr,
                                 &Impl::sql_case_reference, nullptr, nullptr, nullptr);
      sqlite3_busy_timeout(db_.get(), sqlite::kBusyTimeoutMs);
      // The pages retention empties go back to the file system. It takes on a new file only
      // (before the journal mode writes its first page); an older one needs a VACUUM.
      db_.exec_script("PRAGMA auto_vacuum = INCREMENTAL");
      // journal_mode is the first statement that reads the file: a corrupt file fails here.
      auto mode = db_.query("PRAGMA journal_mode = WAL");
      if (!mode.step() || mode.text(0) != "wal") {
        return absl::UnavailableError("store: " + path_ + ": cannot switch to WAL journal mode");
      }
    } catch (const Error& e) {
      return absl::UnavailableError("store: cannot open " + path_ + ": " + e.what());
    }
    try {
      // The writer touches the recent end of every table and index on each commit; a cache
      // that holds them saves reading pages back between commits.
      db_.exec_script(
          "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -65536; "
          "PRAGMA mmap_size = 268435456; PRAGMA temp_store = MEMORY;");
      if (auto st = migrate(); !st.ok()) return st;
      if (options_.query_only) {
        db_.exec_script("PRAGMA query_only = ON");
      } else {
        // The gauges' starting points. Tools that only read need none, and counting a
        // backlog of millions takes a second.
        auto q = db_.query("SELECT count(*) FROM outbox WHERE state = 'pending'");
        q.step();
        depth_ = q.integer(0);
        auto open = db_.query(
            "SELECT team, count(*) FROM handoffs INDEXED BY handoffs_open_by_team "
            "WHERE state = 'open' GROUP BY team");
        while (open.step()) open_by_team_[open.text(0)] = open.integer(1);
        auto failed = db_.query(
            "SELECT count(DISTINCT complaint_id) FROM outbox INDEXED BY outbox_failed "
            "WHERE state = 'failed'");
        failed.step();
        failed_cases_ = failed.integer(0);
      }
      pause_at_open_ = read_pause(db_);
      holds_at_open_ = queue::read_holds(db_);
      last_served_policy_ = policy_history::last_served(db_);
      pause_ = pause_at_open_;
      if (!options_.query_only) {
        sqlite3_wal_autocheckpoint(db_.get(), 0);
        sqlite3_wal_hook(db_.get(), &Impl::on_wal_commit, this);
        checkpointer_.start(path_, options_.vfs.empty() ? nullptr : options_.vfs.c_str());
      }
      reader_.start(path_, options_.vfs.empty() ? nullptr : options_.vfs.c_str());
    } catch (const Error& e) {
      return absl::UnavailableError("store: " + path_ + ": " + e.what());
    }
    writer_ = std::thread([this] { writer_loop(); });
    return absl::OkStatus();
  }

  // Queues a job whose body returns a T for `done`.
  // An idle job (housekeeping: retention) runs in a transaction of its own when no other
  // job is queued, and its commit does not wait for the disk: a complaint never waits for
  // it in its batch nor for its fsync, and a power cut only makes it run again.
  template <class T, class Body>
  void submit(Body body, std::function<void(absl::StatusOr<T>)> done, bool writes = true,
              When when = When::next) {
    auto result = std::make_shared<std::optional<T>>();
    Job job;
    job.writes = writes;
    job.run = [body = std::move(body), result](Tx& tx) mutable { result->emplace(body(tx)); };
    job.complete = [result, done = std::move(done)](absl::Status st) {
      if (!done) return;
      if (st.ok() && *result) {
        done(std::move(**result));
      } else {
        done(st.ok() ? absl::InternalError("store: job produced no result") : std::move(st));
      }
    };
    job.durable = when == When::next;
    enqueue(std::move(job), when);
  }

  // Queues a read on the reader's connection: it neither waits for the writer nor holds
  // it up.
  template <class T, class Body>
  void read(Body body, std::function<void(absl::StatusOr<T>)> done) {
    auto shared = std::make_shared<std::function<void(absl::StatusOr<T>)>>(std::move(done));
    reader_.submit(
        [body = std::move(body), shared](sqlite::Connection& db) { (*shared)(body(db)); },
        [shared](const std::string& error) {
          (*shared)(absl::UnavailableError("store: " + error));
        });
  }

  // Queues bookkeeping nobody waits for; a failure is logged.
  template <class Body>
  void submit_detached(std::string what, Body body) {
    Job job;
    job.durable = false;
    job.run = std::move(body);
    job.complete = [what = std::move(what)](const absl::Status& st) {
      if (!st.ok()) spdlog::error("store: {} not recorded: {}", what, std::string(st.message()));
    };
    enqueue(std::move(job));
  }

  void flush() {
    std::promise<void> done;
    auto future = done.get_future();
    Job job;
    job.writes = false;
    job.run = [](Tx&) {};
    job.complete = [&done](const absl::Status&) { done.set_value(); };
    enqueue(std::move(job));
    future.wait();
  }

  std::int64_t depth() const { return depth_.load(std::memory_order_relaxed); }
  std::int64_t failed_cases() const { return failed_cases_.load(std::memory_order_relaxed); }
  std::vector<std::pair<std::string, std::int64_t>> open_handoffs_by_team() const {
    std::lock_guard lock(open_mutex_);
    return {open_by_team_.begin(), open_by_team_.end()};
  }
  std::int64_t commits() const { return commits_.load(std::memory_order_relaxed); }
  const std::optional<Pause>& pause_at_open() const { return pause_at_open_; }
  const SinkHolds& holds_at_open() const { return holds_at_open_; }
  const std::optional<StoredPolicy>& last_served_policy() const { return last_served_policy_; }

 private:
  absl::Status migrate() {
    std::int64_t version = 0;
    {
      auto q = db_.query("PRAGMA user_version");
      if (q.step()) version = q.integer(0);
    }
    if (version > schema::kLatestVersion) {
      return absl::FailedPreconditionError(
          "store: " + path_ + " has schema version " + std::to_string(version) +
          ", newer than this ackd understands (" + std::to_string(schema::kLatestVersion) + ")");
    }
    for (const auto& m : schema::kMigrations) {
      if (m.version <= version) continue;
      // Some rebuild a table: a minute for a few million cases, once.
      if (version > 0) spdlog::info("store: {}: upgrading to schema {}", path_, m.version);
      db_.exec_script("BEGIN IMMEDIATE");
      try {
        db_.exec_script(m.sql);
        if (m.then) db_.exec_script(m.then);
        db_.exec_script(("PRAGMA user_version = " + std::to_string(m.version)).c_str());
        db_.exec_script("COMMIT");
      } catch (const Error& e) {
        if (db_.in_transaction()) sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
        return absl::UnavailableError("store: " + path_ + ": migration " +
                                      std::to_string(m.version) + " failed: " + e.what());
      }
    }
    return absl::OkStatus();
  }

  void enqueue(Job job, When when = When::next) {
    {
      std::lock_guard lock(mu_);
      (when == When::idle ? idle_ : queue_).push_back(std::move(job));
    }
    cv_.notify_one();
  }

  void writer_loop() {
    for (;;) {
      std::vector<Job> batch;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [this] { return stopping_ || !queue_.empty() || !idle_.empty(); });
        if (queue_.empty() && idle_.empty()) return;  // stopping, and everything queued is done
        while (!queue_.empty() && batch.size() < options_.max_batch) {
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
        if (batch.empty()) {
          batch.push_back(std::move(idle_.front()));
          idle_.pop_front();
        }
      }
      run_batch(batch);
      copy_log_back();
    }
  }

  // FULL waits for the log on disk at COMMIT; NORMAL (in WAL mode) only at checkpoints.
  void sync_commits(bool durable) {
    if (synced_ == durable) return;
    db_.query(durable ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL").run();
    synced_ = durable;
  }

  // ackd_case_reference(channel, external_id), for the migration that stores them.
  static void sql_case_reference(sqlite3_context* context, int, sqlite3_value** args) {
    auto text = [](sqlite3_value* v) {
      const auto* bytes = reinterpret_cast<const char*>(sqlite3_value_text(v));
      return std::string_view(bytes ? bytes : "", static_cast<std::size_t>(sqlite3_value_bytes(v)));
    };
    const auto reference = case_reference(text(args[0]), text(args[1]));
    sqlite3_result_text(context, reference.data(), static_cast<int>(reference.size()),
                        SQLITE_TRANSIENT);
  }

  static int on_wal_commit(void* self, sqlite3*, const char*, int pages) {
    static_cast<Impl*>(self)->wal_pages_ = pages;
    return SQLITE_OK;
  }

  // After the batch's callbacks, so that its 202s and replies never wait for it.
  void copy_log_back() {
    if (wal_pages_ == 0) return;  // nothing committed
    if (wal_pages_ < Checkpointer::kWriterPages) {
      checkpointer_.committed(wal_pages_);
    } else {
      Checkpointer::copy(db_.get());
    }
    wal_pages_ = 0;
  }

  // Runs the batch in one transaction. Callbacks fire only after COMMIT has returned, so
  // anything they report (a 202) is durable.
  void run_batch(std::vector<Job>& batch) {
    std::vector<absl::Status> results(batch.size());
    Tx tx{db_, pause_};
    tx.others_waiting = [this] {
      std::lock_guard lock(mu_);
      return !queue_.empty();
    };
    const auto pause_before_batch = pause_;
    absl::Status batch_error;
    // Writers take the write lock up front so no job meets SQLITE_BUSY halfway through.
    const bool writes =
        std::any_of(batch.begin(), batch.end(), [](const Job& j) { return j.writes; });
    const bool durable =
        std::any_of(batch.begin(), batch.end(), [](const Job& j) { return j.writes && j.durable; });
    try {
      if (writes) sync_commits(durable);
      db_.query(writes ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED").run();
    } catch (const Error& e) {
      batch_error = absl::UnavailableError(std::string("store: cannot begin: ") + e.what());
    }
    for (std::size_t i = 0; batch_error.ok() && i < batch.size(); ++i) {
      const auto delta_before = tx.depth_delta;
      const auto failed_before = tx.failed_cases_delta;
      const auto open_before = tx.open_changes.size();
      const auto pause_before = pause_;
      const auto undo_before = tx.undo.size();
      try {
        db_.query("SAVEPOINT job").run();
      } catch (const Error& e) {
        batch_error = absl::UnavailableError(std::string("store: ") + e.what());
        break;
      }
      try {
        batch[i].run(tx);
      } catch (const JobFailure& f) {
        results[i] = f.status;
      } catch (const Error& e) {
        if (is_batch_error(e)) {
          batch_error = absl::UnavailableError(std::string("store: ") + e.what());
          break;
        }
        results[i] = absl::InternalError(std::string("store: ") + e.what());
      } catch (const std::exception& e) {
        results[i] = absl::InternalError(std::string("store: ") + e.what());
      } catch (...) {
        results[i] = absl::InternalError("store: unknown exception");
      }
      try {
        // A savepoint undoes only its own job; the others in the batch still commit.
        if (!results[i].ok()) {
          db_.query("ROLLBACK TO job").run();
          tx.depth_delta = delta_before;
          tx.failed_cases_delta = failed_before;
          tx.open_changes.resize(open_before);
          pause_ = pause_before;
          tx.roll_back_to(undo_before);
        }
        db_.query("RELEASE job").run();
      } catch (const Error& e) {
        batch_error = absl::UnavailableError(std::string("store: ") + e.what());
      }
      // SQLite rolls the whole transaction back by itself after some I/O errors.
      if (batch_error.ok() && !db_.in_transaction()) {
        batch_error = absl::UnavailableError("store: transaction aborted: " +
                                             std::string(sqlite3_errmsg(db_.get())));
      }
    }
    if (batch_error.ok()) {
      try {
        db_.query("COMMIT").run();
      } catch (const Error& e) {
        batch_error = absl::UnavailableError(std::string("store: cannot commit: ") + e.what());
      }
    }
    if (!batch_error.ok()) {
      if (db_.in_transaction()) {
        sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
      }
      for (auto& r : results) r = batch_error;
      pause_ = pause_before_batch;
      tx.roll_back_to(0);
    } else {
      if (writes) commits_.fetch_add(1, std::memory_order_relaxed);
      depth_.fetch_add(tx.depth_delta, std::memory_order_relaxed);
      failed_cases_.fetch_add(tx.failed_cases_delta, std::memory_order_relaxed);
      if (!tx.open_changes.empty()) {
        std::lock_guard lock(open_mutex_);
        for (const auto& [team, change] : tx.open_changes) open_by_team_[team] += change;
      }
    }
    for (std::size_t i = 0; i < batch.size(); ++i) {
      try {
        batch[i].complete(std::move(results[i]));
      } catch (const std::exception& e) {
        spdlog::error("store: a callback threw: {}", e.what());
      } catch (...) {
        spdlog::error("store: a callback threw");
      }
    }
  }

  StoreOptions options_;
  std::string path_;
  sqlite::Connection db_;  // used only by the writer thread once it has started

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;
  std::deque<Job> idle_;  // run one at a time, when queue_ is empty
  bool stopping_ = false;
  std::thread writer_;
  Checkpointer checkpointer_;
  int wal_pages_ = 0;   // the writer thread's: pages in the log after its last commit
  bool synced_ = true;  // the writer thread's: commits wait for the disk

  std::atomic<std::int64_t> depth_{0};
  std::atomic<std::int64_t> failed_cases_{0};
  mutable std::mutex open_mutex_;
  std::map<std::string, std::int64_t> open_by_team_;
  std::atomic<std::int64_t> commits_{0};
  std::optional<Pause> pause_at_open_;              // set before the writer starts, then read-only
  SinkHolds holds_at_open_;                         // likewise
  std::optional<StoredPolicy> last_served_policy_;  // likewise
  Reader reader_;
  std::optional<Pause> pause_;  // the writer thread's, kept with the settings row
};

// ---------------------------------------------------------------------------------------
// Jobs

namespace {

IngestResult do_ingest(Tx& tx, const std::string& channel, const std::string& external_id,
                       const std::string& author_id, time::Instant now, const Store::LoopKeys& loop,
                       const Planner& planner) {
  const std::string& thread_id = loop.thread_id;
  auto& db = tx.db;
  {
    auto q = db.query("SELECT id, response FROM complaints WHERE channel = ? AND external_id = ?");
    q.bind_all(channel, external_id);
    if (q.step()) {
      IngestResult r;
      r.duplicate = true;
      r.id = q.text(0);
      r.response = json::parse(q.text(1), nullptr, false);
      if (!r.response.is_object()) r.response = json::object({{"id", r.id}});
      r.response["duplicate"] = true;
      return r;
    }
  }

  // Everything committed earlier and everything earlier in this batch (same transaction).
  AuthorHistory history;
  const auto since = to_unix(now - kHistoryWindow);
  {
    auto q = db.query(
        "SELECT received_at FROM complaints WHERE channel = ? AND author_id = ? "
        "AND received_at >= ? ORDER BY received_at");
    q.bind_all(channel, author_id, since);
    while (q.step()) history.complaints.push_back(from_unix(q.integer(0)));
  }
  {
    auto q = db.query(
        "SELECT accepted_at FROM complaints WHERE channel = ? AND author_id = ? "
        "AND reply_counts = 1 AND accepted_at >= ? ORDER BY accepted_at");
    q.bind_all(channel, author_id, since);
    while (q.step()) history.replies.push_back(from_unix(q.integer(0)));
  }
  if (!thread_id.empty()) {
    auto q = db.query(
        "SELECT 1 FROM complaints WHERE channel = ? AND thread_id = ? AND thread_id IS NOT NULL "
        "AND reply_counts = 1 LIMIT 1");
    q.bind_all(channel, thread_id);
    history.thread_answered = q.step();
  }
  if (loop.text_fingerprint) {
    auto q = db.query("SELECT at FROM reply_fingerprints WHERE fingerprint = ?");
    q.bind_all(*loop.text_fingerprint);
    history.echoes_our_reply = q.step() && q.integer(0) >= to_unix(now - kEchoWindow);
  }

  CasePlan rec;
  try {
    rec = planner.plan(history, tx.pause);
  } catch (const std::exception& e) {
    throw JobFailure{absl::InternalError(std::string("store: planning failed: ") + e.what())};
  } catch (...) {
    throw JobFailure{absl::InternalError("store: planning failed")};
  }
  if (planner.uncount && rec.storm_count) {
    tx.undo.push_back([uncount = planner.uncount, count = *rec.storm_count] { uncount(count); });
  }
  if (rec.id.empty()) throw JobFailure{absl::InternalError("store: the plan has no case id")};
  auto response = plan::response_json(rec);

  // The key the duplicate check used is the one stored, whatever the plan says.
  db.query(
        "INSERT INTO complaints (id, channel, external_id, author_id, received_at, accepted_at, "
        "complaint, rule, policy_version, reply_status, reason, reply_counts, decision, response, "
        "thread_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
      .bind_all(rec.id, channel, external_id, author_id, to_unix(rec.received_at),
                to_unix(rec.accepted_at), rec.complaint.dump(), rec.decision.rule_id,
                rec.policy_version, policy::to_string(rec.decision.reply_status),
                rec.decision.reason, rec.reply_counts_for_author() ? 1 : 0,
                plan::decision_json(rec).dump(), response.dump(),
                thread_id.empty() ? std::optional<std::string>() : std::optional(thread_id))
      .run();
  db.query("INSERT INTO case_references (reference, id) VALUES (?, ?)")
      .bind_all(case_reference(channel, external_id), rec.id)
      .run();

  if (rec.reply_fingerprint) {
    db.query(
          "INSERT INTO reply_fingerprints (fingerprint, at) VALUES (?, ?) "
          "ON CONFLICT (fingerprint) DO UPDATE SET at = excluded.at")
        .bind_all(*rec.reply_fingerprint, to_unix(rec.accepted_at))
        .run();
  }
  if (rec.handoff) {
    const auto& h = *rec.handoff;
    std::optional<std::int64_t> after;
    std::string followup_sink, followup_payload;
    if (h.followup_after && h.followup) {
      after = h.followup_after->count();
      followup_sink = h.followup->sink;
      followup_payload = h.followup->payload;
    }
    db.query(
          "INSERT INTO handoffs (complaint_id, team, priority, deadline, deadline_text, "
          "followup_after, followup_sink, followup_payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
        .bind_all(rec.id, h.team, h.priority, to_unix(h.deadline), h.deadline_text, after,
                  followup_sink, followup_payload)
        .run();
    tx.open_changes.emplace_back(h.team, 1);
  }
  for (auto& item : rec.outbox) {
    if (item.complaint_id.empty()) item.complaint_id = rec.id;
    tx.insert_outbox(item);
  }

  // No timeline rows: "received" and "decided" are read back from the rows above
  // (do_timeline), since every row written here costs ingest throughput.

  IngestResult r;
  r.id = rec.id;
  r.response = std::move(response);
  r.plan = std::move(rec);
  return r;
}

// A case's handoff state and who holds it ("" when nobody), or nullopt without a handoff.
struct Holder {
  std::string state, agent;
  HandoffOf handoff;
};
std::optional<Holder> holder_of(Tx& tx, const std::string& id) {
  auto q = tx.db.query(
      "SELECT h.state, h.agent, h.team, h.priority, c.received_at "
      "FROM handoffs h JOIN complaints c ON c.id = h.complaint_id WHERE h.complaint_id = ?");
  q.bind_all(id);
  if (!q.step()) return std::nullopt;
  return Holder{q.text(0), q.text(1), {q.text(2), q.text(3), from_unix(q.integer(4))}};
}

ClaimResult do_claim(Tx& tx, const std::string& id, const std::string& agent, time::Instant now) {
  ClaimResult r;
  auto holder = holder_of(tx, id);
  if (!holder) return r;  // not_found
  const std::string& state = holder->state;
  r.agent = holder->agent;
  if (state == "resolved") {
    r.outcome = ClaimOutcome::resolved;
    return r;
  }
  if (state == "claimed") {
    r.outcome = r.agent == agent ? ClaimOutcome::already_yours : ClaimOutcome::held_by_other;
    return r;
  }
  tx.db
      .query(
          "UPDATE handoffs SET state = 'claimed', agent = ?, claimed_at = ? WHERE complaint_id = ?")
      .bind_all(agent, to_unix(now), id)
      .run();
  r.outcome = ClaimOutcome::claimed;
  r.agent = agent;
  tx.open_changes.emplace_back(holder->handoff.team, -1);
  r.handoff = std::move(holder->handoff);
  r.cancelled = tx.cancel_timers(id, Tx::Timers::escalations);
  tx.event(id, now, "claimed", {{"agent", agent}, {"cancelled", r.cancelled.size()}});
  return r;
}

UnclaimResult do_unclaim(Tx& tx, const std::string& id, const std::string& agent,
                         time::Instant now) {
  UnclaimResult r;
  auto holder = holder_of(tx, id);
  if (!holder) return r;  // not_found
  const std::string& state = holder->state;
  r.agent = holder->agent;
  if (state == "resolved") {
    r.outcome = UnclaimOutcome::resolved;
  } else if (state != "claimed") {
    r.outcome = UnclaimOutcome::not_claimed;
  } else if (r.agent != agent) {
    r.outcome = UnclaimOutcome::held_by_other;
  } else {
    tx.db
        .query(
            "UPDATE handoffs SET state = 'open', agent = NULL, claimed_at = NULL "
            "WHERE complaint_id = ?")
        .bind_all(id)
        .run();
    tx.open_changes.emplace_back(holder->handoff.team, 1);
    r.outcome = UnclaimOutcome::released;
    tx.event(id, now, "unclaimed", {{"agent", agent}});
  }
  return r;
}

ResolveResult do_resolve(Tx& tx, const std::string& id, const std::string& agent,
                         const std::string& note, bool force, time::Instant now) {
  ResolveResult r;
  auto found = holder_of(tx, id);
  if (!found) return r;  // not_found
  const std::string& state = found->state;
  const std::string& holder = found->agent;
  if (state == "resolved") {
    r.outcome = ResolveOutcome::already_resolved;
    return r;
  }
  // Another agent's case is theirs to close, unless someone deliberately takes it over.
  const bool taken_over = state == "claimed" && holder != agent;
  if (taken_over && !force) {
    r.outcome = ResolveOutcome::held_by_other;
    r.agent = holder;
    return r;
  }
  std::optional<std::int64_t> followup_after;
  std::string followup_sink, followup_payload;
  {
    auto q = tx.db.query(
        "SELECT followup_after, followup_sink, followup_payload FROM handoffs "
        "WHERE complaint_id = ?");
    q.bind_all(id);
    if (q.step()) {
      followup_after = q.optional_integer(0);
      followup_sink = q.text(1);
      followup_payload = q.text(2);
    }
  }
  tx.db
      .query(
          "UPDATE handoffs SET state = 'resolved', agent = ?, resolved_at = ?, note = ? "
          "WHERE complaint_id = ?")
      .bind_all(agent, to_unix(now), note, id)
      .run();
  r.outcome = ResolveOutcome::resolved;
  r.agent = agent;
  if (state == "open") {
    tx.open_changes.emplace_back(found->handoff.team, -1);
    r.claimed_now = true;
  }
  r.handoff = found->handoff;
  r.cancelled = tx.cancel_timers(id, Tx::Timers::all);
  json detail = {{"agent", agent}, {"note", note}, {"cancelled", r.cancelled.size()}};
  if (taken_over) {
    detail["forced"] = true;
    detail["claimed_by"] = holder;
  }
  if (followup_after) {
    OutboxItem item;
    item.complaint_id = id;
    item.kind = plan::Kind::followup;
    item.sink = followup_sink;
    item.idempotency_key = plan::idempotency_key(id, plan::Kind::followup);
    item.payload = followup_payload;
    item.due_at = now + time::Seconds(*followup_after);
    tx.insert_outbox(item);
    detail["followup_due_at"] = time::format_rfc3339_utc(item.due_at);
    r.followup = std::move(item);
  }
  tx.event(id, now, "resolved", detail);
  return r;
}

struct OutboxRow {
  std::string complaint_id, kind, sink, state;
  int level = 0;
  int attempts = 0;
};

std::optional<OutboxRow> outbox_row(Tx& tx, std::int64_t outbox_id) {
  auto q = tx.db.query(
      "SELECT complaint_id, kind, level, sink, state, attempts FROM outbox WHERE id = ?");
  q.bind_all(outbox_id);
  if (!q.step()) {
    spdlog::warn("store: no outbox row {}", outbox_id);
    return std::nullopt;
  }
  return OutboxRow{q.text(0),
                   q.text(1),
                   q.text(3),
                   q.text(4),
                   static_cast<int>(q.integer(2)),
                   static_cast<int>(q.integer(5))};
}

json delivery_detail(std::int64_t outbox_id, const OutboxRow& row, int attempts) {
  json d = {
      {"outbox_id", outbox_id}, {"kind", row.kind}, {"sink", row.sink}, {"attempts", attempts}};
  if (row.kind == "escalation") d["level"] = row.level;
  return d;
}

void do_mark_delivered(Tx& tx, std::int64_t outbox_id, time::Instant at,
                       const std::string& remote_id) {
  auto row = outbox_row(tx, outbox_id);
  if (!row || row->state == "delivered") return;
  // Delivered after a cancellation still happened: record the truth.
  tx.db
      .query(
          "UPDATE outbox SET state = 'delivered', attempts = attempts + 1, delivered_at = ?, "
          "next_attempt_at = NULL, remote_id = ? WHERE id = ?")
      .bind_all(to_unix(at),
                remote_id.empty() ? std::nullopt : std::optional<std::string>(remote_id), outbox_id)
      .run();
  if (row->state == "pending") --tx.depth_delta;
  // No timeline row: the outbox row holds the delivery, and the timeline shows it from there
  // (every row written here costs ingest throughput).
}

void do_mark_attempt_failed(Tx& tx, std::int64_t outbox_id, int attempts, time::Instant at,
                            time::Instant next, const std::string& error) {
  auto row = outbox_row(tx, outbox_id);
  if (!row || row->state == "delivered" || row->state == "failed") return;
  tx.db.query("UPDATE outbox SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ?")
      .bind_all(attempts, to_unix(next), error, outbox_id)
      .run();
  auto detail = delivery_detail(outbox_id, *row, attempts);
  detail["error"] = error;
  if (row->state == "pending") detail["next_attempt_at"] = time::format_rfc3339_utc(next);
  tx.event(row->complaint_id, at, "attempt_failed", detail);
}

void do_mark_failed(Tx& tx, std::int64_t outbox_id, int attempts, time::Instant at,
                    const std::string& error) {
  auto row = outbox_row(tx, outbox_id);
  if (!row || row->state == "delivered" || row->state == "failed") return;
  // The case's first delivery given up makes it a failed case.
  const bool first_failure = row->state == "pending" && !tx.has_failed_delivery(row->complaint_id);
  // A cancelled notice stays cancelled; its last attempt's outcome is still recorded.
  tx.db
      .query(
          "UPDATE outbox SET state = CASE state WHEN 'pending' THEN 'failed' ELSE state END, "
          "attempts = ?, last_error = ?, next_attempt_at = NULL WHERE id = ?")
      .bind_all(attempts, error, outbox_id)
      .run();
  if (row->state == "pending") {
    --tx.depth_delta;
    if (first_failure) ++tx.failed_cases_delta;
  }
  auto detail = delivery_detail(outbox_id, *row, attempts);
  detail["error"] = error;
  tx.event(row->complaint_id, at, "delivery_failed", detail);
}

// What an OutboxItem is read from, then its due time and `attempts`.
constexpr const char* kOutboxItemColumns =
    "id, complaint_id, kind, level, sink, idempotency_key, payload";

OutboxItem outbox_item(const sqlite::Query& q) {
  OutboxItem item;
  item.id = q.integer(0);
  item.complaint_id = q.text(1);
  const auto kind = q.text(2);
  if (auto k = plan::kind_from_string(kind)) {
    item.kind = *k;
  } else {
    throw JobFailure{absl::DataLossError("store: outbox row " + std::to_string(item.id) +
                                         " has an unknown kind \"" + kind + "\"")};
  }
  item.level = static_cast<int>(q.integer(3));
  item.sink = q.text(4);
  item.idempotency_key = q.text(5);
  item.payload = q.text(6);
  item.due_at = from_unix(q.integer(7));
  item.attempts = static_cast<int>(q.integer(8));
  return item;
}

std::vector<OutboxItem> do_owed(Tx& tx, plan::DueOrder after, time::Instant until,
                                std::size_t limit) {
  std::vector<OutboxItem> items;
  // The expression and the WHERE are outbox_owed's, so that the index serves the read.
  auto q = tx.db.query(std::string("SELECT ") + kOutboxItemColumns +
                       ", coalesce(next_attempt_at, due_at), attempts FROM outbox "
                       "WHERE state = 'pending' AND held = 0 "
                       "AND (coalesce(next_attempt_at, due_at), id) > (?, ?) "
                       "AND coalesce(next_attempt_at, due_at) <= ? "
                       "ORDER BY coalesce(next_attempt_at, due_at), id LIMIT ?");
  const auto most = std::min<std::size_t>(limit, std::numeric_limits<std::int64_t>::max());
  q.bind_all(to_unix(after.due), after.id, to_unix(until), static_cast<std::int64_t>(most));
  while (q.step()) items.push_back(outbox_item(q));
  return items;
}

std::optional<time::Instant> optional_instant(const std::optional<std::int64_t>& t) {
  if (!t) return std::nullopt;
  return from_unix(*t);
}

// A held reply goes out at resume unless its case was resolved meanwhile; one whose case's
// deadline has passed is re-rendered (or dropped) by `refresh`, so that it does not promise
// a time already missed. Released in order of age.
void release_held(Tx& tx, time::Instant now, const ReplyRefresher& refresh, PauseResult& r) {
  struct Held {
    OutboxItem item;
    std::optional<std::string> case_state;
    std::optional<time::Instant> deadline;
    std::string complaint;
  };
  std::vector<Held> held;
  {
    auto q = tx.db.query(
        "SELECT o.id, o.complaint_id, o.kind, o.level, o.sink, o.idempotency_key, o.payload, "
        "o.due_at, o.attempts, h.state, h.deadline, c.complaint FROM outbox o "
        "JOIN complaints c ON c.id = o.complaint_id "
        "LEFT JOIN handoffs h ON h.complaint_id = o.complaint_id "
        "WHERE o.held = 1 AND o.state = 'pending' ORDER BY o.due_at, o.id");
    while (q.step()) {
      held.push_back({outbox_item(q), q.optional_text(9), optional_instant(q.optional_integer(10)),
                      q.text(11)});
    }
  }
  auto drop = [&](const OutboxItem& item, const std::string& reason) {
    tx.db.query("UPDATE outbox SET held = 0, state = 'cancelled' WHERE id = ?")
        .bind_all(item.id)
        .run();
    --tx.depth_delta;
    ++r.dropped;
    tx.event(item.complaint_id, now, "reply_suppressed",
             {{"outbox_id", item.id}, {"reason", reason}});
  };
  for (auto& [item, case_state, deadline, complaint] : held) {
    if (case_state == "resolved") {
      drop(item, "held during a pause; the case was resolved before the pause ended");
      continue;
    }
    json detail = {{"outbox_id", item.id}};
    if (deadline && *deadline <= now && refresh) {
      auto fresh = refresh(complaint, item, now);
      if (!fresh.payload) {
        drop(item, "held during a pause past the case's deadline; " + fresh.dropped_because);
        continue;
      }
      item.payload = std::move(*fresh.payload);
      tx.db.query("UPDATE outbox SET payload = ? WHERE id = ?")
          .bind_all(item.payload, item.id)
          .run();
      detail["refreshed"] = "the deadline it promised had passed: written again with a new one";
    }
    tx.db.query("UPDATE outbox SET held = 0 WHERE id = ?").bind_all(item.id).run();
    tx.event(item.complaint_id, now, "reply_released", detail);
    r.released.push_back(std::move(item));
  }
}

PauseResult do_set_pause(Tx& tx, const std::optional<Pause>& pause, HeldReplies on_resume,
                         const ReplyRefresher& refresh, time::Instant now) {
  PauseResult r;
  const auto current = tx.pause;
  if (pause && current) {  // the first pause stands
    r.pause = current;
    return r;
  }
  if (!pause && !current) return r;
  if (pause) {
    json value = {{"by", pause->by}, {"reason", pause->reason}, {"since", to_unix(pause->since)}};
    tx.db.query("INSERT INTO settings (name, value) VALUES ('pause', ?)")
        .bind_all(value.dump())
        .run();
    auto q = tx.db.query(
        "UPDATE outbox SET held = 1 WHERE kind = 'reply' AND state = 'pending' AND held = 0 "
        "RETURNING id, complaint_id");
    std::vector<std::pair<std::int64_t, std::string>> rows;
    while (q.step()) rows.emplace_back(q.integer(0), q.text(1));
    for (const auto& [id, complaint] : rows) {
      r.held.push_back(id);
      tx.event(complaint, now, "reply_held",
               {{"outbox_id", id}, {"by", pause->by}, {"reason", pause->reason}});
    }
    r.pause = pause;
    tx.pause = pause;
    return r;
  }
  tx.db.query("DELETE FROM settings WHERE name = 'pause'").run();
  tx.pause.reset();
  if (on_resume == HeldReplies::send) {
    release_held(tx, now, refresh, r);
  } else {
    auto q = tx.db.query(
        "UPDATE outbox SET held = 0, state = 'cancelled' WHERE held = 1 AND state = 'pending' "
        "RETURNING id, complaint_id");
    std::vector<std::pair<std::int64_t, std::string>> rows;
    while (q.step()) rows.emplace_back(q.integer(0), q.text(1));
    for (const auto& [id, complaint] : rows) {
      tx.event(complaint, now, "reply_suppressed",
               {{"outbox_id", id}, {"reason", "held during a pause; dropped on resume"}});
    }
    r.dropped = static_cast<std::int64_t>(rows.size());
    tx.depth_delta -= r.dropped;
  }
  return r;
}

// The case an id or the reference its customer was given (AK-…) names.
std::string case_id_of(Tx& tx, const std::string& id_or_reference) {
  if (!looks_like_case_reference(id_or_reference)) return id_or_reference;
  auto q = tx.db.query("SELECT id FROM case_references WHERE reference = ? ORDER BY id");
  q.bind_all(id_or_reference);
  std::vector<std::string> ids;
  while (q.step()) ids.push_back(q.text(0));
  if (ids.empty())
    throw JobFailure{absl::NotFoundError("no case has the reference " + id_or_reference)};
  if (ids.size() > 1) {
    std::string listed;
    for (const auto& id : ids) listed += (listed.empty() ? "" : ", ") + id;
    throw JobFailure{absl::FailedPreconditionError("the reference " + id_or_reference + " names " +
                                                   std::to_string(ids.size()) +
                                                   " cases: " + listed + "; ask by id")};
  }
  return ids.front();
}

CaseView do_timeline(Tx& tx, const std::string& id_or_reference) {
  const auto id = case_id_of(tx, id_or_reference);
  CaseView v;
  {
    auto q = tx.db.query(
        "SELECT channel, external_id, received_at, accepted_at, complaint, rule, policy_version, "
        "reply_status, reason, decision FROM complaints WHERE id = ?");
    q.bind_all(id);
    if (!q.step()) throw JobFailure{absl::NotFoundError("no complaint " + id)};
    v.id = id;
    v.channel = q.text(0);
    v.external_id = q.text(1);
    v.received_at = from_unix(q.integer(2));
    v.accepted_at = from_unix(q.integer(3));
    v.complaint = q.text(4);
    v.rule = q.text(5);
    v.policy_version = q.text(6);
    v.reply_status = q.text(7);
    v.reason = q.text(8);
    v.decision = q.text(9);
  }
  {
    auto q = tx.db.query(
        "SELECT team, priority, deadline, state, agent, claimed_at, resolved_at, note "
        "FROM handoffs WHERE complaint_id = ?");
    q.bind_all(id);
    if (q.step()) {
      v.handoff = CaseView::Handoff{q.text(0),
                                    q.text(1),
                                    from_unix(q.integer(2)),
                                    q.text(3),
                                    q.optional_text(4),
                                    optional_instant(q.optional_integer(5)),
                                    optional_instant(q.optional_integer(6)),
                                    q.optional_text(7)};
    }
  }
  {
    auto q = tx.db.query(
        "SELECT id, kind, level, sink, state, attempts, due_at, delivered_at, last_error, "
        "idempotency_key, held, remote_id FROM outbox WHERE complaint_id = ? ORDER BY id");
    q.bind_all(id);
    while (q.step()) {
      v.outbox.push_back({q.integer(0), q.text(1), static_cast<int>(q.integer(2)), q.text(3),
                          q.text(4), static_cast<int>(q.integer(5)), from_unix(q.integer(6)),
                          optional_instant(q.optional_integer(7)), q.optional_text(8), q.text(9),
                          q.integer(10) == 1, q.optional_text(11)});
    }
  }
  {
    auto q =
        tx.db.query("SELECT at, event, detail FROM timeline WHERE complaint_id = ? ORDER BY id");
    q.bind_all(id);
    while (q.step()) v.events.push_back({from_unix(q.integer(0)), q.text(1), q.text(2)});
  }
  return v;
}

// The cases of an author, by id or handle (any case), each through an index: by id on
// complaints_by_author, one seek a channel (the channels found by skipping through that
// index), by handle on complaints_by_handle.
constexpr const char* kAuthorsCases =
    " AND h.complaint_id IN ("
    "SELECT id FROM complaints WHERE author_id = ?9 AND channel IN ("
    " WITH RECURSIVE channels(name) AS ("
    "  SELECT min(channel) FROM complaints"
    "  UNION ALL SELECT (SELECT min(channel) FROM complaints WHERE channel > name)"
    "  FROM channels WHERE name IS NOT NULL)"
    " SELECT name FROM channels WHERE name IS NOT NULL)"
    " UNION SELECT id FROM complaints"
    " WHERE lower(json_extract(complaint, '$.author.handle')) = lower(?9))";

std::vector<HandoffRow> do_handoffs(Tx& tx, const HandoffQuery& query, time::Instant now) {
  const auto& state = query.state;
  std::string where;
  // The cases still to do are read by their own index (schema 18), in page order.
  const char* from = "FROM handoffs h ";
  if (state == "open") {
    where = "h.state = 'open' AND h.deadline > ?1";
  } else if (state == "breached") {
    // Past the deadline and not resolved: claimed or not, the promise was not kept.
    where = "h.state IN ('open', 'claimed') AND h.deadline <= ?1";
    from = "FROM handoffs h INDEXED BY handoffs_active ";
  } else if (state == "claimed" || state == "resolved") {
    where = "h.state = ?2";
  } else if (state == "failed") {
    // A delivery given up, whatever the handoff's state: few rows, read by outbox_failed.
    where = "h.complaint_id IN (SELECT complaint_id FROM outbox WHERE state = 'failed')";
  } else if (state == "active") {
    // Everything someone still has to see to: open, claimed or breached.
    where = "h.state IN ('open', 'claimed')";
    from = "FROM handoffs h INDEXED BY handoffs_active ";
  } else if (state == "all") {
    where = "1";
  } else {
    throw JobFailure{absl::InvalidArgumentError(
        "state: must be open, claimed, breached, resolved, failed, active or all, not \"" + state +
        "\"")};
  }
  // Two statements a state (the first page, and the next ones, which seek past the cursor
  // in the index), their filters bound or NULL. The author is an id or a handle (any case).
  auto q = tx.db.query(
      "SELECT h.complaint_id, h.team, h.priority, h.deadline, h.agent, c.rule, c.channel, "
      "(SELECT count(*) FROM outbox o WHERE o.complaint_id = h.complaint_id "
      " AND o.state = 'failed'), h.state, c.external_id, c.author_id, "
      "json_extract(c.complaint, '$.author.name'), json_extract(c.complaint, '$.author.handle'), "
      "substr(json_extract(c.complaint, '$.text'), 1, 140) " +
      std::string(from) + "JOIN complaints c ON c.id = h.complaint_id WHERE " + where +
      (query.after ? " AND (h.deadline, h.complaint_id) > (?5, ?6)" : "") +
      " AND (?3 IS NULL OR h.team = ?3) AND (?4 IS NULL OR h.priority = ?4)"
      " AND (?8 IS NULL OR c.channel = ?8)" +
      (query.author ? std::string(kAuthorsCases) : std::string()) +
      " ORDER BY h.deadline, h.complaint_id LIMIT ?7");
  if (where.find("?1") != std::string::npos) q.bind(1, to_unix(now));
  if (where.find("?2") != std::string::npos) q.bind(2, state);
  if (query.team) q.bind(3, *query.team);
  if (query.priority) q.bind(4, *query.priority);
  if (query.after) {
    q.bind(5, to_unix(query.after->first));
    q.bind(6, query.after->second);
  }
  q.bind(7, static_cast<std::int64_t>(query.limit));
  q.bind(8, query.channel);
  if (query.author) q.bind(9, *query.author);
  std::vector<HandoffRow> out;
  while (q.step()) {
    HandoffRow row{q.text(0),   q.text(1),          q.text(2), from_unix(q.integer(3)),
                   state,       q.optional_text(4), q.text(5), q.text(6),
                   q.integer(7)};
    // Listed across states, each row says its own.
    if (state == "failed" || state == "active" || state == "all") {
      row.state = q.text(8);
      if (row.state != "resolved" && row.deadline <= now) row.state = "breached";
    }
    row.reference = case_reference(row.channel, q.text_view(9));
    row.author = {q.text(10), q.text(11), q.text(12)};
    row.excerpt = q.text(13);
    out.push_back(std::move(row));
  }
  return out;
}

}  // namespace

bool is_queue_state(std::string_view state) {
  return std::find(std::begin(kQueueStates), std::end(kQueueStates), state) !=
         std::end(kQueueStates);
}

bool is_handoff_state(std::string_view state) {
  return std::find(std::begin(kHandoffStates), std::end(kHandoffStates), state) !=
         std::end(kHandoffStates);
}

// ---------------------------------------------------------------------------------------
// Store

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

absl::StatusOr<std::unique_ptr<Store>> Store::open(const StoreOptions& options) {
  // SQLite's allocation statistics take a global mutex on every malloc; ackd never reads
  // them. Must precede sqlite3_initialize, hence once, before the first connection.
  static const bool configured = [] {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return true;
  }();
  (void)configured;
  auto impl = std::make_unique<Impl>(options);
  if (auto st = impl->open(); !st.ok()) return st;
  return std::unique_ptr<Store>(new Store(std::move(impl)));
}

void Store::ingest(std::string channel, std::string external_id, std::string author_id,
                   time::Instant now, Planner plan,
                   std::function<void(absl::StatusOr<IngestResult>)> done, LoopKeys loop) {
  impl_->submit<IngestResult>(
      [channel = std::move(channel), external_id = std::move(external_id),
       author_id = std::move(author_id), now, loop = std::move(loop), plan = std::move(plan)](
          Tx& tx) { return do_ingest(tx, channel, external_id, author_id, now, loop, plan); },
      std::move(done));
}

void Store::claim(std::string complaint_id, std::string agent, time::Instant now,
                  std::function<void(absl::StatusOr<ClaimResult>)> done) {
  impl_->submit<ClaimResult>([id = std::move(complaint_id), agent = std::move(agent),
                              now](Tx& tx) { return do_claim(tx, id, agent, now); },
                             std::move(done));
}

void Store::unclaim(std::string complaint_id, std::string agent, time::Instant now,
                    std::function<void(absl::StatusOr<UnclaimResult>)> done) {
  impl_->submit<UnclaimResult>([id = std::move(complaint_id), agent = std::move(agent),
                                now](Tx& tx) { return do_unclaim(tx, id, agent, now); },
                               std::move(done));
}

void Store::resolve(std::string complaint_id, std::string agent, std::string note, bool force,
                    time::Instant now, std::function<void(absl::StatusOr<ResolveResult>)> done) {
  impl_->submit<ResolveResult>(
      [id = std::move(complaint_id), agent = std::move(agent), note = std::move(note), force,
       now](Tx& tx) { return do_resolve(tx, id, agent, note, force, now); },
      std::move(done));
}

void Store::mark_delivered(std::int64_t outbox_id, time::Instant at, std::string remote_id) {
  impl_->submit_detached("delivery of outbox row " + std::to_string(outbox_id),
                         [outbox_id, at, remote_id = std::move(remote_id)](Tx& tx) {
                           do_mark_delivered(tx, outbox_id, at, remote_id);
                         });
}

void Store::mark_attempt_failed(std::int64_t outbox_id, int attempts, time::Instant at,
                                time::Instant next_attempt, std::string error) {
  impl_->submit_detached("failed attempt on outbox row " + std::to_string(outbox_id),
                         [outbox_id, attempts, at, next_attempt, error = std::move(error)](Tx& tx) {
                           do_mark_attempt_failed(tx, outbox_id, attempts, at, next_attempt, error);
                         });
}

void Store::mark_failed(std::int64_t outbox_id, int attempts, time::Instant at, std::string error) {
  impl_->submit_detached("failure of outbox row " + std::to_string(outbox_id),
                         [outbox_id, attempts, at, error = std::move(error)](Tx& tx) {
                           do_mark_failed(tx, outbox_id, attempts, at, error);
                         });
}

void Store::prune_reply_fingerprints(time::Instant before) {
  impl_->submit_detached("pruning reply fingerprints", [before](Tx& tx) {
    tx.db.query("DELETE FROM reply_fingerprints WHERE at < ?").bind_all(to_unix(before)).run();
  });
}

void Store::set_pause(std::optional<Pause> pause, HeldReplies on_resume, time::Instant now,
                      std::function<void(absl::StatusOr<PauseResult>)> done,
                      ReplyRefresher refresh) {
  impl_->submit<PauseResult>(
      [pause = std::move(pause), on_resume, now, refresh = std::move(refresh)](Tx& tx) {
        return do_set_pause(tx, pause, on_resume, refresh, now);
      },
      std::move(done));
}

std::optional<Pause> Store::pause_at_open() const {
  return impl_->pause_at_open();
}

void Store::owed(plan::DueOrder after, time::Instant until, std::size_t limit,
                 std::function<void(absl::StatusOr<std::vector<OutboxItem>>)> done) {
  impl_->submit<std::vector<OutboxItem>>(
      [after, until, limit](Tx& tx) { return do_owed(tx, after, until, limit); }, std::move(done),
      /*writes=*/false);
}

void Store::timeline(std::string complaint_id, std::function<void(absl::StatusOr<CaseView>)> done) {
  impl_->submit<CaseView>([id = std::move(complaint_id)](Tx& tx) { return do_timeline(tx, id); },
                          std::move(done), /*writes=*/false);
}

void Store::case_of_remote(std::string remote_id,
                           std::function<void(absl::StatusOr<std::optional<std::string>>)> done) {
  impl_->submit<std::optional<std::string>>(
      [remote_id = std::move(remote_id)](Tx& tx) -> std::optional<std::string> {
        auto q = tx.db.query("SELECT complaint_id FROM outbox WHERE remote_id = ? LIMIT 1");
        q.bind_all(remote_id);
        if (!q.step()) return std::nullopt;
        return q.text(0);
      },
      std::move(done), /*writes=*/false);
}

std::optional<StoredPolicy> Store::last_served_policy() const {
  return impl_->last_served_policy();
}

void Store::policy_served(StoredPolicy policy, Served how, time::Instant at,
                          std::function<void(absl::Status)> done) {
  impl_->submit<bool>(
      [policy = std::move(policy), how, at](Tx& tx) {
        policy_history::save_served(tx.db, policy, how, at);
        return true;
      },
      [done = std::move(done)](absl::StatusOr<bool> r) { done(r.status()); });
}

void Store::policy_history(std::function<void(absl::StatusOr<std::vector<PolicyServed>>)> done) {
  impl_->submit<std::vector<PolicyServed>>([](Tx& tx) { return policy_history::served(tx.db); },
                                           std::move(done), /*writes=*/false);
}

void Store::complaints_received(
    time::Instant from, time::Instant to,
    std::function<void(const std::string& complaint, time::Instant received_at)> each,
    std::function<void(absl::Status)> done) {
  impl_->read<bool>(
      [from, to, each = std::move(each)](sqlite::Connection& db) {
        read_received<std::int64_t>(
            db,
            "SELECT complaint, received_at, rowid FROM complaints "
            "WHERE (received_at, rowid) > (?, ?) AND received_at < ? "
            "  AND erased_at IS NULL ORDER BY received_at, rowid LIMIT ?",
            1, from, to, [&each](sqlite::Query& q) { each(q.text(0), from_unix(q.integer(1))); });
        return true;
      },
      std::function<void(absl::StatusOr<bool>)>(
          [done = std::move(done)](absl::StatusOr<bool> r) { done(r.status()); }));
}

void Store::report(time::Instant from, time::Instant to, std::shared_ptr<report::Builder> builder,
                   std::function<void(absl::StatusOr<report::Report>)> done) {
  impl_->read<report::Report>(
      [from, to, builder = std::move(builder)](sqlite::Connection& db) {
        // One narrow row a complaint (case_facts, kept by the schema's triggers), read into
        // rows that go round (a month may hold a million) and added up on a second thread:
        // reading and adding take about as long.
        BatchPipe<report::CaseRow> adding(
            [&builder](std::span<const report::CaseRow> rows) { builder->add(rows); });
        const bool with_ids = builder->drilling();
        read_received<std::string>(
            db,
            "SELECT channel, author_id, rule, reply_status, reason, team, calendar, deadline, "
            "  claimed_at, resolved_at, reply_delivered_at, reply_failed, escalations, "
            "  followups, failed, coalesce(agent, ''), coalesce(lists, ''), "
            "  coalesce(keywords, ''), received_at, id "
            "FROM case_facts WHERE (received_at, id) > (?, ?) AND received_at < ? "
            "ORDER BY received_at, id LIMIT ?",
            18, from, to, [&](sqlite::Query& q) {
              adding.put_with([&](report::CaseRow& row) {
                auto instant = [&q](int col) -> std::optional<time::Instant> {
                  if (auto s = q.optional_integer(col)) return from_unix(*s);
                  return std::nullopt;
                };
                row.channel.assign(q.text_view(0));
                row.author_id.assign(q.text_view(1));
                row.rule.assign(q.text_view(2));
                row.reply_status.assign(q.text_view(3));
                row.reason.assign(q.text_view(4));
                row.team.assign(q.text_view(5));
                row.calendar.assign(q.text_view(6));
                row.deadline = instant(7);
                row.claimed_at = instant(8);
                row.resolved_at = instant(9);
                row.reply_delivered_at = instant(10);
                row.reply_failed = q.integer(11) != 0;
                row.escalations.clear();
                // "1,2": the levels delivered.
                for (auto levels = q.text_view(12); !levels.empty();) {
                  int level = 0;
                  const auto [end, error] =
                      std::from_chars(levels.data(), levels.data() + levels.size(), level);
                  if (error == std::errc()) row.escalations.push_back(level);
                  levels.remove_prefix(
                      std::min(levels.size(), static_cast<std::size_t>(end - levels.data()) + 1));
                }
                row.followups = static_cast<int>(q.integer(13));
                row.failed_deliveries = static_cast<int>(q.integer(14));
                row.agent.assign(q.text_view(15));
                row.lists.assign(q.text_view(16));
                row.keywords.assign(q.text_view(17));
                row.received_at = from_unix(q.integer(18));
                if (with_ids) row.id.assign(q.text_view(19));
              });
            });
        adding.finish();
        // The topics of the period as long before, for the trend.
        auto before = db.query(
            "SELECT rule, coalesce(lists, ''), coalesce(keywords, ''), count(*) FROM case_facts "
            "WHERE received_at >= ? AND received_at < ? GROUP BY rule, lists, keywords");
        before.bind_all(to_unix(from - (to - from)), to_unix(from));
        while (before.step()) {
          builder->add_previous({before.text_view(0), before.text_view(1), before.text_view(2)},
                                static_cast<std::size_t>(before.integer(3)));
        }
        auto report = builder->finish();
        // The names of the few repeat complainants shown, as they last wrote.
        for (auto& author : report.repeat_complainants) {
          auto name = db.query(
              "SELECT coalesce(json_extract(complaint, '$.author.name'), '') FROM complaints "
              "WHERE channel = ? AND author_id = ? AND received_at < ? "
              "ORDER BY received_at DESC LIMIT 1");
          name.bind_all(author.channel, author.author_id, to_unix(to));
          if (name.step()) author.name = name.text(0);
        }
        // The references customers were given, of the cases listed (none for a case that
        // retention has removed).
        if (report.cases) {
          for (auto& listed : report.cases->listed) {
            auto ids = db.query("SELECT channel, external_id FROM complaints WHERE id = ?");
            ids.bind_all(listed.id);
            if (ids.step()) listed.reference = case_reference(ids.text_view(0), ids.text_view(1));
          }
        }
        return report;
      },
      std::move(done));
}

void Store::policy_versions(std::string prefix,
                            std::function<void(absl::StatusOr<std::vector<StoredPolicy>>)> done) {
  impl_->submit<std::vector<StoredPolicy>>(
      [prefix = std::move(prefix)](Tx& tx) {
        return policy_history::versions_starting(tx.db, prefix);
      },
      std::move(done), /*writes=*/false);
}

void Store::source_state(std::string source,
                         std::function<void(absl::StatusOr<std::optional<std::string>>)> done) {
  impl_->submit<std::optional<std::string>>(
      [source = std::move(source)](Tx& tx) -> std::optional<std::string> {
        auto q = tx.db.query("SELECT state FROM source_state WHERE source = ?");
        q.bind_all(source);
        if (!q.step()) return std::nullopt;
        return q.text(0);
      },
      std::move(done), /*writes=*/false);
}

void Store::save_source_state(std::string source, std::string state, time::Instant at,
                              std::function<void(absl::Status)> done) {
  impl_->submit<bool>(
      [source = std::move(source), state = std::move(state), at](Tx& tx) {
        tx.db
            .query(
                "INSERT INTO source_state (source, state, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (source) DO UPDATE SET state = excluded.state, "
                "updated_at = excluded.updated_at")
            .bind_all(source, state, to_unix(at))
            .run();
        return true;
      },
      [done = std::move(done)](absl::StatusOr<bool> r) { done(r.status()); });
}

void Store::add_event(std::string complaint_id, std::string event, nlohmann::json detail,
                      time::Instant at, std::function<void(absl::Status)> done) {
  impl_->submit<bool>(
      [id = std::move(complaint_id), event = std::move(event), detail = std::move(detail),
       at](Tx& tx) {
        auto q = tx.db.query("SELECT 1 FROM complaints WHERE id = ?");
        q.bind_all(id);
        if (!q.step()) throw JobFailure{absl::NotFoundError("no complaint " + id)};
        tx.event(id, at, event, detail);
        return true;
      },
      [done = std::move(done)](absl::StatusOr<bool> r) { done(r.status()); });
}

void Store::handoffs(HandoffQuery query, time::Instant now,
                     std::function<void(absl::StatusOr<std::vector<HandoffRow>>)> done) {
  impl_->submit<std::vector<HandoffRow>>(
      [query = std::move(query), now](Tx& tx) { return do_handoffs(tx, query, now); },
      std::move(done), /*writes=*/false);
}

void Store::queue(QueueQuery query, time::Instant now,
                  std::function<void(absl::StatusOr<std::vector<QueueRow>>)> done) {
  impl_->submit<std::vector<QueueRow>>(
      [query = std::move(query), now](Tx& tx) { return queue::list(tx, query, now); },
      std::move(done), /*writes=*/false);
}

void Store::queue_item(std::int64_t id, time::Instant now,
                       std::function<void(absl::StatusOr<std::optional<QueueRow>>)> done) {
  impl_->submit<std::optional<QueueRow>>([id, now](Tx& tx) { return queue::item(tx, id, now); },
                                         std::move(done), /*writes=*/false);
}

void Store::retry(RetryWhich which, std::string by, time::Instant now,
                  std::function<void(absl::StatusOr<Retried>)> done) {
  impl_->submit<Retried>([which = std::move(which), by = std::move(by),
                          now](Tx& tx) { return queue::retry(tx, which, by, now); },
                         std::move(done));
}

void Store::drop(std::int64_t id, std::string by, std::string reason, time::Instant now,
                 std::function<void(absl::StatusOr<Dropped>)> done) {
  impl_->submit<Dropped>([id, by = std::move(by), reason = std::move(reason),
                          now](Tx& tx) { return queue::drop(tx, id, by, reason, now); },
                         std::move(done));
}

void Store::hold_sink(std::string sink, std::optional<SinkHold> hold,
                      std::function<void(absl::StatusOr<SinkHolds>)> done) {
  impl_->submit<SinkHolds>([sink = std::move(sink), hold = std::move(hold)](
                               Tx& tx) { return queue::set_hold(tx, sink, hold); },
                           std::move(done));
}

const SinkHolds& Store::sink_holds_at_open() const {
  return impl_->holds_at_open();
}

void Store::expire(ExpireBefore before, std::size_t limit, time::Instant now,
                   std::function<void(absl::StatusOr<Expired>)> done) {
  impl_->submit<Expired>(
      [before, limit, now](Tx& tx) {
        auto expired = retention::expire(tx.db, before, limit, now, tx.others_waiting);
        // Gives the emptied pages back to the file system (auto_vacuum = INCREMENTAL).
        if (expired.erased + expired.deleted > 0) tx.db.exec_script("PRAGMA incremental_vacuum");
        return expired;
      },
      std::move(done), /*writes=*/true, When::idle);
}

void Store::forget_author(std::string author_id, std::optional<std::string> channel,
                          time::Instant now,
                          std::function<void(absl::StatusOr<std::size_t>)> done) {
  impl_->submit<std::size_t>(
      [author_id = std::move(author_id), channel = std::move(channel), now](Tx& tx) {
        return retention::forget_author(tx.db, author_id, channel, now);
      },
      std::move(done));
}

void Store::last_report_mailing(
    std::function<void(absl::StatusOr<std::optional<time::Instant>>)> done) {
  impl_->submit<std::optional<time::Instant>>(
      [](Tx& tx) -> std::optional<time::Instant> {
        auto q = tx.db.query("SELECT max(due_at) FROM report_mailings");
        if (!q.step() || q.is_null(0)) return std::nullopt;
        return time::Instant(time::Seconds(q.integer(0)));
      },
      std::move(done), /*writes=*/false);
}

void Store::report_mailed(time::Instant due, bool sent, time::Instant at, std::string error,
                          std::function<void(absl::Status)> done) {
  impl_->submit<bool>(
      [due, sent, at, error = std::move(error)](Tx& tx) {
        tx.db
            .query(
                "INSERT INTO report_mailings (due_at, outcome, at, error) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (due_at) DO UPDATE SET outcome = excluded.outcome, at = excluded.at, "
                "error = excluded.error")
            .bind_all(due.time_since_epoch().count(), sent ? "sent" : "failed",
                      at.time_since_epoch().count(), error)
            .run();
        return true;
      },
      [done = std::move(done)](absl::StatusOr<bool> r) { done(r.status()); });
}

void Store::flush() {
  impl_->flush();
}
std::int64_t Store::open_handoffs() const {
  std::int64_t open = 0;
  for (const auto& [_, n] : impl_->open_handoffs_by_team()) open += n;
  return open;
}

std::vector<std::pair<std::string, std::int64_t>> Store::open_handoffs_by_team() const {
  return impl_->open_handoffs_by_team();
}

std::int64_t Store::outbox_depth() const {
  return impl_->depth();
}
std::int64_t Store::failed_cases() const {
  return impl_->failed_cases();
}
std::int64_t Store::commits() const {
  return impl_->commits();
}

}  // namespace ackd::store
