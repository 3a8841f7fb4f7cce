#include "ackd/config/config.hpp"

#include <algorithm>
#include <set>

#include "ackd/mail/message.hpp"
#include "yaml/reader.hpp"

namespace ackd::config {

using yaml::Reader;

namespace {

const std::vector<std::string> kKeys = {
    "listen", "policy",   "state",    "mode",  "auth",    "sinks",       "channels",  "log_level",
    "http",   "overload", "delivery", "pause", "sources", "console_url", "retention", "report"};

std::optional<SecretRef> secret_ref(const YAML::Node& node, Reader& r) {
  if (!node.IsMap() || node.size() != 1) return std::nullopt;
  const auto& only = *node.begin();
  const std::string from = only.first.Scalar();
  if (from != "credential" && from != "file" && from != "env") return std::nullopt;
  auto name = r.string(only.second, from);
  if (!name) return std::nullopt;
  if (name->empty()) r.error(only.second, from + " must not be empty");
  return SecretRef{from, *name};
}

// `sinks:` or `sources:`: name -> {type: ..., settings of that type}.
void read_sections(const YAML::Node& node, Reader& r, const std::string& kind,
                   const SectionTypes* types, std::map<std::string, Section>& out) {
  if (!r.is_map(node, kind + "s")) return;
  const std::vector<std::string> names = types ? types->names() : std::vector<std::string>{};
  for (const auto& item : node) {
    Section section;
    section.name = item.first.Scalar();
    section.where = r.at(item.first);
    const std::string what = kind + " '" + section.name + "'";
    const YAML::Node& s = item.second;
    if (!r.is_map(s, what)) continue;
    for (const auto& entry : s) {
      const std::string key = entry.first.Scalar();
      if (key == "type") continue;
      // {credential: NAME}, {file: PATH} or {env: VAR}: where a secret is read from.
      if (auto ref = secret_ref(entry.second, r)) {
        section.settings[key] = {"", r.at(entry.second), r.at(entry.first), std::move(*ref)};
        continue;
      }
      // A mapping one level down is kept as dotted keys: tls: {ca_file: x} is tls.ca_file.
      if (entry.second.IsMap()) {
        for (const auto& sub : entry.second) {
          const std::string dotted = key + "." + sub.first.Scalar();
          if (auto value = r.string(sub.second, dotted)) {
            section.settings[dotted] = {*value, r.at(sub.second), r.at(sub.first), {}};
          }
        }
        continue;
      }
      if (auto value = r.string(entry.second, key)) {
        section.settings[key] = {*value, r.at(entry.second), r.at(entry.first), {}};
      }
    }
    if (!s["type"]) {
      r.error(item.first, what + " needs a type" + (names.empty() ? "" : ": " + one_of(names)),
              yaml::Code::missing);
    } else if (auto type = r.string(s["type"], "type")) {
      section.type = *type;
      const bool known = std::find(names.begin(), names.end(), *type) != names.end();
      if (types && !known) {
        std::string message = what + ": type must be " + one_of(names) + ", got '" + *type + "'";
        if (names.empty()) message = what + ": unknown type '" + *type + "' (none is built in)";
        if (auto near = yaml::closest_match(*type, names); !near.empty()) {
          message += " (did you mean '" + near + "'?)";
        }
        r.error(s["type"], message);
      } else if (types) {
        types->check(section, r.diagnostics());
      }
    }
    out[section.name] = std::move(section);
  }
}

// `report.mail`, after the sinks it names.
std::optional<ReportMail> read_report_mail(const YAML::Node& m, Reader& r, const Config& c,
                                           const SectionTypes* sink_types) {
  r.check_keys(m, {"sink", "to", "weekday", "at", "by", "lang"}, "report.mail");
  ReportMail mail;
  mail.where = r.at(m);
  if (auto sink = m["sink"]) {
    if (auto name = r.string(sink, "sink")) {
      mail.sink = *name;
      auto found = c.sinks.find(*name);
      if (found == c.sinks.end()) {
        std::vector<std::string> known;
        for (const auto& [n, _] : c.sinks) known.push_back(n);
        std::string message = "report.mail: unknown sink '" + *name + "'";
        if (auto near = yaml::closest_match(*name, known); !near.empty()) {
          message += " (did you mean '" + near + "'?)";
        }
        r.error(sink, message);
      } else if (sink_types && !sink_types->takes(found->second.type).reports) {
        r.error(sink, "report.mail: sink '" + *name + "' (type " + found->second.type +
                          ") cannot mail reports; an smtp sink can");
      }
    }
  } else {
    r.error(m, "report.mail needs sink: the smtp sink that mails the report", yaml::Code::missing);
  }
  if (auto to = m["to"]) {
    if (auto addresses = r.strings(to, "to")) {
      for (const auto& address : *addresses) {
        if (!mail::usable_address(address)) {
          r.error(to, "report.mail.to: '" + address + "' is not a mail address");
        }
      }
      if (addresses->empty()) r.error(to, "report.mail.to: no address");
      mail.to = std::move(*addresses);
    }
  } else {
    r.error(m, "report.mail needs to: who gets the report", yaml::Code::missing);
  }
  if (auto weekday = m["weekday"]) {
    if (auto name = r.string(weekday, "weekday")) {
      if (auto day = report::weekday_from_string(*name)) {
        mail.when.weekday = *day;
      } else {
        r.error(weekday, "report.mail.weekday must be monday ... sunday, got '" + *name + "'");
      }
    }
  }
  if (auto at = m["at"]) {
    if (auto text = r.string(at, "at")) {
      if (auto minute = report::minute_of_day_from_string(*text)) {
        mail.when.minute_of_day = *minute;
      } else {
        r.error(at,
                "report.mail.at must be a time of day as HH:MM (\"09:00\"), got '" + *text + "'");
      }
    }
  }
  if (auto by = m["by"]) {
    if (auto name = r.string(by, "by")) {
      if (auto b = report::by_from_string(*name)) {
        mail.by = *b;
      } else {
        r.error(by, "report.mail.by must be team, rule, channel, day, hour or agent, got '" +
                        *name + "'");
      }
    }
  }
  if (auto lang = m["lang"]) {
    if (auto l = r.one_of(lang, "lang", {"ja", "en"}, "report.mail.lang must be ja or en")) {
      mail.lang = *l;
    }
  }
  return mail;
}

}  // namespace

ConfigResult parse_config(const yaml::SourceFile& file, const SectionRegistries& registries) {
  ConfigResult result;
  Reader r(file.path, result.diagnostics);
  YAML::Node root = r.parse(file.content);
  if (!root.IsDefined()) return result;
  if (!r.is_map(root, "ackd.yaml")) return result;
  r.check_keys(root, kKeys, "ackd.yaml");
  Config c;
  auto text = [&](const char* key, std::string& out) {
    if (auto n = root[key]) {
      if (auto s = r.string(n, key)) out = *s;
    }
  };
  text("listen", c.listen);
  text("policy", c.policy);
  text("state", c.state);
  text("log_level", c.log_level);
  text("console_url", c.console_url);
  if (root["policy"]) c.policy_where = r.at(root["policy"]);
  if (!root["policy"])
    r.error(root, "ackd.yaml needs policy: the policy file or directory", yaml::Code::missing);
  if (!root["state"])
    r.error(root, "ackd.yaml needs state: the directory of the database", yaml::Code::missing);
  if (c.listen.rfind(':') == std::string::npos) {
    r.error(root["listen"], "listen must be HOST:PORT, e.g. 127.0.0.1:8080");
  }
  if (!c.console_url.empty() && !c.console_url.starts_with("https://") &&
      !c.console_url.starts_with("http://")) {
    r.error(root["console_url"],
            "console_url must be the console's address, e.g. https://ackd.example.com/ui/");
  }
  static const std::set<std::string> kLevels = {"trace", "debug", "info", "warn", "error"};
  if (!kLevels.count(c.log_level)) {
    r.error(root["log_level"], "log_level must be one of trace, debug, info, warn, error");
  }
  if (auto m = root["mode"]) {
    if (r.one_of(m, "mode", {"live", "shadow"}, "mode must be live or shadow") == "shadow") {
      c.mode = Mode::shadow;
    }
  }
  if (auto a = root["auth"]; a && r.is_map(a, "auth")) {
    r.check_keys(a, {"tokens_file"}, "auth");
    if (auto t = a["tokens_file"]) {
      if (auto s = r.string(t, "tokens_file")) c.tokens_file = *s;
    }
  }
  if (auto h = root["http"]; h && r.is_map(h, "http")) {
    r.check_keys(h, {"body_limit", "read_timeout", "max_connections"}, "http");
    auto positive = [&](const char* key, std::size_t& out) {
      if (!h[key]) return;
      auto n = r.integer(h[key], key);
      if (n && *n <= 0) r.error(h[key], std::string(key) + " must be above 0");
      if (n && *n > 0) out = static_cast<std::size_t>(*n);
    };
    positive("body_limit", c.http.body_limit);
    positive("max_connections", c.http.max_connections);
    if (h["read_timeout"]) {
      if (auto d = r.duration(h["read_timeout"], "read_timeout")) c.http.read_timeout = *d;
    }
  }
  if (auto o = root["overload"]; o && r.is_map(o, "overload")) {
    r.check_keys(o, {"max_backlog", "max_pending", "retry_after"}, "overload");
    for (auto [key, out] : {std::pair{"max_backlog", &c.overload.max_backlog},
                            std::pair{"max_pending", &c.overload.max_pending}}) {
      if (!o[key]) continue;
      auto n = r.integer(o[key], key);
      if (n && *n <= 0) r.error(o[key], std::string(key) + " must be above 0");
      if (n && *n > 0) *out = static_cast<std::size_t>(*n);
    }
    if (o["retry_after"]) {
      if (auto d = r.duration(o["retry_after"], "retry_after")) c.overload.retry_after = *d;
    }
  }
  if (auto d = root["delivery"]; d && r.is_map(d, "delivery")) {
    r.check_keys(d, {"max_attempts", "initial_backoff", "max_backoff", "lookahead"}, "delivery");
    if (auto n = d["max_attempts"]) {
      auto attempts = r.integer(n, "max_attempts");
      if (attempts && (*attempts < 1 || *attempts > 1000000)) {
        r.error(n, "max_attempts must be between 1 and 1000000");
      } else if (attempts) {
        c.delivery.max_attempts = static_cast<int>(*attempts);
      }
    }
    if (d["initial_backoff"]) {
      if (auto v = r.duration(d["initial_backoff"], "initial_backoff"))
        c.delivery.initial_backoff = *v;
    }
    if (d["max_backoff"]) {
      if (auto v = r.duration(d["max_backoff"], "max_backoff")) c.delivery.max_backoff = *v;
    }
    if (d["lookahead"]) {
      if (auto v = r.duration(d["lookahead"], "lookahead")) c.delivery.lookahead = *v;
    }
    if (c.delivery.max_backoff < c.delivery.initial_backoff) {
      r.error(d, "delivery: max_backoff must not be below initial_backoff");
    }
  }
  if (auto p = root["pause"]; p && r.is_map(p, "pause")) {
    r.check_keys(p, {"replies"}, "pause");
    if (auto replies = p["replies"]) {
      if (r.one_of(replies, "replies", {"hold", "suppress"},
                   "pause.replies must be hold or suppress") == "suppress") {
        c.paused_replies = PausedReplies::suppress;
      }
    }
  }
  if (auto k = root["retention"]; k && r.is_map(k, "retention")) {
    r.check_keys(k, {"personal_data", "cases"}, "retention");
    for (auto [key, out] : {std::pair{"personal_data", &c.retention.personal_data},
                            std::pair{"cases", &c.retention.cases}}) {
      if (k[key]) *out = r.duration(k[key], key);
    }
    if (c.retention.personal_data && c.retention.cases &&
        *c.retention.cases < *c.retention.personal_data) {
      r.error(k["cases"],
              "retention.cases must not be shorter than retention.personal_data (a "
              "case that goes takes its personal data with it)");
    }
  }
  if (auto s = root["sinks"]) read_sections(s, r, "sink", registries.sinks, c.sinks);
  if (auto s = root["sources"]) read_sections(s, r, "source", registries.sources, c.sources);
  if (auto ch = root["channels"]; ch && r.is_map(ch, "channels")) {
    for (const auto& item : ch) {
      ChannelRoute route;
      route.name = item.first.Scalar();
      route.where = r.at(item.first);
      const std::string what = "channel '" + route.name + "'";
      if (!r.is_map(item.second, what)) continue;
      r.check_keys(item.second, {"reply_sink"}, what);
      if (auto sink = item.second["reply_sink"]) {
        if (auto s = r.string(sink, "reply_sink")) route.reply_sink = *s;
        if (!c.sinks.count(route.reply_sink)) {
          r.error(sink, what + ": unknown sink '" + route.reply_sink + "'");
        }
      } else {
        r.error(item.first, what + " needs reply_sink", yaml::Code::missing);
      }
      c.channels[route.name] = route;
    }
  }
  if (auto report = root["report"]; report && r.is_map(report, "report")) {
    r.check_keys(report, {"mail"}, "report");
    if (auto m = report["mail"]; m && r.is_map(m, "report.mail")) {
      c.report_mail = read_report_mail(m, r, c, registries.sinks);
    }
  }
  if (result.diagnostics.empty()) result.config = std::move(c);
  return result;
}

void check_references(const Config& config, const policy::Policy& policy,
                      yaml::Diagnostics& diagnostics, const SectionTypes* sink_types) {
  std::vector<std::string> known;
  for (const auto& [name, _] : config.sinks) known.push_back(name);
  // What a configured sink takes (anything, when the type is not known here).
  auto takes = [&](const std::string& sink) -> Takes {
    auto found = config.sinks.find(sink);
    if (!sink_types || found == config.sinks.end()) return {};
    return sink_types->takes(found->second.type);
  };
  auto type_of = [&](const std::string& sink) {
    return " (type " + config.sinks.at(sink).type + ")";
  };
  auto check_sink = [&](const std::string& sink, const yaml::SourceLocation& where,
                        const std::string& who) {
    if (auto t = takes(sink); !t.notices) {
      diagnostics.error(where, who + " sends notices to sink '" + sink + "'" + type_of(sink) +
                                   ", which sends only replies (on " + one_of(t.reply_channels) +
                                   ")");
    }
    if (config.sinks.count(sink)) return;
    std::string message = who + " names sink '" + sink + "', which ackd.yaml does not define";
    if (auto near = yaml::closest_match(sink, known); !near.empty()) {
      message += " (did you mean '" + near + "'?)";
    }
    diagnostics.error(where, message);
  };
  std::set<std::string> used;
  for (const auto& [name, route] : config.channels) {
    used.insert(route.reply_sink);
    const auto t = takes(route.reply_sink);
    if (!t.replies) {
      diagnostics.error(route.where, "channel '" + name + "': sink '" + route.reply_sink + "'" +
                                         type_of(route.reply_sink) +
                                         " sends notices to teams, not replies to customers");
    } else if (!t.reply_channels.empty() &&
               std::find(t.reply_channels.begin(), t.reply_channels.end(), name) ==
                   t.reply_channels.end()) {
      diagnostics.error(route.where, "channel '" + name + "': sink '" + route.reply_sink +
                                         "' answers only on " + one_of(t.reply_channels));
    }
  }
  for (const auto& team : policy.teams) {
    const std::string who = "team '" + team.name + "'";
    check_sink(team.notify, team.notify_where, who);
    used.insert(team.notify);
    for (const auto& e : team.escalate) {
      check_sink(e.sink, e.where, who);
      used.insert(e.sink);
    }
  }
  if (const auto& storm = policy.safety.storm; storm && !storm->notify.empty()) {
    check_sink(storm->notify, storm->notify_where, "safety.storm");
    used.insert(storm->notify);
  }
  if (config.report_mail) used.insert(config.report_mail->sink);
  for (const auto& [name, sink] : config.sinks) {
    if (!used.contains(name)) {
      diagnostics.warn(sink.where,
                       "sink '" + name +
                           "' is used by no team, escalation, storm notice or "
                           "channel of this policy",
                       yaml::Code::unused);
    }
  }
  bool replies = false;
  for (const auto& rule : policy.rules) replies = replies || rule.reply.has_value();
  if (!replies) return;
  for (const auto& [name, channel] : policy.channels) {
    if (!config.channels.count(name)) {
      diagnostics.error(config.policy_where, "the policy replies on channel '" + name +
                                                 "', but ackd.yaml has no channels." + name +
                                                 ".reply_sink");
    }
  }
}

std::optional<std::string> unknown_sink(const Config& config, const std::string& sink) {
  if (config.sinks.contains(sink)) return std::nullopt;
  std::vector<std::string> names;
  for (const auto& [name, _] : config.sinks) names.push_back(name);
  std::string message = "ackd.yaml has no sink '" + sink + "'";
  if (auto near = yaml::closest_match(sink, names); !near.empty()) {
    message += "; did you mean '" + near + "'?";
  }
  return message;
}

}  // namespace ackd::config
