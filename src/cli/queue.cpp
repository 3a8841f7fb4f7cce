// `ackd queue`: the deliveries owed and given up, and ops' hands on them (like postqueue and
// postsuper). `list` and `show` read the store, whether the daemon runs or not. The others
// change what the running daemon holds in memory, so they go through its API
// (/v1/admin/queue) while it runs, and write the store themselves when it does not (the
// next start delivers what they made owed).
#include <cstdlib>
#include <iomanip>
#include <iostream>

#include "ackd/api/queue_json.hpp"
#include "ackd/store/serving_lock.hpp"
#include "ackd/text/ascii.hpp"
#include "ackd/yaml/files.hpp"
#include "daemon_api.hpp"
#include "stored.hpp"

namespace ackd::cli {
namespace {

namespace bhttp = boost::beast::http;
using nlohmann::json;

constexpr const char* kQueueUsage =
    "usage: ackd queue [--config FILE] list [--state due|retrying|held|failed|scheduled] "
    "[--sink NAME] [--limit N] [--format table|json]\n"
    "       ackd queue [--config FILE] show ID\n"
    "       ackd queue [--config FILE] retry (ID | --sink NAME | --failed-since TIME "
    "[--sink NAME]) [--by WHO]\n"
    "       ackd queue [--config FILE] hold --sink NAME [--reason TEXT] [--by WHO]\n"
    "       ackd queue [--config FILE] release --sink NAME [--by WHO]\n"
    "       ackd queue [--config FILE] drop ID --reason TEXT [--by WHO]\n"
    "--config defaults to /etc/ackd/ackd.yaml; --by to the user running the command.";

time::Instant now() {
  return std::chrono::time_point_cast<time::Seconds>(std::chrono::system_clock::now());
}

std::string who(const Arguments& arguments) {
  if (auto by = arguments.option("--by")) return *by;
  for (const char* name : {"SUDO_USER", "USER", "LOGNAME"}) {
    if (const char* value = std::getenv(name); value && *value) return value;
  }
  return "ops";
}

// "45s", "12m", "3h", "2d": how long ago, for a table.
std::string age(time::Instant since, time::Instant at) {
  const auto s = std::max<std::int64_t>(0, (at - since).count());
  if (s < 60) return std::to_string(s) + "s";
  if (s < 3600) return std::to_string(s / 60) + "m";
  if (s < 86400) return std::to_string(s / 3600) + "h";
  return std::to_string(s / 86400) + "d";
}

std::string one_line(std::string text, std::size_t most) {
  for (char& c : text) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return text.size() > most ? text.substr(0, most) + "..." : text;
}

void print_holds(const store::SinkHolds& holds) {
  for (const auto& [sink, h] : holds) {
    std::cout << "sink " << sink << " is on hold since " << time::format_rfc3339_utc(h.since)
              << " (" << h.by << (h.reason.empty() ? "" : ": " + h.reason) << ")\n";
  }
}

int list(const Arguments& arguments, const std::string& config_path) {
  store::QueueQuery query;
  query.state = arguments.option("--state");
  query.sink = arguments.option("--sink");
  if (query.state && !store::is_queue_state(*query.state)) {
    return usage_error("--state must be due, retrying, held, failed or scheduled\n" +
                       std::string(kQueueUsage));
  }
  const auto format = arguments.option("--format").value_or("table");
  if (format != "table" && format != "json") {
    return usage_error("--format must be table or json\n" + std::string(kQueueUsage));
  }
  query.limit = 1000;
  if (auto limit = arguments.option("--limit")) {
    auto n = text::whole_number<std::size_t>(*limit);
    if (!n || *n == 0) return usage_error("--limit must be a whole number above 0");
    query.limit = *n;
  }
  auto stored = open_stored(config_path);
  if (!stored) return kFailed;
  const auto at = now();
  auto rows = wait_for<std::vector<store::QueueRow>>(
      [&](auto done) { stored->store->queue(query, at, std::move(done)); });
  if (!rows.ok()) {
    std::cerr << rows.status().message() << "\n";
    return kFailed;
  }
  const auto& holds = stored->store->sink_holds_at_open();
  if (format == "json") {
    json out = {{"deliveries", json::array()}, {"holds", api::sink_holds_json(holds)}};
    for (const auto& r : *rows) out["deliveries"].push_back(api::queue_row_json(r, false));
    std::cout << out.dump(2) << "\n";
    return kOk;
  }
  print_holds(holds);
  std::cout << std::left << std::setw(10) << "ID" << std::setw(10) << "STATE" << std::setw(16)
            << "SINK" << std::setw(12) << "KIND" << std::setw(6) << "AGE" << std::setw(9)
            << "ATTEMPTS"
            << "CASE / LAST ERROR\n";
  for (const auto& r : *rows) {
    std::cout << std::setw(10) << r.id << std::setw(10) << r.state << std::setw(16) << r.sink
              << std::setw(12)
              << (r.kind == "escalation" ? r.kind + " " + std::to_string(r.level) : r.kind)
              << std::setw(6) << age(r.due_at, at) << std::setw(9) << r.attempts << r.complaint_id
              << (r.last_error ? "  " + one_line(*r.last_error, 100) : "") << "\n";
  }
  std::cout << rows->size() << (rows->size() == 1 ? " delivery" : " deliveries")
            << (rows->size() == query.limit
                    ? " (the first " + std::to_string(query.limit) + "; --limit for more)"
                    : "")
            << "\n";
  return kOk;
}

int show(const Arguments& arguments, const std::string& config_path) {
  if (arguments.positional.size() != 2) return usage_error(kQueueUsage);
  const auto id = text::whole_number<std::int64_t>(arguments.positional[1]);
  if (!id) return usage_error("ID must be a delivery's id (the first column of list)");
  auto stored = open_stored(config_path);
  if (!stored) return kFailed;
  auto row = wait_for<std::optional<store::QueueRow>>(
      [&](auto done) { stored->store->queue_item(*id, now(), std::move(done)); });
  if (!row.ok()) {
    std::cerr << row.status().message() << "\n";
    return kFailed;
  }
  if (!*row) {
    std::cerr << "no delivery " << *id << " in the queue\n";
    return kFailed;
  }
  std::cout << api::queue_row_json(**row, true).dump(2) << "\n";
  return kOk;
}

// An action, as the API takes it: its path and body.
struct Action {
  std::string target;
  json body;
  std::optional<std::int64_t> id{};  // the delivery it is about, if one
};

std::optional<Action> action_of(const std::string& verb, const Arguments& arguments) {
  json body = {{"by", who(arguments)}};
  const auto sink = arguments.option("--sink");
  std::optional<std::int64_t> id;
  if (arguments.positional.size() == 2) {
    id = text::whole_number<std::int64_t>(arguments.positional[1]);
    if (!id) return std::nullopt;
  } else if (arguments.positional.size() > 2) {
    return std::nullopt;
  }
  if (verb == "retry") {
    const auto since = arguments.option("--failed-since");
    if (id.has_value() == (sink || since)) return std::nullopt;
    if (id) body["id"] = *id;
    if (sink) body["sink"] = *sink;
    if (since) body["failed_since"] = *since;
    return Action{"/v1/admin/queue/retry", body};
  }
  if (verb == "drop") {
    const auto reason = arguments.option("--reason");
    if (!id || !reason || reason->empty()) return std::nullopt;
    body["reason"] = *reason;
    return Action{"/v1/admin/queue/" + std::to_string(*id) + "/drop", body, id};
  }
  // hold, release
  if (id || !sink) return std::nullopt;
  body["sink"] = *sink;
  if (auto reason = arguments.option("--reason"); reason && verb == "hold") {
    body["reason"] = *reason;
  }
  return Action{"/v1/admin/queue/" + verb, body};
}

// The same action on the store itself, when no daemon serves it.
absl::StatusOr<json> act_on_store(const std::string& verb, const Action& action,
                                  const Stored& stored) {
  const auto& body = action.body;
  const std::string by = body["by"];
  const auto at = now();
  auto& store = *stored.store;
  if (verb == "retry") {
    store::RetryWhich which;
    if (body.contains("id")) which.id = body["id"].get<std::int64_t>();
    if (body.contains("sink")) which.sink = body["sink"].get<std::string>();
    if (body.contains("failed_since")) {
      which.failed_since = time::parse_time_or_ago(body["failed_since"].get<std::string>(), at);
      if (!which.failed_since) {
        return absl::InvalidArgumentError(
            "--failed-since must be a time (RFC 3339) or how long ago (2h)");
      }
    }
    auto r =
        wait_for<store::Retried>([&](auto done) { store.retry(which, by, at, std::move(done)); });
    if (!r.ok()) return r.status();
    return json{{"retried", r->requeued.size()}, {"probed", json::array()}, {"retrying", 0}};
  }
  if (verb == "drop") {
    auto r = wait_for<store::Dropped>([&](auto done) {
      store.drop(*action.id, by, body["reason"].get<std::string>(), at, std::move(done));
    });
    if (!r.ok()) return r.status();
    return json{{"dropped", *action.id}, {"was", r->was}};
  }
  const std::string sink = body["sink"];
  if (auto unknown = config::unknown_sink(stored.config, sink)) {
    return absl::InvalidArgumentError("sink: " + *unknown);
  }
  std::optional<store::SinkHold> hold;
  if (verb == "hold") hold = store::SinkHold{by, body.value("reason", ""), at};
  auto r =
      wait_for<store::SinkHolds>([&](auto done) { store.hold_sink(sink, hold, std::move(done)); });
  if (!r.ok()) return r.status();
  return json{{"holds", r->size()}};
}

void print_outcome(const std::string& verb, const json& answer) {
  if (verb == "retry") {
    std::cout << "retried " << answer.value("retried", 0) << " given-up deliveries";
    if (const auto& probed = answer["probed"]; probed.is_array() && !probed.empty()) {
      std::cout << "; sink " << probed[0].get<std::string>() << " probed now ("
                << answer.value("retrying", 0) << " retrying)";
    }
    std::cout << "\n";
  } else if (verb == "drop") {
    std::cout << "dropped delivery " << answer.value("dropped", 0) << " (it was "
              << answer.value("was", "") << ")\n";
  } else {
    std::cout << (verb == "hold" ? "held" : "released") << "\n";
  }
}

int act(const std::string& verb, const Arguments& arguments, const std::string& config_path) {
  auto action = action_of(verb, arguments);
  if (!action) return usage_error(kQueueUsage);
  auto config = read_config_at(config_path);
  if (!config) return kFailed;
  auto lock = store::ServingLock::take(yaml::resolve_path(config->state, config_path));
  if (!lock.ok()) {
    // The daemon runs: ask it, so that what it holds in memory changes too.
    auto answer =
        call_daemon(*config, config_path, bhttp::verb::post, action->target, action->body);
    if (!answer.ok()) {
      std::cerr << answer.status().message() << "\n";
      return kFailed;
    }
    if (answer->status != 200) {
      const auto message = answer->body.is_object()
                               ? answer->body.value("message", answer->body.dump())
                               : "HTTP " + std::to_string(answer->status);
      std::cerr << message << "\n";
      return kFailed;
    }
    print_outcome(verb, answer->body);
    return kOk;
  }
  auto stored = open_stored(std::move(*config), config_path, Access::write);
  if (!stored) return kFailed;
  auto answer = act_on_store(verb, *action, *stored);
  if (!answer.ok()) {
    std::cerr << answer.status().message() << "\n";
    return kFailed;
  }
  print_outcome(verb, *answer);
  return kOk;
}

}  // namespace

int queue_command(const std::vector<std::string>& args) {
  auto parse = parse_arguments(args,
                               {"--config", "--state", "--sink", "--limit", "--format",
                                "--failed-since", "--reason", "--by"},
                               kQueueUsage);
  if (!parse.arguments) return parse.exit_status;
  const auto& arguments = *parse.arguments;
  if (arguments.positional.empty()) return usage_error(kQueueUsage);
  const auto config_path = arguments.option("--config").value_or("/etc/ackd/ackd.yaml");
  const auto& verb = arguments.positional.front();
  if (verb == "list") {
    if (arguments.positional.size() != 1) return usage_error(kQueueUsage);
    return list(arguments, config_path);
  }
  if (verb == "show") return show(arguments, config_path);
  if (verb == "retry" || verb == "drop" || verb == "hold" || verb == "release") {
    return act(verb, arguments, config_path);
  }
  return usage_error("unknown queue command '" + verb + "'\n" + kQueueUsage);
}

}  // namespace ackd::cli
