#include "ackd/log/log.hpp"

#include <doctest/doctest.h>

#include <string>
#include <thread>
#include <vector>

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
  unsetenv("JOURNAL_STREAM");
}
