#include "startup.hpp"

#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include "ackd/api/auth.hpp"
#include "ackd/config/read.hpp"
#include "ackd/deliver/sink_registry.hpp"
#include "ackd/policy/load.hpp"
#include "ackd/service/systemd.hpp"
#include "ackd/yaml/files.hpp"

namespace ackd::daemon {
namespace {

using yaml::read_file;
using yaml::resolve_path;

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// The first problem, and a hint that there are more.
std::string first_line(const policy::Diagnostics& diagnostics, std::string_view more) {
  auto line = diagnostics.sorted().front().to_string();
  if (diagnostics.size() > 1) line += more;
  return line;
}

absl::StatusOr<tcp::endpoint> parse_listen(const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) return absl::InvalidArgumentError("listen: expected HOST:PORT");
  std::string host = listen.substr(0, colon);
  if (host.size() > 1 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty() || host == "*") host = "0.0.0.0";
  boost::system::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec) return absl::InvalidArgumentError("listen: '" + host + "' is not an IP address");
  int port = 0;
  try {
    port = std::stoi(listen.substr(colon + 1));
  } catch (...) {
    port = -1;
  }
  if (port < 0 || port > 65535) {
    return absl::InvalidArgumentError("listen: bad port in '" + listen + "'");
  }
  return tcp::endpoint(address, static_cast<unsigned short>(port));
}

}  // namespace

std::string all_lines(const policy::Diagnostics& diagnostics) {
  std::string out;
  for (const auto& d : diagnostics.sorted()) out += (out.empty() ? "" : "\n") + d.to_string();
  return out;
}

namespace {

// Compiles `files` (read from `root`) and checks them against ackd.yaml.
PolicyLoad load_files(const config::Config& config, std::vector<yaml::SourceFile> files,
                      std::string root) {
  auto result = policy::load_policy(files);
  if (result.policy) {
    config::check_references(config, *result.policy, result.diagnostics, &deliver::builtin_sinks());
    if (!result.diagnostics.empty()) result.policy.reset();
  }
  for (const auto& d : result.diagnostics.warnings()) spdlog::warn("policy: {}", d.to_string());
  PolicyLoad load{std::move(result.policy), std::move(result.diagnostics), {}};
  load.files.root = std::move(root);
  if (load.policy) load.files.version = load.policy->version;
  for (auto& f : files) load.files.files.push_back({std::move(f.path), std::move(f.content)});
  return load;
}

}  // namespace

PolicyLoad load_policy(const config::Config& config, const std::string& config_path) {
  PolicyLoad unreadable;
  auto root = resolve_path(config.policy, config_path);
  auto files = yaml::read_sources(root, unreadable.diagnostics);
  if (!files) return unreadable;
  return load_files(config, std::move(*files), std::move(root));
}

PolicyLoad load_stored_policy(const config::Config& config, const store::StoredPolicy& stored) {
  std::vector<yaml::SourceFile> files;
  for (const auto& f : stored.files) files.push_back({f.path, f.content});
  return load_files(config, std::move(files), stored.root);
}

absl::StatusOr<Startup> read_startup(const std::string& config_path) {
  std::string error;
  auto content = read_file(config_path, error);
  if (!content) return absl::InvalidArgumentError(error);
  auto parsed = config::read_config({config_path, *content});
  if (!parsed.config) {
    const auto& d = parsed.diagnostics;
    return absl::InvalidArgumentError(
        first_line(d, " (and " + std::to_string(d.size() - 1) + " more; run ackd check --config)"));
  }
  Startup s;
  s.config = std::move(*parsed.config);
  s.config_path = config_path;
  spdlog::set_level(spdlog::level::from_str(s.config.log_level));
  s.policy = load_policy(s.config, config_path);
  if (!s.config.tokens_file.empty()) {
    auto tokens = api::read_tokens_file(resolve_path(s.config.tokens_file, config_path));
    if (!tokens.ok()) return tokens.status();
    s.tokens = std::move(*tokens);
  }
  auto endpoint = parse_listen(s.config.listen);
  if (!endpoint.ok()) return endpoint.status();
  s.endpoint = *endpoint;
  return s;
}

absl::Status fall_back(Startup& s, const std::optional<store::StoredPolicy>& last) {
  if (s.policy.policy) return absl::OkStatus();
  const std::string problem =
      "invalid policy: " + first_line(s.policy.diagnostics, " (and more; run ackd check)");
  if (!last) return absl::InvalidArgumentError(problem + "; no earlier version to serve");
  auto stored = load_stored_policy(s.config, *last);
  if (!stored.policy) {
    return absl::InvalidArgumentError(
        problem + "; the last version that served (" + last->version +
        ") does not load either: " + first_line(stored.diagnostics, ""));
  }
  spdlog::error("{}", all_lines(s.policy.diagnostics));
  s.fallback_reason = problem;
  s.policy = std::move(stored);
  spdlog::critical(
      "the policy on disk does not load: serving the last version that served, {}, instead "
      "(fix the policy, `ackd check`, then `systemctl reload ackd`): {}",
      s.policy.files.version, problem);
  return absl::OkStatus();
}

void record_served(store::Store& store, store::StoredPolicy files, store::Served how,
                   time::Instant at) {
  store.policy_served(std::move(files), how, at, [](const absl::Status& recorded) {
    if (!recorded.ok()) spdlog::error("policy history: {}", recorded.ToString());
  });
}

absl::StatusOr<tcp::acceptor> open_listener(asio::io_context& io, const tcp::endpoint& endpoint,
                                            const std::string& listen) {
  tcp::acceptor acceptor(io);
  boost::system::error_code ec;
  auto inherited = service::inherited_listener();
  if (!inherited.ok()) return inherited.status();
  if (*inherited) {
    // Socket activation (ackd.socket): systemd bound the address; `listen:` is not used.
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    getsockname(**inherited, reinterpret_cast<sockaddr*>(&address), &length);
    acceptor.assign(address.ss_family == AF_INET6 ? tcp::v6() : tcp::v4(), **inherited, ec);
    if (ec) return absl::UnavailableError("cannot use the socket systemd passed: " + ec.message());
    return acceptor;
  }
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return absl::UnavailableError("cannot listen on " + listen + ": " + ec.message());
  return acceptor;
}

}  // namespace ackd::daemon
