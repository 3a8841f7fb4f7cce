#include "ackd/text/name.hpp"

#include <unicode/brkiter.h>
#include <unicode/locid.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <memory>
#include <stdexcept>

#include "ackd/text/normalize.hpp"
#include "ackd/text/utf8.hpp"
#include "tld.hpp"

namespace ackd::text {

namespace {

constexpr std::size_t kMaxHandle = 30;

int category(char32_t cp) {
  return u_charType(static_cast<UChar32>(cp));
}

bool is_ascii_alnum(char32_t c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_ascii_lower(char32_t c) {
  return c >= 'a' && c <= 'z';
}

// Characters a host name label is made of; non-ASCII letters count, as IDNs render as such.
bool is_label_char(char32_t c) {
  return is_ascii_alnum(c) || c == '-' || c == '_' ||
         (c >= 0x80U && u_isalnum(static_cast<UChar32>(c)));
}

// The code points that may be shown, with every kind of space or line break turned into
// ' ': control, format (zero-width, bidi), private-use, unassigned and other
// default-ignorable code points are dropped.
std::vector<char32_t> visible_code_points(std::string_view raw) {
  std::vector<char32_t> out;
  out.reserve(raw.size());
  std::size_t pos = 0;
  while (pos < raw.size()) {
    const char32_t cp = next_code_point(raw, pos);
    const auto c = static_cast<UChar32>(cp);
    switch (category(cp)) {
      case U_CONTROL_CHAR:
        // Tabs and line breaks separate words; other controls are noise.
        if ((cp >= 0x09U && cp <= 0x0DU) || cp == 0x85U) out.push_back(' ');
        continue;
      case U_LINE_SEPARATOR:
      case U_PARAGRAPH_SEPARATOR:
        out.push_back(' ');
        continue;
      case U_FORMAT_CHAR:
      case U_PRIVATE_USE_CHAR:
      case U_UNASSIGNED:
      case U_SURROGATE:
        continue;
      default:
        break;
    }
    if (u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT)) continue;
    // The braille blank renders as a space and is a favourite for "invisible" names.
    if (u_isUWhiteSpace(c) || cp == 0x2800U) {
      out.push_back(' ');
      continue;
    }
    out.push_back(cp);
  }
  return out;
}

// What the name looks like once folded (NFKC with case folding, per code point), so that
// "ｗｗｗ．ｅｖｉｌ．ｃｏｍ", "＠evil" or "＃sale" are seen for what they are. `owner` maps each
// folded code point back to its index in the visible code points.
struct Folded {
  std::u32string text;
  std::vector<std::size_t> owner;
};

Folded fold(const std::vector<char32_t>& cps) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfkc_cf = icu::Normalizer2::getNFKCCasefoldInstance(status);
  if (U_FAILURE(status)) throw std::runtime_error("ICU NFKC_Casefold unavailable");
  Folded f;
  f.text.reserve(cps.size());
  f.owner.reserve(cps.size());
  auto put = [&](char32_t c, std::size_t i) {
    // The ideographic full stop is how "evil。com" dodges a dot check.
    f.text.push_back(c == 0x3002U ? U'.' : c);
    f.owner.push_back(i);
  };
  for (std::size_t i = 0; i < cps.size(); ++i) {
    const char32_t cp = cps[i];
    if (cp < 0x80U) {
      put(cp >= 'A' && cp <= 'Z' ? cp - 'A' + 'a' : cp, i);
      continue;
    }
    status = U_ZERO_ERROR;
    const icu::UnicodeString folded =
        nfkc_cf->normalize(icu::UnicodeString(static_cast<UChar32>(cp)), status);
    if (U_FAILURE(status)) {
      put(cp, i);
      continue;
    }
    for (int32_t k = 0; k < folded.length();) {
      const UChar32 c = folded.char32At(k);
      put(static_cast<char32_t>(c), i);
      k += U16_LENGTH(c);
    }
  }
  return f;
}

// Start of a URL, domain, e-mail address, mention or hashtag in the token
// [begin, end) of `t`, or `end`. Everything from there to the end of the token goes.
std::size_t unsafe_start(const std::u32string& t, std::size_t begin, std::size_t end) {
  std::size_t cut = end;
  auto back_over = [&](std::size_t i, auto&& pred) {
    while (i > begin && pred(t[i - 1])) --i;
    return i;
  };
  for (std::size_t i = begin; i < end && i < cut; ++i) {
    const char32_t c = t[i];
    if (c == '@') {
      // An address takes its local part along; a mention starts at the '@'.
      std::size_t j = i + 1;
      bool dotted = false;
      while (j < end && (is_ascii_alnum(t[j]) || t[j] == '-' || t[j] == '.')) {
        dotted = dotted || (t[j] == '.' && j > i + 1);
        ++j;
      }
      cut = std::min(cut, dotted ? back_over(i,
                                             [](char32_t x) {
                                               return is_ascii_alnum(x) || x == '.' || x == '_' ||
                                                      x == '%' || x == '+' || x == '-';
                                             })
                                 : i);
    } else if (c == '#') {
      cut = std::min(cut, i);
    } else if (c == ':' && i + 2 < end && t[i + 1] == '/' && t[i + 2] == '/') {
      cut = std::min(cut, back_over(i, [](char32_t x) {
                       return is_ascii_alnum(x) || x == '+' || x == '.' || x == '-';
                     }));
    } else if (c == 'w' && i + 3 < end && t[i + 1] == 'w' && t[i + 2] == 'w' && t[i + 3] == '.' &&
               (i == begin || !is_label_char(t[i - 1]))) {
      cut = std::min(cut, i);
    } else if (c == '.' && i > begin && is_label_char(t[i - 1])) {
      std::size_t j = i + 1;
      while (j < end && is_ascii_lower(t[j])) ++j;
      const bool ends_label = j == end || !(is_ascii_alnum(t[j]) || t[j] == '-' || t[j] == '_');
      if (j > i + 1 && ends_label) {
        std::string tld(t.begin() + static_cast<std::ptrdiff_t>(i + 1),
                        t.begin() + static_cast<std::ptrdiff_t>(j));
        if (detail::is_known_tld(tld)) {
          cut =
              std::min(cut, back_over(i, [](char32_t x) { return is_label_char(x) || x == '.'; }));
        }
      }
    }
  }
  return cut;
}

// Marks what must not be shown: template syntax first (it may span words), then per
// whitespace-separated token.
std::vector<bool> unsafe_code_points(const std::vector<char32_t>& cps) {
  std::vector<bool> drop(cps.size(), false);
  const Folded f = fold(cps);
  const std::u32string& t = f.text;
  auto mark = [&](std::size_t a, std::size_t b) {
    for (std::size_t i = a; i < b; ++i) drop[f.owner[i]] = true;
  };
  for (std::size_t i = 0; i + 1 < t.size();) {
    if (t[i] == '{' && t[i + 1] == '{') {
      const auto close = t.find(U"}}", i + 2);
      const std::size_t end = close == std::u32string::npos ? t.size() : close + 2;
      mark(i, end);
      i = end;
    } else if (t[i] == '}' && t[i + 1] == '}') {
      mark(i, i + 2);
      i += 2;
    } else {
      ++i;
    }
  }
  std::size_t i = 0;
  while (i < t.size()) {
    while (i < t.size() && t[i] == ' ') ++i;
    const std::size_t begin = i;
    while (i < t.size() && t[i] != ' ') ++i;
    if (begin < i) mark(unsafe_start(t, begin, i), i);
  }
  return drop;
}

bool is_space(char32_t c) {
  return c == ' ';
}

// An opening bracket or a separator left dangling after what followed it was removed.
bool is_dangling_end(char32_t c) {
  const int cat = category(c);
  return is_space(c) || cat == U_START_PUNCTUATION || cat == U_INITIAL_PUNCTUATION || c == ':' ||
         c == ';' || c == ',' || c == '/' || c == '|' || c == 0xFF1AU || c == 0xFF5CU ||
         c == 0xFF0FU;
}

void trim_dangling_end(std::vector<char32_t>& cps) {
  while (!cps.empty() && is_dangling_end(cps.back())) cps.pop_back();
}

std::string to_utf8(const std::vector<char32_t>& cps) {
  std::string out;
  out.reserve(cps.size() * 3);
  for (const char32_t c : cps) append_utf8(out, c);
  return out;
}

// The longest run of whole grapheme clusters of `cps` that holds at most `max_chars`
// clusters and at most `max_chars` code points: the policy lint bounds a reply's length by
// code points, and a flood of combining marks must not stretch one "character".
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

bool contains_banned(const std::string& name, const std::vector<std::string>& banned) {
  if (banned.empty()) return false;
  const std::string normalized = normalize(name);
  std::string compact;  // "ba nned" must not pass for "banned"
  std::remove_copy(normalized.begin(), normalized.end(), std::back_inserter(compact), ' ');
  for (const auto& phrase : banned) {
    if (phrase.empty()) continue;
    if (normalized.find(phrase) != std::string::npos) return true;
    std::string compact_phrase;
    std::remove_copy(phrase.begin(), phrase.end(), std::back_inserter(compact_phrase), ' ');
    if (!compact_phrase.empty() && compact.find(compact_phrase) != std::string::npos) return true;
  }
  return false;
}

bool has_word_character(const std::vector<char32_t>& cps) {
  return std::any_of(cps.begin(), cps.end(), [](char32_t c) {
    const auto u = static_cast<UChar32>(c);
    return u_isalnum(u) || u_hasBinaryProperty(u, UCHAR_IDEOGRAPHIC);
  });
}

}  // namespace

