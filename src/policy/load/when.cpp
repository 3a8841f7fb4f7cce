// Conditions (`when`): field matchers compiled into keywords, RE2 regexes, comparisons,
// calendars and repeat counts.
#include <re2/re2.h>

#include <algorithm>

#include "ackd/text/normalize.hpp"
#include "ackd/text/utf8.hpp"
#include "loader.hpp"

namespace ackd::policy {

const std::vector<std::string> kTextMatchers = {"in", "any", "all", "none", "regex"};
const std::vector<std::string> kNumberMatchers = {"gte", "gt", "lte", "lt"};

namespace {

Comparison comparison_of(const std::string& op) {
  return op == "gte"   ? Comparison::gte
         : op == "gt"  ? Comparison::gt
         : op == "lte" ? Comparison::lte
                       : Comparison::lt;
}

// Conditions that must all hold: the one alone, or an all_of of them.
Condition all_of(std::vector<Condition> children, const SourceLocation& where) {
  if (children.size() == 1) return std::move(children.front());
  Condition all;
  all.kind = Condition::Kind::all_of;
  all.where = where;
  all.children = std::move(children);
  return all;
}

}  // namespace

std::optional<Condition> Loader::compile_when(const YAML::Node& node, yaml::Reader& r) {
  if (!r.is_map(node, "when")) return std::nullopt;
  std::vector<Condition> all;
  bool ok = true;
  for (const auto& item : node) {
    const std::string key = item.first.Scalar();
    std::optional<Condition> c;
    if (key == "any_of") {
      if (!r.is_sequence(item.second, "any_of")) {
        ok = false;
        continue;
      }
      Condition any;
      any.kind = Condition::Kind::any_of;
      any.where = r.at(item.first);
      any.label = "any_of";
      for (const auto& alternative : item.second) {
        if (auto child = compile_when(alternative, r)) {
          any.children.push_back(std::move(*child));
        } else {
          ok = false;
        }
      }
      c = std::move(any);
    } else if (key == "not") {
      if (auto child = compile_when(item.second, r)) {
        Condition negation;
        negation.kind = Condition::Kind::negation;
        negation.where = r.at(item.first);
        negation.label = "not";
        negation.children.push_back(std::move(*child));
        c = std::move(negation);
      }
    } else if (std::find(field_names().begin(), field_names().end(), key) != field_names().end()) {
      c = compile_field(key, item.first, item.second, r);
    } else {
      std::vector<std::string> known = field_names();
      known.push_back("any_of");
      known.push_back("not");
      unknown(item.first, r, "condition", key, known);
    }
    if (c) {
      all.push_back(std::move(*c));
    } else {
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return all_of(std::move(all), r.at(node));
}

bool Loader::check_equals_value(Field field, const YAML::Node& node, const std::string& value,
                                yaml::Reader& r) {
  if (field == Field::channel && !policy_->channels.count(value)) {
    std::vector<std::string> known;
    for (const auto& [n, _] : policy_->channels) known.push_back(n);
    unknown(node, r, "channel", value, known);
    return false;
  }
  if (field == Field::visibility && value != "public" && value != "private") {
    r.error(node, "visibility is 'public' or 'private', got '" + value + "'");
    return false;
  }
  if (field == Field::lang && !is_lang_code(value)) {
    r.error(node, "'" + value + "' is not a language code like ja or en");
    return false;
  }
  return true;
}

std::optional<Condition> Loader::compile_field(const std::string& field_name, const YAML::Node& key,
                                               const YAML::Node& value, yaml::Reader& r) {
  const auto& names = field_names();
  auto index = std::find(names.begin(), names.end(), field_name) - names.begin();
  const Field field = static_cast<Field>(index);
  Condition c;
  c.field = field;
  c.where = r.at(key);
  switch (field) {
    case Field::author_followers:
      return compile_number(field, field_name, value, r);
    case Field::author_verified:
    case Field::pii: {
      auto b = r.boolean(value, field_name);
      if (!b) return std::nullopt;
      c.kind = Condition::Kind::boolean;
      c.flag = *b;
      c.label = field_name + ": " + (*b ? "true" : "false");
      return c;
    }
    case Field::repeat: {
      if (!r.is_map(value, "repeat")) return std::nullopt;
      r.check_keys(value, {"gte", "gt", "lte", "lt", "within"}, "repeat");
      auto within = value["within"] ? r.duration(value["within"], "within") : std::nullopt;
      if (!value["within"])
        r.error(value, "repeat needs within: the window to count in", yaml::Code::missing);
      c.kind = Condition::Kind::repeat;
      bool have_count = false;
      for (const auto& op : kNumberMatchers) {
        if (!value[op]) continue;
        auto n = r.integer(value[op], op);
        if (!n) return std::nullopt;
        c.comparison = comparison_of(op);
        c.number = *n;
        c.label = "repeat " + op + " " + std::to_string(*n);
        have_count = true;
      }
      if (!have_count)
        r.error(value, "repeat needs a count, e.g. {gte: 3, within: 24h}", yaml::Code::missing);
      if (!within || !have_count) return std::nullopt;
      c.window = *within;
      c.label += " within " + time::format_duration(*within);
      return c;
    }
    case Field::time: {
      if (!r.is_map(value, "time")) return std::nullopt;
      r.check_keys(value, {"inside", "outside"}, "time");
      const bool inside = static_cast<bool>(value["inside"]);
      if (inside == static_cast<bool>(value["outside"])) {
        r.error(value, "time needs exactly one of inside: CALENDAR or outside: CALENDAR",
                yaml::Code::missing);
        return std::nullopt;
      }
      auto cal = find_calendar(inside ? value["inside"] : value["outside"], r);
      if (!cal) return std::nullopt;
      c.kind = Condition::Kind::time;
      c.flag = inside;
      c.calendar = *cal;
      c.label =
          std::string("time ") + (inside ? "inside " : "outside ") + policy_->calendars[*cal].name;
      return c;
    }
    default:
      return compile_text_field(field, field_name, value, r);
  }
}

std::optional<Condition> Loader::compile_number(Field field, const std::string& field_name,
                                                const YAML::Node& value, yaml::Reader& r) {
  Condition c;
  c.kind = Condition::Kind::number;
  c.field = field;
  c.where = r.at(value);
  if (value.IsScalar()) {
    auto n = r.integer(value, field_name);
    if (!n) return std::nullopt;
    c.number = *n;
    c.label = field_name + " = " + std::to_string(*n);
    return c;
  }
  if (!r.is_map(value, field_name)) return std::nullopt;
  r.check_keys(value, kNumberMatchers, field_name);
  std::vector<Condition> all;
  for (const auto& item : value) {
    const std::string op = item.first.Scalar();
    auto n = r.integer(item.second, field_name + " " + op);
    if (!n) return std::nullopt;
    Condition one = c;
    one.comparison = comparison_of(op);
    one.number = *n;
    one.label = field_name + " " + op + " " + std::to_string(*n);
    all.push_back(std::move(one));
  }
  if (all.empty()) {
    r.error(value, field_name + " needs gte, gt, lte or lt", yaml::Code::missing);
    return std::nullopt;
  }
  return all_of(std::move(all), c.where);
}

std::optional<Condition> Loader::compile_text_field(Field field, const std::string& field_name,
                                                    const YAML::Node& value, yaml::Reader& r) {
  Condition base;
  base.field = field;
  base.where = r.at(value);
  auto equals = [&](const YAML::Node& node, const std::string& op) -> std::optional<Condition> {
    std::string label;
    auto values = expand(node, field_name, r, &label);
    if (!values) return std::nullopt;
    Condition c = base;
    c.kind = Condition::Kind::equals;
    c.label = field_name + (op.empty() ? " = " : " " + op + " ") + label;
    bool ok = true;
    for (const auto& v : *values) {
      ok = check_equals_value(field, node, v, r) && ok;
      c.values.push_back(text::normalize(v));
    }
    if (!ok) return std::nullopt;
    return c;
  };
  if (value.IsScalar()) {
    bool is_list = value.Scalar().size() > 1 && value.Scalar()[0] == '$';
    return equals(value, is_list ? "in" : "");
  }
  if (value.IsSequence()) return equals(value, "in");
  if (!r.is_map(value, field_name)) return std::nullopt;
  r.check_keys(value, kTextMatchers, field_name);
  std::vector<Condition> all;
  for (const auto& item : value) {
    const std::string op = item.first.Scalar();
    std::optional<Condition> c;
    if (op == "in") {
      c = equals(item.second, "in");
    } else if (op == "regex") {
      auto pattern = r.string(item.second, "regex");
      if (!pattern) return std::nullopt;
      RE2::Options options;
      options.set_log_errors(false);
      options.set_max_mem(8 << 20);
      auto regex = std::make_shared<RE2>(*pattern, options);
      if (!regex->ok()) {
        r.error(item.second, "invalid regex: " + regex->error());
        return std::nullopt;
      }
      c = base;
      c->kind = Condition::Kind::regex;
      c->regex = std::move(regex);
      c->label = field_name + " regex " + *pattern;
    } else if (op == "any" || op == "all" || op == "none") {
      std::string label;
      auto words = expand(item.second, field_name + " " + op, r, &label);
      if (!words) return std::nullopt;
      c = base;
      c->kind = Condition::Kind::keywords;
      c->mode = op == "any" ? KeywordMode::any : op == "all" ? KeywordMode::all : KeywordMode::none;
      c->label = field_name + " " + op + " " + label;
      if (field == Field::text) {
        // The lists a text condition names are the topics reports count.
        auto note = [this](const YAML::Node& n) {
          if (n.IsScalar() && n.Scalar().size() > 1 && n.Scalar()[0] == '$') {
            text_lists_.insert(n.Scalar().substr(1));
          }
        };
        if (item.second.IsSequence()) {
          for (const auto& n : item.second) note(n);
        } else {
          note(item.second);
        }
      }
      auto& set = policy_->keywords[static_cast<std::size_t>(field)];
      for (const auto& w : *words) {
        std::string folded = text::normalize(w);
        if (folded.empty()) {
          r.error(item.second, "keyword '" + w + "' is empty once normalized");
          return std::nullopt;
        }
        if (text::code_point_count(folded) == 1) {
          r.warn(item.second,
                 "keyword '" + w +
                     "' is one character: it matches inside every word that holds "
                     "it; use a word of two or more characters",
                 yaml::Code::short_keyword);
        }
        c->keyword_ids.push_back(set.add(folded));
      }
      // Sorted and unique: evaluation intersects them with the sorted hits.
      std::sort(c->keyword_ids.begin(), c->keyword_ids.end());
      c->keyword_ids.erase(std::unique(c->keyword_ids.begin(), c->keyword_ids.end()),
                           c->keyword_ids.end());
      policy_->field_has_keywords[static_cast<std::size_t>(field)] = true;
    } else {
      continue;  // reported by check_keys
    }
    if (!c) return std::nullopt;
    all.push_back(std::move(*c));
  }
  if (all.empty()) {
    r.error(value, field_name + " needs one of: in, any, all, none, regex", yaml::Code::missing);
    return std::nullopt;
  }
  return all_of(std::move(all), base.where);
}

}  // namespace ackd::policy
