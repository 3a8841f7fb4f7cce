// Reading secrets is I/O: this part of config/ is built with the daemon, not the core.
#include "ackd/config/read.hpp"

#include <cstdlib>

#include "ackd/deliver/sink_registry.hpp"
#include "ackd/source/registry.hpp"
#include "ackd/yaml/files.hpp"

namespace ackd::config {
namespace {

// The value, or why it cannot be had (never the value itself).
std::variant<std::string, std::string> read_one(const SecretRef& ref) {
  using Result = std::variant<std::string, std::string>;
  auto error = [](std::string why) { return Result(std::in_place_index<1>, std::move(why)); };
  std::string path = ref.name;
  if (ref.from == "env") {
    const char* value = std::getenv(ref.name.c_str());
    if (!value) return error("environment variable " + ref.name + " is not set");
    return Result(std::in_place_index<0>, value);
  }
  if (ref.from == "credential") {
    const char* dir = std::getenv("CREDENTIALS_DIRECTORY");
    if (!dir) {
      return error("credential '" + ref.name +
                   "': $CREDENTIALS_DIRECTORY is not set (systemd sets it for a unit with "
                   "LoadCredential=" +
                   ref.name +
                   ":PATH; by hand, point it at a directory "
                   "holding a file named " +
                   ref.name + ")");
    }
    if (ref.name.find('/') != std::string::npos) {
      return error("credential '" + ref.name + "': a credential's name has no '/'");
    }
    path = std::string(dir) + "/" + ref.name;
  }
  std::string ignored;  // its reason may quote the file; the message below never does
  auto content = yaml::read_file(path, ignored);
  if (!content) return error(ref.from + " '" + path + "' cannot be read");
  std::string value = std::move(*content);
  if (!value.empty() && value.back() == '\n') value.pop_back();
  if (value.empty()) return error(ref.from + " '" + path + "' is empty");
  return Result(std::in_place_index<0>, std::move(value));
}

void read_section_secrets(Section& section, const std::string& kind,
                          yaml::Diagnostics& diagnostics) {
  for (auto& [key, setting] : section.settings) {
    if (!setting.secret) continue;
    auto read = read_one(*setting.secret);
    if (auto* value = std::get_if<0>(&read)) {
      setting.value = std::move(*value);
    } else {
      diagnostics.error(setting.where,
                        kind + " '" + section.name + "': " + key + ": " + std::get<1>(read));
    }
  }
}

}  // namespace

void read_secrets(Config& config, yaml::Diagnostics& diagnostics) {
  for (auto& [name, sink] : config.sinks) read_section_secrets(sink, "sink", diagnostics);
  for (auto& [name, source] : config.sources) read_section_secrets(source, "source", diagnostics);
}

ConfigResult read_config(const yaml::SourceFile& file) {
  auto result = parse_config(file, {&deliver::builtin_sinks(), &source::builtin_sources()});
  if (!result.config) return result;
  read_secrets(*result.config, result.diagnostics);
  if (!result.diagnostics.empty()) result.config.reset();
  return result;
}

}  // namespace ackd::config
