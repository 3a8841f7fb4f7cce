// What a 202 promises: a complaint the store acknowledged survives a power loss. Checked
// two ways: the store's own connection commits complaints with synchronous=FULL in WAL mode,
// and a simulated power cut (a VFS that forgets every write not yet synced) loses no
// acknowledged complaint, nor a delivery's mark committed before one.
#include <doctest/doctest.h>
#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "ackd/store/store.hpp"
#include "temp_dir.hpp"

namespace store_durability_test {

using namespace ackd::store;
using nlohmann::json;
namespace fs = std::filesystem;
namespace t = ackd::time;

namespace {

struct ScratchDir : ackd::testing::TempDir {
  ScratchDir() : TempDir("ackd-durability-test-") {}
};

t::Instant now() {
  return std::chrono::floor<t::Seconds>(std::chrono::system_clock::now());
}

// A complaint with a reply and a handoff notice owed, as intake plans one.
ackd::plan::CasePlan plan_case(const std::string& ext) {
  using ackd::plan::Kind;
  ackd::plan::CasePlan r;
  r.id = "c-" + ext;
  r.channel = "x";
  r.external_id = ext;
  r.author_id = "a-" + ext;
  r.received_at = r.accepted_at = now();
  r.complaint = {{"external_id", ext}, {"text", "注文した商品がまだ届きません。"}};
  r.policy_version = "v1";
  r.decision.rule_id = "default";
  r.decision.priority = "P3";
  r.decision.reply_status = ackd::policy::ReplyStatus::queued;
  r.decision.reason = "matched";
  ackd::plan::Handoff h;
  h.team = "support";
  h.priority = "P3";
  h.deadline = r.accepted_at + std::chrono::hours(4);
  h.deadline_text = "4h";
  r.handoff = h;
  for (auto [kind, sink] :
       {std::pair{Kind::reply, "x-reply"}, std::pair{Kind::handoff, "support"}}) {
    OutboxItem item;
    item.complaint_id = r.id;
    item.kind = kind;
    item.sink = sink;
    item.idempotency_key = ackd::plan::idempotency_key(r.id, kind, 0);
    item.payload = "{}";
    item.due_at = r.accepted_at;
    r.outbox.push_back(std::move(item));
  }
  return r;
}

// Rows of one query on a connection of the test's own, each as text joined by '|'.
std::vector<std::string> rows(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  REQUIRE_MESSAGE(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK,
                  sqlite3_errmsg(db));
  std::vector<std::string> out;
  int rc = 0;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    std::string row;
    for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
      const auto* text = sqlite3_column_text(stmt, i);
      row += (i ? "|" : "") + std::string(text ? reinterpret_cast<const char*>(text) : "NULL");
    }
    out.push_back(std::move(row));
  }
  REQUIRE_MESSAGE(rc == SQLITE_DONE, sqlite3_errmsg(db));
  sqlite3_finalize(stmt);
  return out;
}

// --- The pragmas of the store's own connection --------------------------------------------
// An auto extension sees every connection the process opens; on the store's it installs a WAL
// hook, which SQLite calls on the writing thread after each commit and which may run SQL.
// (The store's own hook, which asks for checkpoints, goes with it: this test writes too
// little to need one.)

std::mutex pragmas_mu;
std::vector<std::string> pragmas_seen;  // "synchronous=N journal_mode=M", one per commit

int record_pragmas(void*, sqlite3* db, const char*, int) {
  auto value = [db](const char* sql) {
    sqlite3_stmt* stmt = nullptr;
    std::string v = "?";
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      v = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
    return v;
  };
  const std::string seen = "synchronous=" + value("PRAGMA synchronous") +
                           " journal_mode=" + value("PRAGMA journal_mode");
  std::lock_guard lock(pragmas_mu);
  pragmas_seen.push_back(seen);
  return SQLITE_OK;
}

