#include "indentation.hpp"

#include <cstdlib>
#include <vector>

#include "ackd/text/ascii.hpp"

namespace ackd::yaml {
namespace {

using text::trim;

// One line as the indentation sees it.
struct Line {
  int number = 0;             // 1-based
  int indent = 0;             // spaces before the first character
  bool item = false;          // "- ..." or a bare "-"
  int key_column = 0;         // where the key (or an item's content) starts, 0-based
  std::string key;            // "reply" in "reply: none"; empty when the line has no key
  bool opens = false;         // "key:" or "-" with nothing after: the lines below belong to it
  bool plain = false;         // the value is a plain scalar, which may go on below
  int dedented_from = -1;     // the deeper level this line left, when it left one
  int dedented_key_line = 0;  // and that level's last key
  std::string dedented_key;
};

// Quoted scalars and flow collections may run over several lines; those lines are not
// indentation.
struct Continuation {
  char quote = 0;  // inside '...' or "..."
  int flow = 0;    // unclosed [ and {
  int block = -1;  // inside a | or > scalar: its lines are indented more than this

  bool active() const { return quote != 0 || flow > 0; }

  // Follows `s` (a value, or a continued line) and drops a trailing comment.
  std::string_view scan(std::string_view s) {
    bool at_token_start = true;
    for (std::size_t i = 0; i < s.size(); ++i) {
      const char c = s[i];
      if (quote == '"') {
        if (c == '\\') {
          ++i;
        } else if (c == '"') {
          quote = 0;
        }
        continue;
      }
      if (quote == '\'') {
        if (c == '\'' && i + 1 < s.size() && s[i + 1] == '\'') {
          ++i;
        } else if (c == '\'') {
          quote = 0;
        }
        continue;
      }
      if (c == '#' && (i == 0 || s[i - 1] == ' ')) return trim(s.substr(0, i));
      if ((c == '"' || c == '\'') && at_token_start) {
        quote = c;
      } else if (c == '[' || c == '{') {
        ++flow;
      } else if ((c == ']' || c == '}') && flow > 0) {
        --flow;
      }
      if (c != ' ') at_token_start = c == '[' || c == '{' || c == ',' || c == ':';
    }
    return trim(s);
  }
};

// Splits "key: value" (the value may be empty); false when the text is not a key.
bool split_key(std::string_view text, std::string& key, std::string_view& value) {
  if (text.empty() || std::string_view("\"'[{&*!|>%@`#").find(text.front()) != std::string::npos) {
    return false;
  }
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '#' && i > 0 && text[i - 1] == ' ') return false;
    if (text[i] == ':' && (i + 1 == text.size() || text[i + 1] == ' ')) {
      key = std::string(trim(text.substr(0, i)));
      value = text.substr(i + 1);
      return !key.empty();
    }
  }
  return false;
}

std::string key_text(const std::string& key) {
  return "`" + key + ":`";
}

std::string spaces(int n) {
  return std::to_string(n) + (n == 1 ? " space" : " spaces");
}

struct Level {
  int indent = 0;
  bool sequence = false;
  int line = 0;     // its last line: the last item of a list, the last key of a mapping
  std::string key;  // a mapping's last key
};

class Analysis {
 public:
  // Feeds the next significant line; true when it shows the problem.
  bool take(Line line) {
    if (!levels_.empty() && previous_ && line.indent > levels_.back().indent && !previous_->opens) {
      // Deeper than a line that already has its value.
      if (previous_->plain && !line.item && line.key.empty()) return false;  // it goes on
      return deeper_than_a_value(line);
    }
    if (levels_.empty()) {
      levels_.push_back({line.indent, line.item, line.number, line.key});
    } else if (previous_ && previous_->opens && belongs_to_previous(line)) {
      levels_.push_back({line.indent, line.item, line.number, line.key});
    } else if (misfits(line)) {
      return true;
    }
    if (line.item && (line.opens || !line.key.empty())) {
      levels_.push_back({line.key_column, false, line.number, line.key});
    }
    previous_ = std::move(line);
    return false;
  }

  std::optional<IndentationProblem> problem;

 private:
  bool belongs_to_previous(const Line& line) const {
    const int base =
        previous_->item && !previous_->key.empty() ? previous_->key_column : previous_->indent;
    return line.indent > base || (line.item && line.indent == base);
  }

  // A line at the level of a line above it, after leaving deeper levels; true (and the
  // problem noted) when no level above lines up with it.
  bool misfits(Line& line) {
    std::optional<Level> left;
    while (levels_.size() > 1 && levels_.back().indent > line.indent) {
      left = levels_.back();
      levels_.pop_back();
    }
    // A list written at its key's indentation ends where the key's siblings go on.
    while (levels_.size() > 1 && levels_.back().sequence && !line.item &&
           levels_[levels_.size() - 2].indent == levels_.back().indent) {
      left = levels_.back();
      levels_.pop_back();
    }
    Level& level = levels_.back();
    const std::string what = named(line);
    if (level.indent != line.indent) {
      if (line.item) {
        const Level& list = left && left->sequence ? *left : level;
        return note(line, "this list item is indented " + spaces(line.indent) +
                              ", the list's other items " + std::to_string(list.indent) +
                              " (line " + std::to_string(list.line) + "): indent it like them");
      }
      // A key lines up with the keys of a mapping: the nearer such level; one space off
      // both ways, either.
      const auto distance = [&](const Level& l) {
        return std::abs(l.indent - line.indent) + (l.sequence ? 1000 : 0);
      };
      std::string fix = like(level);
      if (left && distance(*left) < distance(level)) fix = like(*left);
      if (left && distance(*left) == distance(level)) fix = like(*left) + " or like " + fix;
      return note(line, what + " is indented " + spaces(line.indent) +
                            ", which lines up with nothing above it: indent it like " + fix);
    }
    if (level.sequence && !line.item) {
      std::string fix = left && !left->sequence ? ": indent it like " + like(*left) : "";
      return note(line, what + " is indented like the items of the list (line " +
                            std::to_string(level.line) + "), so it belongs to none of them" + fix);
    }
    if (!level.sequence && line.item) {
      return note(line, "a list item where the keys of a mapping are (" + like(level) +
                            "): a list goes under a key that ends with ':'");
    }
    if (left && !left->sequence) {
      line.dedented_from = left->indent;
      line.dedented_key = left->key;
      line.dedented_key_line = left->line;
    }
    level.line = line.number;
    if (!line.item) level.key = line.key;
    return false;
  }

