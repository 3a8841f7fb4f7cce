#pragma once

#include <boost/asio/io_context.hpp>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "deliver/channel.hpp"

namespace ackd::deliver {

// A file: each payload is appended as one line and fsynced. The disk work happens on the
// sink's own thread so the io_context thread never waits on it; results are posted back.
class FileSink final : public Channel {
 public:
  FileSink(boost::asio::io_context& io, std::string path);
  ~FileSink() override;  // waits for the write under way, if any

  std::size_t capacity() const override { return 16; }
  void send(const store::OutboxItem& item, Done done) override;
  void abort() override;

 private:
  struct Job {
    std::string line;
    Done done;
  };
  void work();

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

}  // namespace ackd::deliver
