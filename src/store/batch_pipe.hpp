#pragma once

#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ackd::store {

// Hands items, a batch at a time, from the thread that reads them to a thread of its own
// that consumes them, so that reading rows and adding them up take one core each. At most
// a few batches wait: a slow consumer slows the reader down instead of filling memory.
// The consumer thread inherits the reader's CPU priority.
template <class T>
class BatchPipe {
 public:
  explicit BatchPipe(std::function<void(const T&)> consume, std::size_t batch = 4096)
      : consume_(std::move(consume)), batch_size_(batch), thread_([this] { run(); }) {
    filling_.reserve(batch_size_);
  }
  // Without finish() (the reader failed), the batch still being filled is dropped; those
  // already handed over are consumed before the thread stops.
  ~BatchPipe() { close(); }
  BatchPipe(const BatchPipe&) = delete;
  BatchPipe& operator=(const BatchPipe&) = delete;

  void put(const T& item) {
    filling_.push_back(item);
    if (filling_.size() == batch_size_) send();
  }

  // Waits until everything put has been consumed; rethrows what the consumer threw.
  void finish() {
    if (!thread_.joinable()) return;
    send();
    close();
    if (failure_) std::rethrow_exception(std::exchange(failure_, nullptr));
  }

 private:
  static constexpr std::size_t kWaiting = 4;

  void send() {
    if (filling_.empty()) return;
    std::unique_lock lock(mu_);
    space_.wait(lock, [this] { return waiting_.size() < kWaiting; });
    waiting_.push_back(std::move(filling_));
    lock.unlock();
    ready_.notify_one();
    filling_ = {};
    filling_.reserve(batch_size_);
  }

  void close() {
    if (!thread_.joinable()) return;
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    ready_.notify_one();
    thread_.join();
  }

  void run() {
    for (;;) {
      std::vector<T> batch;
      {
        std::unique_lock lock(mu_);
        ready_.wait(lock, [this] { return done_ || !waiting_.empty(); });
        if (waiting_.empty()) return;
        batch = std::move(waiting_.front());
        waiting_.pop_front();
      }
      space_.notify_one();
      if (failure_) continue;  // drain, so that the reader never waits for space
      try {
        for (const T& item : batch) consume_(item);
      } catch (...) {
        failure_ = std::current_exception();
      }
    }
  }

  std::function<void(const T&)> consume_;
  std::size_t batch_size_;
  std::vector<T> filling_;
  std::mutex mu_;
  std::condition_variable ready_, space_;
  std::deque<std::vector<T>> waiting_;
  bool done_ = false;
  std::exception_ptr failure_;
  std::thread thread_;  // last: starts once everything it uses exists
};

}  // namespace ackd::store
