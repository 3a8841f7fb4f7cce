#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ackd/complaint/complaint.hpp"
#include "ackd/policy/policy.hpp"
#include "ackd/time/instant.hpp"
#include "nlohmann/json.hpp"

namespace ackd::policy {

enum class ReplyStatus { none, queued, suppressed };
std::string_view to_string(ReplyStatus s);

struct Reply {
  std::string template_name;
  std::string lang;
  bool direct_message = false;
  std::string text;
};

struct EscalationStep {
  int level = 1;
  time::Instant at;
  std::string sink;
};

struct Handoff {
  std::string team;
  std::string sink;
  std::string calendar;
  time::Instant deadline;
  std::string deadline_text;                // RFC 3339 in the calendar's zone
  std::string time_zone;                    // the calendar's (IANA name)
  std::vector<EscalationStep> escalations;  // in time order, each fires once if unclaimed
  std::string breach_sink;                  // told at the deadline if still unclaimed
};

// Why each rule matched or not, for `ackd explain` and the timeline.
struct RuleTrace {
  std::string rule_id;
  bool matched = false;
  std::vector<std::string> reasons;
};

struct Decision {
  std::string rule_id;
  std::string priority;
  std::string lang;        // the language the customer is answered in
  time::Instant received;  // when the customer posted it (received_at, at most now)
  time::Instant started;   // when the handoff clock started: then, or now if that was too late
  ReplyStatus reply_status = ReplyStatus::none;
  std::string reason;  // why the reply is suppressed or changed, "" otherwise
  std::optional<Reply> reply;
  std::optional<Handoff> handoff;
  std::optional<time::Seconds> followup;
  std::optional<std::string> pii_kind;
  std::vector<std::string> notes;  // guards that changed the reply
  // What the text is about in the policy's words, for reports: the lists (TopicList) and the
  // text keywords (normalized) found in it. Policy words only, never customer text.
  std::vector<std::string> lists, keywords;
  std::vector<RuleTrace> trace;  // filled only when asked for
};

struct EvaluateOptions {
  bool trace = false;  // evaluate every rule and record why; slower
  // Rules in storm mode now (safety.storm): their public replies change or stop.
  std::vector<std::string> storming = {};
};

// The whole decision for one complaint, as a pure function of its inputs. The handoff
// clock starts at the complaint's received_at, or `now` when that is absent or later, or when
// the deadline counted from received_at has already passed (a late arrival).
Decision evaluate(const Policy& policy, const Complaint& complaint, const AuthorHistory& history,
                  time::Instant now, const EvaluateOptions& options = {});

nlohmann::json to_json(const Decision& decision);

// One complaint's facts gathered once, to ask of any rule whether it matches (no author
// history): for checks of a policy against itself, such as its rules' order.
class RuleProbe {
 public:
  RuleProbe(const Policy& policy, const Complaint& complaint, time::Instant now);
  ~RuleProbe();
  RuleProbe(const RuleProbe&) = delete;
  RuleProbe& operator=(const RuleProbe&) = delete;

  bool matches(const Rule& rule) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace ackd::policy
