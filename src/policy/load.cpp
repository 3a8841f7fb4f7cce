#include "ackd/policy/load.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <cstdio>
#include <set>

#include "ackd/text/normalize.hpp"
#include "ackd/text/utf8.hpp"
#include "lint.hpp"
#include "yaml_reader.hpp"

namespace ackd::policy {
namespace {

const std::vector<std::string> kSections = {"version",   "default_lang", "channels",
                                            "calendars", "lists",        "teams",
                                            "templates", "safety",       "rules"};
const std::vector<std::string> kRuleKeys = {"id",    "description", "priority", "when",
                                            "reply", "handoff",     "followup", "tags"};
const std::vector<std::string> kFieldNames = {"channel",     "visibility",       "lang",
                                              "text",        "author.id",        "author.handle",
                                              "author.name", "author.followers", "author.verified",
                                              "pii",         "repeat",           "time"};
const std::vector<std::string> kTextMatchers = {"in", "any", "all", "none", "regex"};
const std::vector<std::string> kNumberMatchers = {"gte", "gt", "lte", "lt"};

bool is_lang_code(const std::string& s) {
  return (s.size() == 2 || s.size() == 3) &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= 'a' && c <= 'z'; });
}

std::string version_hash(const std::vector<SourceFile>& files) {
  std::uint64_t h = 1469598103934665603ULL;  // FNV-1a: stable across runs and builds
  auto mix = [&h](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ULL;
    }
    h ^= 0xff;
    h *= 1099511628211ULL;
  };
  for (const auto& f : files) {
    mix(f.path);
    mix(f.content);
  }
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(h));
  return out;
}

// One `name: value` entry of a named section, remembered with the file it came from.
struct Entry {
  std::string name;
  YAML::Node key;
  YAML::Node value;
  YamlReader* reader = nullptr;
};

class Loader {
 public:
  explicit Loader(Diagnostics& diagnostics) : diagnostics_(diagnostics) {}

  void add(const SourceFile& file);
  std::shared_ptr<Policy> build();

 private:
  void add_named(const std::string& section, const YAML::Node& map, YamlReader& reader);
  void add_single(const std::string& section, const YAML::Node& key, const YAML::Node& value,
                  YamlReader& reader, std::optional<Entry>& slot);

  void build_lists();
  void build_channels();
  void build_calendars();
  void build_safety();
  void build_storm();
  void build_templates();
  void build_teams();
  void build_rules();
  void compile_index();

  std::optional<Rule> build_rule(const YAML::Node& node, YamlReader& r, std::size_t position);
  std::optional<Condition> build_when(const YAML::Node& node, YamlReader& r);
  std::optional<Condition> build_field(const std::string& field_name, const YAML::Node& key,
                                       const YAML::Node& value, YamlReader& r);
  std::optional<Condition> build_text_field(Field field, const std::string& field_name,
                                            const YAML::Node& value, YamlReader& r);
  std::optional<Condition> build_number(Field field, const std::string& field_name,
                                        const YAML::Node& value, YamlReader& r);
  std::optional<std::vector<std::string>> expand(const YAML::Node& node, const std::string& what,
                                                 YamlReader& r, std::string* label = nullptr);
  std::optional<std::size_t> find_calendar(const YAML::Node& node, YamlReader& r);
  bool check_equals_value(Field field, const YAML::Node& node, const std::string& value,
                          YamlReader& r);

  template <class T>
  static std::vector<std::string> names_of(const std::vector<T>& items) {
    std::vector<std::string> out;
    for (const auto& i : items) out.push_back(i.name);
    return out;
  }
  void unknown(const YAML::Node& node, YamlReader& r, const std::string& kind,
               const std::string& name, const std::vector<std::string>& known);
  // The index of the template `node` names; reported and empty when it names none.
  std::optional<std::size_t> template_named(const YAML::Node& node, YamlReader& r);

  Diagnostics& diagnostics_;
  std::vector<std::unique_ptr<YamlReader>> readers_;
  std::vector<YAML::Node> roots_;
  std::map<std::string, std::vector<Entry>> named_;
  std::optional<Entry> version_, default_lang_, safety_;
  std::vector<std::pair<YAML::Node, YamlReader*>> rule_nodes_;
  std::shared_ptr<Policy> policy_ = std::make_shared<Policy>();
  bool unreadable_ = false;  // a file did not parse: its rules are unknown, not missing
};

void Loader::add(const SourceFile& file) {
  readers_.push_back(std::make_unique<YamlReader>(file.path, diagnostics_));
  YamlReader& r = *readers_.back();
  if (auto bad = text::find_invalid_utf8(file.content)) {
    diagnostics_.error({file.path, 0, 0},
                       "file is not valid UTF-8 (byte " + std::to_string(*bad) + ")");
    unreadable_ = true;
    return;
  }
  YAML::Node root = r.parse(file.content);
  if (!root.IsDefined()) unreadable_ = true;
  if (!root.IsDefined() || root.IsNull()) return;
  roots_.push_back(root);
  if (!r.is_map(root, "a policy file")) return;
  r.check_keys(root, kSections, "the policy");
  for (const auto& entry : root) {
    const std::string section = entry.first.Scalar();
    const YAML::Node& value = entry.second;
    if (section == "version") {
      add_single(section, entry.first, value, r, version_);
    } else if (section == "default_lang") {
      add_single(section, entry.first, value, r, default_lang_);
    } else if (section == "safety") {
      add_single(section, entry.first, value, r, safety_);
    } else if (section == "rules") {
      if (value.IsNull()) continue;
      if (!r.is_sequence(value, "rules")) continue;
      for (const auto& rule : value) rule_nodes_.emplace_back(rule, &r);
    } else if (std::find(kSections.begin(), kSections.end(), section) != kSections.end()) {
      if (value.IsNull()) continue;
      if (r.is_map(value, section)) add_named(section, value, r);
    }
  }
}

