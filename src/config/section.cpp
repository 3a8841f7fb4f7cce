#include "ackd/config/section.hpp"

#include <algorithm>

#include "ackd/text/ascii.hpp"

namespace ackd::config {

SectionReader::SectionReader(const Section& section, const std::string& kind,
                             yaml::Diagnostics& diagnostics)
    : section_(section), what_(kind + " '" + section.name + "'"), diagnostics_(diagnostics) {}

void SectionReader::allow(const std::vector<std::string>& allowed) {
  std::vector<std::string> known = allowed;
  known.insert(known.begin(), "type");
  for (const auto& [key, setting] : section_.settings) {
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    std::string message = "unknown key '" + key + "' in " + what_;
    if (auto near = yaml::closest_match(key, known); !near.empty()) {
      message += " (did you mean '" + near + "'?)";
    } else {
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      message += " (expected one of: " + list + ")";
    }
    diagnostics_.error(setting.key_where, std::move(message));
    ++errors_;
  }
}

std::optional<std::string> SectionReader::text(const std::string& key) const {
  auto found = section_.settings.find(key);
  if (found == section_.settings.end()) return std::nullopt;
  return found->second.value;
}

std::optional<std::string> SectionReader::required(const std::string& key) {
  auto value = text(key);
  if (!value) error(key, what_ + " (" + section_.type + ") needs a " + key);
  return value;
}

std::optional<time::Seconds> SectionReader::duration(const std::string& key) {
  auto value = text(key);
  if (!value) return std::nullopt;
  if (auto d = time::parse_duration(*value)) return d;
  error(key, key + " must be a duration like 15m, 4h or 3d, got '" + *value + "'");
  return std::nullopt;
}

std::optional<std::int64_t> SectionReader::integer(const std::string& key, std::int64_t min,
                                                   std::int64_t max) {
  auto value = text(key);
  if (!value) return std::nullopt;
  const auto number = text::whole_number<std::int64_t>(*value);
  if (!number) {
    error(key, key + " must be a whole number, got '" + *value + "'");
    return std::nullopt;
  }
  const auto n = *number;
  if (n < min || n > max) {
    error(key, what_ + ": " + key + " must be between " + std::to_string(min) + " and " +
                   std::to_string(max));
    return std::nullopt;
  }
  return n;
}

std::optional<std::string> SectionReader::secret(const std::string& key) {
  auto found = section_.settings.find(key);
  if (found == section_.settings.end()) return std::nullopt;
  if (!found->second.secret) {
    error(key, what_ + ": " + key +
                   " is a secret and is not written in ackd.yaml: give {credential: NAME} "
                   "(systemd's LoadCredential=NAME:PATH), {file: PATH} or {env: VAR}");
    return std::nullopt;
  }
  return found->second.value;
}

std::optional<std::string> SectionReader::required_secret(const std::string& key) {
  if (!text(key)) {
    error(key, what_ + " (" + section_.type + ") needs a " + key + ": {credential: NAME}");
    return std::nullopt;
  }
  return secret(key);
}

bool SectionReader::is_secret(const std::string& key) const {
  auto found = section_.settings.find(key);
  return found != section_.settings.end() && found->second.secret.has_value();
}

void SectionReader::error(const std::string& key, std::string message) {
  auto found = section_.settings.find(key);
  diagnostics_.error(found == section_.settings.end() ? section_.where : found->second.where,
                     std::move(message));
  ++errors_;
}

std::string one_of(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " or " : ", ";
    out += names[i];
  }
  return out;
}

}  // namespace ackd::config
