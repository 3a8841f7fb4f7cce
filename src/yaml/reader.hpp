#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ackd/time/instant.hpp"
#include "ackd/yaml/diagnostic.hpp"

namespace ackd::yaml {

// Reads typed values out of one YAML document, reporting each problem with its place.
// Parsing refuses documents nested too deep or with aliases that stand for too much
// (reader.cpp), before yaml-cpp builds them.
class Reader {
 public:
  Reader(std::string file, Diagnostics& diagnostics)
      : file_(std::move(file)), diagnostics_(diagnostics) {}

  const std::string& file() const { return file_; }
  Diagnostics& diagnostics() { return diagnostics_; }

  SourceLocation at(const YAML::Node& node) const;
  void error(const YAML::Node& node, std::string message, Code code = Code::invalid);
  void warn(const YAML::Node& node, std::string message, Code code = Code::invalid);

  // Parses `content`; a syntax error is reported and an undefined node returned.
  YAML::Node parse(const std::string& content);

  bool is_map(const YAML::Node& node, const std::string& what);
  bool is_sequence(const YAML::Node& node, const std::string& what);

  // Reports keys of `map` not in `allowed`, suggesting the nearest allowed key.
  void check_keys(const YAML::Node& map, const std::vector<std::string>& allowed,
                  const std::string& what);

  std::optional<std::string> string(const YAML::Node& node, const std::string& what);
  // A text that must be one of `allowed`; any other is reported as "MUST, got 'text'".
  std::optional<std::string> one_of(const YAML::Node& node, const std::string& what,
                                    const std::vector<std::string>& allowed,
                                    const std::string& must);
  std::optional<std::int64_t> integer(const YAML::Node& node, const std::string& what);
  std::optional<bool> boolean(const YAML::Node& node, const std::string& what);
  std::optional<time::Seconds> duration(const YAML::Node& node, const std::string& what);
  // A scalar or a sequence of scalars, as strings.
  std::optional<std::vector<std::string>> strings(const YAML::Node& node, const std::string& what);

 private:
  std::string file_;
  Diagnostics& diagnostics_;
};

// "a mapping", "a list", "a text", for "expected a mapping, got a list" messages.
std::string describe_kind(const YAML::Node& node);

}  // namespace ackd::yaml