void Loader::add_single(const std::string& section, const YAML::Node& key, const YAML::Node& value,
                        YamlReader& reader, std::optional<Entry>& slot) {
  if (slot) {
    auto first = slot->reader->at(slot->key);
    reader.error(key, "'" + section + "' is already set at " + first.file + ":" +
                          std::to_string(first.line));
    return;
  }
  slot = Entry{section, key, value, &reader};
}

void Loader::add_named(const std::string& section, const YAML::Node& map, YamlReader& reader) {
  auto& entries = named_[section];
  for (const auto& item : map) {
    std::string name = item.first.Scalar();
    auto same = std::find_if(entries.begin(), entries.end(),
                             [&](const Entry& e) { return e.name == name; });
    if (same != entries.end()) {
      auto first = same->reader->at(same->key);
      reader.error(item.first, section + " '" + name + "' is already defined at " + first.file +
                                   ":" + std::to_string(first.line));
      continue;
    }
    entries.push_back({name, item.first, item.second, &reader});
  }
}

void Loader::unknown(const YAML::Node& node, YamlReader& r, const std::string& kind,
                     const std::string& name, const std::vector<std::string>& known) {
  std::string message = "unknown " + kind + " '" + name + "'";
  if (auto near = closest_match(name, known); !near.empty()) {
    message += " (did you mean '" + near + "'?)";
  } else if (known.empty()) {
    message += " (none is defined)";
  }
  r.error(node, message);
}

std::shared_ptr<Policy> Loader::build() {
  Policy& p = *policy_;
  if (version_) {
    auto v = version_->reader->integer(version_->value, "version");
    if (v && *v != 1) version_->reader->error(version_->value, "version must be 1");
  }
  if (default_lang_) {
    auto lang = default_lang_->reader->string(default_lang_->value, "default_lang");
    if (lang && !is_lang_code(*lang)) {
      default_lang_->reader->error(default_lang_->value,
                                   "default_lang must be a language code like ja or en");
    } else if (lang) {
      p.default_lang = *lang;
    }
  } else {
    p.default_lang = "en";
  }
  p.calendars.push_back({"always", time::Calendar::always(), {}});
  build_lists();
  build_channels();
  build_calendars();
  build_safety();
  build_templates();
  build_storm();
  build_teams();
  build_rules();
  lint_policy(p, diagnostics_);
  if (!diagnostics_.empty()) return nullptr;
  compile_index();
  return policy_;
}

void Loader::build_lists() {
  for (const auto& e : named_["lists"]) {
    auto items = e.reader->strings(e.value, "list '" + e.name + "'");
    if (!items) continue;
    if (items->empty()) e.reader->error(e.value, "list '" + e.name + "' is empty");
    policy_->lists[e.name] = *items;
  }
}

void Loader::build_channels() {
  for (const auto& e : named_["channels"]) {
    YamlReader& r = *e.reader;
    ChannelLimit channel{e.name, 0, text::Counting::code_points};
    if (!e.value.IsNull() && r.is_map(e.value, "channel '" + e.name + "'")) {
      r.check_keys(e.value, {"max_chars", "counting"}, "channel '" + e.name + "'");
      if (auto n = e.value["max_chars"]) {
        auto v = r.integer(n, "max_chars");
        if (v && *v <= 0) r.error(n, "max_chars must be above 0");
        if (v && *v > 0) channel.max_chars = static_cast<std::size_t>(*v);
      }
      if (auto c = e.value["counting"]) {
        auto v = r.string(c, "counting");
        if (v && *v == "twitter") {
          channel.counting = text::Counting::twitter;
        } else if (v && *v != "chars") {
          r.error(c, "counting must be 'chars' or 'twitter', got '" + *v + "'");
        }
      }
    }
    policy_->channels[e.name] = channel;
  }
}

