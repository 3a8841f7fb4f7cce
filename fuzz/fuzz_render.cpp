// A reply template (written by a policy author) and a display name (written by anyone on
// the internet), separated by a 0xFF byte; further 0xFF-separated parts are banned
// phrases. The name is made safe as evaluation does and rendered into the template.
// Traps when the sanitised name breaks a promise of text/name.hpp: valid UTF-8, within
// its bound, nothing invisible or reordering, no mention, hashtag, URL or template syntax
// left, and nothing left that a second pass would still remove (so no cut, join or
// trimming can turn a removed piece's neighbours into one of those).

#include <unicode/uchar.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ackd/complaint/complaint.hpp"
#include "ackd/render/template.hpp"
#include "ackd/text/name.hpp"
#include "ackd/text/normalize.hpp"
#include "ackd/text/utf8.hpp"

namespace {

using ackd::text::find_invalid_utf8;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

std::vector<std::string_view> split(std::string_view in) {
  std::vector<std::string_view> parts;
  for (;;) {
    const auto cut = in.find('\xFF');
    parts.push_back(in.substr(0, cut));
    if (cut == std::string_view::npos) return parts;
    in.remove_prefix(cut + 1);
  }
}

bool shown_plainly(char32_t cp) {
  const auto c = static_cast<UChar32>(cp);
  switch (u_charType(c)) {
    case U_CONTROL_CHAR:
    case U_FORMAT_CHAR:
    case U_PRIVATE_USE_CHAR:
    case U_UNASSIGNED:
    case U_SURROGATE:
    case U_LINE_SEPARATOR:
    case U_PARAGRAPH_SEPARATOR:
      return false;
    default:
      break;
  }
  return !u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT) &&
         !u_hasBinaryProperty(c, UCHAR_BIDI_CONTROL);
}

void check_name(std::string_view raw, const ackd::text::NameRules& rules) {
  const std::string name = ackd::text::sanitize_name(raw, rules);
  if (name.empty()) return;
  check(!find_invalid_utf8(name));
  check(ackd::text::code_point_count(name) <= rules.max_chars);
  std::size_t pos = 0;
  while (pos < name.size()) {
    const char32_t cp = ackd::text::next_code_point(name, pos);
    check(shown_plainly(cp));
    check(cp != U' ' || pos != name.size());  // no trailing space
  }
  check(name.front() != ' ');
  check(name.find("  ") == std::string::npos);
  // Full-width and other look-alikes fold to these.
  const std::string folded = ackd::text::normalize(name);
  for (std::string_view bad : {"@", "#", "{{", "}}", "://"}) {
    check(folded.find(bad) == std::string::npos);
  }
  check(ackd::text::sanitize_name(name, rules) == name);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto parts = split(std::string_view(reinterpret_cast<const char*>(data), size));
  const std::string_view source = parts[0];
  const std::string_view raw_name = parts.size() > 1 ? parts[1] : std::string_view();

  ackd::text::NameRules rules;
  for (std::size_t i = 2; i < parts.size(); ++i) {
    if (find_invalid_utf8(parts[i])) continue;
    std::string phrase = ackd::text::normalize(parts[i]);
    if (!phrase.empty()) rules.banned.push_back(std::move(phrase));
  }
  check_name(raw_name, rules);  // the default bound
  rules.max_chars = 1 + size % 100;
  check_name(raw_name, rules);  // any bound a policy may set (1..100)

  const std::string handle = ackd::text::sanitize_handle(raw_name);
  check(handle.size() <= 30);
  for (char c : handle) {
    check((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
          c == '.' || c == '-');
  }

  std::vector<ackd::render::TemplateError> errors;
  const auto tmpl = ackd::render::Template::parse(source, errors);
  check(tmpl.source() == source);
  for (const auto& e : errors) check(e.offset < source.size() && !e.message.empty());
  check(tmpl.render({}) == tmpl.literal_text());

  ackd::render::Values values;
  values.name = ackd::text::sanitize_name(raw_name, rules);
  values.handle = handle;
  values.ref = ackd::case_reference("x", raw_name);
  values.handoff_by = "11月24日(火) 13:30";
  values.team = "support";
  const std::string reply = tmpl.render(values);
  check(reply.size() >= tmpl.literal_text().size());
  if (!find_invalid_utf8(source)) check(!find_invalid_utf8(reply));
  return 0;
}
