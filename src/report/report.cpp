#include "ackd/report/report.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/time/civil_time.h"
#include "ackd/text/normalize.hpp"

namespace ackd::report {
namespace {

constexpr std::array<std::pair<By, std::string_view>, 6> kBy{{
    {By::team, "team"},
    {By::rule, "rule"},
    {By::channel, "channel"},
    {By::day, "day"},
    {By::hour, "hour"},
    {By::agent, "agent"},
}};

constexpr std::array<std::pair<Figure, std::string_view>, 15> kFigures{{
    {Figure::complaints, "complaints"},
    {Figure::replied, "replied"},
    {Figure::pending, "pending"},
    {Figure::reply_failed, "reply_failed"},
    {Figure::no_reply, "no_reply"},
    {Figure::suppressed, "suppressed"},
    {Figure::handoffs, "handoffs"},
    {Figure::claimed, "claimed"},
    {Figure::resolved, "resolved"},
    {Figure::open, "open"},
    {Figure::deadline_met, "deadline_met"},
    {Figure::breaches, "breaches"},
    {Figure::escalated, "escalated"},
    {Figure::followups, "followups"},
    {Figure::failed_deliveries, "failed_deliveries"},
}};

// The value a table names `name`, or nothing.
template <class T, std::size_t N>
std::optional<T> value_named(const std::array<std::pair<T, std::string_view>, N>& table,
                             std::string_view name) {
  for (const auto& [value, n] : table) {
    if (n == name) return value;
  }
  return std::nullopt;
}

// The name a table gives `value` (every value of the enum has one: the first otherwise).
template <class T, std::size_t N>
std::string_view name_of(const std::array<std::pair<T, std::string_view>, N>& table, T value) {
  for (const auto& [v, name] : table) {
    if (v == value) return name;
  }
  return table.front().second;
}

// "2026-11-27" into `out`, the keys of By::day and the dates of Report::days.
void write_date(char (&out)[16], absl::CivilDay day) {
  std::snprintf(out, sizeof out, "%04d-%02d-%02d", static_cast<int>(day.year()), day.month(),
                day.day());
}

// Why a reply was suppressed, in the words of the contract: the decision's reason names it.
std::string suppressed_because(std::string_view reason) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 6> kWhy{{
      {"replies_per_author", "limit"},
      {"loop guard", "loop"},
      {"storm mode", "storm"},
      {"replies are", "pause"},
      {"stale", "stale"},
      {"safety", "safety"},
  }};
  for (const auto& [prefix, why] : kWhy) {
    if (reason.substr(0, prefix.size()) == prefix) return std::string(why);
  }
  return "other";
}

// Durations of one measure, until the percentiles are taken.
struct Samples {
  std::vector<time::Seconds> values;

  void add(time::Instant from, time::Instant to) { values.push_back(std::max(to - from, {})); }
  Distribution distribution() {
    Distribution d;
    d.count = values.size();
    if (values.empty()) return d;
    for (const auto v : values) {
      const auto bucket = std::lower_bound(kHistogramBounds.begin(), kHistogramBounds.end(), v);
      ++d.histogram[static_cast<std::size_t>(bucket - kHistogramBounds.begin())];
    }
    // Three ranks need no full sort: each nth_element is linear, and each rank lies right
    // of the one before (a month may hold a million values).
    auto first = values.begin();
    auto rank = [&](double p) {
      const auto n = static_cast<double>(values.size());
      const auto at =
          values.begin() + static_cast<std::ptrdiff_t>(std::max(1.0, std::ceil(p * n))) - 1;
      std::nth_element(first, at, values.end());
      first = at;
      return *at;
    };
    d.p50 = rank(0.50);
    d.p90 = rank(0.90);
    d.p99 = rank(0.99);
    return d;
  }
};

// What became of a case's automatic reply.
enum class ReplyOutcome { sent, pending, failed, none, suppressed };

ReplyOutcome reply_outcome(const CaseRow& row) {
  if (row.reply_status == "suppressed") return ReplyOutcome::suppressed;
  if (row.reply_status == "none") return ReplyOutcome::none;
  if (row.reply_delivered_at) return ReplyOutcome::sent;
  return row.reply_failed ? ReplyOutcome::failed : ReplyOutcome::pending;
}

// A case resolved without a claim was taken over when it was resolved.
std::optional<time::Instant> taken_at(const CaseRow& row) {
  return row.claimed_at ? row.claimed_at : row.resolved_at;
}

// What a case's row tells beyond its fields, worked out once for all that count it.
struct Derived {
  // The times to claim and to resolve in the team's hours (unknown without the calendar).
  std::optional<time::Seconds> to_claim_business, to_resolve_business;
  enum class Deadline { unknown, met, breached } deadline = Deadline::unknown;
};

struct Accumulator {
  Figures figures;
  Samples first_response, to_claim, to_claim_business, to_resolve, to_resolve_business;

