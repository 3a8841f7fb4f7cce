#pragma once

#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <span>
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
  // `consume` gets the items a batch at a time, in the order they were put.
  explicit BatchPipe(std::function<void(std::span<const T>)> consume, std::size_t batch = 4096)
      : consume_(std::move(consume)), batch_size_(batch), thread_([this] { run(); }) {
    filling_.reserve(batch_size_);
  }
  // Without finish() (the reader failed), the batch still being filled is dropped; those
  // already handed over are consumed before the thread stops.
  ~BatchPipe() { close(); }
  BatchPipe(const BatchPipe&) = delete;
  BatchPipe& operator=(const BatchPipe&) = delete;

  void put(const T& item) {
    put_with([&item](T& slot) { slot = item; });
  }

  // Fills the next item in place: `fill(T&)` gets an item of a batch already consumed, so
  // what it assigns reuses that item's storage (no allocation a row once batches go round).
  template <class Fill>
  void put_with(Fill&& fill) {
    if (filled_ == filling_.size()) filling_.emplace_back();
    fill(filling_[filled_]);
    if (++filled_ == batch_size_) send();
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

  struct Batch {
    std::vector<T> items;
    std::size_t size = 0;  // the items put; those after them are spare storage
  };

  void send() {
    if (filled_ == 0) return;
    std::unique_lock lock(mu_);
    space_.wait(lock, [this] { return waiting_.size() < kWaiting; });
    waiting_.push_back({std::move(filling_), filled_});
    if (spare_.empty()) {
      filling_ = {};
    } else {
      filling_ = std::move(spare_.back());
      spare_.pop_back();
    }
    lock.unlock();
    ready_.notify_one();
    filling_.reserve(batch_size_);
    filled_ = 0;
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
      Batch batch;
      {
        std::unique_lock lock(mu_);
        ready_.wait(lock, [this] { return done_ || !waiting_.empty(); });
        if (waiting_.empty()) return;
        batch = std::move(waiting_.front());
        waiting_.pop_front();
      }
      space_.notify_one();
      if (!failure_) {  // else drain, so that the reader never waits for space
        try {
          consume_(std::span<const T>(batch.items.data(), batch.size));
        } catch (...) {
          failure_ = std::current_exception();
        }
      }
      std::lock_guard lock(mu_);
      spare_.push_back(std::move(batch.items));
    }
  }

  std::function<void(std::span<const T>)> consume_;
  std::size_t batch_size_;
  std::vector<T> filling_;
  std::size_t filled_ = 0;
  std::mutex mu_;
  std::condition_variable ready_, space_;
  std::deque<Batch> waiting_;
  std::vector<std::vector<T>> spare_;  // consumed, for the reader to fill again
  bool done_ = false;
  std::exception_ptr failure_;
  std::thread thread_;  // last: starts once everything it uses exists
};

}  // namespace ackd::store