// Opening a connection installs its own WAL hook (the autocheckpoint) after the auto
// extensions ran, so ours goes in at the first commit, from a commit hook.
int install_wal_hook(void* db) {
  sqlite3_wal_hook(static_cast<sqlite3*>(db), record_pragmas, nullptr);
  return 0;  // 0: let the commit go ahead
}

int watch_connection(sqlite3* db, const char**, const sqlite3_api_routines*) {
  sqlite3_commit_hook(db, install_wal_hook, db);
  return SQLITE_OK;
}

// --- A disk that loses unsynced writes -----------------------------------------------------
// Wraps the default VFS. Each file's bytes live in memory; xSync copies the ranges written
// since the last sync to the real file. Cutting the power stops that: from then on nothing
// more reaches the disk (but a random part of what was written and not synced does, as a
// disk cache may write pages out in any order), and deleting files does nothing. The cut
// comes in the middle of a transaction: after a given number of writes.
// File creation and deletion before the cut count as durable (directory entries are not
// modelled); shared memory (the WAL index) is the real one, which SQLite rebuilds from the
// WAL when it opens the database after a crash.
// Connections that open the same file (the store's writer and its checkpointer) share its
// bytes, as they share the operating system's page cache.

struct FileBytes {
  std::string name;                              // its key in Disk::contents
  std::string bytes;                             // what reads see
  std::map<sqlite3_int64, sqlite3_int64> dirty;  // offset -> length, written since last sync
  int opens = 0;
};

struct LossyFile {
  sqlite3_file base;   // must come first: SQLite sees this
  sqlite3_file* real;  // the default VFS's file, allocated after this struct
  FileBytes* shared;
  std::string* bytes;
  std::map<sqlite3_int64, sqlite3_int64>* dirty;
};

struct Disk {
  std::mutex mu;  // guards everything below and every LossyFile's bytes
  bool powered = true;
  std::optional<int> writes_until_cut;
  std::set<LossyFile*> files;
  std::map<std::string, FileBytes> contents;  // by file name, while any connection has it open
  std::mt19937 rng{20261126};
};
Disk disk;
sqlite3_vfs* real_vfs = nullptr;

LossyFile* lossy(sqlite3_file* f) {
  return reinterpret_cast<LossyFile*>(f);
}

// Copies ranges of the in-memory bytes to the real file.
int persist(LossyFile* f, const std::vector<std::pair<sqlite3_int64, sqlite3_int64>>& ranges) {
  for (const auto& [offset, length] : ranges) {
    const auto end =
        std::min<sqlite3_int64>(offset + length, static_cast<sqlite3_int64>(f->bytes->size()));
    if (end <= offset) continue;
    int rc = f->real->pMethods->xWrite(f->real, f->bytes->data() + offset,
                                       static_cast<int>(end - offset), offset);
    if (rc != SQLITE_OK) return rc;
  }
  return SQLITE_OK;
}

// With disk.mu held. From now on nothing reaches the disk, except a random part of what was
// written and not synced, each range whole or not at all.
void cut_power() {
  disk.powered = false;
  std::set<const void*> done;
  for (auto* f : disk.files) {
    if (!done.insert(f->dirty).second) continue;  // another connection's, seen already
    std::vector<std::pair<sqlite3_int64, sqlite3_int64>> lucky;
    for (const auto& range : *f->dirty) {
      if (disk.rng() % 2 == 0) lucky.push_back(range);
    }
    (void)persist(f, lucky);
  }
}

int lossy_close(sqlite3_file* file) {
  auto* f = lossy(file);
  std::lock_guard lock(disk.mu);
  disk.files.erase(f);
  int rc = f->real->pMethods ? f->real->pMethods->xClose(f->real) : SQLITE_OK;
  if (--f->shared->opens == 0) disk.contents.erase(f->shared->name);
  return rc;
}