  void add(const CaseRow& row, const Derived& derived) {
    Figures& f = figures;
    ++f.complaints;
    switch (reply_outcome(row)) {
      case ReplyOutcome::suppressed:
        ++f.replies_suppressed[suppressed_because(row.reason)];
        break;
      case ReplyOutcome::none:
        ++f.replies_none;
        break;
      case ReplyOutcome::sent:
        ++f.replies_sent;
        first_response.add(row.received_at, *row.reply_delivered_at);
        break;
      case ReplyOutcome::failed:
        ++f.replies_failed;
        break;
      case ReplyOutcome::pending:
        ++f.replies_pending;
        break;
    }
    for (int level : row.escalations) ++f.escalations[level];
    f.followups += static_cast<std::size_t>(row.followups);
    f.failed_deliveries += static_cast<std::size_t>(row.failed_deliveries);
    if (row.team.empty()) return;
    ++f.handoffs;
    const auto taken = taken_at(row);
    if (taken) {
      ++f.claimed;
      to_claim.add(row.received_at, *taken);
      if (derived.to_claim_business) to_claim_business.values.push_back(*derived.to_claim_business);
    }
    if (row.resolved_at) {
      ++f.resolved;
      to_resolve.add(row.received_at, *row.resolved_at);
      if (derived.to_resolve_business) {
        to_resolve_business.values.push_back(*derived.to_resolve_business);
      }
    }
    if (derived.deadline == Derived::Deadline::met) ++f.deadline_met;
    if (derived.deadline == Derived::Deadline::breached) ++f.breaches;
  }

  // Adds another group's cases: the total is its groups' sum.
  void merge(const Accumulator& o) {
    Figures& f = figures;
    const Figures& g = o.figures;
    for (auto [into, from] :
         {std::pair{&f.complaints, g.complaints}, std::pair{&f.replies_sent, g.replies_sent},
          std::pair{&f.replies_pending, g.replies_pending},
          std::pair{&f.replies_failed, g.replies_failed},
          std::pair{&f.replies_none, g.replies_none}, std::pair{&f.handoffs, g.handoffs},
          std::pair{&f.claimed, g.claimed}, std::pair{&f.resolved, g.resolved},
          std::pair{&f.deadline_met, g.deadline_met}, std::pair{&f.breaches, g.breaches},
          std::pair{&f.followups, g.followups},
          std::pair{&f.failed_deliveries, g.failed_deliveries}}) {
      *into += from;
    }
    for (const auto& [why, n] : g.replies_suppressed) f.replies_suppressed[why] += n;
    for (const auto& [level, n] : g.escalations) f.escalations[level] += n;
    for (auto [into, from] :
         {std::pair{&first_response, &o.first_response}, std::pair{&to_claim, &o.to_claim},
          std::pair{&to_claim_business, &o.to_claim_business},
          std::pair{&to_resolve, &o.to_resolve},
          std::pair{&to_resolve_business, &o.to_resolve_business}}) {
      into->values.insert(into->values.end(), from->values.begin(), from->values.end());
    }
  }