void Loader::build_calendars() {
  static const std::vector<std::string> kDays = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
  for (const auto& e : named_["calendars"]) {
    YamlReader& r = *e.reader;
    const std::string what = "calendar '" + e.name + "'";
    if (e.name == "always") {
      r.error(e.key, "'always' is built in (open 24/7) and cannot be redefined");
      continue;
    }
    if (!r.is_map(e.value, what)) continue;
    r.check_keys(e.value, {"timezone", "hours", "holidays"}, what);
    std::optional<time::Zone> zone;
    if (auto tz = e.value["timezone"]) {
      if (auto name = r.string(tz, "timezone")) {
        zone = time::Zone::load(*name);
        if (!zone)
          r.error(tz, "unknown time zone '" + *name + "' (use an IANA name like Asia/Tokyo)");
      }
    } else {
      r.error(e.key, what + " needs a timezone");
    }
    std::array<std::vector<time::OpenSpan>, 7> week;
    bool ok = true;
    if (auto hours = e.value["hours"]; hours && r.is_map(hours, "hours")) {
      for (const auto& item : hours) {
        std::string error;
        auto days = time::parse_weekdays(item.first.Scalar(), error);
        if (!days) {
          r.error(item.first, error);
          ok = false;
          continue;
        }
        auto spec = r.strings(item.second, "hours");
        if (!spec) {
          ok = false;
          continue;
        }
        for (const auto& s : *spec) {
          auto spans = time::parse_open_spans(s, error);
          if (!spans) {
            r.error(item.second, error);
            ok = false;
            continue;
          }
          for (int d = 0; d < 7; ++d) {
            if ((*days)[static_cast<std::size_t>(d)]) {
              auto& day = week[static_cast<std::size_t>(d)];
              day.insert(day.end(), spans->begin(), spans->end());
            }
          }
        }
      }
      for (std::size_t d = 0; d < 7 && ok; ++d) {
        auto& day = week[d];
        std::sort(day.begin(), day.end(),
                  [](const auto& a, const auto& b) { return a.begin_minute < b.begin_minute; });
        for (std::size_t i = 1; i < day.size(); ++i) {
          if (day[i].begin_minute < day[i - 1].end_minute) {
            r.error(hours, what + " has overlapping hours on " + kDays[d]);
            ok = false;
            break;
          }
        }
      }
    } else if (!e.value["hours"]) {
      r.error(e.key, what + " needs hours, e.g. hours: {mon-fri: \"09:00-18:00\"}");
      ok = false;
    }
    std::set<absl::CivilDay> holidays;
    if (auto h = e.value["holidays"]) {
      if (auto days = r.strings(h, "holidays")) {
        std::size_t i = 0;
        for (const auto& d : *days) {
          auto day = time::parse_civil_day(d);
          if (!day) {
            r.error(h.IsSequence() ? h[i] : h, "holiday '" + d + "' is not a date like 2026-12-31");
          } else {
            holidays.insert(*day);
          }
          ++i;
        }
      }
    }
    if (!zone || !ok) continue;
    time::Calendar calendar(*zone, week, holidays);
    if (!calendar.has_open_hours()) r.error(e.key, what + " is never open");
    policy_->calendars.push_back({e.name, calendar, r.at(e.key)});
  }
}

// After the templates, which a storm may name.
std::optional<std::size_t> Loader::template_named(const YAML::Node& node, YamlReader& r) {
  auto name = r.string(node, "template");
  if (!name) return std::nullopt;
  const auto& templates = policy_->templates;
  auto found = std::find_if(templates.begin(), templates.end(),
                            [&](const auto& x) { return x.name == *name; });
  if (found == templates.end()) {
    unknown(node, r, "template", *name, names_of(templates));
    return std::nullopt;
  }
  return static_cast<std::size_t>(found - templates.begin());
}

void Loader::build_storm() {
  // A safety that is not a mapping is reported by build_safety; indexing it would throw.
  if (!safety_ || !safety_->value.IsMap()) return;
  YamlReader& r = *safety_->reader;
  const YAML::Node& storm = safety_->value["storm"];
  if (!storm || !r.is_map(storm, "safety.storm")) return;
  r.check_keys(storm, {"threshold", "within", "template", "notify"}, "safety.storm");
  StormMode mode;
  bool ok = true;
  if (auto t = storm["threshold"]) {
    auto n = r.integer(t, "threshold");
    if (n && *n < 1) r.error(t, "threshold must be at least 1");
    ok = ok && n && *n >= 1;
    if (n) mode.threshold = *n;
  } else {
    r.error(storm, "safety.storm needs threshold and within");
    ok = false;
  }
  if (auto w = storm["within"]) {
    auto d = r.duration(w, "within");
    ok = ok && d.has_value();
    if (d) mode.within = *d;
  } else if (ok) {
    r.error(storm, "safety.storm needs threshold and within");
    ok = false;
  }
  if (auto t = storm["template"]; t && !(t.IsScalar() && t.Scalar() == "none")) {
    mode.template_index = template_named(t, r);
    ok = ok && mode.template_index;
  }
  if (auto n = storm["notify"]) {
    if (auto sink = r.string(n, "notify")) {
      mode.notify = *sink;
      mode.notify_where = r.at(n);
    }
  }
  if (ok) policy_->safety.storm = mode;
}

