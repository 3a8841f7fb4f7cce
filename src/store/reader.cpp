#include "store/reader.hpp"

#include <sys/resource.h>
#include <unistd.h>

namespace ackd::store {

void Reader::start(const std::string& path, const char* vfs) {
  db_.open(path, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, vfs);
  sqlite3_busy_timeout(db_.get(), sqlite::kBusyTimeoutMs);
  thread_ = std::thread([this] { run(); });
}

void Reader::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
  db_.close();
}

void Reader::submit(std::function<void(sqlite::Connection&)> job,
                    std::function<void(const std::string&)> failed) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back({std::move(job), std::move(failed)});
  }
  cv_.notify_one();
}

void Reader::run() {
  // Reports and exports wait; complaints do not. At the lowest CPU priority (Linux gives
  // each thread, and the threads it starts, its own nice value) a month's report takes the
  // time ingest leaves rather than the time ingest needs, but is never starved for good.
  setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 19);
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued is done
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    try {
      db_.exec_script("BEGIN");
      job.run(db_);
      db_.exec_script("COMMIT");
    } catch (const std::exception& e) {
      try {
        if (db_.in_transaction()) db_.exec_script("ROLLBACK");
      } catch (const sqlite::Error&) {
        // The connection is closed with the store; a read has nothing to undo.
      }
      job.failed(e.what());
    }
  }
}

}  // namespace ackd::store
