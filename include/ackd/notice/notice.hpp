#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "ackd/plan/outbox.hpp"
#include "ackd/time/instant.hpp"

namespace ackd::notice {

// A team notice read back from the payload the case plan wrote (plan/case_plan.cpp, grouped
// by plan/notice_group.cpp), for the formats a team reads in its chat tool or helpdesk.
// Everything that comes from the customer (name, text) is theirs, unescaped: each format
// escapes it for its platform.

// What the customer was told automatically.
struct SentReply {
  bool sent = false;  // queued for delivery (false: none, or suppressed and why)
  bool direct = false;
  std::string text;
  std::string reason;  // why it was suppressed, held or changed; "" when nothing to say
};

// One case as a notice shows it.
struct Case {
  std::string id;
  std::string reference;  // what the customer was told to quote; "" in notices stored before it
  std::string priority;
  std::string rule;
  std::string channel;
  std::string author_id;
  std::string author_name;
  std::string text;
  std::string deadline_text;              // RFC 3339 in the team calendar's zone
  std::optional<time::Instant> deadline;  // the same instant
  std::string time_zone;                  // the calendar's, "" in notices stored before it
  SentReply reply;
};

// A storm: one rule's complaints arriving faster than the policy's threshold.
struct Storm {
  std::string rule;
  long long threshold = 0;
  std::string within;          // "10m"
  std::string public_replies;  // "stopped" or "storm template 'x'"
};

struct Notice {
  plan::Kind kind = plan::Kind::handoff;
  std::string team;
  std::string priority;
  int level = 0;
  std::size_t count = 1;    // cases: more than one for a grouped notice
  std::vector<Case> cases;  // the case, or the first cases of a group
  std::optional<Storm> storm;
};

// The notice a delivery's payload holds, or why it holds none (a reply, not JSON).
std::variant<Notice, std::string> read_notice(plan::Kind kind, std::string_view payload);

// What every format shows the same way.
// The headline a phone's notification shows: priority, what happened, the team; never
// customer text. "P2 · BREACHED · support missed the deadline".
std::string headline(const Notice& notice);
// One emoji that tells the kinds apart at a glance (📨 ⚠️ 🚨 🔁 🌩).
std::string_view marker(const Notice& notice);
// How urgent it looks: 0 a new case or follow-up, 1 an escalation, 2 a breach or storm.
int severity(const Notice& notice);
// "due in 1h 25m (Tue, Nov 24, 6:00 PM JST)", "overdue by 10m (...)": the deadline as the
// team calendar's zone writes it for a reader (time::Zone::format_for_reader), with the time
// left at `now`; "" without a deadline.
std::string time_left(const Case& c, time::Instant now);
// The case's page in the console: `console_url` + "cases/" + id; "" without a console.
std::string case_link(std::string_view console_url, std::string_view case_id);
// "山田太郎 (42)", "42", or "unknown customer"; each part cut to 100 characters.
std::string customer(const Case& c);
// "x, public" / "line, direct message".
std::string where(const Case& c);

// The facts every format lists for a case, labelled, those it has: reference, deadline
// (time_left), rule, channel (where). None holds customer text.
struct Fact {
  std::string_view label;
  std::string value;
};
std::vector<Fact> facts(const Case& c, time::Instant now);

// What the customer was told, cut to `max_chars`: "ackd answered in public: …", or "No
// automatic answer: <why>". The reply may quote the customer's name: escape it as theirs.
std::string answered(const Case& c, std::size_t max_chars);

}  // namespace ackd::notice