void Loader::build_safety() {
  Safety& s = policy_->safety;
  s.pii_patterns = text::default_pii_patterns();
  s.name_fallback = {{"ja", "お客"}, {"en", "valued customer"}};
  if (!safety_) return;
  YamlReader& r = *safety_->reader;
  const YAML::Node& node = safety_->value;
  if (!r.is_map(node, "safety")) return;
  r.check_keys(node, {"banned", "replies_per_author", "name", "pii", "own_accounts", "storm"},
               "safety");
  if (auto own = node["own_accounts"]) {
    if (auto accounts = expand(own, "own_accounts", r)) {
      for (const auto& account : *accounts) {
        if (auto key = account_key(account); !key.empty()) s.own_accounts.push_back(key);
      }
    }
  }
  if (auto banned = node["banned"]) {
    if (auto phrases = expand(banned, "banned", r)) {
      for (const auto& phrase : *phrases) {
        std::string folded = text::normalize(phrase);
        if (folded.empty()) continue;
        s.banned.push_back(phrase);
        s.banned_normalized.push_back(folded);
      }
    }
  }
  s.name.banned = s.banned_normalized;
  if (auto limit = node["replies_per_author"]; limit && r.is_map(limit, "replies_per_author")) {
    r.check_keys(limit, {"max", "per"}, "replies_per_author");
    if (!limit["max"] || !limit["per"]) {
      r.error(limit, "replies_per_author needs max and per");
    } else {
      auto max = r.integer(limit["max"], "max");
      auto per = r.duration(limit["per"], "per");
      if (max && *max < 0) {
        r.error(limit["max"], "max must be 0 or more");
      } else if (max && per) {
        s.replies_per_author = RateLimit{*max, *per};
      }
    }
  }
  if (auto name = node["name"]; name && r.is_map(name, "name")) {
    r.check_keys(name, {"max_chars", "fallback", "deny"}, "safety.name");
    if (auto m = name["max_chars"]) {
      auto v = r.integer(m, "max_chars");
      if (v && (*v < 1 || *v > 100)) r.error(m, "name max_chars must be between 1 and 100");
      if (v && *v >= 1 && *v <= 100) s.name.max_chars = static_cast<std::size_t>(*v);
    }
    if (auto f = name["fallback"]; f && r.is_map(f, "fallback")) {
      for (const auto& item : f) {
        auto lang = item.first.Scalar();
        if (!is_lang_code(lang)) r.error(item.first, "'" + lang + "' is not a language code");
        if (auto text = r.string(item.second, "fallback")) s.name_fallback[lang] = *text;
      }
    }
    if (auto deny = name["deny"]) {
      if (auto words = expand(deny, "deny", r)) {
        for (const auto& word : *words) {
          std::string folded = text::normalize(word);
          if (!folded.empty()) s.name.deny.push_back(std::move(folded));
        }
      }
    }
  }
  if (auto pii = node["pii"]; pii && r.is_map(pii, "pii")) {
    for (const auto& item : pii) {
      const std::string kind = item.first.Scalar();
      auto regex = r.string(item.second, "pii pattern '" + kind + "'");
      if (!regex) continue;
      auto& patterns = s.pii_patterns;
      auto same = std::find_if(patterns.begin(), patterns.end(),
                               [&](const auto& p) { return p.kind == kind; });
      if (*regex == "none") {
        if (same != patterns.end()) patterns.erase(same);
        continue;
      }
      RE2 compiled(*regex, RE2::Quiet);
      if (!compiled.ok()) {
        r.error(item.second, "invalid regex for pii '" + kind + "': " + compiled.error());
        continue;
      }
      if (same != patterns.end()) {
        same->regex = *regex;
      } else {
        patterns.push_back({kind, *regex});
      }
    }
  }
}

void Loader::build_templates() {
  for (const auto& e : named_["templates"]) {
    YamlReader& r = *e.reader;
    ReplyTemplate t;
    t.name = e.name;
    t.where = r.at(e.key);
    if (!r.is_map(e.value, "template '" + e.name + "'")) continue;
    for (const auto& item : e.value) {
      const std::string lang = item.first.Scalar();
      if (!is_lang_code(lang)) {
        r.error(item.first,
                "template '" + e.name + "': '" + lang + "' is not a language code like ja or en");
        continue;
      }
      auto source = r.string(item.second, "template text");
      if (!source) continue;
      std::vector<render::TemplateError> errors;
      auto parsed = render::Template::parse(*source, errors);
      SourceLocation where = r.at(item.second);
      for (const auto& err : errors) {
        SourceLocation at = where;
        // Point into single-line texts; a quoted scalar's mark is on its opening quote.
        if (source->find('\n') == std::string::npos) {
          at.column += static_cast<int>(text::code_point_count(source->substr(0, err.offset))) +
                       (item.second.Tag() == "!" ? 1 : 0);
        }
        diagnostics_.error(at, "template '" + e.name + "' (" + lang + "): " + err.message);
      }
      t.by_lang.emplace(lang, std::move(parsed));
      t.where_by_lang[lang] = where;
    }
    policy_->templates.push_back(std::move(t));
  }
}

