#include <doctest/doctest.h>

#include "ackd/render/template.hpp"

namespace render_template_test {

using ackd::render::Template;
using ackd::render::TemplateError;
using ackd::render::Values;
using ackd::render::Variable;

TEST_CASE("render: variables are replaced, literal text kept") {
  std::vector<TemplateError> errors;
  auto t = Template::parse("{{name}}様、{{ handoff_by }}までにご連絡いたします。({{ref}})", errors);
  CHECK(errors.empty());
  Values v;
  v.name = "山田";
  v.handoff_by = "11月30日(月) 12:30";
  v.ref = "AK-123456";
  CHECK(t.render(v) == "山田様、11月30日(月) 12:30までにご連絡いたします。(AK-123456)");
  CHECK(t.uses(Variable::name));
  CHECK(t.uses(Variable::handoff_by));
  CHECK_FALSE(t.uses(Variable::team));
  CHECK(t.literal_text() == "様、までにご連絡いたします。()");
}

TEST_CASE("render: unknown variables and broken braces are reported with their offset") {
  std::vector<TemplateError> errors;
  auto t = Template::parse("Hi {{nme}}, {{text}} and {{name", errors);
  REQUIRE(errors.size() == 3);
  CHECK(errors[0].offset == 3);
  CHECK(errors[0].message.find("unknown variable 'nme'") != std::string::npos);
  CHECK(errors[1].message.find("never quoted back") != std::string::npos);
  CHECK(errors[2].message.find("never closed") != std::string::npos);
  // What is unknown is not a variable: a render never substitutes it.
  Values v;
  v.name = "X";
  CHECK(t.render(v) == "Hi {{nme}}, {{text}} and {{name");
}

TEST_CASE("render: a stray closing brace is an error") {
  std::vector<TemplateError> errors;
  (void)Template::parse("oops }} here", errors);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].offset == 5);
}

TEST_CASE("render: values are inserted verbatim, never parsed again") {
  std::vector<TemplateError> errors;
  auto t = Template::parse("{{name}}", errors);
  Values v;
  v.name = "{{handoff_by}}";
  v.handoff_by = "SECRET";
  CHECK(t.render(v) == "{{handoff_by}}");
}

}  // namespace render_template_test