int lossy_read(sqlite3_file* file, void* out, int amount, sqlite3_int64 offset) {
  std::lock_guard lock(disk.mu);
  const auto& bytes = *lossy(file)->bytes;
  const auto available =
      std::clamp<sqlite3_int64>(static_cast<sqlite3_int64>(bytes.size()) - offset, 0, amount);
  if (available > 0) {
    std::memcpy(out, bytes.data() + offset, static_cast<std::size_t>(available));
  }
  if (available < amount) {
    std::memset(static_cast<char*>(out) + available, 0,
                static_cast<std::size_t>(amount - available));
    return SQLITE_IOERR_SHORT_READ;
  }
  return SQLITE_OK;
}

int lossy_write(sqlite3_file* file, const void* data, int amount, sqlite3_int64 offset) {
  auto* f = lossy(file);
  std::lock_guard lock(disk.mu);
  const auto end = static_cast<std::size_t>(offset + amount);
  if (f->bytes->size() < end) f->bytes->resize(end);
  std::memcpy(f->bytes->data() + offset, data, static_cast<std::size_t>(amount));
  auto& length = (*f->dirty)[offset];
  length = std::max<sqlite3_int64>(length, amount);
  if (disk.powered && disk.writes_until_cut && --*disk.writes_until_cut == 0) cut_power();
  return SQLITE_OK;
}

int lossy_truncate(sqlite3_file* file, sqlite3_int64 size) {
  std::lock_guard lock(disk.mu);
  lossy(file)->bytes->resize(static_cast<std::size_t>(size));
  return SQLITE_OK;
}

int lossy_sync(sqlite3_file* file, int) {
  auto* f = lossy(file);
  std::lock_guard lock(disk.mu);
  if (!disk.powered) return SQLITE_OK;  // the program believes it synced
  std::vector<std::pair<sqlite3_int64, sqlite3_int64>> ranges(f->dirty->begin(), f->dirty->end());
  f->dirty->clear();
  int rc = persist(f, ranges);
  if (rc != SQLITE_OK) return rc;
  return f->real->pMethods->xTruncate(f->real, static_cast<sqlite3_int64>(f->bytes->size()));
}

int lossy_file_size(sqlite3_file* file, sqlite3_int64* size) {
  std::lock_guard lock(disk.mu);
  *size = static_cast<sqlite3_int64>(lossy(file)->bytes->size());
  return SQLITE_OK;
}

// Locks, most file controls and shared memory are the real file's.
sqlite3_file* real(sqlite3_file* f) {
  return lossy(f)->real;
}
int lossy_lock(sqlite3_file* f, int level) {
  return real(f)->pMethods->xLock(real(f), level);
}
int lossy_unlock(sqlite3_file* f, int level) {
  return real(f)->pMethods->xUnlock(real(f), level);
}
int lossy_check_reserved(sqlite3_file* f, int* out) {
  return real(f)->pMethods->xCheckReservedLock(real(f), out);
}
int lossy_file_control(sqlite3_file* f, int op, void* arg) {
  // These would size or map the real file behind the in-memory bytes.
  if (op == SQLITE_FCNTL_SIZE_HINT || op == SQLITE_FCNTL_MMAP_SIZE ||
      op == SQLITE_FCNTL_CHUNK_SIZE) {
    return SQLITE_NOTFOUND;
  }
  return real(f)->pMethods->xFileControl(real(f), op, arg);
}
int lossy_sector_size(sqlite3_file* f) {
  return real(f)->pMethods->xSectorSize(real(f));
}
int lossy_device_characteristics(sqlite3_file* f) {
  return real(f)->pMethods->xDeviceCharacteristics(real(f));
}
int lossy_shm_map(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  return real(f)->pMethods->xShmMap(real(f), region, size, extend, out);
}
int lossy_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  return real(f)->pMethods->xShmLock(real(f), offset, n, flags);
}
void lossy_shm_barrier(sqlite3_file* f) {
  real(f)->pMethods->xShmBarrier(real(f));
}
int lossy_shm_unmap(sqlite3_file* f, int delete_flag) {
  return real(f)->pMethods->xShmUnmap(real(f), delete_flag);
}

