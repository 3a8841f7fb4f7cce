#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ackd/policy/policy.hpp"
#include "ackd/time/calendar.hpp"
#include "ackd/time/instant.hpp"
#include "ackd/time/zone.hpp"

namespace ackd::report {

// How fast ackd and the teams answered, and what keeps coming back: the figures of a
// period, computed from the cases the store holds (no I/O here: the store streams the rows
// in, the tools and the API print the result).

enum class By { team, rule, channel, day, hour, agent };
std::optional<By> by_from_string(std::string_view name);
std::string_view to_string(By by);

// One case as a report reads it.
struct CaseRow {
  std::string channel;
  std::string author_id;
  std::string rule;
  time::Instant received_at;
  std::string reply_status;  // queued | suppressed | none, as decided
  std::string reason;        // why a reply was suppressed
  std::optional<time::Instant> reply_delivered_at;
  bool reply_failed = false;  // given up after its last attempt
  std::string team;           // empty: no handoff
  std::string agent;          // who holds or resolved the case; empty: nobody yet
  std::string calendar;       // the handoff's deadline was counted on it
  std::optional<time::Instant> deadline, claimed_at, resolved_at;
  std::vector<int> escalations;  // levels of the escalation notices delivered
  int followups = 0;             // follow-ups delivered
  int failed_deliveries = 0;     // deliveries of any kind given up
};

// A distribution of durations: nearest-rank percentiles over the cases that have one.
struct Distribution {
  std::size_t count = 0;
  time::Seconds p50{}, p90{}, p99{};
};

struct Figures {
  std::size_t complaints = 0;
  std::size_t replies_sent = 0;     // delivered
  std::size_t replies_pending = 0;  // decided, not (yet) delivered
  std::size_t replies_failed = 0;
  std::size_t replies_none = 0;                           // the rule sends none
  std::map<std::string, std::size_t> replies_suppressed;  // by why: limit, loop, storm...
  Distribution first_response;                            // received -> reply delivered
  std::size_t handoffs = 0, claimed = 0, resolved = 0;
  Distribution to_claim, to_claim_business;  // received -> claimed (wall, team's hours)
  Distribution to_resolve, to_resolve_business;
  std::size_t deadline_met = 0, breaches = 0;  // of the handoffs whose outcome is known
  std::map<int, std::size_t> escalations;      // notices delivered, by level
  std::size_t followups = 0, failed_deliveries = 0;

  std::optional<double> deadline_met_pct() const;
};

struct Group {
  std::string key;
  Figures figures;
};

// A rule's complaints in the period, against the previous period of the same length.
struct Topic {
  std::string rule;
  std::size_t complaints = 0, previous = 0;
};

// The authors with the most complaints in the period (at least two), at most
// kRepeatComplainantsShown of them; their names are filled in by whoever reads the store.
inline constexpr std::size_t kRepeatComplainantsShown = 50;
struct RepeatComplainant {
  std::string channel, author_id, name, last_rule;
  std::size_t complaints = 0, open = 0;  // open: handed off, not resolved
};

struct Report {
  time::Instant from, to;
  By by = By::team;
  Figures total;
  std::vector<Group> groups;                           // by key
  std::vector<Topic> topics;                           // the most complaints first
  std::vector<RepeatComplainant> repeat_complainants;  // the most complaints first
};

// A calendar of the policy by name (null: one the policy no longer has, whose business time
// is not known).
using CalendarOf = std::function<const time::Calendar*(const std::string& name)>;
// The calendars of `policy`, which the function holds on to.
CalendarOf calendars_of(std::shared_ptr<const policy::Policy> policy);

class Builder {
 public:
  // `zone` writes the days and hours of By::day and By::hour; `now` tells a deadline that
  // has passed without a claim (a breach) from one still running.
  Builder(time::Instant from, time::Instant to, By by, CalendarOf calendar_of, time::Zone zone,
          time::Instant now);
  ~Builder();
  Builder(const Builder&) = delete;
  Builder& operator=(const Builder&) = delete;

  void add(const CaseRow& row);
  // A rule's complaints in the previous period, for the topics' trend.
  void add_previous(const std::string& rule, std::size_t complaints);
  Report finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

nlohmann::json to_json(const Report& report);
std::string to_csv(const Report& report);
std::string to_table(const Report& report);

}  // namespace ackd::report
