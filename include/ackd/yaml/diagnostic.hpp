#pragma once

#include <string>
#include <vector>

namespace ackd::yaml {

// A place in a source file (a policy file, ackd.yaml), 1-based like editors show it. line 0 means
// "the whole file".
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;
};

// One source as read from disk (reading is the caller's business: see files.hpp).
struct SourceFile {
  std::string path;
  std::string content;
};

// What kind of problem a diagnostic is: a stable name for editors and CI (`ackd check
// --format json`), listed in the README. New kinds are added at the end; none is renamed.
enum class Code {
  invalid,           // a value the loader refuses, of no kind below
  yaml_syntax,       // not YAML at all
  indentation,       // a tab, or a line off its level: the structure is not what it looks
  duplicate_key,     // a key twice in one mapping
  too_complex,       // nested or aliased past the limits
  not_utf8,          // a file that is not UTF-8
  unreadable,        // a file or folder that cannot be read
  unknown_key,       // a key the section does not have
  wrong_type,        // a list where a mapping goes, a text where a number goes...
  missing,           // something required is not there
  unknown_name,      // a list, team, template, calendar or sink that is not defined
  already_defined,   // a name or section defined twice
  banned_phrase,     // a template holds a phrase safety.banned forbids
  too_long,          // a reply can exceed its channel's limit
  unreachable,       // a rule that can never match, or a complaint that matches none
  rule_order,        // an earlier rule takes complaints a later, more urgent one would
  suppressed_reply,  // a rule whose reply the author limit would always stop
  short_keyword,     // a keyword so short that it matches inside unrelated words
  unused,            // defined and used by nothing
};

// "yaml-syntax", "unknown-key"...
std::string_view to_string(Code code);

struct Diagnostic {
  SourceLocation where;
  std::string message;
  bool warning = false;  // worth fixing, but the source loads
  Code code = Code::invalid;

  // "rules/10-safety.yaml:12:7: error: unknown list '$safty' (did you mean '$safety'?)"
  std::string to_string() const;
};

// Every problem found while loading a source; loading goes on after an error so an
// author sees all of them at once. Errors refuse the source; warnings are only reported.
class Diagnostics {
 public:
  void error(const SourceLocation& where, std::string message, Code code = Code::invalid);
  void warn(const SourceLocation& where, std::string message, Code code = Code::invalid);
  // Adds every error and warning of `other`.
  void append(const Diagnostics& other);
  // The errors.
  bool empty() const { return items_.empty(); }
  std::size_t size() const { return items_.size(); }
  const std::vector<Diagnostic>& items() const { return items_; }
  // The errors sorted by file, line, column, for stable output.
  std::vector<Diagnostic> sorted() const;
  // The warnings, sorted the same way.
  std::vector<Diagnostic> warnings() const;

 private:
  std::vector<Diagnostic> items_;
  std::vector<Diagnostic> warnings_;
};

// The closest of `candidates` to `word` when it is a plausible typo, else "".
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace ackd::yaml
