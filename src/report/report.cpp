#include "ackd/report/report.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>

#include "absl/time/civil_time.h"

namespace ackd::report {
namespace {

constexpr std::array<std::pair<By, std::string_view>, 5> kBy{{
    {By::team, "team"},
    {By::rule, "rule"},
    {By::channel, "channel"},
    {By::day, "day"},
    {By::hour, "hour"},
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
    std::sort(values.begin(), values.end());
    auto rank = [&](double p) {
      const auto n = static_cast<double>(values.size());
      return values[static_cast<std::size_t>(std::max(1.0, std::ceil(p * n))) - 1];
    };
    d.p50 = rank(0.50);
    d.p90 = rank(0.90);
    d.p99 = rank(0.99);
    return d;
  }
};

struct Accumulator {
  Figures figures;
  Samples first_response, to_claim, to_claim_business, to_resolve, to_resolve_business;

  void add(const CaseRow& row, const time::Calendar* calendar, time::Instant now) {
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
    // A case resolved without a claim was taken over when it was resolved.
    const auto taken = row.claimed_at ? row.claimed_at : row.resolved_at;
    if (taken) {
      ++f.claimed;
      to_claim.add(row.received_at, *taken);
      if (calendar) {
        to_claim_business.values.push_back(calendar->open_time_between(row.received_at, *taken));
      }
    }
    if (row.resolved_at) {
      ++f.resolved;
      to_resolve.add(row.received_at, *row.resolved_at);
      if (calendar) {
        to_resolve_business.values.push_back(
            calendar->open_time_between(row.received_at, *row.resolved_at));
      }
    }
    if (!row.deadline) return;
    if (taken && *taken <= *row.deadline) {
      ++f.deadline_met;
    } else if (taken || now > *row.deadline) {
      ++f.breaches;
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
  time::Instant from, to;
  By by;
  CalendarOf calendar_of;
  time::Zone zone;
  time::Instant now;
  Accumulator total;
  std::map<std::string, Accumulator> groups;
  std::map<std::string, Topic> topics;
  std::map<std::pair<std::string, std::string>, RepeatComplainant> authors;

  std::string key_of(const CaseRow& row) const {
    switch (by) {
      case By::team:
        return row.team.empty() ? "(no handoff)" : row.team;
      case By::rule:
        return row.rule;
      case By::channel:
        return row.channel;
      case By::day:
      case By::hour: {
        const auto local = absl::ToCivilSecond(
            absl::FromUnixSeconds(row.received_at.time_since_epoch().count()), zone.absl_zone());
        char out[20];
        if (by == By::day) {
          std::snprintf(out, sizeof out, "%04d-%02d-%02d", static_cast<int>(local.year()),
                        local.month(), local.day());
        } else {
          std::snprintf(out, sizeof out, "%02d", local.hour());
        }
        return out;
      }
    }
    return {};
  }
};

Builder::Builder(time::Instant from, time::Instant to, By by, CalendarOf calendar_of,
                 time::Zone zone, time::Instant now)
    : state_(std::make_unique<State>(
          State{from, to, by, std::move(calendar_of), std::move(zone), now, {}, {}, {}, {}})) {}

Builder::~Builder() = default;

void Builder::add(const CaseRow& row) {
  State& s = *state_;
  const time::Calendar* calendar = row.team.empty() ? nullptr : s.calendar_of(row.calendar);
  s.total.add(row, calendar, s.now);
  s.groups[s.key_of(row)].add(row, calendar, s.now);
  auto& topic = s.topics[row.rule];
  topic.rule = row.rule;
  ++topic.complaints;
  auto& author = s.authors[{row.channel, row.author_id}];
  author.channel = row.channel;
  author.author_id = row.author_id;
  if (!row.author_name.empty()) author.name = row.author_name;
  author.last_rule = row.rule;  // rows come oldest first
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
  r.total = s.total.finish();
  for (auto& [key, accumulator] : s.groups) r.groups.push_back({key, accumulator.finish()});
  for (auto& [_, topic] : s.topics) r.topics.push_back(topic);
  std::stable_sort(r.topics.begin(), r.topics.end(), [](const Topic& a, const Topic& b) {
    return a.complaints != b.complaints ? a.complaints > b.complaints : a.previous > b.previous;
  });
  for (auto& [_, author] : s.authors) {
    if (author.complaints >= 2) r.repeat_complainants.push_back(author);
  }
  std::stable_sort(r.repeat_complainants.begin(), r.repeat_complainants.end(),
                   [](const RepeatComplainant& a, const RepeatComplainant& b) {
                     return a.complaints > b.complaints;
                   });
  return r;
}

}  // namespace ackd::report
