#include "deliver/file_sink.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstring>
#include <vector>

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

}  // namespace

FileSink::FileSink(boost::asio::io_context& io, std::string path)
    : io_(io), path_(std::move(path)), worker_([this] { work(); }) {}

FileSink::~FileSink() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    jobs_.clear();
  }
  wake_.notify_one();
  worker_.join();
}

void FileSink::send(const store::OutboxItem& item, Done done) {
  {
    std::lock_guard lock(mutex_);
    jobs_.push_back({Job{item.payload + "\n", std::move(done)}, generation_});
  }
  wake_.notify_one();
}

void FileSink::abort() {
  generation_ = std::make_shared<char>();
  std::lock_guard lock(mutex_);
  jobs_.clear();
}

void FileSink::work() {
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

}  // namespace ackd::deliver