// Version 2: no xFetch, so SQLite does not memory-map the real file behind the bytes.
const sqlite3_io_methods lossy_methods = {
    2,
    lossy_close,
    lossy_read,
    lossy_write,
    lossy_truncate,
    lossy_sync,
    lossy_file_size,
    lossy_lock,
    lossy_unlock,
    lossy_check_reserved,
    lossy_file_control,
    lossy_sector_size,
    lossy_device_characteristics,
    lossy_shm_map,
    lossy_shm_lock,
    lossy_shm_barrier,
    lossy_shm_unmap,
    nullptr,
    nullptr,
};

int lossy_open(sqlite3_vfs*, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  auto* f = lossy(file);
  std::memset(f, 0, sizeof(LossyFile));
  f->real = reinterpret_cast<sqlite3_file*>(f + 1);
  int rc = real_vfs->xOpen(real_vfs, name, f->real, flags, out_flags);
  if (rc != SQLITE_OK) return rc;
  std::lock_guard lock(disk.mu);
  const std::string key =
      name ? name : "temp:" + std::to_string(reinterpret_cast<std::uintptr_t>(f));
  auto& shared = disk.contents[key];
  f->shared = &shared;
  if (shared.opens++ == 0) {
    shared.name = key;
    sqlite3_int64 size = 0;
    rc = f->real->pMethods->xFileSize(f->real, &size);
    shared.bytes.assign(static_cast<std::size_t>(size), '\0');
    if (rc == SQLITE_OK && size > 0) {
      rc = f->real->pMethods->xRead(f->real, shared.bytes.data(), static_cast<int>(size), 0);
    }
  }
  f->bytes = &shared.bytes;
  f->dirty = &shared.dirty;
  f->base.pMethods = &lossy_methods;  // from here on SQLite calls xClose, which frees
  disk.files.insert(f);
  return rc;
}

int lossy_delete(sqlite3_vfs*, const char* name, int sync_dir) {
  std::lock_guard lock(disk.mu);
  if (!disk.powered) return SQLITE_OK;
  return real_vfs->xDelete(real_vfs, name, sync_dir);
}

int forward_access(sqlite3_vfs*, const char* name, int flags, int* out) {
  return real_vfs->xAccess(real_vfs, name, flags, out);
}
int forward_full_pathname(sqlite3_vfs*, const char* name, int n, char* out) {
  return real_vfs->xFullPathname(real_vfs, name, n, out);
}
int forward_randomness(sqlite3_vfs*, int n, char* out) {
  return real_vfs->xRandomness(real_vfs, n, out);
}
int forward_sleep(sqlite3_vfs*, int us) {
  return real_vfs->xSleep(real_vfs, us);
}
int forward_current_time(sqlite3_vfs*, double* out) {
  return real_vfs->xCurrentTime(real_vfs, out);
}
int forward_last_error(sqlite3_vfs*, int n, char* out) {
  return real_vfs->xGetLastError(real_vfs, n, out);
}
int forward_current_time_int64(sqlite3_vfs*, sqlite3_int64* out) {
  return real_vfs->xCurrentTimeInt64(real_vfs, out);
}

constexpr const char* kLossyVfs = "ackd-test-lossy";

void register_lossy_vfs() {
  static sqlite3_vfs vfs = [] {
    real_vfs = sqlite3_vfs_find(nullptr);
    sqlite3_vfs v{};
    v.iVersion = 2;
    v.szOsFile = static_cast<int>(sizeof(LossyFile)) + real_vfs->szOsFile;
    v.mxPathname = real_vfs->mxPathname;
    v.zName = kLossyVfs;
    v.xOpen = lossy_open;
    v.xDelete = lossy_delete;
    v.xAccess = forward_access;
    v.xFullPathname = forward_full_pathname;
    v.xRandomness = forward_randomness;
    v.xSleep = forward_sleep;
    v.xCurrentTime = forward_current_time;
    v.xGetLastError = forward_last_error;
    v.xCurrentTimeInt64 = forward_current_time_int64;
    return v;
  }();
  REQUIRE(sqlite3_vfs_register(&vfs, 0) == SQLITE_OK);
}

