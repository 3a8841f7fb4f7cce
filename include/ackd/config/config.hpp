#pragma once

#include <map>
#include <optional>
#include <string>

#include "ackd/config/section.hpp"
#include "ackd/policy/policy.hpp"
#include "ackd/report/report.hpp"
#include "ackd/report/schedule.hpp"
#include "ackd/time/instant.hpp"
#include "ackd/yaml/diagnostic.hpp"

namespace ackd::config {

enum class Mode { live, shadow };

// Where ackd sends things (the policy's teams and the channels name sinks), and where
// complaints come from besides POST /v1/complaints. Their settings belong to their type:
// the sink registry (deliver/sink_registry.hpp) and the source registry
// (source/registry.hpp) check them and build from them.
using Sink = Section;
using Source = Section;

struct ChannelRoute {
  std::string name;
  std::string reply_sink;
  yaml::SourceLocation where;
};

// What one client may take of the server.
struct HttpLimits {
  std::size_t body_limit = 1 << 20;  // bytes; larger bodies get 413
  time::Seconds read_timeout{10};    // to send a whole request, and for an idle keep-alive
  std::size_t max_connections = 4096;
};

// Past these, new complaints get 503 with Retry-After rather than a slower answer for all.
struct OverloadLimits {
  std::size_t max_backlog = 100000;  // deliveries due and not yet made (a sink down or slow)
  std::size_t max_pending = 10000;   // complaints received and not yet stored
  time::Seconds retry_after{5};
};

// How deliveries are retried and scheduled. While a sink fails, only its oldest delivery
// is tried, once per backoff period; the backoff doubles from `initial_backoff` up to
// `max_backoff`.
struct DeliverySettings {
  int max_attempts = 50;  // per delivery, then it is marked failed
  std::chrono::milliseconds initial_backoff{1000};
  std::chrono::milliseconds max_backoff{60000};
  // Deliveries due within this are held in memory; later ones are read from the store
  // as their time nears.
  std::chrono::milliseconds lookahead{60000};
};

// How long what ackd stores is kept (unset: for good). Past `personal_data`, a case nobody
// still has to take over loses the customer's text, names, ids and the replies sent; past
// `cases`, the case goes, its figures staying for the reports.
struct Retention {
  std::optional<time::Seconds> personal_data, cases;
};

// The report mailed every week (`report.mail`): the seven days before the day it goes, as
// `ackd report --format html` makes it, to `to` through a sink that mails reports (smtp).
struct ReportMail {
  std::string sink;
  std::vector<std::string> to;
  report::Weekly when;
  report::By by = report::By::team;
  std::string lang;  // "": the policy's default_lang
  yaml::SourceLocation where;
};

// What the kill switch does with the replies of complaints accepted while it is on.
enum class PausedReplies { hold, suppress };

// ackd.yaml, owned by ops (CONTRACT.md, "Daemon configuration").
struct Config {
  std::string listen = "127.0.0.1:8080";
  std::string policy;  // as written; relative paths are the caller's to resolve
  std::string state;
  Mode mode = Mode::live;
  std::string tokens_file;
  std::string log_level = "info";
  std::string console_url;  // where notices link a case to ("" : no links)
  std::map<std::string, Sink> sinks;
  std::map<std::string, Source> sources;
  std::map<std::string, ChannelRoute> channels;
  HttpLimits http;
  OverloadLimits overload;
  DeliverySettings delivery;
  PausedReplies paused_replies = PausedReplies::hold;
  Retention retention;
  std::optional<ReportMail> report_mail;
  yaml::SourceLocation policy_where;
};

struct ConfigResult {
  std::optional<Config> config;  // empty when there were errors
  yaml::Diagnostics diagnostics;
};

// The registries that check typed sections. Without one, that kind's types and settings
// are not checked (a tool that neither delivers nor takes complaints: the fuzzer).
struct SectionRegistries {
  const SectionTypes* sinks = nullptr;
  const SectionTypes* sources = nullptr;
};

ConfigResult parse_config(const yaml::SourceFile& file, const SectionRegistries& registries = {});

// Every sink the policy names exists, and every channel the policy replies on has a
// reply sink (errors); a sink that neither the policy nor a channel uses is a warning.
// With `sink_types`, a sink that sends replies only is not given notices, nor the replies
// of a channel it does not answer on (errors).
// Why `sink` names no sink of ackd.yaml ("ackd.yaml has no sink 'x'; did you mean 'y'?"),
// or none when it names one: for the tools and endpoints that take a sink's name.
std::optional<std::string> unknown_sink(const Config& config, const std::string& sink);

void check_references(const Config& config, const policy::Policy& policy,
                      yaml::Diagnostics& diagnostics, const SectionTypes* sink_types = nullptr);

}  // namespace ackd::config
