// The `file` sink: each payload appended as one line and fsynced. The disk work happens on
// the sink's own thread so the io_context thread never waits on it; results are posted back.
#include <fcntl.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ackd/deliver/sink_registry.hpp"

namespace ackd::deliver {

namespace {

std::string errno_text(const char* what, const std::string& path, int err) {
  return std::string(what) + " " + path + ": " + std::strerror(err);
}

// Appends every line, then one fsync for all of them; an empty string means success.
std::string append_lines(const std::string& path, const std::vector<std::string*>& lines) {
  // No O_CREAT of directories: a missing directory is a configuration error worth seeing.
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) return errno_text("open", path, errno);
  std::string error;
  for (const std::string* line : lines) {
    const char* data = line->data();
    std::size_t left = line->size();
    while (left > 0 && error.empty()) {
      ssize_t n = ::write(fd, data, left);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        error = errno_text("write", path, errno);
        break;
      }
      data += n;
      left -= static_cast<std::size_t>(n);
    }
  }
  if (error.empty() && ::fsync(fd) != 0) error = errno_text("fsync", path, errno);
  ::close(fd);
  return error;
}

class FileSink final : public Sink {
 public:
  FileSink(boost::asio::io_context& io, std::string path)
      : io_(io), path_(std::move(path)), worker_([this] { work(); }) {}

  ~FileSink() override {  // waits for the write under way, if any
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
      jobs_.clear();
    }
    wake_.notify_one();
    worker_.join();
  }

  std::size_t capacity() const override { return 16; }

  void send(const Delivery& delivery, Done done) override {
    {
      std::lock_guard lock(mutex_);
      jobs_.push_back({Job{delivery.payload + "\n", std::move(done)}, generation_});
    }
    wake_.notify_one();
  }

  void abort() override {
    generation_ = std::make_shared<char>();
    std::lock_guard lock(mutex_);
    jobs_.clear();
  }

 private:
  struct Job {
    std::string line;
    Done done;
  };

  void work() {
    for (;;) {
      std::deque<std::pair<Job, std::weak_ptr<char>>> batch;
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
        if (stopping_) return;
        batch.swap(jobs_);
      }
      // Everything queued meanwhile shares one fsync.
      std::vector<std::string*> lines;
      for (auto& [job, generation] : batch) lines.push_back(&job.line);
      std::string error = append_lines(path_, lines);
      for (auto& [job, generation] : batch) {
        // The callbacks touch io-thread state, so they run there, and only if not aborted
        // (the generation is checked on the io thread, where it is replaced).
        boost::asio::post(io_,
                          [generation = std::move(generation), done = std::move(job.done), error] {
                            if (generation.expired()) return;
                            Attempt attempt;
                            attempt.delivered = error.empty();
                            attempt.error = error;
                            done(std::move(attempt));
                          });
      }
    }
  }

  boost::asio::io_context& io_;
  std::string path_;
  // Results are delivered only while this generation lives; abort() starts a new one.
  std::shared_ptr<char> generation_ = std::make_shared<char>();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::pair<Job, std::weak_ptr<char>>> jobs_;
  bool stopping_ = false;
  std::thread worker_;
};

std::optional<std::string> read_file_path(config::SectionReader& section) {
  section.allow({"path"});
  auto path = section.required("path");
  if (!section.ok()) return std::nullopt;
  return path;
}

}  // namespace

void register_file_sink(SinkRegistry& registry) {
  registry.add("file", read_file_path, [](const std::string& path, const SinkContext& context) {
    return SinkOrError(std::make_unique<FileSink>(context.io, path));
  });
}

}  // namespace ackd::deliver