void Loader::build_teams() {
  for (const auto& e : named_["teams"]) {
    YamlReader& r = *e.reader;
    const std::string what = "team '" + e.name + "'";
    Team team;
    team.name = e.name;
    team.where = r.at(e.key);
    if (!r.is_map(e.value, what)) continue;
    r.check_keys(e.value, {"notify", "escalate", "calendar"}, what);
    if (auto n = e.value["notify"]) {
      if (auto sink = r.string(n, "notify")) team.notify = *sink;
      team.notify_where = r.at(n);
    } else {
      r.error(e.key, what + " needs notify: the sink its handoffs go to");
    }
    if (auto c = e.value["calendar"]) team.calendar = find_calendar(c, r);
    if (auto esc = e.value["escalate"]; esc && r.is_sequence(esc, "escalate")) {
      for (const auto& step : esc) {
        if (!r.is_map(step, "an escalation step")) continue;
        r.check_keys(step, {"after", "notify"}, "an escalation step");
        auto after = step["after"] ? r.duration(step["after"], "after") : std::nullopt;
        auto sink = step["notify"] ? r.string(step["notify"], "notify") : std::nullopt;
        if (!step["after"] || !step["notify"]) {
          r.error(step, "an escalation step needs after and notify");
        }
        if (after && sink) team.escalate.push_back({*after, *sink, r.at(step["notify"])});
      }
      std::stable_sort(team.escalate.begin(), team.escalate.end(),
                       [](const auto& a, const auto& b) { return a.after < b.after; });
    }
    policy_->teams.push_back(std::move(team));
  }
}

std::optional<std::size_t> Loader::find_calendar(const YAML::Node& node, YamlReader& r) {
  auto name = r.string(node, "calendar");
  if (!name) return std::nullopt;
  auto& cals = policy_->calendars;
  for (std::size_t i = 0; i < cals.size(); ++i) {
    if (cals[i].name == *name) return i;
  }
  unknown(node, r, "calendar", *name, names_of(cals));
  return std::nullopt;
}

void Loader::build_rules() {
  std::map<std::string, SourceLocation> seen;
  for (std::size_t i = 0; i < rule_nodes_.size(); ++i) {
    auto& [node, reader] = rule_nodes_[i];
    // Duplicates are found even among rules with other errors, whose errors are reported too.
    bool duplicate = false;
    if (node.IsMap() && node["id"] && node["id"].IsScalar()) {
      const std::string& id = node["id"].Scalar();
      if (auto [first, fresh] = seen.emplace(id, reader->at(node["id"])); !fresh) {
        reader->error(node["id"], "duplicate rule id '" + id + "' (first at " + first->second.file +
                                      ":" + std::to_string(first->second.line) + ")");
        duplicate = true;
      }
    }
    auto rule = build_rule(node, *reader, i);
    if (rule && !duplicate) policy_->rules.push_back(std::move(*rule));
  }
  if (rule_nodes_.empty() && !unreadable_) {
    diagnostics_.error({readers_.empty() ? "policy" : readers_.front()->file(), 0, 0},
                       "the policy has no rules");
  }
}

std::optional<Rule> Loader::build_rule(const YAML::Node& node, YamlReader& r,
                                       std::size_t position) {
  const std::string fallback_name = "rule #" + std::to_string(position + 1);
  if (!r.is_map(node, fallback_name)) return std::nullopt;
  Rule rule;
  rule.where = r.at(node);
  bool ok = true;
  if (auto id = node["id"]) {
    if (auto s = r.string(id, "id")) rule.id = *s;
    if (rule.id.empty() || rule.id.find_first_of(" \t") != std::string::npos) {
      r.error(id, "rule id must be a non-empty word");
      ok = false;
    }
  } else {
    r.error(node, fallback_name + " needs an id");
    ok = false;
  }
  const std::string what = rule.id.empty() ? fallback_name : "rule '" + rule.id + "'";
  r.check_keys(node, kRuleKeys, what);
  if (auto p = node["priority"]) {
    auto s = r.string(p, "priority");
    static const std::set<std::string> kPriorities = {"P1", "P2", "P3", "P4", "P5"};
    if (s && kPriorities.count(*s)) {
      rule.priority = *s;
    } else if (s) {
      r.error(p, "priority must be one of P1 (most urgent) to P5, got '" + *s + "'");
    }
  }
  if (auto when = node["when"]) {
    rule.when = build_when(when, r);
    if (!rule.when) ok = false;
  }
  if (auto reply = node["reply"]) {
    if (reply.IsScalar() && reply.Scalar() == "none") {
    } else if (r.is_map(reply, what + " reply (or 'none')")) {
      r.check_keys(reply, {"template", "visibility"}, what + " reply");
      ReplySpec spec;
      if (auto t = reply["template"]) {
        if (auto index = template_named(t, r)) {
          spec.template_index = *index;
        } else {
          ok = false;  // reported; the rule must not be kept with template 0
        }
      } else {
        r.error(reply, what + " reply needs a template");
        ok = false;
      }
      if (auto v = reply["visibility"]) {
        auto s = r.string(v, "visibility");
        if (s && *s == "public") {
          spec.visibility = ReplyVisibility::public_post;
        } else if (s && *s == "dm") {
          spec.visibility = ReplyVisibility::direct_message;
        } else if (s) {
          r.error(v, "reply visibility must be 'public' or 'dm', got '" + *s + "'");
        }
      }
      rule.reply = spec;
    } else {
      ok = false;
    }
  } else {
    r.error(node, what + " needs reply: a template, or 'none' to send nothing");
  }
  if (auto handoff = node["handoff"]) {
    if (handoff.IsScalar() && handoff.Scalar() == "none") {
    } else if (r.is_map(handoff, what + " handoff (or 'none')")) {
      r.check_keys(handoff, {"team", "within", "calendar"}, what + " handoff");
      HandoffSpec spec;
      std::optional<std::size_t> team_calendar;
      if (auto t = handoff["team"]) {
        if (auto name = r.string(t, "team")) {
          auto& teams = policy_->teams;
          auto found = std::find_if(teams.begin(), teams.end(),
                                    [&](const auto& x) { return x.name == *name; });
          if (found == teams.end()) {
            unknown(t, r, "team", *name, names_of(teams));
            ok = false;
          } else {
            spec.team = static_cast<std::size_t>(found - teams.begin());
            team_calendar = found->calendar;
          }
        } else {
          ok = false;  // reported; the rule must not be kept with team 0
        }
      } else {
        r.error(handoff, what + " handoff needs a team");
        ok = false;
      }
      if (auto w = handoff["within"]) {
        if (auto d = r.duration(w, "within")) {
          spec.within = *d;
        } else {
          ok = false;
        }
      } else {
        r.error(handoff, what + " handoff needs within: how long the team has, e.g. 4h");
        ok = false;
      }
      if (auto c = handoff["calendar"]) {
        if (auto cal = find_calendar(c, r)) {
          spec.calendar = *cal;
        } else {
          ok = false;
        }
      } else {
        spec.calendar = team_calendar.value_or(0);
      }
      rule.handoff = spec;
    } else {
      ok = false;
    }
  } else {
    r.error(node, what + " needs handoff: a team, or 'none' to tell no one");
  }
  if (auto f = node["followup"]) {
    rule.followup = r.duration(f, "followup");
    if (!rule.followup) ok = false;
  }
  if (auto tags = node["tags"]) {
    if (auto list = r.strings(tags, "tags")) rule.tags = *list;
  }
  if (!ok || rule.id.empty()) return std::nullopt;
  return rule;
}

