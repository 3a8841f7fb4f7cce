#include "ackd/log/log.hpp"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>

namespace ackd::log {
namespace {

thread_local const Fields* innermost = nullptr;

int syslog_priority(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::critical:
      return 2;
    case spdlog::level::err:
      return 3;
    case spdlog::level::warn:
      return 4;
    case spdlog::level::info:
      return 6;
    default:
      return 7;
  }
}

// One journal entry per line: MESSAGE, PRIORITY, SYSLOG_IDENTIFIER and the fields in force.
// spdlog's own systemd sink cannot carry fields of our choosing, hence this one.
class JournalSink final : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    std::vector<std::string> entry;
    entry.reserve(4 + Fields::current().size());
    entry.push_back("MESSAGE=" + std::string(msg.payload.data(), msg.payload.size()));
    entry.push_back("PRIORITY=" + std::to_string(syslog_priority(msg.level)));
    entry.push_back("SYSLOG_IDENTIFIER=ackd");
    for (const auto& field : Fields::current()) entry.push_back(field);
    std::vector<iovec> iov;
    iov.reserve(entry.size());
    for (auto& e : entry) iov.push_back({e.data(), e.size()});
    sd_journal_sendv(iov.data(), static_cast<int>(iov.size()));
  }
  void flush_() override {}
};

}  // namespace

Fields::Fields(std::initializer_list<std::pair<std::string_view, std::string_view>> fields)
    : outer_(innermost) {
  if (outer_) fields_ = outer_->fields_;
  for (const auto& [name, value] : fields) {
    fields_.push_back(std::string(name) + "=" + std::string(value));
  }
  innermost = this;
}

Fields::~Fields() {
  innermost = outer_;
}

const std::vector<std::string>& Fields::current() {
  static const std::vector<std::string> none;
  return innermost ? innermost->fields_ : none;
}

bool stderr_is_journal() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (!stream) return false;
  unsigned long long device = 0, inode = 0;
  if (std::sscanf(stream, "%llu:%llu", &device, &inode) != 2) return false;
  struct stat st {};
  if (fstat(STDERR_FILENO, &st) != 0) return false;
  return st.st_dev == device && st.st_ino == inode;
}

void setup(std::string_view level) {
  std::shared_ptr<spdlog::logger> logger;
  if (stderr_is_journal()) {
    // The journal stamps time and priority itself.
    logger = std::make_shared<spdlog::logger>("ackd", std::make_shared<JournalSink>());
  } else {
    logger =
        std::make_shared<spdlog::logger>("ackd", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %l %v");
  }
  logger->set_level(spdlog::level::from_str(std::string(level)));
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace ackd::log