  Figures finish() {
    figures.first_response = first_response.distribution();
    figures.to_claim = to_claim.distribution();
    figures.to_claim_business = to_claim_business.distribution();
    figures.to_resolve = to_resolve.distribution();
    figures.to_resolve_business = to_resolve_business.distribution();
    return figures;
  }
};

// Whether the case counts in `figure`: the cases behind each of Accumulator's figures.
bool counts_in(Figure figure, const CaseRow& row, const Derived& derived) {
  const bool handed_off = !row.team.empty();
  switch (figure) {
    case Figure::complaints:
      return true;
    case Figure::replied:
      return reply_outcome(row) == ReplyOutcome::sent;
    case Figure::pending:
      return reply_outcome(row) == ReplyOutcome::pending;
    case Figure::reply_failed:
      return reply_outcome(row) == ReplyOutcome::failed;
    case Figure::no_reply:
      return reply_outcome(row) == ReplyOutcome::none;
    case Figure::suppressed:
      return reply_outcome(row) == ReplyOutcome::suppressed;
    case Figure::handoffs:
      return handed_off;
    case Figure::claimed:
      return handed_off && taken_at(row);
    case Figure::resolved:
      return handed_off && row.resolved_at;
    case Figure::open:
      return handed_off && !row.resolved_at;
    case Figure::deadline_met:
      return derived.deadline == Derived::Deadline::met;
    case Figure::breaches:
      return derived.deadline == Derived::Deadline::breached;
    case Figure::escalated:
      return !row.escalations.empty();
    case Figure::followups:
      return row.followups > 0;
    case Figure::failed_deliveries:
      return row.failed_deliveries > 0;
  }
  return false;
}

using Topics = std::map<std::string, Topic, std::less<>>;

// Calls each(line) for every line of `lines` (a case's lists or keywords, one a line) until
// it returns true; whether one did.
template <class Each>
bool any_line(std::string_view lines, Each&& each) {
  while (!lines.empty()) {
    const auto end = std::min(lines.find('\n'), lines.size());
    if (each(lines.substr(0, end))) return true;
    lines.remove_prefix(std::min(lines.size(), end + 1));
  }
  return false;
}

// Whether `name` is one of `lines`.
bool has_line(std::string_view lines, std::string_view name) {
  return any_line(lines, [name](std::string_view line) { return line == name; });
}

// Whether the case is on the drill's topic, when it names one.
bool on_topic(const Drill& drill, const CaseRow& row) {
  return (!drill.list || has_line(row.lists, *drill.list)) &&
         (!drill.keyword || has_line(row.keywords, *drill.keyword));
}

// Adds `n` complaints of the period (or of the one before) to each topic named in `lines`.
void count_topics(std::string_view lines, Topics& into, std::size_t Topic::*period, std::size_t n) {
  any_line(lines, [&](std::string_view name) {
    auto it = into.find(name);
    if (it == into.end()) it = into.emplace(name, Topic{std::string(name), 0, 0}).first;
    it->second.*period += n;
    return false;  // every line
  });
}

// The most complaints first; among equals, the most before, then by name.
std::vector<Topic> ranked(const Topics& topics, std::size_t at_most) {
  std::vector<Topic> out;
  out.reserve(topics.size());
  for (const auto& [_, topic] : topics) out.push_back(topic);
  std::stable_sort(out.begin(), out.end(), [](const Topic& a, const Topic& b) {
    return a.complaints != b.complaints ? a.complaints > b.complaints : a.previous > b.previous;
  });
  if (out.size() > at_most) out.resize(at_most);
  return out;
}

}  // namespace

std::optional<Figure> figure_from_string(std::string_view name) {
  return value_named(kFigures, name);
}

std::string_view to_string(Figure figure) {
  return name_of(kFigures, figure);
}

std::string figure_names() {
  std::string out;
  for (const auto& [_, name] : kFigures) out += (out.empty() ? "" : ", ") + std::string(name);
  return out;
}

std::optional<By> by_from_string(std::string_view name) {
  return value_named(kBy, name);
}

std::string_view to_string(By by) {
  return name_of(kBy, by);
}

CalendarOf calendars_of(std::shared_ptr<const policy::Policy> policy) {
  return [policy = std::move(policy)](const std::string& name) -> const time::Calendar* {
    const auto* named = policy->calendar(name);
    return named ? &named->calendar : nullptr;
  };
}

std::optional<double> Figures::deadline_met_pct() const {
  const auto known = deadline_met + breaches;
  if (known == 0) return std::nullopt;
  return 100.0 * static_cast<double>(deadline_met) / static_cast<double>(known);
}

struct Builder::State {
  State(time::Instant from_, time::Instant to_, By by_, CalendarOf calendar_of_, time::Zone zone_,
        time::Instant now_)
      : from(from_),
        to(to_),
        by(by_),
        calendar_of(std::move(calendar_of_)),
        zone(std::move(zone_)),
        now(now_) {}

  time::Instant from, to;
  By by;
  CalendarOf calendar_of;
  time::Zone zone;
  time::Instant now;
  std::map<std::string, Accumulator, std::less<>> groups;
  Topics topics, lists, keywords;  // by rule, list, keyword
  // By channel and author id ("x\0123"). A period may hold hundreds of thousands of
  // authors: a flat table of small entries keeps each row to about one cache miss.
  struct AuthorCount {
    std::uint32_t complaints = 0, open = 0;
    const std::string* last_rule = nullptr;  // a key of `topics`
  };
  absl::flat_hash_map<std::string, AuthorCount> authors;
  std::string author_key, ahead_key;  // reused: most rows find their author already there

