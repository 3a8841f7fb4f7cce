#include "stored.hpp"

#include <iostream>

#include "ackd/config/read.hpp"
#include "ackd/yaml/files.hpp"

namespace ackd::cli {

std::optional<config::Config> read_config_at(const std::string& config_path) {
  std::string error;
  auto content = yaml::read_file(config_path, error);
  if (!content) {
    std::cerr << error << "\n";
    return std::nullopt;
  }
  auto parsed = config::read_config({config_path, *content});
  if (!parsed.config) print_diagnostics(parsed.diagnostics);
  return std::move(parsed.config);
}

std::optional<Stored> open_stored(const std::string& config_path, Access access) {
  auto config = read_config_at(config_path);
  if (!config) return std::nullopt;
  return open_stored(std::move(*config), config_path, access);
}

std::optional<Stored> open_stored(config::Config config, const std::string& config_path,
                                  Access access) {
  Stored s{std::move(config), config_path, nullptr};
  store::StoreOptions options;
  options.directory = yaml::resolve_path(s.config.state, config_path);
  options.query_only = access == Access::read;
  auto store = store::Store::open(options);
  if (!store.ok()) {
    std::cerr << store.status().message() << "\n";
    return std::nullopt;
  }
  s.store = std::move(*store);
  return s;
}

std::optional<report::Period> period_of(const Arguments& arguments, time::Instant now) {
  auto period = report::period_of(arguments.option("--since"), arguments.option("--from"),
                                  arguments.option("--to"), now);
  if (auto* error = std::get_if<std::string>(&period)) {
    usage_error(*error);
    return std::nullopt;
  }
  return std::get<report::Period>(period);
}

}  // namespace ackd::cli