// Stores complaint `ext` as intake would, waiting for its commit; the reply's outbox row.
std::int64_t ingest_reply(Store& store, const std::string& ext) {
  std::promise<absl::StatusOr<IngestResult>> stored;
  store.ingest(
      "x", ext, "a-" + ext, now(),
      [ext](const ackd::AuthorHistory&, const std::optional<Pause>&) { return plan_case(ext); },
      [&stored](absl::StatusOr<IngestResult> r) { stored.set_value(std::move(r)); });
  auto r = stored.get_future().get();
  REQUIRE(r.ok());
  return r->plan->outbox.front().id;
}

// With disk.mu held, after a cut: the power comes back and the database is opened on the
// surviving bytes, as after a reboot, and checked whole.
sqlite3* reboot(const fs::path& dir) {
  disk.powered = true;
  disk.writes_until_cut.reset();
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2((dir / "ackd.db").c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) ==
          SQLITE_OK);
  CHECK(rows(db, "PRAGMA integrity_check") == std::vector<std::string>{"ok"});
  return db;
}

}  // namespace

TEST_CASE(
    "store durability: complaints commit with synchronous=FULL in WAL mode, delivery marks "
    "without waiting for the disk") {
  {
    std::lock_guard lock(pragmas_mu);
    pragmas_seen.clear();
  }
  using Entry = void (*)();
  REQUIRE(sqlite3_auto_extension(reinterpret_cast<Entry>(watch_connection)) == SQLITE_OK);
  ScratchDir dir;
  std::vector<std::string> after_ingest, after_mark;
  {
    StoreOptions options;
    options.directory = dir.path.string();
    auto store = Store::open(options);
    sqlite3_cancel_auto_extension(reinterpret_cast<Entry>(watch_connection));
    REQUIRE_MESSAGE(store.ok(), store.status().ToString());
    auto seen = [] {
      std::lock_guard lock(pragmas_mu);
      return pragmas_seen;
    };
    const auto reply = ingest_reply(**store, "1");
    after_ingest = seen();
    (*store)->mark_delivered(reply, now());
    (*store)->flush();
    after_mark = seen();
    ingest_reply(**store, "2");
    REQUIRE(seen().size() == after_mark.size() + 1);
    CHECK(seen().back() == "synchronous=2 journal_mode=wal");
  }
  REQUIRE_FALSE(after_ingest.empty());
  // FULL is 2: every commit up to the first complaint's, the schema's included.
  for (const auto& seen : after_ingest) CHECK(seen == "synchronous=2 journal_mode=wal");
  // NORMAL is 1: the mark is in the log, on disk once the next complaint's commit syncs it.
  REQUIRE(after_mark.size() == after_ingest.size() + 1);
  CHECK(after_mark.back() == "synchronous=1 journal_mode=wal");
}

