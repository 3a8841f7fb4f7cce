#include "stored.hpp"

#include <iostream>

#include "ackd/config/read.hpp"
#include "ackd/yaml/files.hpp"

namespace ackd::cli {

std::optional<Stored> open_stored(const std::string& config_path) {
  std::string error;
  auto content = yaml::read_file(config_path, error);
  if (!content) {
    std::cerr << error << "\n";
    return std::nullopt;
  }
  auto parsed = config::read_config({config_path, *content});
  if (!parsed.config) {
    print_diagnostics(parsed.diagnostics);
    return std::nullopt;
  }
  Stored s{std::move(*parsed.config), config_path, nullptr};
  store::StoreOptions options;
  options.directory = yaml::resolve_path(s.config.state, config_path);
  options.query_only = true;
  auto store = store::Store::open(options);
  if (!store.ok()) {
    std::cerr << store.status().message() << "\n";
    return std::nullopt;
  }
  s.store = std::move(*store);
  return s;
}

namespace {

// What `--since` and a missing `--to` run up to: now, and what was received with a clock
// ahead of ours (a complaint may say it was posted up to 5 minutes from now).
constexpr time::Instant kOpenEnd = time::Instant(time::Seconds(std::int64_t{1} << 40));

std::optional<time::Instant> instant_of(const std::string& text) {
  if (text.size() == 10) return time::parse_rfc3339(text + "T00:00:00Z");
  return time::parse_rfc3339(text);
}

}  // namespace

std::optional<Period> period_of(const Arguments& arguments, time::Instant now) {
  const auto since = arguments.option("--since");
  const auto from = arguments.option("--from");
  const auto to = arguments.option("--to");
  if (since && (from || to)) {
    usage_error("give --since, or --from and --to, not both");
    return std::nullopt;
  }
  if (since) {
    auto d = time::parse_duration(*since);
    if (!d) {
      usage_error("--since must be a duration like 7d or 24h, got '" + *since + "'");
      return std::nullopt;
    }
    return Period{now - *d, kOpenEnd};
  }
  Period p{time::Instant{}, kOpenEnd};
  for (auto [value, out, name] : {std::tuple{from, &p.from, "--from"}, {to, &p.to, "--to"}}) {
    if (!value) continue;
    auto at = instant_of(*value);
    if (!at) {
      usage_error(std::string(name) + " must be a date (2026-11-01) or an RFC 3339 time, got '" +
                  *value + "'");
      return std::nullopt;
    }
    *out = *at;
  }
  if (!from && !to) {
    usage_error("give the period: --since 7d, or --from DATE [--to DATE]");
    return std::nullopt;
  }
  return p;
}

}  // namespace ackd::cli
