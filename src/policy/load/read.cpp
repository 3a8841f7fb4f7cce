// Reading: each file's top-level sections, collected in load order. A named section
// (teams, templates...) may be spread over files; a name defined twice is an error.
#include "ackd/text/utf8.hpp"
#include "loader.hpp"

namespace ackd::policy {

const std::vector<std::string> kSections = {"version",   "default_lang", "timezone", "channels",
                                            "calendars", "lists",        "teams",    "templates",
                                            "safety",    "rules"};

void Loader::read(const SourceFile& file) {
  readers_.push_back(std::make_unique<yaml::Reader>(file.path, diagnostics_));
  yaml::Reader& r = *readers_.back();
  if (auto bad = text::find_invalid_utf8(file.content)) {
    diagnostics_.error({file.path, 0, 0},
                       "file is not valid UTF-8 (byte " + std::to_string(*bad) + ")",
                       yaml::Code::not_utf8);
    unreadable_ = true;
    return;
  }
  YAML::Node root = r.parse(file.content);
  if (!root.IsDefined()) unreadable_ = true;
  if (!root.IsDefined() || root.IsNull()) return;
  roots_.push_back(root);
  if (!r.is_map(root, "a policy file")) return;
  r.check_keys(root, kSections, "the policy");
  for (const auto& entry : root) {
    const std::string section = entry.first.Scalar();
    const YAML::Node& value = entry.second;
    if (section == "version") {
      add_single(section, entry.first, value, r, version_);
    } else if (section == "default_lang") {
      add_single(section, entry.first, value, r, default_lang_);
    } else if (section == "timezone") {
      add_single(section, entry.first, value, r, timezone_);
    } else if (section == "safety") {
      add_single(section, entry.first, value, r, safety_);
    } else if (section == "rules") {
      if (value.IsNull()) continue;
      if (!r.is_sequence(value, "rules")) continue;
      for (const auto& rule : value) rule_nodes_.emplace_back(rule, &r);
    } else if (std::find(kSections.begin(), kSections.end(), section) != kSections.end()) {
      if (value.IsNull()) continue;
      if (r.is_map(value, section)) add_named(section, value, r);
    }
  }
}

void Loader::add_single(const std::string& section, const YAML::Node& key, const YAML::Node& value,
                        yaml::Reader& reader, std::optional<Entry>& slot) {
  if (slot) {
    // Twice in one file is a duplicate key, which the reader reports.
    if (slot->reader == &reader) return;
    auto first = slot->reader->at(slot->key);
    reader.error(
        key, "'" + section + "' is already set at " + first.file + ":" + std::to_string(first.line),
        yaml::Code::already_defined);
    return;
  }
  slot = Entry{section, key, value, &reader};
}

namespace {

// The keys of one entry of `section`, for the sections whose entries are mappings.
const std::vector<std::string>* entry_keys(const std::string& section) {
  if (section == "teams") return &kTeamKeys;
  if (section == "calendars") return &kCalendarKeys;
  if (section == "channels") return &kChannelKeys;
  return nullptr;
}

}  // namespace

void Loader::add_named(const std::string& section, const YAML::Node& map, yaml::Reader& reader) {
  auto& entries = named_[section];
  const auto* keys = entry_keys(section);
  std::string above;  // the entry before this one in this mapping
  for (const auto& item : map) {
    std::string name = item.first.Scalar();
    if (keys && !above.empty() && std::find(keys->begin(), keys->end(), name) != keys->end()) {
      // "escalate:" under "teams:", indented like the team names: a key of the entry above.
      const auto kind = section.substr(0, section.size() - 1);
      const std::string message = "`" + name + ":` is indented like the " + kind +
                                  " names, so it reads as a " + kind + " of its own: if it " +
                                  "belongs to " + kind + " '" + above + "', indent it like that " +
                                  kind + "'s other keys";
      reader.error(item.first, message, yaml::Code::indentation);
      continue;
    }
    above = name;
    auto same = std::find_if(entries.begin(), entries.end(),
                             [&](const Entry& e) { return e.name == name; });
    if (same != entries.end()) {
      auto first = same->reader->at(same->key);
      reader.error(item.first,
                   section + " '" + name + "' is already defined at " + first.file + ":" +
                       std::to_string(first.line),
                   yaml::Code::already_defined);
      continue;
    }
    entries.push_back({name, item.first, item.second, &reader});
  }
}

}  // namespace ackd::policy