TEST_CASE("store durability: every acknowledged complaint survives a power cut") {
  register_lossy_vfs();
  ScratchDir dir;
  std::vector<std::string> acked;  // acknowledged while the power was on (under disk.mu)
  int answered = 0;
  constexpr int kComplaints = 400;
  constexpr std::size_t kCutAfter = 150;  // acknowledgements, then the power goes
  {
    StoreOptions options;
    options.directory = dir.path.string();
    options.vfs = kLossyVfs;
    options.max_batch = 16;  // many commits, some under way when the power goes
    auto store = Store::open(options);
    REQUIRE_MESSAGE(store.ok(), store.status().ToString());
    for (int i = 0; i < kComplaints; ++i) {
      const auto ext = std::to_string(i);
      (*store)->ingest(
          "x", ext, "a-" + ext, now(),
          [ext](const ackd::AuthorHistory&, const std::optional<Pause>&) { return plan_case(ext); },
          [&, ext](absl::StatusOr<IngestResult> r) {
            // The commit's sync came before this call, on this thread: if the power is on
            // now, it was on for the sync.
            std::lock_guard lock(disk.mu);
            if (disk.powered && r.ok() && !r->duplicate) acked.push_back("c-" + ext);
            // Some writes into the next transaction, the power goes.
            if (acked.size() == kCutAfter) disk.writes_until_cut = 5;
            ++answered;
          });
    }
    // The store carries on unaware, and closes (its destructor answers every complaint
    // queued): nothing of it reaches the disk any more.
  }
  std::lock_guard lock(disk.mu);
  REQUIRE(answered == kComplaints);
  REQUIRE_FALSE(disk.powered);
  REQUIRE(acked.size() >= kCutAfter);
  sqlite3* db = reboot(dir.path);
  std::set<std::string> complaints;
  for (auto& id : rows(db, "SELECT id FROM complaints")) complaints.insert(id);
  std::map<std::string, std::string> outbox;
  for (auto& row : rows(db,
                        "SELECT complaint_id, group_concat(kind, ',') FROM "
                        "(SELECT complaint_id, kind FROM outbox ORDER BY kind) "
                        "GROUP BY complaint_id")) {
    const auto bar = row.find('|');
    outbox[row.substr(0, bar)] = row.substr(bar + 1);
  }
  std::set<std::string> handoffs;
  for (auto& id : rows(db, "SELECT complaint_id FROM handoffs")) handoffs.insert(id);
  sqlite3_close(db);
  for (const auto& id : acked) {
    CAPTURE(id);
    CHECK(complaints.count(id) == 1);
    CHECK(handoffs.count(id) == 1);
    CHECK(outbox[id] == "handoff,reply");
  }
  // And the cut lost something: the test would not notice a store that never synced if
  // everything was written out anyway.
  CHECK(complaints.size() < static_cast<std::size_t>(kComplaints));

  // The store itself opens the database again and carries on.
  StoreOptions options;
  options.directory = dir.path.string();
  auto store = Store::open(options);
  REQUIRE_MESSAGE(store.ok(), store.status().ToString());
}

TEST_CASE(
    "store durability: a delivery's mark, not synced itself, survives a power cut once a later "
    "complaint is acknowledged") {
  register_lossy_vfs();
  {
    std::lock_guard lock(disk.mu);
    disk.powered = true;
    disk.writes_until_cut.reset();
  }
  ScratchDir dir;
  // In order: complaint i, its reply marked delivered, complaint i + 1, ... Enough commits
  // that the log is copied back into the database file and started over several times.
  constexpr int kComplaints = 300;
  constexpr int kCutAt = 200;
  std::vector<std::int64_t> marked_before_acked;  // reply rows whose mark a later 202 covers
  std::int64_t last_mark = -1;
  {
    StoreOptions options;
    options.directory = dir.path.string();
    options.vfs = kLossyVfs;
    auto store = Store::open(options);
    REQUIRE_MESSAGE(store.ok(), store.status().ToString());
    for (int i = 0; i < kComplaints; ++i) {
      const auto reply = ingest_reply(**store, std::to_string(i));
      {
        std::lock_guard lock(disk.mu);
        if (disk.powered && last_mark >= 0) marked_before_acked.push_back(last_mark);
        if (i == kCutAt) disk.writes_until_cut = 3;  // in the mark's commit, or the next
      }
      last_mark = reply;
      (*store)->mark_delivered(last_mark, now());
    }
  }
  std::lock_guard lock(disk.mu);
  REQUIRE_FALSE(disk.powered);
  REQUIRE(marked_before_acked.size() >= static_cast<std::size_t>(kCutAt));
  sqlite3* db = reboot(dir.path);
  std::set<std::int64_t> delivered;
  for (auto& id : rows(db, "SELECT id FROM outbox WHERE state = 'delivered'")) {
    delivered.insert(std::stoll(id));
  }
  sqlite3_close(db);
  for (auto id : marked_before_acked) {
    CAPTURE(id);
    CHECK(delivered.count(id) == 1);
  }
  CHECK(delivered.size() < static_cast<std::size_t>(kComplaints));
}

}  // namespace store_durability_test
