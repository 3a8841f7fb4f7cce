#include "ackd/text/keyword_set.hpp"

#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>
#include <stdexcept>
#include <string>

namespace ackd::text {

namespace {

// Room for the DFA of a few thousand keywords; RE2's default (8 MiB) makes large sets fall
// back to slow matching or fail outright.
constexpr int64_t kMaxMem = int64_t{256} << 20;

bool is_ascii_alnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

std::string keyword_pattern(std::string_view keyword) {
  std::string pattern;
  pattern.reserve(keyword.size() + 8);
  if (is_ascii_alnum(keyword.front())) pattern += "\\b";
  pattern += RE2::QuoteMeta(re2::StringPiece(keyword.data(), keyword.size()));
  if (is_ascii_alnum(keyword.back())) pattern += "\\b";
  return pattern;
}

}  // namespace

struct KeywordSet::Matcher {
  explicit Matcher(const RE2::Options& options) : set(options, RE2::UNANCHORED) {}
  RE2::Set set;
};

KeywordSet::KeywordSet() = default;
KeywordSet::~KeywordSet() = default;
KeywordSet::KeywordSet(KeywordSet&&) noexcept = default;
KeywordSet& KeywordSet::operator=(KeywordSet&&) noexcept = default;

std::uint32_t KeywordSet::add(std::string_view normalized_keyword) {
  if (const auto it = ids_.find(std::string(normalized_keyword)); it != ids_.end()) {
    return it->second;
  }
  if (compiled_) throw std::logic_error("KeywordSet::add after compile");
  // An empty keyword would match every text.
  if (normalized_keyword.empty()) throw std::invalid_argument("empty keyword");
  if (!set_) {
    RE2::Options options;
    options.set_encoding(RE2::Options::EncodingUTF8);
    options.set_max_mem(kMaxMem);
    options.set_log_errors(false);
    set_ = std::make_unique<Matcher>(options);
  }
  std::string error;
  const int index = set_->set.Add(keyword_pattern(normalized_keyword), &error);
  const auto id = static_cast<std::uint32_t>(keywords_.size());
  if (index < 0 || static_cast<std::uint32_t>(index) != id) {
    throw std::runtime_error("cannot add keyword '" + std::string(normalized_keyword) +
                             "': " + error);
  }
  keywords_.emplace_back(normalized_keyword);
  ids_.emplace(keywords_.back(), id);
  return id;
}

void KeywordSet::compile() {
  if (compiled_) return;
  if (set_ && !set_->set.Compile()) throw std::runtime_error("cannot compile keyword set");
  compiled_ = true;
}

void KeywordSet::match(std::string_view normalized_text, std::vector<bool>& hits) const {
  hits.assign(keywords_.size(), false);
  if (keywords_.empty()) return;
  for (const int id : find_all(normalized_text)) hits[static_cast<std::size_t>(id)] = true;
}

void KeywordSet::match_ids(std::string_view normalized_text,
                           std::vector<std::uint32_t>& ids) const {
  ids.clear();
  if (keywords_.empty()) return;
  const std::vector<int>& found = find_all(normalized_text);
  ids.assign(found.begin(), found.end());
  std::sort(ids.begin(), ids.end());
}

const std::vector<int>& KeywordSet::find_all(std::string_view normalized_text) const {
  if (!compiled_) throw std::logic_error("KeywordSet: match before compile");
  // Reused per thread: this is on the hot path.
  thread_local std::vector<int> found;
  found.clear();
  RE2::Set::ErrorInfo info{};
  if (!set_->set.Match(re2::StringPiece(normalized_text.data(), normalized_text.size()), &found,
                       &info) &&
      info.kind != RE2::Set::kNoError) {
    throw std::runtime_error("keyword matching failed (RE2 error " +
                             std::to_string(static_cast<int>(info.kind)) + ")");
  }
  return found;
}

}  // namespace ackd::text
