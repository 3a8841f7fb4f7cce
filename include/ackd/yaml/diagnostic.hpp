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

struct Diagnostic {
  SourceLocation where;
  std::string message;
  bool warning = false;  // worth fixing, but the source loads

  // "rules/10-safety.yaml:12:7: error: unknown list '$safty' (did you mean '$safety'?)"
  std::string to_string() const;
};

// Every problem found while loading a source; loading goes on after an error so an
// author sees all of them at once. Errors refuse the source; warnings are only reported.
class Diagnostics {
 public:
  void error(const SourceLocation& where, std::string message);
  void warn(const SourceLocation& where, std::string message);
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