std::optional<Condition> Loader::build_when(const YAML::Node& node, YamlReader& r) {
  if (!r.is_map(node, "when")) return std::nullopt;
  Condition all;
  all.kind = Condition::Kind::all_of;
  all.where = r.at(node);
  bool ok = true;
  for (const auto& item : node) {
    const std::string key = item.first.Scalar();
    std::optional<Condition> c;
    if (key == "any_of") {
      if (!r.is_sequence(item.second, "any_of")) {
        ok = false;
        continue;
      }
      Condition any;
      any.kind = Condition::Kind::any_of;
      any.where = r.at(item.first);
      any.label = "any_of";
      for (const auto& alternative : item.second) {
        if (auto child = build_when(alternative, r)) {
          any.children.push_back(std::move(*child));
        } else {
          ok = false;
        }
      }
      c = std::move(any);
    } else if (key == "not") {
      if (auto child = build_when(item.second, r)) {
        Condition negation;
        negation.kind = Condition::Kind::negation;
        negation.where = r.at(item.first);
        negation.label = "not";
        negation.children.push_back(std::move(*child));
        c = std::move(negation);
      }
    } else if (std::find(kFieldNames.begin(), kFieldNames.end(), key) != kFieldNames.end()) {
      c = build_field(key, item.first, item.second, r);
    } else {
      std::vector<std::string> known = kFieldNames;
      known.push_back("any_of");
      known.push_back("not");
      unknown(item.first, r, "condition", key, known);
    }
    if (c) {
      all.children.push_back(std::move(*c));
    } else {
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  if (all.children.size() == 1) return std::move(all.children.front());
  return all;
}

std::optional<std::vector<std::string>> Loader::expand(const YAML::Node& node,
                                                       const std::string& what, YamlReader& r,
                                                       std::string* label) {
  std::vector<std::string> out;
  bool ok = true;
  auto take = [&](const YAML::Node& item) {
    if (!item.IsScalar()) {
      r.error(item, what + " items must be texts, got " + describe_kind(item));
      ok = false;
      return;
    }
    const std::string& s = item.Scalar();
    if (s.size() > 1 && s[0] == '$') {
      auto name = s.substr(1);
      auto found = policy_->lists.find(name);
      if (found == policy_->lists.end()) {
        std::vector<std::string> known;
        for (const auto& [n, _] : policy_->lists) known.push_back("$" + n);
        unknown(item, r, "list", s, known);
        ok = false;
        return;
      }
      out.insert(out.end(), found->second.begin(), found->second.end());
    } else {
      out.push_back(s);
    }
    if (label) *label += (label->empty() ? "" : ", ") + s;
  };
  if (node.IsSequence()) {
    for (const auto& item : node) take(item);
    if (label) *label = "[" + *label + "]";
  } else {
    take(node);
  }
  if (!ok) return std::nullopt;
  return out;
}

bool Loader::check_equals_value(Field field, const YAML::Node& node, const std::string& value,
                                YamlReader& r) {
  if (field == Field::channel && !policy_->channels.count(value)) {
    std::vector<std::string> known;
    for (const auto& [n, _] : policy_->channels) known.push_back(n);
    unknown(node, r, "channel", value, known);
    return false;
  }
  if (field == Field::visibility && value != "public" && value != "private") {
    r.error(node, "visibility is 'public' or 'private', got '" + value + "'");
    return false;
  }
  if (field == Field::lang && !is_lang_code(value)) {
    r.error(node, "'" + value + "' is not a language code like ja or en");
    return false;
  }
  return true;
}

std::optional<Condition> Loader::build_field(const std::string& field_name, const YAML::Node& key,
                                             const YAML::Node& value, YamlReader& r) {
  auto index = std::find(kFieldNames.begin(), kFieldNames.end(), field_name) - kFieldNames.begin();
  const Field field = static_cast<Field>(index);
  Condition c;
  c.field = field;
  c.where = r.at(key);
  switch (field) {
    case Field::author_followers:
      return build_number(field, field_name, value, r);
    case Field::author_verified:
    case Field::pii: {
      auto b = r.boolean(value, field_name);
      if (!b) return std::nullopt;
      c.kind = Condition::Kind::boolean;
      c.flag = *b;
      c.label = field_name + ": " + (*b ? "true" : "false");
      return c;
    }
    case Field::repeat: {
      if (!r.is_map(value, "repeat")) return std::nullopt;
      r.check_keys(value, {"gte", "gt", "lte", "lt", "within"}, "repeat");
      auto within = value["within"] ? r.duration(value["within"], "within") : std::nullopt;
      if (!value["within"]) r.error(value, "repeat needs within: the window to count in");
      c.kind = Condition::Kind::repeat;
      bool have_count = false;
      for (const auto& op : kNumberMatchers) {
        if (!value[op]) continue;
        auto n = r.integer(value[op], op);
        if (!n) return std::nullopt;
        c.comparison = op == "gte"   ? Comparison::gte
                       : op == "gt"  ? Comparison::gt
                       : op == "lte" ? Comparison::lte
                                     : Comparison::lt;
        c.number = *n;
        c.label = "repeat " + op + " " + std::to_string(*n);
        have_count = true;
      }
      if (!have_count) r.error(value, "repeat needs a count, e.g. {gte: 3, within: 24h}");
      if (!within || !have_count) return std::nullopt;
      c.window = *within;
      c.label += " within " + time::format_duration(*within);
      return c;
    }
    case Field::time: {
      if (!r.is_map(value, "time")) return std::nullopt;
      r.check_keys(value, {"inside", "outside"}, "time");
      const bool inside = static_cast<bool>(value["inside"]);
      if (inside == static_cast<bool>(value["outside"])) {
        r.error(value, "time needs exactly one of inside: CALENDAR or outside: CALENDAR");
        return std::nullopt;
      }
      auto cal = find_calendar(inside ? value["inside"] : value["outside"], r);
      if (!cal) return std::nullopt;
      c.kind = Condition::Kind::time;
      c.flag = inside;
      c.calendar = *cal;
      c.label =
          std::string("time ") + (inside ? "inside " : "outside ") + policy_->calendars[*cal].name;
      return c;
    }
    default:
      return build_text_field(field, field_name, value, r);
  }
}

std::optional<Condition> Loader::build_number(Field field, const std::string& field_name,
                                              const YAML::Node& value, YamlReader& r) {
  Condition c;
  c.kind = Condition::Kind::number;
  c.field = field;
  c.where = r.at(value);
  if (value.IsScalar()) {
    auto n = r.integer(value, field_name);
    if (!n) return std::nullopt;
    c.number = *n;
    c.label = field_name + " = " + std::to_string(*n);
    return c;
  }
  if (!r.is_map(value, field_name)) return std::nullopt;
  r.check_keys(value, kNumberMatchers, field_name);
  Condition all;
  all.kind = Condition::Kind::all_of;
  all.where = c.where;
  for (const auto& item : value) {
    const std::string op = item.first.Scalar();
    auto n = r.integer(item.second, field_name + " " + op);
    if (!n) return std::nullopt;
    Condition one = c;
    one.comparison = op == "gte"   ? Comparison::gte
                     : op == "gt"  ? Comparison::gt
                     : op == "lte" ? Comparison::lte
                                   : Comparison::lt;
    one.number = *n;
    one.label = field_name + " " + op + " " + std::to_string(*n);
    all.children.push_back(std::move(one));
  }
  if (all.children.empty()) {
    r.error(value, field_name + " needs gte, gt, lte or lt");
    return std::nullopt;
  }
  if (all.children.size() == 1) return std::move(all.children.front());
  return all;
}

std::optional<Condition> Loader::build_text_field(Field field, const std::string& field_name,
                                                  const YAML::Node& value, YamlReader& r) {
  Condition base;
  base.field = field;
  base.where = r.at(value);
  auto equals = [&](const YAML::Node& node, const std::string& op) -> std::optional<Condition> {
    std::string label;
    auto values = expand(node, field_name, r, &label);
    if (!values) return std::nullopt;
    Condition c = base;
    c.kind = Condition::Kind::equals;
    c.label = field_name + (op.empty() ? " = " : " " + op + " ") + label;
    bool ok = true;
    for (const auto& v : *values) {
      ok = check_equals_value(field, node, v, r) && ok;
      c.values.push_back(text::normalize(v));
    }
    if (!ok) return std::nullopt;
    return c;
  };
  if (value.IsScalar()) {
    bool is_list = value.Scalar().size() > 1 && value.Scalar()[0] == '$';
    return equals(value, is_list ? "in" : "");
  }
  if (value.IsSequence()) return equals(value, "in");
  if (!r.is_map(value, field_name)) return std::nullopt;
  r.check_keys(value, kTextMatchers, field_name);
  Condition all;
  all.kind = Condition::Kind::all_of;
  all.where = base.where;
  for (const auto& item : value) {
    const std::string op = item.first.Scalar();
    std::optional<Condition> c;
    if (op == "in") {
      c = equals(item.second, "in");
    } else if (op == "regex") {
      auto pattern = r.string(item.second, "regex");
      if (!pattern) return std::nullopt;
      RE2::Options options;
      options.set_log_errors(false);
      options.set_max_mem(8 << 20);
      auto regex = std::make_shared<RE2>(*pattern, options);
      if (!regex->ok()) {
        r.error(item.second, "invalid regex: " + regex->error());
        return std::nullopt;
      }
      c = base;
      c->kind = Condition::Kind::regex;
      c->regex = std::move(regex);
      c->label = field_name + " regex " + *pattern;
    } else if (op == "any" || op == "all" || op == "none") {
      std::string label;
      auto words = expand(item.second, field_name + " " + op, r, &label);
      if (!words) return std::nullopt;
      c = base;
      c->kind = Condition::Kind::keywords;
      c->mode = op == "any" ? KeywordMode::any : op == "all" ? KeywordMode::all : KeywordMode::none;
      c->label = field_name + " " + op + " " + label;
      auto& set = policy_->keywords[static_cast<std::size_t>(field)];
      for (const auto& w : *words) {
        std::string folded = text::normalize(w);
        if (folded.empty()) {
          r.error(item.second, "keyword '" + w + "' is empty once normalized");
          return std::nullopt;
        }
        c->keyword_ids.push_back(set.add(folded));
      }
      // Sorted and unique: evaluation intersects them with the sorted hits.
      std::sort(c->keyword_ids.begin(), c->keyword_ids.end());
      c->keyword_ids.erase(std::unique(c->keyword_ids.begin(), c->keyword_ids.end()),
                           c->keyword_ids.end());
      policy_->field_has_keywords[static_cast<std::size_t>(field)] = true;
    } else {
      continue;  // reported by check_keys
    }
    if (!c) return std::nullopt;
    all.children.push_back(std::move(*c));
  }
  if (all.children.empty()) {
    r.error(value, field_name + " needs one of: in, any, all, none, regex");
    return std::nullopt;
  }
  if (all.children.size() == 1) return std::move(all.children.front());
  return all;
}

// The text keywords a rule cannot match without, if its `when` requires any of some.
std::optional<std::vector<std::uint32_t>> required_text_keywords(const Rule& rule) {
  if (!rule.when) return std::nullopt;
  auto from = [](const Condition& c) -> std::optional<std::vector<std::uint32_t>> {
    if (c.kind == Condition::Kind::keywords && c.field == Field::text &&
        c.mode == KeywordMode::any) {
      return c.keyword_ids;
    }
    return std::nullopt;
  };
  if (auto direct = from(*rule.when)) return direct;
  if (rule.when->kind == Condition::Kind::all_of) {
    for (const auto& child : rule.when->children) {
      if (auto ids = from(child)) return ids;
    }
  }
  return std::nullopt;
}

void Loader::compile_index() {
  Policy& p = *policy_;
  for (auto& set : p.keywords) set.compile();
  p.pii = std::make_unique<text::PiiDetector>(p.safety.pii_patterns);
  const auto& text_set = p.keywords[static_cast<std::size_t>(Field::text)];
  p.rules_by_text_keyword.assign(text_set.size(), {});
  for (std::uint32_t i = 0; i < p.rules.size(); ++i) {
    if (auto ids = required_text_keywords(p.rules[i])) {
      for (auto id : *ids) p.rules_by_text_keyword[id].push_back(i);
    } else {
      p.unindexed_rules.push_back(i);
    }
  }
  for (auto& rules : p.rules_by_text_keyword) {
    rules.erase(std::unique(rules.begin(), rules.end()), rules.end());
  }
}

}  // namespace

LoadResult load_policy(const std::vector<SourceFile>& files) {
  LoadResult result;
  Loader loader(result.diagnostics);
  for (const auto& f : files) loader.add(f);
  auto policy = loader.build();
  if (policy && result.diagnostics.empty()) {
    policy->version = version_hash(files);
    for (const auto& f : files) policy->sources.push_back(f.path);
    result.policy = std::move(policy);
  }
  return result;
}

std::string_view name_of(Field f) {
  return kFieldNames[static_cast<std::size_t>(f)];
}

namespace {

template <class T>
const T* find_named(const std::vector<T>& items, const std::string& name,
                    std::string T::*key = &T::name) {
  auto found =
      std::find_if(items.begin(), items.end(), [&](const T& item) { return item.*key == name; });
  return found == items.end() ? nullptr : &*found;
}

}  // namespace

const NamedCalendar* Policy::calendar(const std::string& name) const {
  return find_named(calendars, name);
}
const Team* Policy::team(const std::string& name) const {
  return find_named(teams, name);
}
const ReplyTemplate* Policy::reply_template(const std::string& name) const {
  return find_named(templates, name);
}
const Rule* Policy::rule(const std::string& id) const {
  return find_named(rules, id, &Rule::id);
}

}  // namespace ackd::policy
