#include "store/checkpointer.hpp"

#include <spdlog/spdlog.h>

namespace ackd::store {

void Checkpointer::start(const std::string& path, const char* vfs) {
  db_.open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, vfs);
  // A connection finds the log when it first reads the file; until then it checkpoints
  // nothing.
  db_.exec_script("PRAGMA journal_mode");
  thread_ = std::thread([this] { run(); });
}

void Checkpointer::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
  db_.close();
}

void Checkpointer::committed(int wal_pages) {
  if (wal_pages < asked_at_) asked_at_ = 0;  // the log has started over
  if (wal_pages < kPages || (asked_at_ > 0 && wal_pages - asked_at_ < kPagesBetweenCopies)) {
    return;
  }
  asked_at_ = wal_pages;
  {
    std::lock_guard lock(mu_);
    wanted_ = true;
  }
  cv_.notify_one();
}

void Checkpointer::run() {
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || wanted_; });
      if (stopping_) return;
      wanted_ = false;
    }
    copy(db_.get());
  }
}

void Checkpointer::copy(sqlite3* db) {
  // PASSIVE never blocks the writer; the writer starts the log over at its next
  // transaction once all of it has been copied.
  const int rc =
      sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
    spdlog::warn("store: checkpoint failed: {}", sqlite3_errmsg(db));
  }
}

}  // namespace ackd::store
