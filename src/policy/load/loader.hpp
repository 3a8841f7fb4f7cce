#pragma once

// The policy loader, in phases (Falco's reader / collector / compiler):
//   reading    read.cpp       each file's sections, collected in load order
//   compiling  basics.cpp, calendars.cpp, templates.cpp, teams.cpp, safety.cpp, rules.cpp,
//              when.cpp       one file per section, in the order of Loader::build
//   resolving  resolve.cpp    names one section gives to what another defines
//   indexing   index.cpp      what evaluation needs, once the policy is valid
// A new section is a file here, its compile_ method below, a line in kSections (read.cpp)
// and one in Loader::build (load.cpp).

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "ackd/policy/load.hpp"
#include "ackd/policy/policy.hpp"
#include "yaml/reader.hpp"

namespace ackd::policy {

inline bool is_lang_code(const std::string& s) {
  return (s.size() == 2 || s.size() == 3) &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= 'a' && c <= 'z'; });
}

// The names of the fields a condition can look at, in the order of `Field`.
const std::vector<std::string>& field_names();

// The keys of one entry of the named sections whose entries are mappings (a team's
// notify...): read.cpp knows an entry named like one of them for a key dedented by mistake.
extern const std::vector<std::string> kTeamKeys, kCalendarKeys, kChannelKeys;

// One `name: value` entry of a section, remembered with the file it came from.
struct Entry {
  std::string name;
  YAML::Node key;
  YAML::Node value;
  yaml::Reader* reader = nullptr;
};

class Loader {
 public:
  explicit Loader(Diagnostics& diagnostics);

  // Reading: one file's sections.
  void read(const SourceFile& file);
  // Compiling, resolving and indexing what was read; null when there were errors.
  std::shared_ptr<Policy> build();
  // A file did not parse: what the others name in it would only be reported missing.
  bool unreadable() const { return unreadable_; }

 private:
  // read.cpp
  void add_named(const std::string& section, const YAML::Node& map, yaml::Reader& reader);
  void add_single(const std::string& section, const YAML::Node& key, const YAML::Node& value,
                  yaml::Reader& reader, std::optional<Entry>& slot);

  // One per section, in the order build() runs them.
  void compile_basics();
  void compile_lists();
  void compile_channels();
  void compile_calendars();
  void compile_timezone();
  void compile_safety();
  void compile_templates();
  void compile_storm();
  void compile_teams();
  void compile_rules();

  // rules.cpp: false when the rule must not be kept (the problem is reported).
  std::optional<Rule> compile_rule(const YAML::Node& node, yaml::Reader& r, std::size_t position);
  bool compile_reply(const YAML::Node& reply, yaml::Reader& r, const std::string& what, Rule& rule);
  bool compile_handoff(const YAML::Node& handoff, yaml::Reader& r, const std::string& what,
                       Rule& rule);

  // when.cpp
  std::optional<Condition> compile_when(const YAML::Node& node, yaml::Reader& r);
  std::optional<Condition> compile_field(const std::string& field_name, const YAML::Node& key,
                                         const YAML::Node& value, yaml::Reader& r);
  std::optional<Condition> compile_text_field(Field field, const std::string& field_name,
                                              const YAML::Node& value, yaml::Reader& r);
  std::optional<Condition> compile_number(Field field, const std::string& field_name,
                                          const YAML::Node& value, yaml::Reader& r);
  bool check_equals_value(Field field, const YAML::Node& node, const std::string& value,
                          yaml::Reader& r);

  // resolve.cpp: each reports a name it cannot resolve, and returns nullopt.
  std::optional<std::vector<std::string>> expand(const YAML::Node& node, const std::string& what,
                                                 yaml::Reader& r, std::string* label = nullptr);
  std::optional<std::size_t> find_calendar(const YAML::Node& node, yaml::Reader& r);
  std::optional<std::size_t> template_named(const YAML::Node& node, yaml::Reader& r);
  std::optional<std::size_t> team_named(const YAML::Node& node, yaml::Reader& r);
  template <class T>
  std::optional<std::size_t> index_named(const YAML::Node& node, yaml::Reader& r,
                                         const std::string& kind, const std::vector<T>& items);
  void unknown(const YAML::Node& node, yaml::Reader& r, const std::string& kind,
               const std::string& name, const std::vector<std::string>& known);

  // index.cpp
  void index_rules();

  Diagnostics& diagnostics_;
  std::vector<std::unique_ptr<yaml::Reader>> readers_;
  std::vector<YAML::Node> roots_;
  std::map<std::string, std::vector<Entry>> named_;
  std::optional<Entry> version_, default_lang_, timezone_, safety_;
  std::vector<std::pair<YAML::Node, yaml::Reader*>> rule_nodes_;
  std::shared_ptr<Policy> policy_ = std::make_shared<Policy>();
  std::set<std::string> text_lists_;  // the $lists text conditions use: topics for reports
  bool unreadable_ = false;           // a file did not parse: its rules are unknown, not missing
  // The last rule as written compiled: when not, what falls through it is not known.
  bool last_rule_compiled_ = true;
};

}  // namespace ackd::policy
