// A report as JSON (the contract's document), CSV (a header row, a row a group and the
// total) and a table for people; the same three for the cases behind a figure.
#include <cstdio>
#include <sstream>

#include "ackd/report/report.hpp"

namespace ackd::report {
namespace {

using nlohmann::json;

json distribution_json(const Distribution& d) {
  if (d.count == 0)
    return {{"count", 0}, {"p50_s", nullptr}, {"p90_s", nullptr}, {"p99_s", nullptr}};
  return {{"count", d.count},
          {"p50_s", d.p50.count()},
          {"p90_s", d.p90.count()},
          {"p99_s", d.p99.count()}};
}

std::size_t suppressed(const Figures& f) {
  std::size_t n = 0;
  for (const auto& [_, count] : f.replies_suppressed) n += count;
  return n;
}

std::size_t escalations(const Figures& f) {
  std::size_t n = 0;
  for (const auto& [_, count] : f.escalations) n += count;
  return n;
}

json figures_json(const Figures& f) {
  json escalated = json::object();
  for (const auto& [level, count] : f.escalations) escalated[std::to_string(level)] = count;
  const auto pct = f.deadline_met_pct();
  return {{"complaints", f.complaints},
          {"replies",
           {{"sent", f.replies_sent},
            {"pending", f.replies_pending},
            {"failed", f.replies_failed},
            {"none", f.replies_none},
            {"suppressed", f.replies_suppressed}}},
          {"first_response", distribution_json(f.first_response)},
          {"handoffs", f.handoffs},
          {"claimed", f.claimed},
          {"resolved", f.resolved},
          {"to_claim",
           {{"wall", distribution_json(f.to_claim)},
            {"business", distribution_json(f.to_claim_business)}}},
          {"to_resolve",
           {{"wall", distribution_json(f.to_resolve)},
            {"business", distribution_json(f.to_resolve_business)}}},
          {"deadline_met", f.deadline_met},
          {"breaches", f.breaches},
          {"deadline_met_pct", pct ? json(std::round(*pct * 10) / 10) : json(nullptr)},
          {"escalations", escalated},
          {"followups", f.followups},
          {"failed_deliveries", f.failed_deliveries}};
}

std::string pct_text(const Figures& f) {
  const auto pct = f.deadline_met_pct();
  if (!pct) return "-";
  char out[16];
  std::snprintf(out, sizeof out, "%.1f", *pct);
  return out;
}

std::string seconds_text(const Distribution& d, time::Seconds Distribution::*which) {
  return d.count == 0 ? "" : std::to_string((d.*which).count());
}

std::string duration_text(const Distribution& d, time::Seconds Distribution::*which) {
  return d.count == 0 ? "-" : time::format_duration(d.*which);
}

// A CSV field: quoted when it holds a comma, a quote or a line break.
std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace

json to_json(const Report& r) {
  json groups = json::array();
  for (const auto& g : r.groups) {
    json one = figures_json(g.figures);
    one["key"] = g.key;
    groups.push_back(std::move(one));
  }
  auto topics = [](const std::vector<Topic>& all, const char* kind) {
    json out = json::array();
    for (const auto& t : all) {
      out.push_back({{kind, t.name}, {"complaints", t.complaints}, {"previous", t.previous}});
    }
    return out;
  };
  json repeat = json::array();
  for (const auto& a : r.repeat_complainants) {
    repeat.push_back({{"channel", a.channel},
                      {"author_id", a.author_id},
                      {"name", a.name},
                      {"complaints", a.complaints},
                      {"last_rule", a.last_rule},
                      {"open", a.open}});
  }
  return {{"from", time::format_rfc3339_utc(r.from)},
          {"to", time::format_rfc3339_utc(r.to)},
          {"by", to_string(r.by)},
          {"total", figures_json(r.total)},
          {"groups", groups},
          {"topics", topics(r.topics, "rule")},
          {"lists", topics(r.lists, "list")},
          {"keywords", topics(r.keywords, "keyword")},
          {"repeat_complainants", repeat}};
}

std::string to_csv(const Report& r) {
  std::ostringstream out;
  out << to_string(r.by)
      << ",complaints,replies_sent,replies_pending,replies_failed,replies_none,"
         "replies_suppressed,first_response_p50_s,first_response_p90_s,first_response_p99_s,"
         "handoffs,claimed,resolved,to_claim_p50_s,to_claim_business_p50_s,to_resolve_p50_s,"
         "to_resolve_business_p50_s,deadline_met_pct,breaches,escalations,followups,"
         "failed_deliveries\n";
  auto row = [&out](const std::string& key, const Figures& f) {
    using D = Distribution;
    const auto pct = f.deadline_met_pct();
    out << csv_field(key) << ',' << f.complaints << ',' << f.replies_sent << ','
        << f.replies_pending << ',' << f.replies_failed << ',' << f.replies_none << ','
        << suppressed(f) << ',' << seconds_text(f.first_response, &D::p50) << ','
        << seconds_text(f.first_response, &D::p90) << ',' << seconds_text(f.first_response, &D::p99)
        << ',' << f.handoffs << ',' << f.claimed << ',' << f.resolved << ','
        << seconds_text(f.to_claim, &D::p50) << ',' << seconds_text(f.to_claim_business, &D::p50)
        << ',' << seconds_text(f.to_resolve, &D::p50) << ','
        << seconds_text(f.to_resolve_business, &D::p50) << ','
        << (pct ? pct_text(f) : std::string()) << ',' << f.breaches << ',' << escalations(f) << ','
        << f.followups << ',' << f.failed_deliveries << '\n';
  };
  for (const auto& g : r.groups) row(g.key, g.figures);
  row("(total)", r.total);
  return out.str();
}

std::string to_table(const Report& r) {
  using D = Distribution;
  std::vector<std::vector<std::string>> rows = {
      {std::string(to_string(r.by)), "complaints", "replied", "suppressed", "no reply",
       "1st reply p50", "p90", "claimed", "claim p50 (hours)", "resolved", "resolve p50 (hours)",
       "deadline met", "breaches", "escalations", "follow-ups", "failed"}};
  auto add = [&rows](const std::string& key, const Figures& f) {
    const auto pct = f.deadline_met_pct();
    rows.push_back({key, std::to_string(f.complaints), std::to_string(f.replies_sent),
                    std::to_string(suppressed(f)), std::to_string(f.replies_none),
                    duration_text(f.first_response, &D::p50),
                    duration_text(f.first_response, &D::p90), std::to_string(f.claimed),
                    duration_text(f.to_claim, &D::p50) + " (" +
                        duration_text(f.to_claim_business, &D::p50) + ")",
                    std::to_string(f.resolved),
                    duration_text(f.to_resolve, &D::p50) + " (" +
                        duration_text(f.to_resolve_business, &D::p50) + ")",
                    pct ? pct_text(f) + "%" : "-", std::to_string(f.breaches),
                    std::to_string(escalations(f)), std::to_string(f.followups),
                    std::to_string(f.failed_deliveries)});
  };
  for (const auto& g : r.groups) add(g.key, g.figures);
  add("(total)", r.total);
  std::vector<std::size_t> widths(rows.front().size(), 0);
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::ostringstream out;
  out << "from " << time::format_rfc3339_utc(r.from) << " to " << time::format_rfc3339_utc(r.to)
      << "\n\n";
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      out << row[i];
      if (i + 1 < row.size()) out << std::string(widths[i] - row[i].size() + 2, ' ');
    }
    out << "\n";
  }
  for (const auto& [topics, what] : {std::pair{&r.topics, "rules that fired"},
                                     std::pair{&r.lists, "policy lists the texts were on"},
                                     std::pair{&r.keywords, "policy keywords found"}}) {
    if (topics->empty()) continue;
    out << "\n" << what << " (this period, the one before)\n";
    for (const auto& t : *topics) {
      out << "  " << t.name << "  " << t.complaints << "  " << t.previous << "\n";
    }
  }
  if (!r.repeat_complainants.empty()) {
    out << "\nrepeat complainants (complaints, still open, last rule)\n";
    for (const auto& a : r.repeat_complainants) {
      out << "  " << a.channel << ":" << a.author_id << (a.name.empty() ? "" : " " + a.name) << "  "
          << a.complaints << "  " << a.open << "  " << a.last_rule << "\n";
    }
  }
  return out.str();
}

