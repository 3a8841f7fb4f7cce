#include "lint.hpp"

#include <algorithm>
#include <optional>
#include <set>
#include <utility>

#include "ackd/complaint/complaint.hpp"
#include "ackd/text/normalize.hpp"
#include "ackd/text/utf8.hpp"

namespace ackd::policy {
namespace {

void lint_templates(const Policy& p, Diagnostics& d) {
  for (const auto& t : p.templates) {
    if (!t.by_lang.count(p.default_lang)) {
      d.error(
          t.where,
          "template '" + t.name + "' has no text in the default language '" + p.default_lang + "'",
          yaml::Code::missing);
    }
    for (const auto& [lang, tmpl] : t.by_lang) {
      const std::string folded = text::normalize(tmpl.literal_text());
      for (std::size_t i = 0; i < p.safety.banned_normalized.size(); ++i) {
        if (folded.find(p.safety.banned_normalized[i]) != std::string::npos) {
          d.error(t.where_by_lang.at(lang),
                  "template '" + t.name + "' (" + lang + ") holds the banned phrase '" +
                      p.safety.banned[i] + "'",
                  yaml::Code::banned_phrase);
        }
      }
    }
  }
}

// The channels a rule's reply can go to: those its `when` names at the top level, else all.
std::vector<const ChannelLimit*> reachable_channels(const Policy& p, const Rule& rule) {
  std::set<std::string> named;
  auto collect = [&](const Condition& c) {
    if (c.kind == Condition::Kind::equals && c.field == Field::channel) {
      named.insert(c.values.begin(), c.values.end());
      return true;
    }
    return false;
  };
  if (rule.when && !collect(*rule.when) && rule.when->kind == Condition::Kind::all_of) {
    for (const auto& child : rule.when->children) collect(child);
  }
  std::vector<const ChannelLimit*> out;
  for (const auto& [name, channel] : p.channels) {
    if (named.empty() || named.count(text::normalize(name))) out.push_back(&channel);
  }
  return out;
}

std::string repeat(std::string_view unit, std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += unit;
  return s;
}

// The longest values each variable can take, written in the widest characters, so a
// template that fits with these fits with anything.
render::Values widest_values(const Policy& p, const Rule& rule, std::string_view lang,
                             text::Counting counting) {
  const std::string_view widest = counting == text::Counting::twitter ? "龘" : "W";
  render::Values v;
  std::size_t name_chars = p.safety.name.max_chars;
  if (auto f = p.safety.name_fallback.find(std::string(lang)); f != p.safety.name_fallback.end()) {
    name_chars = std::max(name_chars, text::code_point_count(f->second));
  }
  v.name = repeat(widest, name_chars);
  v.handle = repeat(widest, 30);
  v.ref = repeat(widest, case_reference("x", "0").size());
  v.handoff_by = time::Zone::widest_reader_text(lang);
  if (rule.handoff) v.team = p.teams[rule.handoff->team].name;
  return v;
}

// How a template's longest reply adds up on a channel: "its fixed text counts 133,
// {{name}} up to 40, ...", each variable's widest value alone.
std::string length_arithmetic(const render::Template& tmpl, const render::Values& widest,
                              const Policy& p, text::Counting counting) {
  const auto count = [&](const render::Values& v) {
    return text::platform_length(tmpl.render(v), counting);
  };
  const auto fixed = count({});
  std::string out = "its fixed text counts " + std::to_string(fixed);
  for (std::size_t i = 0; i < render::kVariableNames.size(); ++i) {
    const auto var = static_cast<render::Variable>(i);
    if (!tmpl.uses(var)) continue;
    render::Values one;
    one.set(var, widest.get(var));
    out += ", {{" + std::string(render::kVariableNames[i]) + "}} up to " +
           std::to_string(count(one) - fixed);
    if (var == render::Variable::name) {
      out += " (names are cut at " + std::to_string(p.safety.name.max_chars) +
             " characters: safety.name.max_chars)";
    }
  }
  if (counting == text::Counting::twitter) {
    out += "; X counts CJK, full-width characters and emoji 2 each";
  }
  return out;
}

void lint_rules(const Policy& p, Diagnostics& d, bool last_rule_compiled) {
  if (p.rules.empty()) return;
  for (std::size_t i = 0; i < p.rules.size(); ++i) {
    const Rule& rule = p.rules[i];
    if (!rule.when && i + 1 < p.rules.size()) {
      d.error(p.rules[i + 1].where,
              "rule '" + p.rules[i + 1].id + "' can never match: rule '" + rule.id +
                  "' above it has no `when` and matches everything",
              yaml::Code::unreachable);
    }
    if (!rule.reply) continue;
    const ReplyTemplate& t = p.templates[rule.reply->template_index];
    for (const auto& [lang, tmpl] : t.by_lang) {
      if (!rule.handoff && tmpl.uses(render::Variable::handoff_by)) {
        d.error(rule.where, "rule '" + rule.id + "' replies with template '" + t.name +
                                "', which uses {{handoff_by}}, but has no handoff");
      }
      if (!rule.handoff && tmpl.uses(render::Variable::team)) {
        d.error(rule.where, "rule '" + rule.id + "' replies with template '" + t.name +
                                "', which uses {{team}}, but has no handoff");
      }
      for (const ChannelLimit* channel : reachable_channels(p, rule)) {
        if (channel->max_chars == 0) continue;
        const auto widest = widest_values(p, rule, lang, channel->counting);
        auto length = text::platform_length(tmpl.render(widest), channel->counting);
        if (length > channel->max_chars) {
          d.error(t.where_by_lang.at(lang),
                  "template '" + t.name + "' (" + lang + ") can reach " + std::to_string(length) +
                      " characters on channel '" + channel->name + "' (limit " +
                      std::to_string(channel->max_chars) + ") in rule '" + rule.id +
                      "': " + length_arithmetic(tmpl, widest, p, channel->counting) +
                      "; shorten it by " + std::to_string(length - channel->max_chars),
                  yaml::Code::too_long);
        }
      }
    }
  }
  const Rule& last = p.rules.back();
  if (last.when && last_rule_compiled) {
    d.error(last.where,
            "the last rule '" + last.id +
                "' has a `when`, so a complaint can match no rule: end with a rule "
                "without `when`",
            yaml::Code::unreachable);
  }
}

// The least number of complaints in a window a rule requires of the author (its `repeat`,
// at the top of `when` or in its all_of), with that window.
std::optional<std::pair<std::int64_t, time::Seconds>> required_repeat(const Rule& rule) {
  std::optional<std::pair<std::int64_t, time::Seconds>> out;
  auto look = [&out](const Condition& c) {
    if (c.kind != Condition::Kind::repeat) return;
    std::int64_t least = 0;
    if (c.comparison == Comparison::gte || c.comparison == Comparison::eq) least = c.number;
    if (c.comparison == Comparison::gt) least = c.number + 1;
    if (!out || least > out->first) out = {least, c.window};
  };
  if (!rule.when) return out;
  look(*rule.when);
  if (rule.when->kind == Condition::Kind::all_of) {
    for (const auto& child : rule.when->children) look(child);
  }
  return out;
}

// A rule that only matches an author's Nth complaint in a window replies, under
// replies_per_author, only if the earlier ones went unanswered: normally never.
void lint_suppressed_replies(const Policy& p, Diagnostics& d) {
  const auto& limit = p.safety.replies_per_author;
  if (!limit) return;
  for (const auto& rule : p.rules) {
    if (!rule.reply) continue;
    const auto repeat = required_repeat(rule);
    if (!repeat || repeat->second > limit->per || repeat->first - 1 < limit->max) continue;
    d.warn(rule.where,
           "rule '" + rule.id + "' replies only to an author's complaint number " +
               std::to_string(repeat->first) + " within " + time::format_duration(repeat->second) +
               ", but safety.replies_per_author allows " + std::to_string(limit->max) +
               " automatic repl" + (limit->max == 1 ? "y" : "ies") + " per " +
               time::format_duration(limit->per) +
               ": its reply is suppressed whenever the earlier complaints were answered (use "
               "`reply: none`, or raise the limit)",
           yaml::Code::suppressed_reply);
  }
}

}  // namespace

void lint_policy(const Policy& policy, Diagnostics& diagnostics, bool last_rule_compiled) {
  lint_templates(policy, diagnostics);
  lint_rules(policy, diagnostics, last_rule_compiled);
  lint_suppressed_replies(policy, diagnostics);
}

}  // namespace ackd::policy
