#include <doctest/doctest.h>

#include <string>

#include "yaml/indentation.hpp"

namespace yaml_indentation_test {

using ackd::yaml::find_indentation_problem;

// Two rules as a policy file has them: keys of a list item, a flow mapping, a quoted text
// that runs over two lines, a nested list.
const std::string kRules = R"(rules:
  - id: safety-incident
    description: "Fire, smoke, injury: a person is paged
      at any hour."
    priority: P1
    when: {text: {any: $safety}}
    reply: {template: ack_safety, visibility: dm}
    handoff: {team: safety, within: 15m}

  - id: legal-threat
    when:
      any_of:
        - {author.verified: true}
        - text: {any: $legal}
    reply: none
    handoff: {team: legal, within: 1h}
)";

// "line:column: message" for the problem found, or "none".
std::string problem(const std::string& text, int error_line) {
  auto p = find_indentation_problem(text, error_line);
  if (!p) return "none";
  return std::to_string(p->line) + ":" + std::to_string(p->column) + ": " + p->message;
}

std::string replace(std::string text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

TEST_CASE("yaml indentation: a well indented file has no problem wherever the parser stops") {
  for (int line = 1; line <= 18; ++line) {
    CAPTURE(line);
    CHECK_FALSE(find_indentation_problem(kRules, line).has_value());
  }
  const std::string teams =
      "teams:\n  legal:\n    notify: legal-inbox\n    escalate:\n"
      "    - {after: 30m, notify: legal-lead}\n  billing:\n"
      "    notify: |\n      text\n\n      more\n    calendar: office\n";
  for (int line = 1; line <= 12; ++line) CHECK_FALSE(find_indentation_problem(teams, line));
}

TEST_CASE("yaml indentation: a key dedented to the list's level belongs to no item") {
  auto text = replace(kRules, "    reply: none\n    handoff: {team: legal",
                      "    reply: none\n  handoff: {team: legal");
  // yaml-cpp: "end of map not found" at the dedented line.
  CHECK(problem(text, 16) ==
        "16:3: "
        "`handoff:` is indented like the items of the list (line 10), so it belongs to none of "
        "them: indent it like `reply:` on line 15 (4 spaces)");
}

TEST_CASE("yaml indentation: a list item off by one space") {
  auto text = replace(kRules, "  - id: legal-threat", "   - id: legal-threat");
  CHECK(problem(text, 10) ==
        "10:4: "
        "this list item is indented 3 spaces, the list's other items 2 (line 2): indent it "
        "like them");
}

TEST_CASE("yaml indentation: a key dedented out of its mapping, and what follows it") {
  const std::string teams =
      "teams:\n  legal:\n    notify: legal-inbox\n  calendar: office\n"
      "    escalate: [{after: 30m, notify: legal-lead}]\n";
  // yaml-cpp: "illegal map value" on the dedented line, before the one that shows it.
  CHECK(problem(teams, 4) ==
        "4:3: "
        "`calendar:` is indented less than `notify:` on line 3, so it left that mapping and "
        "`escalate:` (line 5) no longer fits: indent `calendar:` like `notify:` (4 spaces)");
}

TEST_CASE("yaml indentation: a key deeper than a line that has its value, between levels") {
  auto deeper = replace(kRules, "    priority: P1\n", "    priority: P1\n      when2: x\n");
  CHECK(problem(deeper, 6) ==
        "6:7: "
        "`when2:` is indented more than `priority:` on line 5, which already has a value: "
        "indent it like `priority:` (4 spaces)");

  auto between = replace(kRules, "    reply: none", "     reply: none");
  CHECK(problem(between, 15) ==
        "15:6: "
        "`reply:` is indented 5 spaces, which lines up with nothing above it: indent it like "
        "`any_of:` on line 12 (6 spaces) or like `when:` on line 11 (4 spaces)");
}

TEST_CASE("yaml indentation: a key under a list item that already has its value") {
  CHECK(problem("items:\n  - first\n    bar: 1\n", 3) ==
        "3:5: `bar:` is indented more than line 2, which already has a value: indent it like "
        "that line (2 spaces)");
}

TEST_CASE("yaml indentation: a tab is named as such, not in quoted or literal text") {
  auto text = replace(kRules, "    priority: P1", "\tpriority: P1");
  CHECK(problem(text, 5) ==
        "5:1: "
        "line 5 is indented with a tab; YAML indents with spaces only (line 3 has 4 spaces)");
  const std::string literal = "a: |\n\tkept as it is\nb: \"x\n\ty\"\nc: 1\n";
  CHECK(problem(literal, 5) == "none");
}

TEST_CASE("yaml indentation: a problem well above the parser's error is not the cause") {
  // The parser accepted line 5 (a plain text going on); its error is elsewhere.
  auto text = replace(kRules, "    priority: P1\n", "    priority: P1\n      more: x\n");
  CHECK(problem(text, 17) == "none");
}

}  // namespace yaml_indentation_test
