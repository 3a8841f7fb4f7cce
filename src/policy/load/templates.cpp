// templates: reply texts by language, parsed once.
#include "ackd/text/utf8.hpp"
#include "loader.hpp"

namespace ackd::policy {

void Loader::compile_templates() {
  for (const auto& e : named_["templates"]) {
    yaml::Reader& r = *e.reader;
    ReplyTemplate t;
    t.name = e.name;
    t.where = r.at(e.key);
    if (!r.is_map(e.value, "template '" + e.name + "'")) continue;
    for (const auto& item : e.value) {
      const std::string lang = item.first.Scalar();
      if (!is_lang_code(lang)) {
        r.error(item.first,
                "template '" + e.name + "': '" + lang + "' is not a language code like ja or en");
        continue;
      }
      auto source = r.string(item.second, "template text");
      if (!source) continue;
      std::vector<render::TemplateError> errors;
      auto parsed = render::Template::parse(*source, errors);
      SourceLocation where = r.at(item.second);
      for (const auto& err : errors) {
        SourceLocation at = where;
        // Point into single-line texts; a quoted scalar's mark is on its opening quote.
        if (source->find('\n') == std::string::npos) {
          at.column += static_cast<int>(text::code_point_count(source->substr(0, err.offset))) +
                       (item.second.Tag() == "!" ? 1 : 0);
        }
        diagnostics_.error(at, "template '" + e.name + "' (" + lang + "): " + err.message);
      }
      t.by_lang.emplace(lang, std::move(parsed));
      t.where_by_lang[lang] = where;
    }
    policy_->templates.push_back(std::move(t));
  }
}

}  // namespace ackd::policy
