#include "yaml_reader.hpp"

#include <algorithm>

namespace ackd::policy {

std::string describe_kind(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return "'" + node.Scalar() + "'";
    case YAML::NodeType::Null:
      return "nothing";
    case YAML::NodeType::Undefined:
      break;
  }
  return "nothing";
}

SourceLocation YamlReader::at(const YAML::Node& node) const {
  if (!node.IsDefined() || node.Mark().is_null()) return {file_, 0, 0};
  return {file_, node.Mark().line + 1, node.Mark().column + 1};
}

void YamlReader::error(const YAML::Node& node, std::string message) {
  diagnostics_.error(at(node), std::move(message));
}

YAML::Node YamlReader::parse(const std::string& content) {
  try {
    return YAML::Load(content);
  } catch (const YAML::Exception& e) {
    SourceLocation where{file_, 0, 0};
    if (!e.mark.is_null()) where = {file_, e.mark.line + 1, e.mark.column + 1};
    diagnostics_.error(where, "YAML syntax: " + e.msg);
    return YAML::Node(YAML::NodeType::Undefined);
  }
}

bool YamlReader::is_map(const YAML::Node& node, const std::string& what) {
  if (node.IsMap()) return true;
  error(node, what + " must be a mapping (key: value), got " + describe_kind(node));
  return false;
}

bool YamlReader::is_sequence(const YAML::Node& node, const std::string& what) {
  if (node.IsSequence()) return true;
  error(node, what + " must be a list, got " + describe_kind(node));
  return false;
}

void YamlReader::check_keys(const YAML::Node& map, const std::vector<std::string>& allowed,
                            const std::string& what) {
  for (const auto& entry : map) {
    const std::string key = entry.first.Scalar();
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    std::string message = "unknown key '" + key + "' in " + what;
    if (auto near = closest_match(key, allowed); !near.empty()) {
      message += " (did you mean '" + near + "'?)";
    } else {
      std::string known;
      for (const auto& a : allowed) known += (known.empty() ? "" : ", ") + a;
      message += " (expected one of: " + known + ")";
    }
    error(entry.first, message);
  }
}

std::optional<std::string> YamlReader::string(const YAML::Node& node, const std::string& what) {
  if (node.IsScalar()) return node.Scalar();
  error(node, what + " must be a text, got " + describe_kind(node));
  return std::nullopt;
}

std::optional<std::int64_t> YamlReader::integer(const YAML::Node& node, const std::string& what) {
  if (node.IsScalar()) {
    try {
      return node.as<std::int64_t>();
    } catch (const YAML::Exception&) {
    }
  }
  error(node, what + " must be a whole number, got " + describe_kind(node));
  return std::nullopt;
}

std::optional<bool> YamlReader::boolean(const YAML::Node& node, const std::string& what) {
  if (node.IsScalar()) {
    try {
      return node.as<bool>();
    } catch (const YAML::Exception&) {
    }
  }
  error(node, what + " must be true or false, got " + describe_kind(node));
  return std::nullopt;
}

std::optional<time::Seconds> YamlReader::duration(const YAML::Node& node, const std::string& what) {
  if (node.IsScalar()) {
    if (auto d = time::parse_duration(node.Scalar())) return d;
  }
  error(node, what + " must be a duration like 15m, 4h or 3d, got " + describe_kind(node));
  return std::nullopt;
}

std::optional<std::vector<std::string>> YamlReader::strings(const YAML::Node& node,
                                                            const std::string& what) {
  if (node.IsScalar()) return std::vector<std::string>{node.Scalar()};
  if (!node.IsSequence()) {
    error(node, what + " must be a text or a list of texts, got " + describe_kind(node));
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool ok = true;
  for (const auto& item : node) {
    if (auto s = string(item, what + " item")) {
      out.push_back(*s);
    } else {
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return out;
}

}  // namespace ackd::policy
