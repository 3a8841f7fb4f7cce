#pragma once

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "store/sqlite.hpp"

namespace ackd::store {

// Copies the write-ahead log back into the database file on its own thread and connection.
// SQLite's automatic checkpoint runs inside the COMMIT that crosses its threshold, so one
// complaint in every fifty or so waited for a few hundred page writes and a second fsync
// before its 202 and its reply; here no commit waits for it.
class Checkpointer {
 public:
  // Past this many pages in the log, a checkpoint is asked for (SQLite's own default).
  static constexpr int kPages = 1000;
  // Under a load that never pauses, the log restarts only once the writer copies the
  // rest itself (it alone can stop new pages arriving); past this many pages it does.
  static constexpr int kWriterPages = 4 * kPages;
  // Each copy syncs both files: under a steady load one copy per commit would cost more
  // than it saves, so another is asked for only once the log has grown this much more.
  static constexpr int kPagesBetweenCopies = kPages / 4;

  Checkpointer() = default;
  ~Checkpointer() { stop(); }
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // Opens its own connection to `path`; throws sqlite::Error if it cannot.
  void start(const std::string& path, const char* vfs);
  void stop();

  // From the writer, after a commit that left `wal_pages` pages in the log.
  void committed(int wal_pages);

  // Copies on `db` what no reader still needs. Busy means another copy is under way: the
  // next one takes up the rest.
  static void copy(sqlite3* db);

 private:
  void run();

  sqlite::Connection db_;
  int asked_at_ = 0;  // the writer's: pages in the log when it last asked for a copy
  std::mutex mu_;
  std::condition_variable cv_;
  bool wanted_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace ackd::store
