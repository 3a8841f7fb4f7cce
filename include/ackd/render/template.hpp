#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ackd::render {

// The only values a reply template can show (CONTRACT.md). The customer's own text is
// deliberately not among them.
enum class Variable { name, handle, ref, handoff_by, team };
inline constexpr std::array<std::string_view, 5> kVariableNames = {"name", "handle", "ref",
                                                                   "handoff_by", "team"};

std::optional<Variable> variable_named(std::string_view name);
std::string_view name_of(Variable v);

struct Values {
  std::string name;
  std::string handle;
  std::string ref;
  std::string handoff_by;
  std::string team;

  const std::string& get(Variable v) const;
  void set(Variable v, std::string value);
};

// A problem in a template's text, at a byte offset into it.
struct TemplateError {
  std::size_t offset = 0;
  std::string message;
};

// "{{name}}様、…{{handoff_by}}までに…" split into literal text and variables.
class Template {
 public:
  // Unknown variables and unbalanced braces are reported in `errors`; the template is
  // still returned (with the bad parts as literal text) so loading can go on.
  static Template parse(std::string_view text, std::vector<TemplateError>& errors);

  std::string render(const Values& values) const;
  bool uses(Variable v) const;
  const std::string& source() const { return source_; }
  // The literal text with every variable left out.
  std::string literal_text() const;

 private:
  struct Segment {
    std::string literal;
    std::optional<Variable> variable;
  };
  std::string source_;
  std::vector<Segment> segments_;
};

}  // namespace ackd::render
