#include "ackd/log/log.hpp"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

namespace log_test {

using ackd::log::Fields;
using Strings = std::vector<std::string>;

TEST_CASE("log fields: nested scopes add to the outer ones and end with their scope") {
  CHECK(Fields::current().empty());
  {
    Fields outer{{"COMPLAINT_ID", "c-1"}};
    CHECK(Fields::current() == Strings{"COMPLAINT_ID=c-1"});
    {
      Fields inner{{"RULE", "default"}, {"TEAM", "support"}};
      CHECK(Fields::current() == Strings{"COMPLAINT_ID=c-1", "RULE=default", "TEAM=support"});
    }
    CHECK(Fields::current() == Strings{"COMPLAINT_ID=c-1"});
  }
  CHECK(Fields::current().empty());
}

TEST_CASE("log fields: belong to the thread that set them") {
  Fields mine{{"COMPLAINT_ID", "c-1"}};
  Strings seen_elsewhere{"unset"};
  std::thread([&] { seen_elsewhere = Fields::current(); }).join();
  CHECK(seen_elsewhere.empty());
  CHECK(Fields::current() == Strings{"COMPLAINT_ID=c-1"});
}

TEST_CASE("log: stderr is the journal only when JOURNAL_STREAM names it") {
  unsetenv("JOURNAL_STREAM");
  CHECK_FALSE(ackd::log::stderr_is_journal());
  setenv("JOURNAL_STREAM", "not-a-pair", 1);
  CHECK_FALSE(ackd::log::stderr_is_journal());
  setenv("JOURNAL_STREAM", "0:0", 1);
  CHECK_FALSE(ackd::log::stderr_is_journal());

  // As systemd sets it: the device and inode of the stream behind stderr.
  struct stat st {};
  REQUIRE(fstat(STDERR_FILENO, &st) == 0);
  const auto dev = static_cast<unsigned long long>(st.st_dev);
  const auto ino = static_cast<unsigned long long>(st.st_ino);
  const auto stream = std::to_string(dev) + ":" + std::to_string(ino);
  setenv("JOURNAL_STREAM", stream.c_str(), 1);
  CHECK(ackd::log::stderr_is_journal());
  // Another stream (stderr redirected after systemd started us) is not the journal.
  setenv("JOURNAL_STREAM", (std::to_string(dev) + ":" + std::to_string(ino + 1)).c_str(), 1);
  CHECK_FALSE(ackd::log::stderr_is_journal());
  setenv("JOURNAL_STREAM", (std::to_string(dev + 1) + ":" + std::to_string(ino)).c_str(), 1);
  CHECK_FALSE(ackd::log::stderr_is_journal());
  unsetenv("JOURNAL_STREAM");
}

}  // namespace log_test
