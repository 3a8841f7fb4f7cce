#include "ackd/report/report.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/time/civil_time.h"

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

// A case resolved without a claim was taken over when it was resolved.
std::optional<time::Instant> taken_at(const CaseRow& row) {
  return row.claimed_at ? row.claimed_at : row.resolved_at;
}

// A case's times to claim and to resolve in its team's hours (unknown without the
// calendar).
struct BusinessTimes {
  std::optional<time::Seconds> to_claim, to_resolve;
};

struct Accumulator {
  Figures figures;
  Samples first_response, to_claim, to_claim_business, to_resolve, to_resolve_business;

  void add(const CaseRow& row, const BusinessTimes& business, time::Instant now) {
    Figures& f = figures;
    ++f.complaints;
    if (row.reply_status == "suppressed") {
      ++f.replies_suppressed[suppressed_because(row.reason)];
    } else if (row.reply_status == "none") {
      ++f.replies_none;
    } else if (row.reply_delivered_at) {
      ++f.replies_sent;
      first_response.add(row.received_at, *row.reply_delivered_at);
    } else if (row.reply_failed) {
      ++f.replies_failed;
    } else {
      ++f.replies_pending;
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
      if (business.to_claim) to_claim_business.values.push_back(*business.to_claim);
    }
    if (row.resolved_at) {
      ++f.resolved;
      to_resolve.add(row.received_at, *row.resolved_at);
      if (business.to_resolve) to_resolve_business.values.push_back(*business.to_resolve);
    }
    if (!row.deadline) return;
    if (taken && *taken <= *row.deadline) {
      ++f.deadline_met;
    } else if (taken || now > *row.deadline) {
      ++f.breaches;
    }
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

}  // namespace

std::optional<By> by_from_string(std::string_view name) {
  for (const auto& [by, n] : kBy) {
    if (n == name) return by;
  }
  return std::nullopt;
}

std::string_view to_string(By by) {
  for (const auto& [b, name] : kBy) {
    if (b == by) return name;
  }
  return "team";
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
  std::map<std::string, Topic> topics;
  // By channel and author id ("x\0123"). A period may hold hundreds of thousands of
  // authors: a flat table of small entries keeps each row to about one cache miss.
  struct AuthorCount {
    std::uint32_t complaints = 0, open = 0;
    const std::string* last_rule = nullptr;  // a key of `topics`
  };
  absl::flat_hash_map<std::string, AuthorCount> authors;
  std::string author_key;  // reused: most rows find their author already there
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

  // The row's group, valid until the next row.
  std::string_view key_of(const CaseRow& row) {
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
      case By::hour:
        // Rows come in time order: most fall in the local day or hour of the row before.
        if (row.received_at < bucket_begin || row.received_at >= bucket_end) {
          new_bucket(row.received_at);
        }
        return bucket_key;
    }
    return {};
  }

  // The local day or hour (By::day, By::hour) holding `t`: its key and where it begins and
  // ends.
  void new_bucket(time::Instant t) {
    const auto& tz = zone.absl_zone();
    const auto local = absl::ToCivilSecond(time::to_absl(t), tz);
    int n = 0;
    if (by == By::day) {
      const absl::CivilDay day(local);
      bucket_begin = time::to_instant(absl::FromCivil(day, tz));
      bucket_end = time::to_instant(absl::FromCivil(day + 1, tz));
      n = std::snprintf(day_or_hour, sizeof day_or_hour, "%04d-%02d-%02d",
                        static_cast<int>(day.year()), day.month(), day.day());
    } else {
      const absl::CivilHour hour(local);
      bucket_begin = time::to_instant(absl::FromCivil(hour, tz));
      bucket_end = time::to_instant(absl::FromCivil(hour + 1, tz));
      n = std::snprintf(day_or_hour, sizeof day_or_hour, "%02d", hour.hour());
    }
    bucket_key = {day_or_hour, static_cast<std::size_t>(n)};
  }
  time::Instant bucket_begin = time::Instant::max(), bucket_end = time::Instant::min();
  std::string_view bucket_key;
  char day_or_hour[24] = {};

  Accumulator& group_of(const CaseRow& row) {
    const auto key = key_of(row);
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
  BusinessTimes business;
  if (auto* hours = row.team.empty() ? nullptr : s.business_time(row.calendar)) {
    if (const auto taken = taken_at(row))
      business.to_claim = hours->between(row.received_at, *taken);
    if (row.resolved_at) business.to_resolve = hours->between(row.received_at, *row.resolved_at);
  }
  s.group_of(row).add(row, business, s.now);
  auto topic = s.topics.try_emplace(row.rule).first;
  if (topic->second.complaints++ == 0) topic->second.rule = row.rule;
  s.author_key.assign(row.channel).push_back('\0');
  s.author_key.append(row.author_id);
  auto& author = s.authors[s.author_key];
  author.last_rule = &topic->first;  // rows come oldest first
  ++author.complaints;
  if (!row.team.empty() && !row.resolved_at) ++author.open;
}

void Builder::add_previous(const std::string& rule, std::size_t complaints) {
  auto& topic = state_->topics[rule];
  topic.rule = rule;
  topic.previous += complaints;
}

Report Builder::finish() {
  State& s = *state_;
  Report r;
  r.from = s.from;
  r.to = s.to;
  r.by = s.by;
  Accumulator total;
  for (const auto& [key, accumulator] : s.groups) total.merge(accumulator);
  r.total = total.finish();
  for (auto& [key, accumulator] : s.groups) r.groups.push_back({key, accumulator.finish()});
  for (auto& [_, topic] : s.topics) r.topics.push_back(topic);
  std::stable_sort(r.topics.begin(), r.topics.end(), [](const Topic& a, const Topic& b) {
    return a.complaints != b.complaints ? a.complaints > b.complaints : a.previous > b.previous;
  });
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
