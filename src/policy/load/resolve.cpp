// Resolving: a name written in one section (a $list, a calendar, a template, a team)
// found among what another section defines, with "did you mean" when it is not.
#include "loader.hpp"

namespace ackd::policy {

// The index of the item `node` names among `items`, whose names are `kind`s.
template <class T>
std::optional<std::size_t> Loader::index_named(const YAML::Node& node, yaml::Reader& r,
                                               const std::string& kind,
                                               const std::vector<T>& items) {
  auto name = r.string(node, kind);
  if (!name) return std::nullopt;
  std::vector<std::string> known;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (items[i].name == *name) return i;
    known.push_back(items[i].name);
  }
  unknown(node, r, kind, *name, known);
  return std::nullopt;
}

void Loader::unknown(const YAML::Node& node, yaml::Reader& r, const std::string& kind,
                     const std::string& name, const std::vector<std::string>& known) {
  std::string message = "unknown " + kind + " '" + name + "'";
  if (auto near = yaml::closest_match(name, known); !near.empty()) {
    message += " (did you mean '" + near + "'?)";
  } else if (known.empty()) {
    message += " (none is defined)";
  } else {
    std::string names;
    for (const auto& k : known) names += (names.empty() ? "" : ", ") + k;
    message += " (expected one of: " + names + ")";
  }
  r.error(node, message, yaml::Code::unknown_name);
}

std::optional<std::size_t> Loader::template_named(const YAML::Node& node, yaml::Reader& r) {
  return index_named(node, r, "template", policy_->templates);
}

std::optional<std::size_t> Loader::find_calendar(const YAML::Node& node, yaml::Reader& r) {
  return index_named(node, r, "calendar", policy_->calendars);
}

std::optional<std::size_t> Loader::team_named(const YAML::Node& node, yaml::Reader& r) {
  return index_named(node, r, "team", policy_->teams);
}

std::optional<std::vector<std::string>> Loader::expand(const YAML::Node& node,
                                                       const std::string& what, yaml::Reader& r,
                                                       std::string* label) {
  std::vector<std::string> out;
  bool ok = true;
  auto take = [&](const YAML::Node& item) {
    if (!item.IsScalar()) {
      r.error(item, what + " items must be texts, got " + yaml::describe_kind(item));
      ok = false;
      return;
    }
    const std::string& s = item.Scalar();
    if (s.size() > 1 && s[0] == '$') {
      auto name = s.substr(1);
      auto found = policy_->lists.find(name);
      if (found == policy_->lists.end()) {
        std::vector<std::string> known;
        for (const auto& [n, _] : policy_->lists) known.push_back("$" + n);
        unknown(item, r, "list", s, known);
        ok = false;
        return;
      }
      out.insert(out.end(), found->second.begin(), found->second.end());
    } else {
      out.push_back(s);
    }
    if (label) *label += (label->empty() ? "" : ", ") + s;
  };
  if (node.IsSequence()) {
    for (const auto& item : node) take(item);
    if (label) *label = "[" + *label + "]";
  } else {
    take(node);
  }
  if (!ok) return std::nullopt;
  return out;
}

}  // namespace ackd::policy