  static void key_of_author(const CaseRow& row, std::string& key) {
    key.assign(row.channel).push_back('\0');
    key.append(row.author_id);
  }
  // Each team calendar's open time, by the calendar's name.
  std::unordered_map<std::string, std::optional<time::OpenTimeCache>> business;

  time::OpenTimeCache* business_time(const std::string& calendar) {
    auto it = business.find(calendar);
    if (it == business.end()) {
      it = business.emplace(calendar, std::nullopt).first;
      if (const auto* c = calendar_of(calendar)) it->second.emplace(*c);
    }
    return it->second ? &*it->second : nullptr;
  }

  // The row's group, once the row is located; valid until the next row.
  std::string_view key_of(const CaseRow& row) const {
    switch (by) {
      case By::team:
        return row.team.empty() ? "(no handoff)" : std::string_view(row.team);
      case By::rule:
        return row.rule;
      case By::channel:
        return row.channel;
      case By::agent:
        if (!row.agent.empty()) return row.agent;
        return row.team.empty() ? "(no handoff)" : "(nobody yet)";
      case By::day:
        return local.date;
      case By::hour:
        return local.hour_key;
    }
    return {};
  }

  // The local hour of the row being added; rows come in time order, so most fall in the
  // hour of the row before and locating them costs a comparison.
  struct LocalHour {
    time::Instant begin = time::Instant::max(), end = time::Instant::min();
    absl::CivilDay day;
    int hour = 0, weekday = 0;  // Monday 0
    char date[16] = {}, hour_key[4] = {};
    // The day's complaints by rule (keys of `topics`).
    absl::flat_hash_map<const std::string*, std::size_t>* by_rule = nullptr;
  } local;

  void locate(time::Instant t) {
    if (t >= local.begin && t < local.end) return;
    const auto& tz = zone.absl_zone();
    const absl::CivilHour hour(absl::ToCivilSecond(time::to_absl(t), tz));
    local.begin = time::to_instant(absl::FromCivil(hour, tz));
    local.end = time::to_instant(absl::FromCivil(hour + 1, tz));
    local.day = absl::CivilDay(hour);
    local.hour = hour.hour();
    local.weekday = (static_cast<int>(absl::GetWeekday(local.day)) -
                     static_cast<int>(absl::Weekday::monday) + 7) %
                    7;
    write_date(local.date, local.day);
    std::snprintf(local.hour_key, sizeof local.hour_key, "%02d", local.hour);
    local.by_rule = &days[local.day];
  }
  std::map<absl::CivilDay, absl::flat_hash_map<const std::string*, std::size_t>> days;
  std::array<std::array<std::size_t, 24>, 7> by_weekday_hour{};
  absl::flat_hash_map<std::string, TeamDeadlines> deadlines_by_team;
  std::optional<Cases> cases;

  Accumulator& group_of(std::string_view key) {
    auto it = groups.find(key);
    if (it == groups.end()) it = groups.emplace(std::string(key), Accumulator{}).first;
    return it->second;
  }
};

Builder::Builder(time::Instant from, time::Instant to, By by, CalendarOf calendar_of,
                 time::Zone zone, time::Instant now)
    : state_(std::make_unique<State>(from, to, by, std::move(calendar_of), std::move(zone), now)) {}

Builder::~Builder() = default;

void Builder::add(const CaseRow& row) {
  State& s = *state_;
  s.locate(row.received_at);
  Derived derived;
  if (!row.team.empty()) {
    const auto taken = taken_at(row);
    if (auto* hours = s.business_time(row.calendar)) {
      if (taken) derived.to_claim_business = hours->between(row.received_at, *taken);
      if (row.resolved_at) {
        derived.to_resolve_business = hours->between(row.received_at, *row.resolved_at);
      }
    }
    if (row.deadline) {
      if (taken && *taken <= *row.deadline) {
        derived.deadline = Derived::Deadline::met;
        ++s.deadlines_by_team[row.team].met;
      } else if (taken || s.now > *row.deadline) {
        derived.deadline = Derived::Deadline::breached;
        ++s.deadlines_by_team[row.team].breaches;
      }
    }
  }
  const auto key = s.key_of(row);
  s.group_of(key).add(row, derived);
  if (s.cases && (!s.cases->drill.group || *s.cases->drill.group == key) &&
      on_topic(s.cases->drill, row) && counts_in(s.cases->drill.figure, row, derived)) {
    if (s.cases->count++ < s.cases->drill.limit) {
      s.cases->listed.push_back(
          {row.id, {}, std::string(key), row.rule, row.team, row.agent, row.received_at});
    }
  }
  auto topic = s.topics.try_emplace(row.rule).first;
  if (topic->second.complaints++ == 0) topic->second.name = row.rule;
  count_topics(row.lists, s.lists, &Topic::complaints, 1);
  count_topics(row.keywords, s.keywords, &Topic::complaints, 1);
  ++(*s.local.by_rule)[&topic->first];
  ++s.by_weekday_hour[static_cast<std::size_t>(s.local.weekday)]
                     [static_cast<std::size_t>(s.local.hour)];
  State::key_of_author(row, s.author_key);
  auto& author = s.authors[s.author_key];
  author.last_rule = &topic->first;  // rows come oldest first
  ++author.complaints;
  if (!row.team.empty() && !row.resolved_at) ++author.open;
}