  bool deeper_than_a_value(const Line& line) {
    const Line& above = *previous_;
    const std::string what = named(line);
    if (above.dedented_from == line.indent && !above.dedented_key.empty()) {
      // The line above left its mapping too early: what follows it still lines up there.
      return note(above, key_text(above.key) + " is indented less than " +
                             key_text(above.dedented_key) + " on line " +
                             std::to_string(above.dedented_key_line) +
                             ", so it left that mapping and " + what + " (line " +
                             std::to_string(line.number) + ") no longer fits: indent " +
                             key_text(above.key) + " like " + key_text(above.dedented_key) + " (" +
                             spaces(above.dedented_from) + ")");
    }
    const std::string value_line =
        above.key.empty() ? "line " + std::to_string(above.number)
                          : key_text(above.key) + " on line " + std::to_string(above.number);
    return note(line, what + " is indented more than " + value_line +
                          ", which already has a value: indent it like " +
                          (above.key.empty() ? "that line" : key_text(above.key)) + " (" +
                          spaces(above.indent) + ")");
  }

  static std::string named(const Line& line) {
    return line.key.empty() ? "line " + std::to_string(line.number) : key_text(line.key);
  }

  static std::string like(const Level& level) {
    if (level.key.empty()) {
      return "line " + std::to_string(level.line) + " (" + spaces(level.indent) + ")";
    }
    return key_text(level.key) + " on line " + std::to_string(level.line) + " (" +
           spaces(level.indent) + ")";
  }

  bool note(const Line& line, std::string message) {
    problem = IndentationProblem{line.number, line.indent + 1, std::move(message)};
    return true;
  }

  std::vector<Level> levels_;
  std::optional<Line> previous_;  // the last significant line
};

}  // namespace

std::optional<IndentationProblem> find_indentation_problem(std::string_view content,
                                                           int error_line) {
  // Lines after the error's line are read too: the parser often stops at the line
  // before the one that gives the mistake away.
  const int last = error_line + 1;
  Analysis analysis;
  Continuation continued;
  int number = 0;
  int last_indent = 0, last_indent_line = 0;
  std::size_t start = 0;
  while (start <= content.size() && number < last) {
    const auto end = content.find('\n', start);
    std::string_view raw =
        content.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    start = end == std::string_view::npos ? content.size() + 1 : end + 1;
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    ++number;
    std::size_t indent = 0;
    while (indent < raw.size() && (raw[indent] == ' ' || raw[indent] == '\t')) {
      if (raw[indent] == '\t' && !continued.active() && continued.block < 0) {
        std::string message = "line " + std::to_string(number) +
                              " is indented with a tab; YAML indents with spaces only";
        if (last_indent_line > 0) {
          message +=
              " (line " + std::to_string(last_indent_line) + " has " + spaces(last_indent) + ")";
        }
        return IndentationProblem{number, static_cast<int>(indent) + 1, message};
      }
      ++indent;
    }
    const std::string_view text = trim(raw);
    if (continued.active()) {
      continued.scan(text);
      continue;
    }
    if (continued.block >= 0) {
      if (text.empty() || static_cast<int>(indent) > continued.block) continue;
      continued.block = -1;
    }
    if (text.empty() || text.front() == '#' || text == "---" || text == "...") continue;

    Line line;
    line.number = number;
    line.indent = static_cast<int>(indent);
    std::string_view rest = text;
    if (rest == "-" || rest.substr(0, 2) == "- ") {
      line.item = true;
      rest = trim(rest.substr(1));
      line.key_column = line.indent + static_cast<int>(text.size() - rest.size());
    } else {
      line.key_column = line.indent;
    }
    std::string_view value = rest;
    if (split_key(rest, line.key, value)) value = trim(value);
    value = continued.scan(value);
    line.opens = line.key.empty() ? line.item && value.empty() : value.empty();
    line.plain =
        !value.empty() && std::string_view("\"'[{&*!|>").find(value.front()) == std::string::npos;
    if (!value.empty() && (value.front() == '|' || value.front() == '>')) {
      continued.block = line.key_column;
    }
    last_indent = line.indent;
    last_indent_line = number;
    if (analysis.take(std::move(line))) {
      // Well above the error, the parser accepted it: not the cause.
      if (analysis.problem->line < error_line - 2) return std::nullopt;
      return analysis.problem;
    }
  }
  return std::nullopt;
}

}  // namespace ackd::yaml
