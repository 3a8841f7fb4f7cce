// The first rule that matches decides, across files in load order: a rule placed above a
// more urgent one takes every complaint both match. Found by trying complaints made from
// what the two rules look for (their keywords, channels, authors) on the real matcher, so a
// warning always comes with a complaint that shows it.

#include <algorithm>
#include <map>

#include "ackd/policy/evaluate.hpp"
#include "lint.hpp"

namespace ackd::policy {
namespace {

// Complaints tried per pair of rules, and in all: a bound on what a check may cost.
constexpr std::size_t kProbesPerPair = 256;
constexpr std::size_t kProbesInAll = 50'000;
constexpr std::size_t kHintsPerField = 8;

// What a rule looks for, as values a complaint can carry.
struct Hints {
  std::vector<std::string> texts;
  std::map<Field, std::vector<std::string>> values;  // channel, visibility, author fields
  std::optional<bool> verified;
  std::optional<std::int64_t> followers;
};

void add(std::vector<std::string>& to, const std::string& value) {
  if (to.size() < kHintsPerField && std::find(to.begin(), to.end(), value) == to.end()) {
    to.push_back(value);
  }
}

std::int64_t satisfying(Comparison op, std::int64_t bound) {
  switch (op) {
    case Comparison::gt:
      return bound + 1;
    case Comparison::lt:
      return bound - 1;
    default:
      return bound;
  }
}

// Every positive part of a `when`: what it excludes (`not`) gives no example.
void collect(const Policy& p, const Condition& c, Hints& h) {
  switch (c.kind) {
    case Condition::Kind::all_of:
    case Condition::Kind::any_of:
      for (const auto& child : c.children) collect(p, child, h);
      return;
    case Condition::Kind::equals:
      for (const auto& v : c.values) add(c.field == Field::text ? h.texts : h.values[c.field], v);
      return;
    case Condition::Kind::keywords: {
      if (c.mode == KeywordMode::none) return;
      const auto& set = p.keywords[static_cast<std::size_t>(c.field)];
      std::string all;
      for (auto id : c.keyword_ids) {
        const std::string& word = set.keyword(id);
        if (c.mode == KeywordMode::all) {
          all += (all.empty() ? "" : " ") + word;
        } else {
          add(c.field == Field::text ? h.texts : h.values[c.field], word);
        }
      }
      if (!all.empty()) add(c.field == Field::text ? h.texts : h.values[c.field], all);
      return;
    }
    case Condition::Kind::boolean:
      if (c.field == Field::author_verified) h.verified = c.flag;
      return;
    case Condition::Kind::number:
      if (c.field == Field::author_followers) h.followers = satisfying(c.comparison, c.number);
      return;
    default:
      return;  // regex, pii, repeat, time: no example made for them
  }
}

Hints hints_of(const Policy& p, const Rule& rule) {
  Hints h;
  if (rule.when) collect(p, *rule.when, h);
  return h;
}

// The channels a rule requires (its `when`'s top level names them), or none required.
std::optional<std::vector<std::string>> required_channels(const Rule& rule) {
  if (!rule.when) return std::nullopt;
  auto named = [](const Condition& c) {
    return c.kind == Condition::Kind::equals && c.field == Field::channel;
  };
  if (named(*rule.when)) return rule.when->values;
  if (rule.when->kind != Condition::Kind::all_of) return std::nullopt;
  for (const auto& child : rule.when->children) {
    if (named(child)) return child.values;
  }
  return std::nullopt;
}

// Two rules for different channels never see the same complaint.
bool apart(const std::optional<std::vector<std::string>>& a,
           const std::optional<std::vector<std::string>>& b) {
  if (!a || !b) return false;
  return std::none_of(a->begin(), a->end(), [&b](const std::string& channel) {
    return std::find(b->begin(), b->end(), channel) != b->end();
  });
}

// `first`'s values, then `second`'s, or `fallback` when neither has any.
std::vector<std::string> either(const std::vector<std::string>& first,
                                const std::vector<std::string>& second,
                                std::vector<std::string> fallback) {
  std::vector<std::string> out;
  for (const auto& v : first) add(out, v);
  for (const auto& v : second) add(out, v);
  return out.empty() ? fallback : out;
}

const std::vector<std::string>& values(const Hints& h, Field f) {
  static const std::vector<std::string> none;
  auto found = h.values.find(f);
  return found == h.values.end() ? none : found->second;
}

std::string first_or(const std::vector<std::string>& v, std::string fallback) {
  return v.empty() ? fallback : v.front();
}

// A complaint that both rules match, if one made from their hints does.
// `channel_names`: the policy's channels, tried when neither rule names one.
std::optional<Complaint> shared_example(const Policy& p, const Rule& earlier, const Hints& a,
                                        const Rule& later, const Hints& b,
                                        const std::vector<std::string>& channel_names,
                                        time::Instant now, std::size_t& budget) {
  const auto channels = either(values(b, Field::channel), values(a, Field::channel), channel_names);
  const auto visibilities =
      either(values(b, Field::visibility), values(a, Field::visibility), {"public"});
  // The later rule's words first: the example should read as its kind of complaint.
  std::vector<std::string> texts;
  const auto& bt = b.texts.empty() ? std::vector<std::string>{""} : b.texts;
  const auto& at = a.texts.empty() ? std::vector<std::string>{""} : a.texts;
  for (const auto& x : bt) {
    for (const auto& y : at) {
      std::string t = x.empty() ? y : y.empty() || y == x ? x : x + "、" + y;
      texts.push_back(t.empty() ? "お問い合わせです" : t);
    }
  }
  // The author is the same in every complaint tried: the later rule's, else the earlier's.
  Complaint c;
  c.external_id = "example";
  c.author.id =
      first_or(either(values(b, Field::author_id), values(a, Field::author_id), {}), "example");
  c.author.handle =
      first_or(either(values(b, Field::author_handle), values(a, Field::author_handle), {}), "");
  c.author.name =
      first_or(either(values(b, Field::author_name), values(a, Field::author_name), {}), "");
  c.author.verified = b.verified.value_or(a.verified.value_or(false));
  if (b.followers || a.followers) c.author.followers = b.followers ? b.followers : a.followers;
  std::size_t tried = 0;
  for (const auto& channel : channels) {
    for (const auto& visibility : visibilities) {
      for (const auto& text : texts) {
        if (tried++ == kProbesPerPair || budget == 0) return std::nullopt;
        --budget;
        c.channel = channel;
        c.visibility =
            visibility == "public" ? Visibility::public_post : Visibility::private_message;
        c.text = text;
        RuleProbe probe(p, c, now);
        if (!probe.matches(later) || !probe.matches(earlier)) continue;
        // Unless a rule above both takes it first.
        if (evaluate(p, c, {}, now).rule_id == earlier.id) return c;
      }
    }
  }
  return std::nullopt;
}

// "\"発火\" from @acme_support on x (private)", as the warning shows the example.
std::string describe(const Complaint& c) {
  std::string out = "\"" + c.text + "\"";
  if (!c.author.handle.empty()) {
    out += " from @" + c.author.handle;
  } else if (c.author.id != "example") {
    out += " from author " + c.author.id;
  } else if (c.author.verified || c.author.followers) {
    out += " from an author";
  }
  if (c.author.verified) out += " verified";
  if (c.author.followers) out += " with " + std::to_string(*c.author.followers) + " followers";
  out += " on " + c.channel;
  if (c.visibility == Visibility::private_message) out += " (private)";
  return out;
}

}  // namespace

void lint_rule_order(const Policy& p, time::Instant now, Diagnostics& d) {
  std::vector<Hints> hints;
  hints.reserve(p.rules.size());
  for (const auto& rule : p.rules) hints.push_back(hints_of(p, rule));
  // Compared as numbers: with thousands of rules most pairs are skipped on this alone.
  std::vector<int> urgency;  // P1 is 1: the lower, the more urgent
  std::vector<std::optional<std::vector<std::string>>> channels;
  urgency.reserve(p.rules.size());
  channels.reserve(p.rules.size());
  for (const auto& rule : p.rules) {
    urgency.push_back(rule.priority.size() == 2 ? rule.priority[1] - '0' : 9);
    channels.push_back(required_channels(rule));
  }
  std::vector<std::string> channel_names;
  for (const auto& [name, limit] : p.channels) add(channel_names, name);
  if (channel_names.empty()) channel_names.push_back("x");
  std::size_t budget = kProbesInAll;
  // Each rule is reported once, for the first more urgent rule below it that it takes from.
  for (std::size_t i = 0; i < p.rules.size(); ++i) {
    const Rule& earlier = p.rules[i];
    if (!earlier.when) continue;
    for (std::size_t j = i + 1; j < p.rules.size(); ++j) {
      const Rule& later = p.rules[j];
      if (urgency[j] >= urgency[i] || !later.when || apart(channels[i], channels[j])) continue;
      auto example =
          shared_example(p, earlier, hints[i], later, hints[j], channel_names, now, budget);
      if (!example) continue;
      d.warn(earlier.where,
             "rule '" + earlier.id + "' (" + earlier.priority +
                 ") comes before the more urgent "
                 "rule '" +
                 later.id + "' (" + later.priority + ", " + later.where.file + ":" +
                 std::to_string(later.where.line) + ") and takes the complaints both match, e.g. " +
                 describe(*example) + ": move '" + earlier.id + "' below '" + later.id +
                 "' (rules run top to bottom, files in name order), or narrow its `when`",
             yaml::Code::rule_order);
      break;
    }
    if (budget == 0) {
      d.warn(p.rules[i].where,
             "rule order: checked the rules down to '" + p.rules[i].id +
                 "' only; too many rules of different priorities to try "
                 "every pair",
             yaml::Code::rule_order);
      return;
    }
  }
}

}  // namespace ackd::policy
