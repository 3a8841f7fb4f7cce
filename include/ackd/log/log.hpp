#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// Where ackd's log lines go, and the structured fields they carry.
namespace ackd::log {

// Makes spdlog's default logger write to the journal, with structured fields, when stderr
// is connected to it (JOURNAL_STREAM, as systemd sets for a service); plain timestamped
// lines on stderr otherwise. `level` is ackd.yaml's log_level.
void setup(std::string_view level);

// True when stderr is the journal's stream (the test behind setup()).
bool stderr_is_journal();

// Fields added to every line logged on this thread while this object lives, such as
// COMPLAINT_ID, RULE and TEAM: `journalctl -u ackd COMPLAINT_ID=...` finds a case's lines.
// Plain lines do not show them; their message says what a reader needs.
class Fields {
 public:
  Fields(std::initializer_list<std::pair<std::string_view, std::string_view>> fields);
  ~Fields();
  Fields(const Fields&) = delete;
  Fields& operator=(const Fields&) = delete;

  // The fields in force on this thread, as NAME=value.
  static const std::vector<std::string>& current();

 private:
  std::vector<std::string> fields_;
  const Fields* outer_;
};

}  // namespace ackd::log
