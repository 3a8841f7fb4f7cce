#include "ackd/render/template.hpp"

#include "ackd/text/ascii.hpp"

namespace ackd::render {

std::optional<Variable> variable_named(std::string_view name) {
  for (std::size_t i = 0; i < kVariableNames.size(); ++i) {
    if (kVariableNames[i] == name) return static_cast<Variable>(i);
  }
  return std::nullopt;
}

std::string_view name_of(Variable v) {
  return kVariableNames[static_cast<std::size_t>(v)];
}

const std::string& Values::get(Variable v) const {
  switch (v) {
    case Variable::name:
      return name;
    case Variable::handle:
      return handle;
    case Variable::ref:
      return ref;
    case Variable::handoff_by:
      return handoff_by;
    case Variable::team:
      return team;
  }
  return name;
}

void Values::set(Variable v, std::string value) {
  // get() names the member; this object is not const.
  const_cast<std::string&>(get(v)) = std::move(value);
}

namespace {

using text::trim;

std::string known_variables() {
  std::string out;
  for (auto n : kVariableNames) out += (out.empty() ? "" : ", ") + std::string(n);
  return out;
}

}  // namespace

Template Template::parse(std::string_view text, std::vector<TemplateError>& errors) {
  Template t;
  t.source_ = std::string(text);
  std::string literal;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t open = text.find("{{", pos);
    std::size_t stray_close = text.find("}}", pos);
    if (stray_close != std::string_view::npos && stray_close < open) {
      errors.push_back({stray_close, "'}}' without a matching '{{'"});
    }
    if (open == std::string_view::npos) {
      literal.append(text.substr(pos));
      break;
    }
    literal.append(text.substr(pos, open - pos));
    std::size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) {
      errors.push_back({open, "'{{' is never closed with '}}'"});
      literal.append(text.substr(open));
      break;
    }
    std::string_view name = trim(text.substr(open + 2, close - open - 2));
    if (auto v = variable_named(name)) {
      t.segments_.push_back({std::move(literal), v});
      literal.clear();
    } else {
      std::string message = "unknown variable '" + std::string(name) + "'";
      if (name == "text" || name == "message") {
        message += " (the customer's own words are never quoted back)";
      }
      errors.push_back({open, message + "; known: " + known_variables()});
      literal.append(text.substr(open, close + 2 - open));
    }
    pos = close + 2;
  }
  if (!literal.empty()) t.segments_.push_back({std::move(literal), std::nullopt});
  return t;
}

std::string Template::render(const Values& values) const {
  std::string out;
  out.reserve(source_.size() + 64);
  for (const auto& s : segments_) {
    out += s.literal;
    if (s.variable) out += values.get(*s.variable);
  }
  return out;
}

bool Template::uses(Variable v) const {
  for (const auto& s : segments_) {
    if (s.variable == v) return true;
  }
  return false;
}

std::string Template::literal_text() const {
  std::string out;
  for (const auto& s : segments_) out += s.literal;
  return out;
}

}  // namespace ackd::render
