// A report as one page: inline CSS and SVG, no script, nothing fetched, so it can be mailed,
// archived or opened offline. Names of rules, teams and customers are text, escaped here:
// a customer's name may be markup, and the page forbids scripts (Content-Security-Policy) in
// case an escape is ever missed.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "ackd/report/report.hpp"

namespace ackd::report {
namespace {

std::string escaped(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// The page's words in English and Japanese.
struct Words {
  const char* lang;
  const char* title;
  const char* period;
  const char* zone;
  const char* complaints;
  const char* replied;
  const char* first_reply;
  const char* deadline_met;
  const char* breaches;
  const char* claimed;
  const char* resolved;
  const char* escalations;
  const char* per_day;
  const char* first_reply_times;
  const char* resolve_times;
  const char* per_team;
  const char* no_deadlines;
  const char* topics;
  const char* rule;
  const char* list;
  const char* keyword;
  const char* this_period;
  const char* previous;
  const char* change;
  const char* new_topic;
  const char* heatmap;
  const char* figures_by;
  const char* suppressed;
  const char* no_reply;
  const char* to_claim;
  const char* to_resolve;
  const char* business;
  const char* followups;
  const char* failed;
  const char* repeat;
  const char* author;
  const char* name;
  const char* still_open;
  const char* last_rule;
  const char* other;
  const char* none;
  const char* total;
  std::array<const char*, 6> by;  // By's names, in its order
  std::array<const char*, 7> weekdays;
  std::array<const char*, kHistogramBounds.size() + 1> buckets;
  // A duration's units, largest first: days, hours, minutes, seconds.
  std::array<const char*, 4> units;
};

constexpr Words kEnglish{
    "en",
    "ackd report",
    "Period",
    "times in",
    "Complaints",
    "Replied",
    "First reply (p50 / p90)",
    "Deadline met",
    "Breaches",
    "Claimed",
    "Resolved",
    "Escalations",
    "Complaints per day, by rule",
    "Time to the first reply",
    "Time to resolve",
    "Deadline met, per team",
    "No handoff with a known outcome in this period.",
    "Recurring topics: the rules that fired, the policy's lists and keywords in the texts",
    "Rule",
    "List",
    "Keyword",
    "This period",
    "Previous period",
    "Change",
    "new",
    "When complaints arrive (weekday by hour)",
    "Figures by",
    "Suppressed",
    "No reply",
    "To claim p50",
    "To resolve p50",
    "In brackets: counted in the team's business hours.",
    "Follow-ups",
    "Failed deliveries",
    "Repeat complainants",
    "Author",
    "Name",
    "Still open",
    "Last rule",
    "other rules",
    "none in this period",
    "total",
    {"team", "rule", "channel", "day", "hour", "agent"},
    {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"},
    {"≤10s", "≤1m", "≤5m", "≤15m", "≤1h", "≤4h", "≤1d", "≤3d", ">3d"},
    {"d", "h", "m", "s"},
};

constexpr Words kJapanese{
    "ja",
    "ackd レポート",
    "期間",
    "時刻は",
    "苦情",
    "自動返信",
    "初回返信 (p50 / p90)",
    "期限内対応",
    "期限超過",
    "担当決定",
    "解決",
    "エスカレーション",
    "日別の件数（ルール別）",
    "初回返信までの時間",
    "解決までの時間",
    "チーム別の期限内対応",
    "この期間に結果の分かる引き継ぎはありません。",
    "繰り返し寄せられる話題（発火したルール、本文にあったポリシーのリストとキーワード）",
    "ルール",
    "リスト",
    "キーワード",
    "今期",
    "前期",
    "増減",
    "新規",
    "曜日・時間帯別の件数",
    "集計単位",
    "返信抑止",
    "返信なし",
    "担当決定 p50",
    "解決 p50",
    "括弧内はチームの営業時間で数えた時間です。",
    "フォローアップ",
    "配信失敗",
    "繰り返し申し立てる人",
    "投稿者",
    "名前",
    "未解決",
    "最後のルール",
    "その他のルール",
    "この期間はありません",
    "合計",
    {"チーム", "ルール", "チャネル", "日", "時", "担当者"},
    {"月", "火", "水", "木", "金", "土", "日"},
    {"≤10秒", "≤1分", "≤5分", "≤15分", "≤1時間", "≤4時間", "≤1日", "≤3日", ">3日"},
    {"日", "時間", "分", "秒"},
};

// A duration for people, in its largest unit and the next: "42s", "12m", "3h 20m", "2d 4h".
std::string duration_text(time::Seconds d, const Words& w) {
  const std::int64_t s = std::max<std::int64_t>(d.count(), 0);
  constexpr std::array<std::int64_t, 4> kSizes{86400, 3600, 60, 1};
  std::size_t i = 0;
  while (i + 1 < kSizes.size() && s < kSizes[i]) ++i;
  std::string out = std::to_string(s / kSizes[i]) + w.units[i];
  if (i + 1 < kSizes.size()) {
    if (const auto rest = s % kSizes[i] / kSizes[i + 1]; rest > 0) {
      out += (std::string_view(w.lang) == "en" ? " " : "") + std::to_string(rest) + w.units[i + 1];
    }
  }
  return out;
}

// A count with its thousands marked: 998,267.
std::string grouped(std::size_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string percentile_text(const Distribution& d, const Words& w) {
  if (d.count == 0) return "–";
  return duration_text(d.p50, w) + " / " + duration_text(d.p90, w);
}

std::string pct_text(std::optional<double> pct) {
  if (!pct) return "–";
  char out[16];
  std::snprintf(out, sizeof out, "%.1f%%", *pct);
  return out;
}

std::string num(double v) {
  char out[32];
  std::snprintf(out, sizeof out, "%.1f", v);
  return out;
}

// An axis value in at most four characters or so: 800, 40k, 1.5M.
std::string compact(double v) {
  char out[16];
  if (v >= 1e6) {
    std::snprintf(out, sizeof out, "%gM", v / 1e6);
  } else if (v >= 1e4) {
    std::snprintf(out, sizeof out, "%gk", v / 1e3);
  } else {
    std::snprintf(out, sizeof out, "%lld", static_cast<long long>(v));
  }
  return out;
}

// Colours that stay apart for the common colour-vision deficiencies (Okabe and Ito's
// palette), then grey for the other rules.
constexpr std::array<const char*, 7> kColours{"#0072B2", "#E69F00", "#009E73", "#CC79A7",
                                              "#56B4E9", "#D55E00", "#F0E442"};
constexpr const char* kOther = "#999999";

// A round step for an axis from 0 to `max` with about four ticks: 1, 2 or 5 times a power of
// ten.
double tick_step(double max) {
  if (max <= 0) return 1;
  const double raw = max / 4;
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  for (const double m : {1.0, 2.0, 5.0}) {
    if (m * power >= raw) return std::max(1.0, m * power);
  }
  return std::max(1.0, 10 * power);
}

class Page {
 public:
  Page(const Report& r, const Words& w) : r_(r), w_(w) {}

  std::string render() {
    head();
    tiles();
    daily_chart();
    out_ << "<div class=\"pair\">";
    histogram(w_.first_reply_times, r_.total.first_response);
    histogram(w_.resolve_times, r_.total.to_resolve);
    out_ << "</div>";
    team_deadlines();
    topics();
    heatmap();
    groups();
    repeat_complainants();
    out_ << "</main></body></html>\n";
    return out_.str();
  }

 private:
  void head() {
    const auto from = r_.zone.format_rfc3339(r_.from);
    const auto to = r_.zone.format_rfc3339(r_.to);
    out_ << "<!doctype html>\n<html lang=\"" << w_.lang << "\"><head><meta charset=\"utf-8\">"
         << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
         << "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "style-src 'unsafe-inline'\">"
         << "<title>" << w_.title << " " << escaped(from.substr(0, 10)) << " – "
         << escaped(to.substr(0, 10)) << "</title><style>" << kStyle << "</style></head><body>"
         << "<main><header><h1>" << w_.title << "</h1><p>" << w_.period << ": " << escaped(from)
         << " – " << escaped(to) << " (" << w_.zone << " " << escaped(r_.zone.name())
         << ")</p></header>\n";
  }

  void tiles() {
    const auto& f = r_.total;
    std::size_t escalated = 0;
    for (const auto& [_, n] : f.escalations) escalated += n;
    out_ << "<section class=\"tiles\">";
    tile(w_.complaints, grouped(f.complaints));
    tile(w_.replied, grouped(f.replies_sent));
    tile(w_.first_reply, percentile_text(f.first_response, w_));
    tile(w_.deadline_met, pct_text(f.deadline_met_pct()));
    tile(w_.breaches, grouped(f.breaches), f.breaches > 0 ? "bad" : "");
    tile(w_.claimed, grouped(f.claimed) + " / " + grouped(f.handoffs));
    tile(w_.resolved, grouped(f.resolved));
    tile(w_.escalations, grouped(escalated));
    out_ << "</section>\n";
  }

  void tile(const char* label, const std::string& value, const char* css = "") {
    out_ << "<div class=\"tile " << css << "\"><div class=\"label\">" << label
         << "</div><div class=\"value\">" << escaped(value) << "</div></div>";
  }

  // The rules with their own colour (the most complaints first); the rest share grey.
  std::vector<std::string> coloured_rules() const {
    std::vector<std::string> rules;
    for (const auto& t : r_.topics) {
      if (t.complaints > 0 && rules.size() < kColours.size()) rules.push_back(t.name);
    }
    return rules;
  }

  void daily_chart() {
    out_ << "<section><h2>" << w_.per_day << "</h2>";
    const auto rules = coloured_rules();
    auto colour_of = [&](const std::string& rule) {
      const auto it = std::find(rules.begin(), rules.end(), rule);
      return it == rules.end() ? kOther : kColours[static_cast<std::size_t>(it - rules.begin())];
    };
    std::size_t most = 0;
    for (const auto& day : r_.days) {
      std::size_t n = 0;
      for (const auto& [_, count] : day.by_rule) n += count;
      most = std::max(most, n);
    }
    const double width = 960, height = 260, left = 48, bottom = 36, top = 12;
    const double plot_w = width - left - 8, plot_h = height - top - bottom;
    out_ << "<div class=\"wide\"><svg viewBox=\"0 0 " << width << " " << height
         << "\" role=\"img\" class=\"chart daily\">";
    const double y_max = axis(left, top, plot_w, plot_h, most);
    const auto n_days = std::max<std::size_t>(r_.days.size(), 1);
    const double slot = plot_w / static_cast<double>(n_days);
    const double bar = std::min(slot * 0.8, 40.0);  // a week's bars, not a wall
    const std::size_t label_every = (n_days + 13) / 14;
    for (std::size_t i = 0; i < r_.days.size(); ++i) {
      const auto& day = r_.days[i];
      const double x = left + slot * static_cast<double>(i) + (slot - bar) / 2;
      double y = top + plot_h;
      // Coloured rules at the bottom in legend order, the rest on top.
      std::vector<std::pair<std::string, std::size_t>> parts;
      std::size_t other = 0;
      for (const auto& rule : rules) {
        if (auto it = day.by_rule.find(rule); it != day.by_rule.end())
          parts.emplace_back(rule, it->second);
      }
      for (const auto& [rule, count] : day.by_rule) {
        if (std::find(rules.begin(), rules.end(), rule) == rules.end()) other += count;
      }
      if (other > 0) parts.emplace_back(std::string(), other);
      for (const auto& [rule, count] : parts) {
        const double h = plot_h * static_cast<double>(count) / y_max;
        y -= h;
        out_ << "<rect x=\"" << num(x) << "\" y=\"" << num(y) << "\" width=\"" << num(bar)
             << "\" height=\"" << num(h) << "\" fill=\""
             << (rule.empty() ? kOther : colour_of(rule)) << "\"><title>" << day.date << " "
             << (rule.empty() ? std::string(w_.other) : escaped(rule)) << ": " << count
             << "</title></rect>";
      }
      if (i % label_every == 0) {
        out_ << "<text x=\"" << num(x + bar / 2) << "\" y=\"" << num(top + plot_h + 16)
             << "\" class=\"tick\" text-anchor=\"middle\">" << day.date.substr(5) << "</text>";
      }
    }
    out_ << "</svg></div><ul class=\"legend\">";
    for (const auto& rule : rules) {
      out_ << "<li><span style=\"background:" << colour_of(rule) << "\"></span>" << escaped(rule)
           << "</li>";
    }
    const auto fired = std::count_if(r_.topics.begin(), r_.topics.end(),
                                     [](const Topic& t) { return t.complaints > 0; });
    if (static_cast<std::size_t>(fired) > rules.size()) {
      out_ << "<li><span style=\"background:" << kOther << "\"></span>" << w_.other << "</li>";
    }
    out_ << "</ul></section>\n";
  }

  // The y axis of a chart whose largest value is `most`: grid lines at round values; returns
  // the value at the top.
  double axis(double left, double top, double plot_w, double plot_h, std::size_t most) {
    const double step = tick_step(static_cast<double>(most));
    const double y_max = std::max(step, std::ceil(static_cast<double>(most) / step) * step);
    for (double v = 0; v <= y_max + 0.5; v += step) {
      const double y = top + plot_h - plot_h * v / y_max;
      out_ << "<line x1=\"" << left << "\" x2=\"" << left + plot_w << "\" y1=\"" << num(y)
           << "\" y2=\"" << num(y) << "\" class=\"grid\"/><text x=\"" << left - 6 << "\" y=\""
           << num(y + 4) << "\" class=\"tick\" text-anchor=\"end\">" << compact(v) << "</text>";
    }
    return y_max;
  }

  void histogram(const char* title, const Distribution& d) {
    out_ << "<section><h2>" << title << "</h2>";
    if (d.count == 0) {
      out_ << "<p class=\"empty\">" << w_.none << "</p></section>";
      return;
    }
    out_ << "<p class=\"note\">n = " << grouped(d.count) << " · p50 " << duration_text(d.p50, w_)
         << " · p90 " << duration_text(d.p90, w_) << " · p99 " << duration_text(d.p99, w_)
         << "</p>";
    const double width = 460, height = 220, left = 48, bottom = 28, top = 12;
    const double plot_w = width - left - 8, plot_h = height - top - bottom;
    const auto most = *std::max_element(d.histogram.begin(), d.histogram.end());
    out_ << "<svg viewBox=\"0 0 " << width << " " << height
         << "\" role=\"img\" class=\"chart histogram\">";
    const double y_max = axis(left, top, plot_w, plot_h, most);
    const double slot = plot_w / static_cast<double>(d.histogram.size());
    for (std::size_t i = 0; i < d.histogram.size(); ++i) {
      const double h = plot_h * static_cast<double>(d.histogram[i]) / y_max;
      const double x = left + slot * static_cast<double>(i);
      out_ << "<rect x=\"" << num(x + slot * 0.1) << "\" y=\"" << num(top + plot_h - h)
           << "\" width=\"" << num(slot * 0.8) << "\" height=\"" << num(h)
           << "\" fill=\"#0072B2\"><title>" << w_.buckets[i] << ": " << d.histogram[i]
           << "</title></rect><text x=\"" << num(x + slot / 2) << "\" y=\""
           << num(top + plot_h + 16) << "\" class=\"tick\" text-anchor=\"middle\">" << w_.buckets[i]
           << "</text>";
    }
    out_ << "</svg></section>";
  }

  void team_deadlines() {
    out_ << "<section><h2>" << w_.per_team << "</h2>";
    if (r_.deadlines_by_team.empty()) {
      out_ << "<p class=\"empty\">" << w_.no_deadlines << "</p></section>\n";
      return;
    }
    const double row = 28, label = 180, bar_w = 600;
    const double height = row * static_cast<double>(r_.deadlines_by_team.size()) + 8;
    out_ << "<div class=\"wide\"><svg viewBox=\"0 0 960 " << height
         << "\" role=\"img\" class=\"chart teams\">";
    double y = 4;
    for (const auto& [team, tally] : r_.deadlines_by_team) {
      const auto known = static_cast<double>(tally.met + tally.breaches);
      const double pct = known > 0 ? 100.0 * static_cast<double>(tally.met) / known : 0;
      const char* colour = pct >= 90 ? "#009E73" : pct >= 75 ? "#E69F00" : "#D55E00";
      out_ << "<text x=\"" << label - 8 << "\" y=\"" << num(y + 18)
           << "\" text-anchor=\"end\" class=\"label\">" << escaped(team) << "</text>"
           << "<rect x=\"" << label << "\" y=\"" << num(y + 4) << "\" width=\"" << bar_w
           << "\" height=\"18\" fill=\"#eef1f4\"/><rect x=\"" << label << "\" y=\"" << num(y + 4)
           << "\" width=\"" << num(bar_w * pct / 100) << "\" height=\"18\" fill=\"" << colour
           << "\"><title>" << escaped(team) << ": " << tally.met << " / "
           << tally.met + tally.breaches << "</title></rect><text x=\"" << label + bar_w + 8
           << "\" y=\"" << num(y + 18) << "\" class=\"label\">" << num(pct) << "% (" << w_.breaches
           << " " << grouped(tally.breaches) << ")</text>";
      y += row;
    }
    out_ << "</svg></div></section>\n";
  }

  void topics() {
    out_ << "<section><h2>" << w_.topics << "</h2>";
    topic_table(w_.rule, r_.topics);
    if (!r_.lists.empty()) topic_table(w_.list, r_.lists);
    if (!r_.keywords.empty()) topic_table(w_.keyword, r_.keywords);
    out_ << "</section>\n";
  }

  void topic_table(const char* kind, const std::vector<Topic>& topics) {
    out_ << "<table><thead><tr><th>" << kind << "</th><th class=\"n\">" << w_.this_period
         << "</th><th class=\"n\">" << w_.previous << "</th><th class=\"n\">" << w_.change
         << "</th><th></th></tr></thead><tbody>";
    std::size_t most = 1;
    for (const auto& t : topics) most = std::max(most, t.complaints);
    for (const auto& t : topics) {
      std::string change;
      const char* css = "";
      if (t.previous == 0) {
        change = t.complaints > 0 ? w_.new_topic : "–";
        css = t.complaints > 0 ? "up" : "";
      } else {
        const double pct = 100.0 *
                           (static_cast<double>(t.complaints) - static_cast<double>(t.previous)) /
                           static_cast<double>(t.previous);
        change = (pct > 0 ? "▲ +" : pct < 0 ? "▼ " : "") + num(pct) + "%";
        css = pct > 0 ? "up" : pct < 0 ? "down" : "";
      }
      out_ << "<tr><td>" << escaped(t.name) << "</td><td class=\"n\">" << grouped(t.complaints)
           << "</td><td class=\"n\">" << grouped(t.previous) << "</td><td class=\"n " << css
           << "\">" << change
           << "</td><td class=\"bar\"><svg viewBox=\"0 0 200 12\" class=\"spark\">"
           << "<rect width=\""
           << num(200.0 * static_cast<double>(t.complaints) / static_cast<double>(most))
           << "\" height=\"12\" fill=\"#0072B2\"/></svg></td></tr>";
    }
    out_ << "</tbody></table>";
  }

  void heatmap() {
    out_ << "<section><h2>" << w_.heatmap << "</h2>";
    std::size_t most = 0;
    for (const auto& day : r_.by_weekday_hour) {
      for (const auto n : day) most = std::max(most, n);
    }
    const double cell_w = 36, cell_h = 24, left = 44, top = 20;
    out_ << "<div class=\"wide\"><svg viewBox=\"0 0 " << left + cell_w * 24 + 4 << " "
         << top + cell_h * 7 + 4 << "\" role=\"img\" class=\"chart heatmap\">";
    for (int h = 0; h < 24; h += 3) {
      out_ << "<text x=\"" << num(left + cell_w * h + cell_w / 2) << "\" y=\"14\" "
           << "class=\"tick\" text-anchor=\"middle\">" << h << "</text>";
    }
    for (std::size_t d = 0; d < 7; ++d) {
      const double y = top + cell_h * static_cast<double>(d);
      out_ << "<text x=\"" << left - 6 << "\" y=\"" << num(y + 16)
           << "\" class=\"tick\" text-anchor=\"end\">" << w_.weekdays[d] << "</text>";
      for (std::size_t h = 0; h < 24; ++h) {
        const auto n = r_.by_weekday_hour[d][h];
        // From pale grey to deep blue, by the share of the busiest hour.
        const double share = most == 0 ? 0 : static_cast<double>(n) / static_cast<double>(most);
        auto channel = [share](int from, int to) {
          return static_cast<int>(std::lround(from + (to - from) * share));
        };
        char fill[8];
        std::snprintf(fill, sizeof fill, "#%02x%02x%02x", channel(0xf1, 0x08), channel(0xf4, 0x3a),
                      channel(0xf8, 0x8c));
        out_ << "<rect x=\"" << num(left + cell_w * static_cast<double>(h)) << "\" y=\"" << num(y)
             << "\" width=\"" << cell_w - 2 << "\" height=\"" << cell_h - 2 << "\" fill=\"" << fill
             << "\"><title>" << w_.weekdays[d] << " " << h << ":00 " << n << "</title></rect>";
      }
    }
    out_ << "</svg></div></section>\n";
  }

  void groups() {
    const char* by = w_.by[static_cast<std::size_t>(r_.by)];
    out_ << "<section><h2>" << w_.figures_by << ": " << by
         << "</h2><div class=\"wide\"><table><thead><tr><th>" << by << "</th>";
    for (const char* h : {w_.complaints, w_.replied, w_.suppressed, w_.no_reply, w_.first_reply,
                          w_.claimed, w_.to_claim, w_.resolved, w_.to_resolve, w_.deadline_met,
                          w_.breaches, w_.escalations, w_.followups, w_.failed}) {
      out_ << "<th class=\"n\">" << h << "</th>";
    }
    out_ << "</tr></thead><tbody>";
    for (const auto& g : r_.groups) group_row(escaped(g.key), g.figures, "");
    group_row(w_.total, r_.total, " class=\"total\"");
    out_ << "</tbody></table></div><p class=\"note\">" << w_.business << "</p></section>\n";
  }

  void group_row(const std::string& key, const Figures& f, const char* css) {
    std::size_t suppressed = 0, escalated = 0;
    for (const auto& [_, n] : f.replies_suppressed) suppressed += n;
    for (const auto& [_, n] : f.escalations) escalated += n;
    auto p50 = [&](const Distribution& wall, const Distribution& business) {
      if (wall.count == 0) return std::string("–");
      return duration_text(wall.p50, w_) + " (" +
             (business.count ? duration_text(business.p50, w_) : "–") + ")";
    };
    out_ << "<tr" << css << "><td>" << key << "</td>";
    for (const auto& cell :
         {grouped(f.complaints), grouped(f.replies_sent), grouped(suppressed),
          grouped(f.replies_none), percentile_text(f.first_response, w_), grouped(f.claimed),
          p50(f.to_claim, f.to_claim_business), grouped(f.resolved),
          p50(f.to_resolve, f.to_resolve_business), pct_text(f.deadline_met_pct()),
          grouped(f.breaches), grouped(escalated), grouped(f.followups),
          grouped(f.failed_deliveries)}) {
      out_ << "<td class=\"n\">" << cell << "</td>";
    }
    out_ << "</tr>";
  }

  void repeat_complainants() {
    out_ << "<section><h2>" << w_.repeat << "</h2>";
    if (r_.repeat_complainants.empty()) {
      out_ << "<p class=\"empty\">" << w_.none << "</p></section>\n";
      return;
    }
    out_ << "<div class=\"wide\"><table><thead><tr><th>" << w_.author << "</th><th>" << w_.name
         << "</th><th class=\"n\">" << w_.complaints << "</th><th class=\"n\">" << w_.still_open
         << "</th><th>" << w_.last_rule << "</th></tr></thead><tbody>";
    for (const auto& a : r_.repeat_complainants) {
      out_ << "<tr><td>" << escaped(a.channel) << ":" << escaped(a.author_id) << "</td><td>"
           << escaped(a.name) << "</td><td class=\"n\">" << a.complaints << "</td><td class=\"n\">"
           << a.open << "</td><td>" << escaped(a.last_rule) << "</td></tr>";
    }
    out_ << "</tbody></table></div></section>\n";
  }

  static constexpr const char* kStyle =
      "body{margin:0;background:#f6f7f9;color:#1f2328;font:14px/1.45 system-ui,-apple-system,"
      "'Segoe UI','Noto Sans CJK JP','Hiragino Sans',sans-serif}"
      "main{max-width:1000px;margin:0 auto;padding:16px}"
      "h1{font-size:22px;margin:8px 0 0}h2{font-size:16px;margin:0 0 8px}"
      "header p{margin:4px 0 16px;color:#57606a}"
      "section{background:#fff;border:1px solid #d8dee4;border-radius:8px;padding:12px 16px;"
      "margin:0 0 16px}"
      ".tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:8px;"
      "background:none;border:0;padding:0}"
      ".tile{background:#fff;border:1px solid #d8dee4;border-radius:8px;padding:8px 12px}"
      ".tile .label{color:#57606a;font-size:12px}.tile .value{font-size:20px;font-weight:600}"
      ".tile.bad .value{color:#cf222e}"
      ".pair{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:16px}"
      ".pair section{margin:0 0 16px}"
      "svg.chart{width:100%;height:auto;display:block}"
      // Below a phone's width the wide charts keep their size and scroll in their box.
      "svg.daily,svg.teams,svg.heatmap{min-width:600px}"
      "svg .tick{font-size:11px;fill:#57606a}svg .label{font-size:13px;fill:#1f2328}"
      "svg .grid{stroke:#eaeef2;stroke-width:1}"
      ".legend{list-style:none;padding:0;margin:8px 0 0;display:flex;flex-wrap:wrap;gap:4px 16px}"
      ".legend span{display:inline-block;width:10px;height:10px;margin-right:6px;"
      "border-radius:2px}"
      "table{border-collapse:collapse;width:100%}th,td{padding:4px 8px;text-align:left;"
      "border-bottom:1px solid #eaeef2;white-space:nowrap}th{font-weight:600;color:#57606a;"
      "font-size:12px}.n{text-align:right;font-variant-numeric:tabular-nums}"
      "tr.total td{font-weight:600}.up{color:#cf222e}.down{color:#1a7f37}"
      "table+table{margin-top:12px}td.bar{width:40%}svg.spark{width:100%;height:12px;display:block}"
      ".wide{overflow-x:auto}.note,.empty{color:#57606a;font-size:12px;margin:4px 0}";

  const Report& r_;
  const Words& w_;
  std::ostringstream out_;
};

}  // namespace

std::string to_html(const Report& report, std::string_view lang) {
  return Page(report, lang == "ja" ? kJapanese : kEnglish).render();
}

}  // namespace ackd::report
