#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ackd::text {

// Matches every keyword of a policy against a text in one pass. Keywords and texts
// are both in normalized form (text/normalize.hpp). A keyword whose first or last
// character is an ASCII letter or digit only matches on a word boundary there, so
// "fire" does not match "firefox"; other keywords (Japanese) match anywhere.
class KeywordSet {
 public:
  KeywordSet();
  ~KeywordSet();
  KeywordSet(KeywordSet&&) noexcept;
  KeywordSet& operator=(KeywordSet&&) noexcept;

  // Returns the keyword's id; adding the same keyword twice returns the first id.
  std::uint32_t add(std::string_view normalized_keyword);
  // Must be called once after the last add and before match.
  void compile();

  std::size_t size() const { return keywords_.size(); }
  const std::string& keyword(std::uint32_t id) const { return keywords_[id]; }

  // Sets hits[id] = true for every keyword found in `normalized_text`; `hits` is resized
  // to size() and cleared first.
  void match(std::string_view normalized_text, std::vector<bool>& hits) const;

  // The ids of the keywords found in `normalized_text`, sorted; `ids` is cleared first.
  // Cheaper than match() when there are many keywords and few hits.
  void match_ids(std::string_view normalized_text, std::vector<std::uint32_t>& ids) const;

 private:
  struct Automaton;  // Aho-Corasick over the keywords' bytes, built by compile()

  // Calls found(id) for each occurrence of a keyword that respects its word boundaries.
  template <class Found>
  void for_each_match(std::string_view normalized_text, Found&& found) const;

  std::vector<std::string> keywords_;
  std::unordered_map<std::string, std::uint32_t> ids_;
  std::unique_ptr<const Automaton> automaton_;  // null until compile()
};

}  // namespace ackd::text
