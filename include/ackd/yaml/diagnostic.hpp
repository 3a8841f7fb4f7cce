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

  // "rules/10-safety.yaml:12:7: error: unknown list '$safty' (did you mean '$safety'?)"
  std::string to_string() const;
};

// Every problem found while loading a source; loading goes on after an error so an
// author sees all of them at once.
class Diagnostics {
 public:
  void error(const SourceLocation& where, std::string message);
  bool empty() const { return items_.empty(); }
  std::size_t size() const { return items_.size(); }
  const std::vector<Diagnostic>& items() const { return items_; }
  // Sorted by file, line, column, for stable output.
  std::vector<Diagnostic> sorted() const;

 private:
  std::vector<Diagnostic> items_;
};

// The closest of `candidates` to `word` when it is a plausible typo, else "".
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace ackd::yaml
