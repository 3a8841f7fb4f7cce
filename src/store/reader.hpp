#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "store/sqlite.hpp"

namespace ackd::store {

// Long reads (reports, exports) on a connection and thread of their own, so that they never
// wait behind the writer's group commits nor hold them up: in WAL mode a reader sees the
// last commit before it began and the writer goes on.
class Reader {
 public:
  Reader() = default;
  ~Reader() { stop(); }
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  // Opens its own read-only connection to `path`; throws sqlite::Error if it cannot.
  void start(const std::string& path, const char* vfs);
  // Runs what is queued, then stops.
  void stop();

  // Runs `job` on the reader's thread inside a read transaction (a long job may end it and
  // begin another between slices of its reading). When it throws, `failed` is handed the
  // error instead.
  void submit(std::function<void(sqlite::Connection&)> job,
              std::function<void(const std::string& error)> failed);

 private:
  struct Job {
    std::function<void(sqlite::Connection&)> run;
    std::function<void(const std::string&)> failed;
  };
  void run();

  sqlite::Connection db_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace ackd::store
