// Indexing: what evaluation needs beyond the policy as written, built once it is valid.
#include <algorithm>

#include "ackd/text/normalize.hpp"
#include "loader.hpp"

namespace ackd::policy {

namespace {

// The text keywords a rule cannot match without, if its `when` requires any of some.
std::optional<std::vector<std::uint32_t>> required_text_keywords(const Rule& rule) {
  if (!rule.when) return std::nullopt;
  auto from = [](const Condition& c) -> std::optional<std::vector<std::uint32_t>> {
    if (c.kind == Condition::Kind::keywords && c.field == Field::text &&
        c.mode == KeywordMode::any) {
      return c.keyword_ids;
    }
    return std::nullopt;
  };
  if (auto direct = from(*rule.when)) return direct;
  if (rule.when->kind == Condition::Kind::all_of) {
    for (const auto& child : rule.when->children) {
      if (auto ids = from(child)) return ids;
    }
  }
  return std::nullopt;
}

}  // namespace

void Loader::index_rules() {
  Policy& p = *policy_;
  auto& text_set = p.keywords[static_cast<std::size_t>(Field::text)];
  for (const auto& name : text_lists_) {
    TopicList list{name, {}};
    for (const auto& term : p.lists.at(name)) {
      list.keyword_ids.push_back(text_set.add(text::normalize(term)));
    }
    std::sort(list.keyword_ids.begin(), list.keyword_ids.end());
    list.keyword_ids.erase(std::unique(list.keyword_ids.begin(), list.keyword_ids.end()),
                           list.keyword_ids.end());
    p.text_lists.push_back(std::move(list));
  }
  for (auto& set : p.keywords) set.compile();
  p.pii = std::make_unique<text::PiiDetector>(p.safety.pii_patterns);
  p.rules_by_text_keyword.assign(text_set.size(), {});
  for (std::uint32_t i = 0; i < p.rules.size(); ++i) {
    if (auto ids = required_text_keywords(p.rules[i])) {
      for (auto id : *ids) p.rules_by_text_keyword[id].push_back(i);
    } else {
      p.unindexed_rules.push_back(i);
    }
  }
  for (auto& rules : p.rules_by_text_keyword) {
    rules.erase(std::unique(rules.begin(), rules.end()), rules.end());
  }
}

}  // namespace ackd::policy