json cases_to_json(const Cases& cases, const time::Zone& zone) {
  json listed = json::array();
  for (const auto& c : cases.listed) {
    listed.push_back({{"id", c.id},
                      {"reference", c.reference},
                      {"received_at", zone.format_rfc3339(c.received_at)},
                      {"group", c.group},
                      {"rule", c.rule},
                      {"team", c.team},
                      {"agent", c.agent}});
  }
  return {{"figure", to_string(cases.drill.figure)},
          {"group", cases.drill.group ? json(*cases.drill.group) : json(nullptr)},
          {"list", cases.drill.list ? json(*cases.drill.list) : json(nullptr)},
          {"keyword", cases.drill.keyword ? json(*cases.drill.keyword) : json(nullptr)},
          {"count", cases.count},
          {"listed", cases.listed.size()},
          {"cases", listed}};
}

std::string cases_to_csv(const Cases& cases, const time::Zone& zone) {
  std::ostringstream out;
  out << "id,reference,received_at,group,rule,team,agent\n";
  for (const auto& c : cases.listed) {
    out << csv_field(c.id) << ',' << csv_field(c.reference) << ','
        << zone.format_rfc3339(c.received_at) << ',' << csv_field(c.group) << ','
        << csv_field(c.rule) << ',' << csv_field(c.team) << ',' << csv_field(c.agent) << '\n';
  }
  return out.str();
}

std::string cases_to_table(const Cases& cases, const time::Zone& zone) {
  std::ostringstream out;
  out << cases.count << " case" << (cases.count == 1 ? "" : "s") << " counted in "
      << to_string(cases.drill.figure);
  if (cases.drill.group) out << " of " << *cases.drill.group;
  if (cases.drill.list) out << " on the list " << *cases.drill.list;
  if (cases.drill.keyword) out << " that mention " << *cases.drill.keyword;
  if (cases.listed.size() < cases.count) out << ", the first " << cases.listed.size() << " listed";
  out << "\n";
  for (const auto& c : cases.listed) {
    out << c.id << "  " << (c.reference.empty() ? "-" : c.reference) << "  "
        << zone.format_rfc3339(c.received_at) << "  " << c.rule << "  "
        << (c.team.empty() ? "-" : c.team) << "  " << (c.agent.empty() ? "-" : c.agent) << "\n";
  }
  return out.str();
}

}  // namespace ackd::report
