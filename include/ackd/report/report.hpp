#pragma once

#include <array>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
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
  std::string id;  // needed only when drilling()
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
  // The policy lists and keywords found in the text (the decision's), one per line.
  std::string lists, keywords;
};

// What cases were about, for the recurring topics; lists and keywords one per line.
struct CaseTopics {
  std::string_view rule, lists, keywords;
};

// The upper bounds of a distribution's histogram buckets, for its chart; one more bucket
// holds what is longer than the last.
inline constexpr std::array<time::Seconds, 8> kHistogramBounds{
    time::Seconds(10),   time::Seconds(60),    time::Seconds(300),   time::Seconds(900),
    time::Seconds(3600), time::Seconds(14400), time::Seconds(86400), time::Seconds(259200)};

// A distribution of durations: nearest-rank percentiles over the cases that have one.
struct Distribution {
  std::size_t count = 0;
  time::Seconds p50{}, p90{}, p99{};
  std::array<std::size_t, kHistogramBounds.size() + 1> histogram{};
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

// A rule, policy list or keyword: its complaints in the period, against the previous
// period of the same length.
struct Topic {
  std::string name;
  std::size_t complaints = 0, previous = 0;
};
// At most this many keywords are reported (lists and rules are few: all of them).
inline constexpr std::size_t kKeywordsShown = 50;

// The authors with the most complaints in the period (at least two), at most
// kRepeatComplainantsShown of them; their names are filled in by whoever reads the store.
inline constexpr std::size_t kRepeatComplainantsShown = 50;
struct RepeatComplainant {
  std::string channel, author_id, name, last_rule;
  std::size_t complaints = 0, open = 0;  // open: handed off, not resolved
};

// The figures a case counts in, to list the cases behind one (`ackd report --cases`). Each
// counts the cases its figure in Figures counts (followups, escalated and failed_deliveries:
// the cases with at least one); open: handed off and not resolved.
enum class Figure {
  complaints,
  replied,
  pending,
  reply_failed,
  no_reply,
  suppressed,
  handoffs,
  claimed,
  resolved,
  open,
  deadline_met,
  breaches,
  escalated,
  followups,
  failed_deliveries,
};
std::optional<Figure> figure_from_string(std::string_view name);
std::string_view to_string(Figure figure);
std::string figure_names();  // "complaints, replied, ..." for messages

// Which cases to list: those counted in `figure`, of one group or all.
struct Drill {
  Figure figure = Figure::complaints;
  std::optional<std::string> group;
  std::size_t limit = 1000;  // listed; all are counted
  // Only the cases on a topic: a policy list their text was on, a keyword found in it (as
  // written in the policy or normalized).
  std::optional<std::string> list{}, keyword{};
};

// A case behind a figure.
struct CaseRef {
  std::string id;
  std::string reference;  // what the customer was given; filled by whoever reads the store
  std::string group, rule, team, agent;
  time::Instant received_at;
};

struct Cases {
  Drill drill;
  std::size_t count = 0;        // all the cases behind the figure
  std::vector<CaseRef> listed;  // the first `drill.limit`, oldest first
};

// One local day of the period: its complaints by rule.
struct Day {
  std::string date;  // YYYY-MM-DD in the report's zone
  std::map<std::string, std::size_t> by_rule;
};

// A team's handoffs whose outcome is known: claimed in time, or not.
struct TeamDeadlines {
  std::size_t met = 0, breaches = 0;
};

struct Report {
  time::Instant from, to;
  By by = By::team;
  time::Zone zone = time::Zone::utc();  // days and hours are local to it
  Figures total;
  std::vector<Group> groups;  // by key
  // The recurring topics, the most complaints first: the rules that fired, the policy lists
  // the texts were on, the policy keywords found in them.
  std::vector<Topic> topics, lists, keywords;
  std::vector<RepeatComplainant> repeat_complainants;  // the most complaints first
  // The period's shape whatever it is grouped by, for the charts.
  std::vector<Day> days;  // every day of the period, in order, also those without complaints
  std::array<std::array<std::size_t, 24>, 7> by_weekday_hour{};  // [Monday .. Sunday][hour]
  std::map<std::string, TeamDeadlines> deadlines_by_team;
  std::optional<Cases> cases;  // when a drill was asked for
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

  // Also lists the cases behind one figure.
  void drill(Drill drill);
  // Whether rows need their ids (only to list cases: most reports skip the copies).
  bool drilling() const;

  void add(const CaseRow& row);
  // Rows in time order, a batch of them: as add() on each, with the lookups of the rows
  // ahead started early (a month's authors outgrow the CPU's caches).
  void add(std::span<const CaseRow> rows);
  // Complaints of the previous period, for the topics' trend.
  void add_previous(const CaseTopics& topics, std::size_t complaints);
  Report finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

nlohmann::json to_json(const Report& report);
std::string to_csv(const Report& report);
std::string to_table(const Report& report);
// One self-contained page (inline CSS and SVG charts, nothing fetched, no script) in `lang`
// ("ja"; anything else is English).
std::string to_html(const Report& report, std::string_view lang);
// The cases behind a figure: {"figure", "group", "count", "cases": [...]}, a CSV with a
// header row, or a table for people; times in the report's zone.
nlohmann::json cases_to_json(const Cases& cases, const time::Zone& zone);
std::string cases_to_csv(const Cases& cases, const time::Zone& zone);
std::string cases_to_table(const Cases& cases, const time::Zone& zone);

}  // namespace ackd::report