std::string sanitize_name(std::string_view raw, const NameRules& rules) {
  if (find_invalid_utf8(raw)) return "";
  const std::vector<char32_t> visible = visible_code_points(raw);
  const std::vector<bool> drop = unsafe_code_points(visible);

  std::vector<char32_t> kept;
  kept.reserve(visible.size());
  for (std::size_t i = 0; i < visible.size(); ++i) {
    if (drop[i]) continue;
    const char32_t c = visible[i];
    if (is_space(c) && (kept.empty() || is_space(kept.back()))) continue;
    kept.push_back(c);
  }
  trim_dangling_end(kept);

  if (contains_banned(to_utf8(kept), rules.banned)) return "";
  cut_graphemes(kept, rules.max_chars);
  trim_dangling_end(kept);
  if (!has_word_character(kept)) return "";
  return to_utf8(kept);
}

std::string sanitize_handle(std::string_view raw) {
  constexpr std::string_view kFullWidthAt = "\xEF\xBC\xA0";  // ＠
  for (;;) {
    if (!raw.empty() && raw.front() == '@') {
      raw.remove_prefix(1);
    } else if (raw.substr(0, kFullWidthAt.size()) == kFullWidthAt) {
      raw.remove_prefix(kFullWidthAt.size());
    } else {
      break;
    }
  }
  std::string out;
  for (const char c : raw) {
    if (out.size() == kMaxHandle) break;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
        c == '.' || c == '-') {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace ackd::text
