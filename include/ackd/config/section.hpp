#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "ackd/time/instant.hpp"
#include "ackd/yaml/diagnostic.hpp"

namespace ackd::config {

// Where a secret's value is read from, never written in ackd.yaml itself:
// {credential: NAME} (systemd's LoadCredential=, under $CREDENTIALS_DIRECTORY),
// {file: PATH} or {env: VAR}.
struct SecretRef {
  std::string from;  // credential | file | env
  std::string name;
};

// One setting of a typed section, as written.
struct Setting {
  std::string value;           // the scalar's text; a secret's value once read (read_config)
  yaml::SourceLocation where;  // of the value
  yaml::SourceLocation key_where;
  std::optional<SecretRef> secret;
};

// A named section of ackd.yaml whose keys depend on its type: a sink (where ackd sends
// things) or a source (where complaints come from). Kept as written: the registry of its
// kind reads and checks it, and builds from it.
struct Section {
  std::string name;
  std::string type;
  std::map<std::string, Setting> settings;  // every key but `type`
  yaml::SourceLocation where;               // of the name
};

// What deliveries a type of sink takes: replies and notices (a webhook, a file), replies
// only and only on some channels (a platform's own API), or notices only (a chat tool, a
// helpdesk). check_references() holds the policy and channels to it.
struct Takes {
  bool notices = true;
  bool replies = true;
  std::vector<std::string> reply_channels;  // empty: replies on any channel
  bool reports = false;                     // the weekly report mail (mail: smtp)

  static Takes replies_on(std::vector<std::string> channels) {
    return {false, true, std::move(channels), false};
  }
  static Takes notices_only() { return {true, false, {}, false}; }
};

// The types one kind of section may have, and the check of each section's settings.
class SectionTypes {
 public:
  virtual ~SectionTypes() = default;
  virtual std::vector<std::string> names() const = 0;
  // Reports each problem of `section`, whose type is one of names(), with its place.
  virtual void check(const Section& section, yaml::Diagnostics& diagnostics) const = 0;
  // What a sink of the type takes.
  virtual Takes takes(const std::string& type) const = 0;
};

// Reads a section's settings as typed values, reporting each problem with its place.
// Absent optional settings are nullopt without an error.
class SectionReader {
 public:
  // `kind` names the section in messages: "sink" gives "sink 'audit'".
  SectionReader(const Section& section, const std::string& kind, yaml::Diagnostics& diagnostics);

  const Section& section() const { return section_; }
  const std::string& what() const { return what_; }
  // No error reported through this reader.
  bool ok() const { return errors_ == 0; }

  // Reports settings not in `allowed`, suggesting the nearest.
  void allow(const std::vector<std::string>& allowed);
  std::optional<std::string> text(const std::string& key) const;
  // Reports "<what> (<type>) needs a <key>" when absent.
  std::optional<std::string> required(const std::string& key);
  std::optional<time::Seconds> duration(const std::string& key);
  std::optional<std::int64_t> integer(const std::string& key, std::int64_t min, std::int64_t max);
  // A secret: refused when written as a literal; its value once read (empty before).
  std::optional<std::string> secret(const std::string& key);
  // The same, and "<what> (<type>) needs a <key>: {credential: NAME}" when absent.
  std::optional<std::string> required_secret(const std::string& key);
  // Whether `key` is given as a secret: then no message quotes its value.
  bool is_secret(const std::string& key) const;

  // At the setting's value, or at the section's name when it has no such setting.
  void error(const std::string& key, std::string message);

 private:
  const Section& section_;
  std::string what_;
  yaml::Diagnostics& diagnostics_;
  int errors_ = 0;
};

// "webhook or file", "a, b or c".
std::string one_of(const std::vector<std::string>& names);

// Types of one kind of section by name, each with how its section is checked and how a
// `Made` is built from it (the sink and source registries). Types are added explicitly, so
// the list of what ackd knows is one place to read.
template <class Made, class Context>
class TypeRegistry final : public SectionTypes {
 public:
  // What was built, or why the section cannot be used.
  using MadeOrError = std::variant<std::unique_ptr<Made>, std::string>;
  struct Type {
    std::string name;
    // Reads the section through the reader, which reports every problem.
    std::function<void(SectionReader&)> check;
    // Builds from a section; otherwise why not (the first problem reported, if any).
    std::function<MadeOrError(SectionReader&, const Context&)> make;
    Takes takes;  // sinks only
  };

  explicit TypeRegistry(std::string kind) : kind_(std::move(kind)) {}

  // A type whose `read(SectionReader&)` gives its settings (nullopt after a reported
  // problem), from which `build(settings, context)` makes the MadeOrError.
  template <class Read, class Build>
  void add(std::string name, Read read, Build build, Takes takes = {}) {
    add({std::move(name), [read](SectionReader& section) { read(section); },
         [read, build](SectionReader& section, const Context& context) -> MadeOrError {
           auto settings = read(section);
           if (!settings) return std::string("invalid settings");
           return build(*settings, context);
         },
         std::move(takes)});
  }

  void add(Type type) {
    auto name = type.name;
    if (!types_.contains(name)) names_.push_back(name);
    types_.insert_or_assign(std::move(name), std::move(type));
  }

  // In the order added, as messages list them.
  std::vector<std::string> names() const override { return names_; }

  void check(const Section& section, yaml::Diagnostics& diagnostics) const override {
    auto found = types_.find(section.type);
    if (found == types_.end()) return;  // the caller reports an unknown type
    SectionReader reader(section, kind_, diagnostics);
    found->second.check(reader);
  }

  Takes takes(const std::string& type) const override {
    auto found = types_.find(type);
    return found == types_.end() ? Takes{} : found->second.takes;
  }

  MadeOrError make(const Section& section, const Context& context) const {
    auto found = types_.find(section.type);
    if (found == types_.end()) {
      return "unknown type '" + section.type + "'";
    }
    yaml::Diagnostics problems;
    SectionReader reader(section, kind_, problems);
    MadeOrError made = found->second.make(reader, context);
    if (!problems.empty()) return problems.sorted().front().message;
    return made;
  }

  std::map<std::string, MadeOrError> make_all(const std::map<std::string, Section>& sections,
                                              const Context& context) const {
    std::map<std::string, MadeOrError> out;
    for (const auto& [name, section] : sections) out.emplace(name, make(section, context));
    return out;
  }

 private:
  std::string kind_;
  std::map<std::string, Type> types_;
  std::vector<std::string> names_;
};

}  // namespace ackd::config
