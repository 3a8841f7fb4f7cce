#include "ackd/text/excerpt.hpp"

#include <unicode/brkiter.h>
#include <unicode/locid.h>
#include <unicode/unistr.h>

#include <memory>
#include <stdexcept>

#include "ackd/text/utf8.hpp"
#include "graphemes.hpp"

namespace ackd::text {

namespace detail {

void cut_graphemes(std::vector<char32_t>& cps, std::size_t max_chars) {
  if (cps.size() <= max_chars) return;  // a grapheme holds at least one code point
  icu::UnicodeString text;
  for (const char32_t c : cps) text.append(static_cast<UChar32>(c));
  thread_local std::unique_ptr<icu::BreakIterator> breaks = [] {
    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<icu::BreakIterator> bi(
        icu::BreakIterator::createCharacterInstance(icu::Locale::getRoot(), status));
    if (U_FAILURE(status)) throw std::runtime_error("ICU character break iterator unavailable");
    return bi;
  }();
  breaks->setText(text);
  int32_t end = breaks->first();
  for (std::size_t n = 0; n < max_chars; ++n) {
    const int32_t next = breaks->next();
    if (next == icu::BreakIterator::DONE) return;
    if (static_cast<std::size_t>(text.countChar32(0, next)) > max_chars) break;
    end = next;
  }
  cps.resize(static_cast<std::size_t>(text.countChar32(0, end)));
}

}  // namespace detail

namespace {

// LRE RLE PDF LRO RLO and LRI RLI FSI PDI.
bool reorders(char32_t cp) {
  return (cp >= 0x202AU && cp <= 0x202EU) || (cp >= 0x2066U && cp <= 0x2069U);
}

}  // namespace

std::string excerpt(std::string_view utf8, std::size_t max_chars) {
  std::vector<char32_t> cps;
  cps.reserve(utf8.size());
  while (!utf8.empty()) {
    const auto bad = find_invalid_utf8(utf8);
    const std::string_view valid = utf8.substr(0, bad.value_or(utf8.size()));
    for (std::size_t pos = 0; pos < valid.size();) {
      const char32_t cp = next_code_point(valid, pos);
      if (!reorders(cp)) cps.push_back(cp);
    }
    if (!bad) break;
    cps.push_back(U'\uFFFD');
    utf8.remove_prefix(*bad + 1);
  }
  const std::size_t whole = cps.size();
  if (max_chars == 0) return {};
  detail::cut_graphemes(cps, max_chars);
  // Room for the "…" that says something was cut.
  if (cps.size() < whole) {
    detail::cut_graphemes(cps, max_chars - 1);
    cps.push_back(U'\u2026');
  }
  std::string out;
  out.reserve(cps.size() * 3);
  for (const char32_t c : cps) append_utf8(out, c);
  return out;
}

}  // namespace ackd::text