void Builder::add(std::span<const CaseRow> rows) {
  constexpr std::size_t kAhead = 8;  // rows: about the time one memory read takes
  State& s = *state_;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (i + kAhead < rows.size()) {
      State::key_of_author(rows[i + kAhead], s.ahead_key);
      s.authors.prefetch(s.ahead_key);
    }
    add(rows[i]);
  }
}

void Builder::drill(Drill drill) {
  if (drill.keyword) drill.keyword = text::normalize(*drill.keyword);
  state_->cases = Cases{std::move(drill), 0, {}};
}

bool Builder::drilling() const {
  return state_->cases.has_value();
}

void Builder::add_previous(const CaseTopics& topics, std::size_t complaints) {
  State& s = *state_;
  count_topics(topics.rule, s.topics, &Topic::previous, complaints);
  count_topics(topics.lists, s.lists, &Topic::previous, complaints);
  count_topics(topics.keywords, s.keywords, &Topic::previous, complaints);
}

Report Builder::finish() {
  State& s = *state_;
  Report r;
  r.from = s.from;
  r.to = s.to;
  r.by = s.by;
  r.zone = s.zone;
  // Every local day of the period, also those without complaints.
  const auto& tz = s.zone.absl_zone();
  const auto first_day = absl::CivilDay(absl::ToCivilSecond(time::to_absl(s.from), tz));
  const auto last_day =
      s.to > s.from
          ? absl::CivilDay(absl::ToCivilSecond(time::to_absl(s.to - time::Seconds(1)), tz))
          : first_day - 1;
  for (auto day = first_day; day <= last_day; ++day) {
    char date[16];
    write_date(date, day);
    Day one{date, {}};
    if (auto it = s.days.find(day); it != s.days.end()) {
      for (const auto& [rule, n] : it->second) one.by_rule[*rule] = n;
    }
    r.days.push_back(std::move(one));
  }
  r.by_weekday_hour = s.by_weekday_hour;
  for (const auto& [team, tally] : s.deadlines_by_team) r.deadlines_by_team[team] = tally;
  r.cases = std::move(s.cases);
  Accumulator total;
  for (const auto& [key, accumulator] : s.groups) total.merge(accumulator);
  r.total = total.finish();
  for (auto& [key, accumulator] : s.groups) r.groups.push_back({key, accumulator.finish()});
  r.topics = ranked(s.topics, s.topics.size());
  r.lists = ranked(s.lists, s.lists.size());
  r.keywords = ranked(s.keywords, kKeywordsShown);
  // The most complaints first; among equals, in the order of the channel and the id.
  std::vector<const std::pair<const std::string, State::AuthorCount>*> repeat;
  for (const auto& entry : s.authors) {
    if (entry.second.complaints >= 2) repeat.push_back(&entry);
  }
  const auto shown = std::min(repeat.size(), kRepeatComplainantsShown);
  std::partial_sort(repeat.begin(), repeat.begin() + static_cast<std::ptrdiff_t>(shown),
                    repeat.end(), [](const auto* a, const auto* b) {
                      return std::tie(b->second.complaints, a->first) <
                             std::tie(a->second.complaints, b->first);
                    });
  for (std::size_t i = 0; i < shown; ++i) {
    const auto& [key, count] = *repeat[i];
    const auto split = key.find('\0');
    RepeatComplainant author;
    author.channel = key.substr(0, split);
    author.author_id = key.substr(split + 1);
    author.last_rule = *count.last_rule;
    author.complaints = count.complaints;
    author.open = count.open;
    r.repeat_complainants.push_back(std::move(author));
  }
  return r;
}

}  // namespace ackd::report
