#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ackd::yaml {

// A line whose indentation breaks the document, in words an author can act on.
struct IndentationProblem {
  int line = 0;  // 1-based, like editors
  int column = 0;
  std::string message;
};

// What a YAML syntax error reported at `error_line` (1-based) most likely means, when the
// cause is indentation: a tab, a key indented like the list it is in, a list item off by a
// space, a key dedented out of its mapping. nullopt when the indentation around the error
// looks right (the parser's own message is then the better one).
std::optional<IndentationProblem> find_indentation_problem(std::string_view content,
                                                           int error_line);

}  // namespace ackd::yaml
